"""The staff notice: for each chosen update record, what changed and who must read it.

The audience follows format.md, "The audience of a change". The per-field changes come from
the semantic diff between the commit that added the record before and the commit that added
this one; without git the notice is built from the update records alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from opsmanual.acks import ack_due
from opsmanual.diff import EntityChange
from opsmanual.errors import OpsError
from opsmanual.findings import Finding
from opsmanual.gitaccess import WORKTREE, GitManual, open_repo
from opsmanual.i18n import _, listing
from opsmanual.manual import load_manual
from opsmanual.model import Manual, Person, UpdateRecord
from opsmanual.record_history import RecordHistory, table_path
from opsmanual.source import FolderSource
from opsmanual.titles import Titles

VERSION = re.compile(r"^[0-9]+(\.[0-9]+)*$")


def words(manual: Manual) -> dict[str, Any]:
    """The notice's words: its own phrases (`notice` in templates/locale/<language>.json) and the
    words it shares with the handbook (update methods, kinds of entity, separators), so a method
    or a kind is called the same in the printed manual and in the e-mail."""
    from opsmanual.render.i18n import load_words

    locale = load_words(manual.info.language if manual.info else "en")
    return {
        **locale["notice"],
        "methods": locale["methods"],
        "kinds": locale["kinds"],
        "sep": locale["colon"],
        "list_sep": locale["list_sep"],
    }


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


# --- output --------------------------------------------------------------------------------


def _plain(text: str) -> str:
    return text


def _role_name(manual: Manual, role: str) -> str:
    return Titles(manual).role(role)


def _entity_name(manual: Manual, ref: str, w: dict[str, Any], old: Any = None) -> str:
    """How the notice names an entity: by title; a removed one by the title it had (`old`)."""
    kinds = w["kinds"]
    kind, _slash, ident = ref.partition("/")
    if kind == "manual":
        return str(kinds["manual"])
    former: dict[str, str] = {}
    was = old.get("title") or old.get("name") if isinstance(old, dict) else None
    if isinstance(was, str):
        former[ref] = was
    name = Titles(manual, former).name(ref) or ident
    return f"{kinds.get(kind, kind)} {name}"


def _day_text(manual: Manual, day: date) -> str:
    """A date as the handbook writes it in the manual's language."""
    from opsmanual.render.i18n import load_words

    return load_words(manual.info.language if manual.info else "en").date_text(day)


def _record_lines(
    manual: Manual, record: UpdateRecord, w: dict[str, Any], esc: Callable[[str], str] = _plain
) -> list[str]:
    methods = w["methods"]
    day = _day_text(manual, record.date)
    lines = [
        f"{w['date']}{w['sep']}{day}",
        f"{w['method']}{w['sep']}{methods.get(record.method, record.method)}",
    ]
    if record.notice_ref:
        lines.append(f"{w['notice_ref']}{w['sep']}{esc(record.notice_ref)}")
    lines.append(f"{w['summary']}{w['sep']}{esc(record.summary)}")
    return lines


def _change_lines(
    manual: Manual,
    entry: Entry,
    w: dict[str, Any],
    refs: set[str] | None = None,
    esc: Callable[[str], str] = _plain,
) -> list[str]:
    """Each listed entity (or only `refs`) with its field changes, indented for text."""
    by_ref = {c.ref: c for c in entry.changes}
    titles = Titles(manual)
    lines: list[str] = []
    for ref in dict.fromkeys([*entry.record.changes, *entry.record.removed]):
        if refs is not None and ref not in refs:
            continue
        change = by_ref.get(ref)
        op = "removed" if ref in entry.record.removed else (change.op if change else "changed")
        was = change.old if change is not None else None
        lines.append(f"- {esc(_entity_name(manual, ref, w, was))}: {w.get(op, op)}")
        if change is not None:
            kind = ref.partition("/")[0]
            lines += [
                f"    {titles.field_line(kind, f, change.old, change.new)}" for f in change.fields
            ]
    if entry.why_no_details:
        # Apart from the list: in Markdown a line right after an item would continue that item.
        lines += [""] if lines else []
        lines.append(w["no_details"].format(why=w[entry.why_no_details]))
    return lines


