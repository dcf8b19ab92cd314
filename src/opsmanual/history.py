"""The manual in git: files at a revision, what changed between two points, which commit added
each update record, and the update-log rule (`unlogged-change`, `history-unavailable`).

Every git question is asked about the paths that changed, never about the whole manual, so the
cost follows the size of a change. gitpython is imported only here and only when needed.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from opsmanual.errors import OpsError
from opsmanual.findings import Finding, make
from opsmanual.load import Document, parse
from opsmanual.model import Manual, UpdateRecord
from opsmanual.source import LINK_MESSAGE, MANUAL_FILES, Unreadable, read_regular, relevant

WORKTREE = "worktree"
UPDATES_FILES = ("records/updates.yaml", "records/updates.yml")
FETCH_HINT = (
    "fetch the full history (`git fetch --unshallow`; in GitHub Actions `fetch-depth: 0` "
    "on actions/checkout, in GitLab CI `GIT_DEPTH: 0`)"
)


class GitManual:
    """A manual folder inside a git work tree: the repository and the folder's place in it."""

    def __init__(self, repo: Any, root: Path) -> None:
        self.repo = repo
        self.top = Path(repo.working_tree_dir).resolve()
        self.root = root.resolve()
        rel = self.root.relative_to(self.top).as_posix()
        self.prefix = "" if rel == "." else rel + "/"
        self._shallow: set[str] | None = None
        # gitpython keeps `git cat-file` processes open for reads; end them with this object.
        weakref.finalize(self, repo.close)

    def git(self, *args: str) -> str:
        """Run a git command in the repository; a failure becomes one clear `OpsError`."""
        from git.exc import GitCommandError

        try:
            out: str = self.repo.git.execute(
                ["git", "-c", "core.quotepath=off", *args], strip_newline_in_stdout=False
            )
        except GitCommandError as exc:
            detail = (exc.stderr or "").strip().removeprefix("stderr:").strip(" '\n")
            raise OpsError(f"git {args[0]} failed: {detail or exc}") from None
        return out

    def has_head(self) -> bool:
        try:
            self.repo.head.commit  # noqa: B018  (raises on a repository without commits)
        except ValueError:
            return False
        return True

    def resolve(self, rev: str) -> str:
        """The full commit id of a revision (tag, branch, commit), or `OpsError`."""
        from git.exc import BadName, GitCommandError

        try:
            commit = str(self.repo.commit(rev).hexsha)
        except (BadName, GitCommandError, ValueError):
            raise OpsError(f"unknown revision {rev!r} in {self.top}") from None
        try:
            # In a shallow clone `HEAD~1` names a parent whose object was never fetched.
            self.repo.git.get_object_header(commit)
        except ValueError:
            raise OpsError(
                f"revision {rev!r} is beyond the history of this shallow clone; " + FETCH_HINT
            ) from None
        return commit

    def shallow_boundary(self) -> set[str]:
        if self._shallow is None:
            marker = Path(self.repo.git_dir) / "shallow"
            text = marker.read_text() if marker.is_file() else ""
            self._shallow = set(text.split())
        return self._shallow

    def read(self, point: str, path: str) -> bytes | None:
        """A file of the manual (path relative to the manual folder) at a commit or the work
        tree; None when it does not exist there."""
        if point == WORKTREE:
            file = self.root / path
            if not (file.is_file() or file.is_symlink()):
                return None
            return read_regular(file, inside=self.root)  # a link or FIFO: one-line error
        # One persistent `git cat-file --batch` answers every read: no tree parsed in Python.
        try:
            _, kind, _, data = self.repo.git.get_object_data(f"{point}:{self.prefix}{path}")
        except ValueError:
            return None
        return bytes(data) if kind == b"blob" else None

    def read_blobs(self, ids: dict[str, str]) -> dict[str, bytes]:
        """Many blobs by id (path -> id), in a single `git cat-file --batch` run; by id, since
        resolving `commit:path` would scan a large folder's tree once per file."""
        import subprocess

        paths = list(ids)
        specs = "".join(f"{ids[p]}\n" for p in paths).encode("ascii")
        try:
            done = subprocess.run(
                ["git", "cat-file", "--batch"], input=specs, cwd=self.top, capture_output=True
            )
        except OSError as exc:
            raise OpsError(f"cannot run git: {exc.strerror or exc}") from None
        if done.returncode != 0:
            raise OpsError(f"git cat-file failed: {done.stderr.decode(errors='replace').strip()}")
        out: dict[str, bytes] = {}
        data, at = done.stdout, 0
        for path in paths:
            end = data.index(b"\n", at)
            header = data[at:end].split()
            at = end + 1
            if header[-1] == b"missing":
                continue
            size = int(header[2])
            out[path] = data[at : at + size]
            at += size + 1
        return out

    def object_id(self, commit: str, path: str) -> str | None:
        """The id of a blob or tree (path relative to the manual folder; "" for the folder)."""
        spec = f"{commit}:{self.prefix}{path}".rstrip("/")
        try:
            sha, _, _ = self.repo.git.get_object_header(spec)
        except ValueError:
            return None
        return bytes(sha).decode()

    def changes(self, a: str, b: str, renames: bool = True) -> list[Change]:
        """Files of the manual that differ between two points (`b` may be the work tree), as
        `git diff --name-status` sees them; untracked files count as added."""
        scope = ["--", self.prefix or "."]
        args = ["diff", "--name-status", "-z", "-M" if renames else "--no-renames", a]
        if b != WORKTREE:
            args.append(b)
        found = _parse_name_status(self.git(*args, *scope), self.prefix)
        if b == WORKTREE:
            untracked = self.git("ls-files", "-z", "--others", "--exclude-standard", *scope)
            for name in untracked.split("\0"):
                if name.startswith(self.prefix) and name:
                    found.append(Change("A", None, name[len(self.prefix) :]))
        return [c for c in found if any(relevant(p) for p in c.paths())]


