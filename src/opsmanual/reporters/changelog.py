"""`changelog`'s notice written out: markdown, text, json; and each person's e-mail (`letter`,
`subject`), which `notify` sends."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from opsmanual.acks import ack_due
from opsmanual.changelog import Entry, Notice
from opsmanual.model import Manual, Person, UpdateRecord
from opsmanual.titles import Titles


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


def as_text(notice: Notice) -> str:
    """The notice as plain text."""
    return _notice(notice, markdown=False)


def as_markdown(notice: Notice) -> str:
    """The notice as Markdown in which every value from the manual (titles, summaries, names,
    field values) is escaped: safe to paste into any Markdown renderer."""
    return _notice(notice, markdown=True)


def _notice(notice: Notice, markdown: bool) -> str:
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
    return "\n".join(lines).rstrip()


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


def as_emails(batch: Sequence[tuple[Person, Any]]) -> str:
    """`changelog --format email` without --output or --send: every message (an
    `email.message.EmailMessage`) as it would be sent, UTF-8 kept readable, a rule between."""
    rule = "\n\n" + "-" * 72 + "\n\n"
    return rule.join(
        message.as_bytes(policy=message.policy.clone(utf8=True)).decode().rstrip("\n")
        for _person, message in batch
    )


REPORTERS: Mapping[str, Callable[[Notice], str]] = {
    "markdown": as_markdown,
    "text": as_text,
    "json": as_json,
}
