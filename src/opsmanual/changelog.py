"""The staff notice: for each chosen update record, what changed and who must read it.

The audience follows format.md, "The audience of a change". The per-field changes come from
the semantic diff between the commit that added the record before and the commit that added
this one; without git the notice is built from the update records alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsmanual.diff import EntityChange
from opsmanual.errors import OpsError
from opsmanual.findings import Finding
from opsmanual.gitaccess import WORKTREE, GitManual, open_repo
from opsmanual.i18n import _, listing
from opsmanual.manual import load_manual
from opsmanual.model import Manual, Person, UpdateRecord
from opsmanual.record_history import RecordHistory, table_path
from opsmanual.source import FolderSource

VERSION = re.compile(r"^[0-9]+(\.[0-9]+)*$")


@dataclass
class Entry:
    """One update record in a notice."""

    record: UpdateRecord
    changes: list[EntityChange] = field(default_factory=list)
    why_no_details: str | None = None  # a `notice` words key when there are no per-field changes
    audience: dict[str, set[str]] = field(default_factory=dict)  # ref -> staff ids
    roles: list[str] = field(default_factory=list)

    def staff_ids(self) -> set[str]:
        return set().union(*self.audience.values()) if self.audience else set()


@dataclass
class Notice:
    manual: Manual
    entries: list[Entry]
    since: str | None
    findings: list[Finding] = field(default_factory=list)  # files that could not be parsed

    @property
    def title(self) -> str:
        return self.manual.info.title if self.manual.info else "manual"

    def versions(self) -> list[str]:
        return [e.record.version for e in self.entries]

    def staff(self) -> list[Person]:
        wanted = set().union(*(e.staff_ids() for e in self.entries)) if self.entries else set()
        return [p for p in self.manual.active_staff() if p.id in wanted]


# --- the audience --------------------------------------------------------------------------


def audience_roles(manual: Manual, ref: str, old: Any = None) -> list[str]:
    """The roles an update of one entity reaches (format.md); `old` is a removed entity's data."""
    kind, _slash, ident = ref.partition("/")
    if kind == "procedures":
        procedure = manual.procedures.get(ident)
        if procedure is not None:
            return procedure.roles()
        return _procedure_roles(old)
    if kind == "roles":
        return [ident, *(r.id for r in manual.roles.values() if r.reports_to == ident)]
    if kind == "units":
        return [r.id for r in manual.roles.values() if r.unit == ident]
    if kind == "manual":
        return list(manual.roles)
    return []


def _procedure_roles(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return []
    steps: list[Any] = data["steps"] if isinstance(data.get("steps"), list) else []
    found = [data.get("owner"), *(s.get("actor") for s in steps if isinstance(s, dict))]
    for key in ("consulted", "informed"):
        if isinstance(data.get(key), list):
            found += data[key]
    return list(dict.fromkeys(r for r in found if isinstance(r, str)))


def audience_staff(manual: Manual, ref: str, roles: list[str]) -> set[str]:
    active = manual.active_staff()
    if ref == "manual":
        return {p.id for p in active}
    if ref.startswith("staff/"):
        ident = ref.partition("/")[2]
        return {p.id for p in active if p.id == ident}
    wanted = set(roles)
    return {p.id for p in active if wanted & set(p.roles)}


# --- choosing the records and their changes --------------------------------------------------


def select(manual: Manual, since: str | None, gm: GitManual | None) -> list[UpdateRecord]:
    records = manual.updates
    if since is None:
        return records[-1:]
    versions = [r.version for r in records]
    if since in versions:
        return records[versions.index(since) + 1 :]
    if gm is None:
        if VERSION.match(since):
            raise OpsError(_("--since {since}: no update record has this version", since=since))
        raise OpsError(
            _(
                "--since {since}: not a version of the update record table, and the manual is "
                "not in a git repository, so it cannot be a revision",
                since=since,
            )
        )
    from opsmanual.record_history import versions_in

    try:
        commit = gm.resolve(since)
    except OpsError:
        if VERSION.match(since):
            raise OpsError(
                _(
                    "--since {since}: no update record has this version (the versions are "
                    "{versions}), and it is not a git revision either",
                    since=since,
                    versions=listing(versions),
                )
            ) from None
        raise
    before = set(versions_in(gm.read(commit, table_path(manual))))
    return [r for r in records if r.version not in before]


def build(root: Path, since: str | None = None) -> Notice:
    """The notice for the update records after `since` (default: the last record alone)."""
    manual, findings = load_manual(FolderSource(root))
    unreadable = [f for f in findings if f.code.startswith("yaml-")]
    # A person whose staff file cannot be used would silently miss the notice: say so instead.
    unreadable += [
        f
        for f in findings
        if f.file.startswith("staff/")
        and f.severity == "error"
        and f not in unreadable
        and f.file.rpartition("/")[2].rpartition(".")[0] not in manual.staff
    ]
    if manual.info is None or not manual.updates:
        problems = unreadable or [f for f in findings if f.severity == "error"]
        return Notice(manual, [], since, problems)
    gm = open_repo(root)
    chosen = select(manual, since, gm)
    entries = [Entry(r) for r in chosen]
    if gm is None:
        for entry in entries:
            entry.why_no_details = "why_nogit"
    else:
        _add_changes(manual, gm, entries, unreadable)
    for entry in entries:
        _add_audience(manual, entry)
    return Notice(manual, entries, since, unreadable)


def _add_changes(
    manual: Manual, gm: GitManual, entries: list[Entry], problems: list[Finding]
) -> None:
    from opsmanual.diff import diff_points

    records = manual.updates
    wanted: list[str] = []
    for entry in entries:
        i = entry.record.index
        wanted += [records[i].version] + ([records[i - 1].version] if i > 0 else [])
    added = RecordHistory(gm, table_path(manual)).added(list(dict.fromkeys(wanted)))
    for entry in entries:
        i = entry.record.index
        if i == 0:
            entry.why_no_details = "why_first"
            continue
        start, end = added[records[i - 1].version], added[entry.record.version]
        if start is None or end is None:
            entry.why_no_details = "why_shallow"
        elif start == end:
            entry.why_no_details = "why_import"
        else:
            listed = set(entry.record.changes) | set(entry.record.removed)
            entry.changes, unreadable = diff_points(gm, start, end, listed)
            problems += unreadable
            if end == WORKTREE:
                entry.changes = [c for c in entry.changes if c.ref in listed]


def audience_refs(record: UpdateRecord) -> list[str]:
    """What a record reaches people through: its changed and removed entities, in order."""
    refs = [*record.changes, *record.removed]
    if record.index == 0 and not refs:
        refs = ["manual"]  # the first issue lists no changes, yet everyone has to read it
    return list(dict.fromkeys(refs))


def record_audience(manual: Manual, record: UpdateRecord) -> set[str]:
    """The active staff a record reaches, from the manual as it stands (a removed procedure's
    former roles are not known without git, so they are not counted)."""
    found: set[str] = set()
    for ref in audience_refs(record):
        found |= audience_staff(manual, ref, audience_roles(manual, ref))
    return found


def _add_audience(manual: Manual, entry: Entry) -> None:
    old = {c.ref: c.old for c in entry.changes}
    roles: list[str] = []
    for ref in audience_refs(entry.record):
        reached = audience_roles(manual, ref, old.get(ref))
        roles += reached
        entry.audience[ref] = audience_staff(manual, ref, reached)
    # A role removed by the update has no holders left to read it; listing its bare id would
    # only puzzle the reader.
    entry.roles = [role for role in dict.fromkeys(roles) if role in manual.roles]