@dataclass(frozen=True)
class Change:
    """One changed file: status letter (A, D, M, R, T), old and new path (relative to the
    manual folder; None on the side where the file does not exist)."""

    status: str
    old: str | None
    new: str | None

    def paths(self) -> list[str]:
        return [p for p in (self.old, self.new) if p is not None]


def _parse_name_status(text: str, prefix: str) -> list[Change]:
    def local(path: str) -> str | None:
        return path[len(prefix) :] if path.startswith(prefix) else None

    parts = text.split("\0")
    out: list[Change] = []
    i = 0
    while i < len(parts) and parts[i]:
        status = parts[i][0]
        if status in "RC":
            old, new = local(parts[i + 1]), local(parts[i + 2])
            i += 3
            if status == "C":
                old = None
        else:
            path = local(parts[i + 1])
            i += 2
            old = None if status == "A" else path
            new = None if status == "D" else path
        out.append(Change("M" if status == "T" else status, old, new))
    return out


def open_repo(root: Path) -> GitManual | None:
    """The git view of a manual folder, or None when it is not inside a git work tree."""
    from git import Repo
    from git.exc import InvalidGitRepositoryError, NoSuchPathError

    try:
        repo = Repo(root, search_parent_directories=True)
    except (InvalidGitRepositoryError, NoSuchPathError):
        return None
    if repo.bare or repo.working_tree_dir is None:
        return None
    return GitManual(repo, root)


def require_repo(root: Path) -> GitManual:
    found = open_repo(root)
    if found is None:
        raise OpsError(f"{root} is not inside a git repository (this command needs its history)")
    return found


class GitSource:
    """The `Source` of a manual at one commit, read from git objects without a checkout.

    With `only`, a partial source over just those paths: what a diff needs, at the cost of
    the change rather than of the manual.
    """

    def __init__(self, gm: GitManual, commit: str, only: Iterable[str] | None = None) -> None:
        self.gm = gm
        self.commit = commit
        self._only = sorted(set(only)) if only is not None else None
        self._blobs: dict[str, bytes] | None = None
        self._ids: dict[str, str] | None = None
        self._links: set[str] = set()

    def paths(self) -> list[str]:
        if self._only is not None:
            return [p for p in self._only if relevant(p)]
        return sorted(self._listing())

    def _listing(self) -> dict[str, str]:
        """Path -> blob id of every file of the format, from one `git ls-tree`."""
        if self._ids is None:
            scope = self.gm.prefix or "."
            listing = self.gm.git("ls-tree", "-r", "-z", self.commit, "--", scope)
            n = len(self.gm.prefix)
            self._ids = {}
            for line in listing.split("\0"):
                meta, _, name = line.partition("\t")
                if name and meta.split()[1] == "blob" and relevant(name[n:]):
                    self._ids[name[n:]] = meta.split()[2]
                    if meta.startswith("120000"):  # a symbolic link: read as on disk, not at all
                        self._links.add(name[n:])
        return self._ids

    def read(self, path: str) -> bytes:
        if self._only is None and path in self._listing() and path in self._links:
            raise Unreadable(path, LINK_MESSAGE)
        if self._only is None:
            if self._blobs is None:
                # A whole manual is read in one `git cat-file --batch` run, not a round trip
                # per file.
                self._blobs = self.gm.read_blobs(self._listing())
            data = self._blobs.get(path)
        else:
            data = self.gm.read(self.commit, path)
        if data is None:
            raise OpsError(f"{path} does not exist at {self.commit[:12]}")
        return data


