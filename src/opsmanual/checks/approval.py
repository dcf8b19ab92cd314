"""Effective dates and approval of the update records (format.md 1.1).

`effective-mismatch`: manual.yaml `effective` is the last record's effective date; a record takes
effect on or after its date and is approved on or before it takes effect. `approval-missing` and
`approval-authority`: with an `approver` role, the last record is approved by an active holder of
that role who is not its author (no one approves their own change).
"""

from __future__ import annotations

from opsmanual.findings import Finding
from opsmanual.i18n import _, listing
from opsmanual.model import Manual, UpdateRecord


def check(manual: Manual) -> list[Finding]:
    if manual.updates_doc is None or not manual.updates:
        return []
    findings: list[Finding] = []
    for record in manual.updates:
        findings += _record_dates(manual, record)
    findings += _manual_effective(manual)
    findings += _approval(manual, manual.updates[-1])
    return findings


def _record_dates(manual: Manual, record: UpdateRecord) -> list[Finding]:
    doc = manual.updates_doc
    assert doc is not None
    out: list[Finding] = []
    i = record.index
    if record.effective is not None and record.effective < record.date:
        out.append(
            doc.finding(
                "effective-mismatch",
                _(
                    "version {version} takes effect on {effective}, before its date {date}; "
                    "a version takes effect on or after the day it is issued",
                    version=record.version,
                    effective=record.effective,
                    date=record.date,
                ),
                [i, "effective"],
            )
        )
    if record.approved is not None and record.approved > record.effective_date:
        out.append(
            doc.finding(
                "effective-mismatch",
                _(
                    "version {version} is approved on {approved}, after it takes effect on "
                    "{effective}; it must be approved before it takes effect",
                    version=record.version,
                    approved=record.approved,
                    effective=record.effective_date,
                ),
                [i, "approved"],
            )
        )
    return out


def _manual_effective(manual: Manual) -> list[Finding]:
    info = manual.info
    last = manual.updates[-1]
    if info is None or info.effective is None or info.effective == last.effective_date:
        return []
    return [
        info.doc.finding(
            "effective-mismatch",
            _(
                "manual.yaml says effective {effective} but the last update record "
                "(version {version}) takes effect on {last}; write effective: {last}",
                effective=info.effective,
                version=last.version,
                last=last.effective_date,
            ),
            ["effective"],
        )
    ]


def _approval(manual: Manual, record: UpdateRecord) -> list[Finding]:
    doc = manual.updates_doc
    info = manual.info
    assert doc is not None
    if info is None or info.approver is None:
        return []
    if record.approved_by is None:
        return [
            doc.finding(
                "approval-missing",
                _(
                    "version {version} is not approved: it is a draft until a holder of the "
                    "role `{role}` approves it with `opsmanual record approve --by STAFF_ID`",
                    version=record.version,
                    role=info.approver,
                ),
                [record.index, "version"],
            )
        ]
    problem = authority_problem(manual, record, record.approved_by)
    if problem is None:
        return []
    return [doc.finding("approval-authority", problem, [record.index, "approved_by"])]


def authority_problem(manual: Manual, record: UpdateRecord, approver: str) -> str | None:
    """Why `approver` may not approve `record` under manual.yaml's `approver` role, or None.

    An unknown person is `ref-missing`, not this, so it gives None here; `record approve` checks
    that the person exists first.
    """
    info = manual.info
    role = info.approver if info else None
    if role is None:
        return None
    person = manual.staff.get(approver)
    if person is None:
        return None
    if approver == record.author:
        return _(
            "{name} ({id}) wrote version {version} (author) and cannot also approve it; "
            "no one approves their own change",
            name=person.name,
            id=approver,
            version=record.version,
        )
    if not person.active:
        return _(
            "{name} ({id}) is no longer active and cannot approve a version",
            name=person.name,
            id=approver,
        )
    if role not in person.roles:
        holders = [p.id for p in manual.active_staff() if role in p.roles]
        who = listing(holders) if holders else _("nobody holds it now")
        return _(
            "{name} ({id}) does not hold the approver role `{role}` ({who}); the approver must "
            "be an active holder of that role",
            name=person.name,
            id=approver,
            role=role,
            who=who,
        )
    return None
