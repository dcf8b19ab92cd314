"""An audit as text (the CLI's own words, for a terminal) or Markdown (a report an auditor can be
handed, in the manual's language, with the handbook's words from templates/locale)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from opsmanual.audit import Audit
from opsmanual.render.i18n import Words, load_words
from opsmanual.render.markdown import table
from opsmanual.render.markup import md_escape


def as_json(audit: Audit) -> str:
    import json

    return json.dumps(audit.as_json(), ensure_ascii=False, indent=2)


# --- text ----------------------------------------------------------------------------------------


def as_text(audit: Audit) -> str:
    info = audit.manual.info
    assert info is not None
    force = audit.force
    lines = [f"audit of {info.title} ({info.id}) as of {audit.as_of.isoformat(timespec='seconds')}"]
    if audit.revision and audit.committed:
        lines.append(
            f"read from commit {audit.revision[:12]}, committed {_moment(audit.committed)}"
        )
    else:
        lines.append("read from the work tree, records up to that moment")
    approval = (
        f"approved by {audit.name(force.approved_by)}"
        + (f" on {force.approved}" if force.approved else "")
        if force.is_approved
        else "not approved (a draft)"
    )
    lines += [
        "",
        f"version in force: {force.version}, issued {force.date}, effective "
        f"{force.effective_date}; {approval}",
        f"  {force.summary}",
    ]
    if force.author or force.reviewed_by:
        people = [f"author {audit.name(force.author)}"] if force.author else []
        people += [f"reviewed by {audit.name(force.reviewed_by)}"] if force.reviewed_by else []
        lines.append("  " + ", ".join(people))
    lines += ["", f"update records up to then ({len(audit.updates)}):"]
    for r in audit.updates:
        later = "" if r.effective_date <= audit.as_of.date() else "  (not yet in force)"
        lines.append(
            f"  {r.version:<8} {r.date}  effective {r.effective_date}  {r.method:<9} "
            f"{r.summary}{later}"
        )
    acks = audit.acks
    lines += [
        "",
        f"acknowledgements of {acks.version}: {len(acks.acknowledged)} acknowledged, "
        f"{len(acks.pending)} pending ({len(acks.overdue)} overdue)",
    ]
    for a in acks.acknowledged:
        lines.append(f"  acknowledged  {a.name} ({a.id})  {a.ack.raw['date']}")
    for p in acks.pending:
        due = f"due {p.due}" if p.due else "no due date"
        lines.append(f"  {'overdue' if p.overdue else 'pending':<12}  {p.name} ({p.id})  {due}")
    lines += ["", "controlled copies:"]
    if not audit.kept_distribution:
        lines.append("  no records/distribution.yaml: the edition each copy held is not recorded")
    for s in audit.copies:
        lines.append(f"  {s.copy.id:<10} {s.version or '-':<8} {s.status}")
    lines += ["", f"open loans ({len(audit.loans_open)}):"]
    for loan in audit.loans_open:
        state = "overdue" if audit.as_of > loan.due else "open"
        lines.append(
            f"  {loan.copy:<10} {audit.name(loan.borrower)}  since {_moment(loan.borrowed)}  "
            f"due {_moment(loan.due)}  {state}"
        )
    lines += ["", f"procedures overdue for review ({len(audit.reviews_overdue)}):"]
    for review in audit.reviews_overdue:
        when = f"reviewed {review.reviewed}, due {review.due}" if review.reviewed else "never"
        lines.append(f"  {review.procedure}  {when}")
    lines += ["", f"notices sent ({len(audit.notices)}):"]
    for n in audit.notices:
        lines.append(f"  {n.version:<8} {audit.name(n.person)}  {n.sent}")
    lines += ["", f"findings then: {audit.errors} errors, {audit.warnings} warnings"]
    return "\n".join(lines)


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
    return "\n".join(out) + "\n"


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