def as_text(notice: Notice, markdown: bool = False) -> str:
    """The notice as text, or as Markdown in which every value from the manual (titles,
    summaries, names, field values) is escaped: safe to paste into any Markdown renderer."""
    from opsmanual.render.markup import md_escape

    esc = md_escape if markdown else _plain
    w = words(notice.manual)
    h1, h2, h3 = ("# ", "## ", "### ") if markdown else ("", "", "")
    lines = [f"{h1}{w['title'].format(title=esc(notice.title))}", ""]
    if not notice.entries:
        lines.append(w["none"].format(since=esc(notice.since or "")))
    for entry in notice.entries:
        lines += [f"{h2}{w['version'].format(version=esc(entry.record.version))}", ""]
        bullet = "- " if markdown else ""
        lines += [bullet + line for line in _record_lines(notice.manual, entry.record, w, esc)]
        lines += ["", f"{h3}{w['changes']}", ""]
        lines += [
            _md_line(line) if markdown else line
            for line in _change_lines(notice.manual, entry, w, esc=esc)
        ]
        lines += ["", f"{h3}{w['audience']}", ""]
        roles = w["list_sep"].join(esc(_role_name(notice.manual, r)) for r in entry.roles) or "-"
        people = [p for p in notice.manual.active_staff() if p.id in entry.staff_ids()]
        staff = ", ".join(esc(f"{p.name} <{p.email}>" if p.email else p.name) for p in people)
        lines += [
            f"{bullet}{w['roles']}{w['sep']}{roles}",
            f"{bullet}{w['staff']}{w['sep']}{staff or w['nobody']}",
        ]
        due = ack_due(notice.manual, entry.record)
        if due is not None:
            day = _day_text(notice.manual, due)
            how = w["ack_how"].format(due=day, version=entry.record.version)
            lines.append(f"{bullet}{w['ack_by']}{w['sep']}{how}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _md_line(line: str) -> str:
    """Field lines become nested list items; their text arrives unescaped (the lines are shared
    with text) and is escaped here."""
    from opsmanual.render.markup import md_escape

    if line.startswith("    "):
        return f"  - {md_escape(line.strip())}"
    return line


def as_json(notice: Notice) -> str:
    staff = {p.id: p for p in notice.manual.active_staff()}
    updates = []
    for entry in notice.entries:
        r = entry.record
        people = [staff[i] for i in sorted(entry.staff_ids()) if i in staff]
        updates.append(
            {
                "version": r.version,
                "date": r.date.isoformat(),
                "method": r.method,
                "notice_ref": r.notice_ref,
                "summary": r.summary,
                "ack_due": _iso(ack_due(notice.manual, r)),
                "changes": [c.as_json() for c in entry.changes],
                "audience": {
                    "roles": entry.roles,
                    "staff": [{"id": p.id, "name": p.name, "email": p.email} for p in people],
                },
            }
        )
    return json.dumps({"updates": updates}, ensure_ascii=False, indent=2, default=str)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _letter_ack(notice: Notice, person: Person, w: dict[str, str]) -> list[str]:
    """When `ack_days` is set: by which day this person confirms the latest version that
    reaches them (it covers the earlier ones), and how."""
    from opsmanual.acks import required

    reaching = [e for e in notice.entries if person.id in e.staff_ids()]
    if not reaching:
        return []
    record = reaching[-1].record
    due = required(notice.manual, record).get(person.id) or ack_due(notice.manual, record)
    if due is None:
        return []
    day = _day_text(notice.manual, due)
    return ["", w["ack_letter"].format(due=day, version=record.version)]


def letter(notice: Notice, person: Person) -> str:
    """The body of one person's email: the records and the changes that reach them."""
    w = words(notice.manual)
    title = notice.manual.info.title if notice.manual.info else ""
    # Only the roles this notice concerns: a person may hold others it does not touch.
    concerned = {r for e in notice.entries if person.id in e.staff_ids() for r in e.roles}
    mine = [r for r in person.roles if r in notice.manual.roles and r in concerned]
    roles = w["list_sep"].join(_role_name(notice.manual, r) for r in mine)
    intro = w["intro"] if roles else w["intro_all"]
    lines = [w["greeting"].format(name=person.name), "", intro.format(title=title, roles=roles)]
    for entry in notice.entries:
        refs = {ref for ref, ids in entry.audience.items() if person.id in ids}
        if not refs:
            continue
        lines += ["", w["version"].format(version=entry.record.version)]
        lines += _record_lines(notice.manual, entry.record, w)
        lines += ["", f"{w['changes']}{w['sep'].rstrip()}"]
        lines += _change_lines(notice.manual, entry, w, refs)
    lines += _letter_ack(notice, person, w)
    lines += ["", "--", w["closing"]]
    return "\n".join(lines) + "\n"


def subject(notice: Notice) -> str:
    w = words(notice.manual)
    return str(w["subject"]).format(title=notice.title, versions=", ".join(notice.versions()))
