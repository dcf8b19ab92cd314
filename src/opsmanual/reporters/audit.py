"""`audit` written out: text (the CLI's own words, for a terminal), Markdown (a report an auditor
can be handed, in the manual's language, with the handbook's words from templates/locale), json."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from opsmanual.audit import Audit
from opsmanual.i18n import _, listing, pgettext
from opsmanual.render.i18n import Words, load_words
from opsmanual.render.markdown import table
from opsmanual.render.markup import md_escape
from opsmanual.reporters.acks import state_word
from opsmanual.reporters.copies import status_word


def as_json(audit: Audit) -> str:
    import json

    return json.dumps(audit.as_json(), ensure_ascii=False, indent=2)


# --- text ----------------------------------------------------------------------------------------


def as_text(audit: Audit) -> str:
    info = audit.manual.info
    assert info is not None
    lines = [
        _(
            "audit of {title} ({id}) as of {moment}",
            title=info.title,
            id=info.id,
            moment=audit.as_of.isoformat(timespec="seconds"),
        )
    ]
    if audit.revision and audit.committed:
        lines.append(
            _(
                "read from commit {commit}, committed {moment}",
                commit=audit.revision[:12],
                moment=_moment(audit.committed),
            )
        )
    else:
        lines.append(_("read from the work tree, records up to that moment"))
    lines += _text_in_force(audit)
    lines += ["", _("update records up to then ({n}):", n=len(audit.updates))]
    for r in audit.updates:
        later = "" if r.effective_date <= audit.as_of.date() else _("  (not yet in force)")
        effective = _("effective {date}", date=r.effective_date)
        lines.append(f"  {r.version:<8} {r.date}  {effective}  {r.method:<9} {r.summary}{later}")
    lines += _text_acks(audit)
    lines += ["", _("controlled copies:")]
    if not audit.kept_distribution:
        lines.append(
            "  " + _("no records/distribution.yaml: the edition each copy held is not recorded")
        )
    for s in audit.copies:
        lines.append(f"  {s.copy.id:<10} {s.version or '-':<8} {status_word(s.status)}")
    lines += ["", _("open loans ({n}):", n=len(audit.loans_open))]
    for loan in audit.loans_open:
        state = (
            pgettext("loan status", "overdue")
            if audit.as_of > loan.due
            else pgettext("loan status", "open")
        )
        since = _("since {moment}", moment=_moment(loan.borrowed))
        due = _("due {due}", due=_moment(loan.due))
        lines.append(f"  {loan.copy:<10} {audit.name(loan.borrower)}  {since}  {due}  {state}")
    lines += ["", _("procedures overdue for review ({n}):", n=len(audit.reviews_overdue))]
    for review in audit.reviews_overdue:
        when = (
            _("reviewed {reviewed}, due {due}", reviewed=review.reviewed, due=review.due)
            if review.reviewed
            else _("never")
        )
        lines.append(f"  {review.procedure}  {when}")
    lines += ["", _("notices sent ({n}):", n=len(audit.notices))]
    for n in audit.notices:
        lines.append(f"  {n.version:<8} {audit.name(n.person)}  {n.sent}")
    lines += [
        "",
        _(
            "findings then: {errors} errors, {warnings} warnings",
            errors=audit.errors,
            warnings=audit.warnings,
        ),
    ]
    return "\n".join(lines)


def _text_in_force(audit: Audit) -> list[str]:
    force = audit.force
    if not force.is_approved:
        approval = _("not approved (a draft)")
    elif force.approved:
        approval = _(
            "approved by {name} on {date}", name=audit.name(force.approved_by), date=force.approved
        )
    else:
        approval = _("approved by {name}", name=audit.name(force.approved_by))
    lines = [
        "",
        _(
            "version in force: {version}, issued {date}, effective {effective}; {approval}",
            version=force.version,
            date=force.date,
            effective=force.effective_date,
            approval=approval,
        ),
        f"  {force.summary}",
    ]
    if force.author or force.reviewed_by:
        people = [_("author {name}", name=audit.name(force.author))] if force.author else []
        if force.reviewed_by:
            people.append(_("reviewed by {name}", name=audit.name(force.reviewed_by)))
        lines.append("  " + listing(people))
    return lines


def _text_acks(audit: Audit) -> list[str]:
    acks = audit.acks
    lines = [
        "",
        _(
            "acknowledgements of {version}: {acknowledged} acknowledged, {pending} pending "
            "({overdue} overdue)",
            version=acks.version,
            acknowledged=len(acks.acknowledged),
            pending=len(acks.pending),
            overdue=len(acks.overdue),
        ),
    ]
    for a in acks.acknowledged:
        word = _pad(state_word("acknowledged"), 12)
        lines.append(f"  {word}  {a.name} ({a.id})  {a.ack.raw['date']}")
    for p in acks.pending:
        due = _("due {due}", due=p.due) if p.due else _("no due date")
        state = state_word("overdue" if p.overdue else "pending")
        lines.append(f"  {_pad(state, 12)}  {p.name} ({p.id})  {due}")
    return lines


def _pad(word: str, width: int) -> str:
    """`word` padded to `width` columns (a Chinese character takes two)."""
    import unicodedata

    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in word)
    return word + " " * (width - columns)


def _moment(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


# --- markdown -------------------------------------------------------------------------------------


def as_markdown(audit: Audit) -> str:
    info = audit.manual.info
    assert info is not None
    t = load_words(info.language)
    a: dict[str, Any] = t["audit"]
    out = [f"# {md_escape(a['title'].format(title=info.title))}", ""]
    out += _facts(audit, t, a)
    out += _version(audit, t, a)
    out += _updates(audit, t, a)
    out += _acks(audit, t, a)
    out += _copies(audit, t, a)
    out += _loans(audit, t, a)
    out += _reviews(audit, t, a)
    out += _notices(audit, t, a)
    out += [f"## {md_escape(a['findings'])}", ""]
    out += [md_escape(a["findings_text"].format(errors=audit.errors, warnings=audit.warnings))]
    return "\n".join(out).rstrip("\n")


def _facts(audit: Audit, t: Words, a: dict[str, Any]) -> list[str]:
    info = audit.manual.info
    assert info is not None
    if audit.revision and audit.committed:
        basis = a["basis_git"].format(
            commit=audit.revision[:12], date=t.datetime_text(audit.committed)
        )
    else:
        basis = a["basis_worktree"]
    rows = [[md_escape(a["as_of"]), md_escape(t.datetime_text(audit.as_of))]]
    rows.append([md_escape(a["basis"]), md_escape(basis)])
    if info.organization:
        rows.insert(0, [md_escape(a["organization"]), md_escape(info.organization)])
    if info.number:
        rows.append([md_escape(a["number"]), md_escape(info.number)])
    return [*_fields(t, rows)]


def _version(audit: Audit, t: Words, a: dict[str, Any]) -> list[str]:
    r = audit.force
    rows = [
        [t.version, r.version],
        [a["published"], t.date_text(r.date)],
        [a["effective"], t.date_text(r.effective_date)],
        [t.summary, r.summary],
        [a["prepared"], _person(audit, r.author)],
        [a["reviewed_by"], _person(audit, r.reviewed_by)],
        [a["approved_by"], _person(audit, r.approved_by) if r.is_approved else a["draft"]],
        [a["approved"], t.date_text(r.approved)],
    ]
    cells = [[md_escape(k), md_escape(v)] for k, v in rows if v]
    return [f"## {md_escape(a['in_force'])}", "", *_fields(t, cells), ""]


def _fields(t: Words, rows: list[list[str]]) -> list[str]:
    """Label and value pairs (already escaped) as a list: `- **label**: value`."""
    return [f"- **{label}**{t.colon}{value}" for label, value in rows]


def _updates(audit: Audit, t: Words, a: dict[str, Any]) -> list[str]:
    head = [t.version, a["published"], a["effective"], t.method, t.notice_ref, t.summary,
            a["approved_by"]]  # fmt: skip
    rows = []
    for r in audit.updates:
        effective = t.date_text(r.effective_date)
        if r.effective_date > audit.as_of.date():
            effective += f" ({a['not_yet']})"
        rows.append(
            [
                md_escape(r.version),
                md_escape(t.date_text(r.date)),
                md_escape(effective),
                md_escape(t.methods.get(r.method, r.method)),
                md_escape(r.notice_ref or ""),
                md_escape(r.summary),
                md_escape(_person(audit, r.approved_by)),
            ]
        )
    return [f"## {md_escape(a['updates'])}", "", *table(head, rows)]


def _acks(audit: Audit, t: Words, a: dict[str, Any]) -> list[str]:
    s = audit.acks
    out = [f"## {md_escape(a['acks'])}", ""]
    summary = a["acks_summary"].format(
        version=s.version,
        required=len(s.acknowledged) + len(s.pending),
        done=len(s.acknowledged),
        pending=len(s.pending),
        overdue=len(s.overdue),
    )
    out.append(
        md_escape(summary)
        + (" " + md_escape(a["acks_due"].format(due=t.date_text(s.due))) if s.due else "")
    )
    out.append("")
    rows = [
        [md_escape(f"{x.name} ({x.id})"), md_escape(a["acked"]),
         md_escape(t.datetime_text(x.ack.date)), md_escape(x.ack.method or "")]
        for x in s.acknowledged
    ]  # fmt: skip
    rows += [
        [md_escape(f"{p.name} ({p.id})"), md_escape(a["overdue"] if p.overdue else a["pending"]),
         md_escape(t.date_text(p.due)), ""]
        for p in s.pending
    ]  # fmt: skip
    if rows:
        head = [a["person"], a["ack_state"], f"{a['ack_date']} / {a['ack_due']}", a["ack_method"]]
        out += table(head, rows)
    return out


def _copies(audit: Audit, t: Words, a: dict[str, Any]) -> list[str]:
    out = [f"## {md_escape(a['copies'])}", ""]
    if not audit.kept_distribution:
        out += [md_escape(a["no_distribution"]), ""]
    if not audit.copies:
        return [*out, md_escape(a["none"]), ""]
    rows = []
    for s in audit.copies:
        unit = audit.manual.units.get(s.copy.holder)
        rows.append(
            [
                md_escape(s.copy.id),
                md_escape(unit.name if unit else s.copy.holder),
                md_escape(s.version or ""),
                md_escape(a["copy_status"][s.status]),
            ]
        )
    return [*out, *table([t.copy, t.holder, a["edition"], t.status], rows)]


def _loans(audit: Audit, t: Words, a: dict[str, Any]) -> list[str]:
    out = [f"## {md_escape(a['loans_open'])}", ""]
    if not audit.loans_open:
        return [*out, md_escape(a["none"]), ""]
    rows = [
        [
            md_escape(loan.copy),
            md_escape(_person(audit, loan.borrower)),
            md_escape(t.datetime_text(loan.borrowed)),
            md_escape(t.datetime_text(loan.due)),
            md_escape(a["loan_status"]["overdue" if audit.as_of > loan.due else "open"]),
        ]
        for loan in audit.loans_open
    ]
    return [*out, *table([t.loan_copy, t.borrower, t.borrowed, t.due, t.status], rows)]


def _reviews(audit: Audit, t: Words, a: dict[str, Any]) -> list[str]:
    out = [f"## {md_escape(a['reviews'])}", ""]
    if not audit.reviews_overdue:
        return [*out, md_escape(a["none"]), ""]
    rows = [
        [
            md_escape(f"{r.title} ({r.procedure})"),
            md_escape(t.date_text(r.reviewed) if r.reviewed else a["never"]),
            md_escape(_day(t, r.due)),
        ]
        for r in audit.reviews_overdue
    ]
    return [*out, *table([a["procedure"], t.reviewed, a["review_due"]], rows)]


def _notices(audit: Audit, t: Words, a: dict[str, Any]) -> list[str]:
    from opsmanual.model import parse_datetime

    out = [f"## {md_escape(a['notices'])}", ""]
    if not audit.notices:
        return [*out, md_escape(a["none"]), ""]
    rows = [
        [
            md_escape(n.version),
            md_escape(_person(audit, n.person)),
            md_escape(t.datetime_text(parse_datetime(n.sent))),
        ]
        for n in audit.notices
    ]
    return [*out, *table([t.version, a["person"], a["sent"]], rows)]


def _person(audit: Audit, person_id: str | None) -> str:
    if person_id is None:
        return ""
    person = audit.manual.staff.get(person_id)
    return person.name if person else person_id


def _day(t: Words, day: date | None) -> str:
    return t.date_text(day) if day else ""


REPORTERS: Mapping[str, Callable[[Audit], str]] = {
    "text": as_text,
    "markdown": as_markdown,
    "json": as_json,
}