def source_at(root: Path, rev: str) -> GitSource:
    """The manual's files at a git revision, for `render --rev` and the history commands."""
    gm = require_repo(root)
    commit = gm.resolve(rev)
    require_manual_at(gm, commit, rev)
    return GitSource(gm, commit)


def require_manual_at(gm: GitManual, commit: str, rev: str) -> None:
    """OpsError unless the manual (its folder and manual.yaml) existed at `commit`."""
    if gm.prefix and gm.object_id(commit, "") is None:
        raise OpsError(f"the manual folder {gm.prefix.rstrip('/')} did not exist at {rev}")
    if not any(gm.read(commit, name) is not None for name in MANUAL_FILES):
        raise OpsError(f"the manual folder has no manual.yaml at {rev}")


# --- which commit added each update record ---------------------------------------------------


def versions_in(raw: bytes | None) -> list[str]:
    """The versions listed in an update record table's bytes (empty when unreadable)."""
    if raw is None:
        return []
    doc = parse("records/updates.yaml", raw)
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
    return UPDATES_FILES[0]


# --- the update-log rule ---------------------------------------------------------------------


def entity_of(path: str) -> str | None:
    """The `changes` entry a file stands for (`procedures/x`, `manual`), None for records/ and
    files that are not entities."""
    if path in MANUAL_FILES:
        return "manual"
    if path.startswith("records/") or not relevant(path):
        return None
    p = PurePosixPath(path)
    if p.suffix not in (".yaml", ".yml"):
        return None
    return f"{p.parent}/{p.stem}"


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


def _counts(gm: GitManual, change: Change, a: str, b: str) -> bool:
    """Whether a changed file needs an update record (records/ and version-only edits do not)."""
    path = change.new or change.old or ""
    if entity_of(path) is None and not (change.old and entity_of(change.old)):
        return False
    if path in MANUAL_FILES and change.status == "M":
        return bool(_without_version(gm.read(a, path)) != _without_version(gm.read(b, path)))
    return True


def check_update_log(root: Path, manual: Manual) -> list[Finding]:
    """`unlogged-change` and `history-unavailable` (format.md, "The update-log rule under git").

    Not inside a git work tree: no findings (validate without history is not an error).
    """
    if not manual.updates:
        return []  # no readable update record table: other findings already say so
    gm = open_repo(root)
    if gm is None:
        return []
    table = table_path(manual)
    last = manual.updates[-1]
    prev = manual.updates[-2] if len(manual.updates) > 1 else None
    wanted = [last.version] + ([prev.version] if prev else [])
    added = RecordHistory(gm, table).added(wanted)
    added_last = added[last.version]
    added_prev = added[prev.version] if prev else added_last
    if added_last is None or added_prev is None:
        doc = manual.updates_doc
        # Name the record whose adding commit is missing: at depth 2 the last one's commit is
        # often here while the one before it is not.
        unknown = last if added_last is None or prev is None else prev
        message = (
            "the git history is too shallow to check that every change is in the update "
            f"record table (the commit that added record {unknown.version} is not in this "
            "clone); " + FETCH_HINT
        )
        if doc is None:
            return [make("history-unavailable", table, message)]
        return [doc.finding("history-unavailable", message, [unknown.index])]
    findings: list[Finding] = []
    if added_prev != added_last and prev is not None:
        for change in gm.changes(added_prev, added_last, renames=False):
            if _counts(gm, change, added_prev, added_last):
                findings += _unlisted(manual, last, change)
    if added_last != WORKTREE:
        short = added_last[:10]
        for change in gm.changes(added_last, WORKTREE, renames=False):
            if _counts(gm, change, added_last, WORKTREE):
                findings.append(_after(manual, last, change, short))
    return findings


