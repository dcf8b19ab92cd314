"""The update record table in git: which commit added each record, which file changes need a
record, and what changed since the last one (`record add --changes auto`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from opsmanual import kinds
from opsmanual.errors import OpsError
from opsmanual.findings import Finding
from opsmanual.gitaccess import FETCH_HINT, WORKTREE, Change, GitManual, open_repo
from opsmanual.i18n import _
from opsmanual.kinds import MANUAL_FILES, entity_ref, ref_order
from opsmanual.load import parse
from opsmanual.model import Manual

UPDATES = kinds.record("updates")


def versions_in(raw: bytes | None) -> list[str]:
    """The versions listed in an update record table's bytes (empty when unreadable)."""
    if raw is None:
        return []
    doc = parse(UPDATES.path, raw)
    if isinstance(doc, Finding) or not isinstance(doc.data, list):
        return []
    return [str(e["version"]) for e in doc.data if isinstance(e, dict) and "version" in e]


class RecordHistory:
    """When each update record entered the history.

    A record is added by the first commit of HEAD's history whose table holds its version
    (format.md). The walk goes back from HEAD over only the commits that touched the table and
    stops as soon as none of the wanted versions is in it, so it reads a handful of blobs.
    Parsed tables are cached by blob id: unchanged tables are parsed once.
    """

    def __init__(self, gm: GitManual, table: str) -> None:
        self.gm = gm
        self.table = table
        self._by_blob: dict[str, set[str]] = {}

    def _versions_at(self, commit: str) -> set[str]:
        blob = self.gm.object_id(commit, self.table)
        if blob is None:
            return set()
        if blob not in self._by_blob:
            self._by_blob[blob] = set(versions_in(self.gm.read(commit, self.table)))
        return self._by_blob[blob]

    def added(self, versions: Sequence[str]) -> dict[str, str | None]:
        """For each version: the commit that added it, WORKTREE when only the work tree has it,
        or None when the history was cut off (shallow clone) before its addition was seen."""
        result: dict[str, str | None] = {}
        if not self.gm.has_head():
            return dict.fromkeys(versions, WORKTREE)
        commits = self.gm.git("rev-list", "HEAD", "--", self.gm.prefix + self.table).split()
        at_head = self._versions_at(commits[0]) if commits else set()
        wanted = set(versions)
        for v in wanted - at_head:
            result[v] = WORKTREE
        pending = wanted & at_head
        earliest: dict[str, str] = {}
        boundary = self.gm.shallow_boundary()
        for commit in commits:
            present = self._versions_at(commit) & pending
            if not present:
                break
            for v in present:
                earliest[v] = commit
            if commit in boundary:
                # The history before this commit is not here: a version still present may have
                # been added earlier, so its adding commit is unknown.
                for v in present:
                    earliest.pop(v)
                    result[v] = None
                pending -= present
                break
        for v in pending:
            result.setdefault(v, earliest.get(v))
        return result


def table_path(manual: Manual) -> str:
    if manual.updates_doc is not None:
        return manual.updates_doc.path
    return UPDATES.path


def _without_version(raw: bytes | None) -> Any:
    if raw is None:
        return None
    doc = parse("manual.yaml", raw)
    if isinstance(doc, Finding):
        return doc.message  # unparseable: compare by the message so that any edit counts
    data = doc.data
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if k not in ("version", "effective")}
    return data


def needs_record(gm: GitManual, change: Change, a: str, b: str) -> bool:
    """Whether a changed file needs an update record (records/ and version-only edits do not)."""
    path = change.new or change.old or ""
    if entity_ref(path) is None and not (change.old and entity_ref(change.old)):
        return False
    if path in MANUAL_FILES and change.status == "M":
        return bool(_without_version(gm.read(a, path)) != _without_version(gm.read(b, path)))
    return True


# --- record add ------------------------------------------------------------------------------


def changed_since_last_record(root: Path, manual: Manual) -> tuple[list[str], list[str]]:
    """`--changes auto`: the entities changed since the commit that added the last record, the
    work tree included, as (changes, removed)."""
    gm = open_repo(root)
    if gm is None:
        raise OpsError(
            _("--changes auto needs git history; give the entities: --changes KIND/ID,...")
        )
    if not gm.has_head():
        raise OpsError(_("the repository has no commit yet; commit the manual, or give --changes"))
    last = manual.updates[-1]
    base = RecordHistory(gm, table_path(manual)).added([last.version])[last.version]
    if base is None:
        raise OpsError(
            _(
                "cannot tell when record {version} was added: the clone is shallow; {hint}",
                version=last.version,
                hint=_(FETCH_HINT),
            )
        )
    if base == WORKTREE:
        base = gm.resolve("HEAD")
    changes: list[str] = []
    removed: list[str] = []
    for change in gm.changes(base, WORKTREE, renames=False):
        if not needs_record(gm, change, base, WORKTREE):
            continue
        entity = entity_ref(change.new or change.old or "")
        if entity is None:
            continue
        kind, _slash, ident = entity.partition("/")
        gone = change.new is None and ident not in manual.known.get(kind, set())
        (removed if gone and entity != "manual" else changes).append(entity)
    return _ordered(changes), _ordered([e for e in removed if e not in changes])


def _ordered(refs: list[str]) -> list[str]:
    return sorted(set(refs), key=ref_order)