def _listed(manual: Manual, record: UpdateRecord, change: Change) -> bool:
    entity = entity_of(change.new or change.old or "")
    if change.new is None:
        # A deletion belongs in `removed`; `changes` also covers it when the entity lives on in
        # another file (a.yaml renamed to a.yml).
        kind, _, ident = (entity or "").partition("/")
        still = ident in manual.known.get(kind, set())
        return entity in record.removed or (still and entity in record.changes)
    return entity in record.changes


def _unlisted(manual: Manual, record: UpdateRecord, change: Change) -> list[Finding]:
    if _listed(manual, record, change):
        return []
    entity = entity_of(change.new or change.old or "")
    if change.new is None:
        return [
            _at_record(
                manual,
                record,
                f"{change.old} was deleted in the span of update record {record.version} but "
                f"{entity} is not in its `removed`; add `{entity}` to the last record's "
                "`removed`",
            )
        ]
    return [
        _at_file(
            manual,
            change.new,
            f"{change.new} {'was added' if change.old is None else 'changed'} in the span of "
            f"update record {record.version} but {entity} "
            f"is not in its `changes`; add `{entity}` to the last record's `changes` in "
            "records/updates.yaml",
        )
    ]


def _after(manual: Manual, record: UpdateRecord, change: Change, commit: str) -> Finding:
    what = "deleted" if change.new is None else "added" if change.old is None else "changed"
    message = (
        f"{change.new or change.old} was {what} after the commit that added the last update "
        f"record ({record.version}, {commit}); enter the change in the update record table: "
        '`opsmanual record add --summary "..." --changes auto`'
    )
    if change.new is None:
        return _at_record(manual, record, message)
    return _at_file(manual, change.new, message)


def _at_file(manual: Manual, path: str, message: str) -> Finding:
    doc: Document | None = manual.documents.get(path)
    if doc is not None and isinstance(doc.data, dict) and "id" in doc.data:
        return doc.finding("unlogged-change", message, ["id"])
    return make("unlogged-change", path, message, (1, 1))


def _at_record(manual: Manual, record: UpdateRecord, message: str) -> Finding:
    doc = manual.updates_doc
    if doc is None:
        return make("unlogged-change", table_path(manual), message)
    key = "removed" if record.removed else "changes"
    return doc.finding("unlogged-change", message, [record.index, key])


# --- record add ------------------------------------------------------------------------------


def changed_since_last_record(root: Path, manual: Manual) -> tuple[list[str], list[str]]:
    """`--changes auto`: the entities changed since the commit that added the last record, the
    work tree included, as (changes, removed)."""
    gm = open_repo(root)
    if gm is None:
        raise OpsError("--changes auto needs git history; give the entities: --changes KIND/ID,...")
    if not gm.has_head():
        raise OpsError("the repository has no commit yet; commit the manual, or give --changes")
    last = manual.updates[-1]
    base = RecordHistory(gm, table_path(manual)).added([last.version])[last.version]
    if base is None:
        raise OpsError(
            f"cannot tell when record {last.version} was added: the clone is shallow; " + FETCH_HINT
        )
    if base == WORKTREE:
        base = gm.resolve("HEAD")
    changes: list[str] = []
    removed: list[str] = []
    for change in gm.changes(base, WORKTREE, renames=False):
        if not _counts(gm, change, base, WORKTREE):
            continue
        entity = entity_of(change.new or change.old or "")
        if entity is None:
            continue
        kind, _, ident = entity.partition("/")
        gone = change.new is None and ident not in manual.known.get(kind, set())
        (removed if gone and entity != "manual" else changes).append(entity)
    return _ordered(changes), _ordered([e for e in removed if e not in changes])


def _ordered(refs: list[str]) -> list[str]:
    order = ("manual", "units", "roles", "procedures", "staff")
    return sorted(set(refs), key=lambda r: (order.index(r.partition("/")[0]), r))
