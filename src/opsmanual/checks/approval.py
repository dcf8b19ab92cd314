"""Effective dates and approval of the update records (format.md 1.1).

`effective-mismatch`: manual.yaml `effective` is the last record's effective date; a record takes
effect on or after its date and is approved on or before it takes effect. `approval-missing` and
`approval-authority`: with an `approver` role, the last record is approved by an active holder of
that role who is not its author (no one approves their own change).
"""

from __future__ import annotations

from opsmanual.findings import Finding
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
                f"version {record.version} takes effect on {record.effective}, before its date "
                f"{record.date}; a version takes effect on or after the day it is issued",
                [i, "effective"],
            )
        )
    if record.approved is not None and record.approved > record.effective_date:
        out.append(
            doc.finding(
                "effective-mismatch",
                f"version {record.version} is approved on {record.approved}, after it takes "
                f"effect on {record.effective_date}; it must be approved before it takes effect",
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
            f"manual.yaml says effective {info.effective} but the last update record "
            f"(version {last.version}) takes effect on {last.effective_date}; "
            f"write effective: {last.effective_date}",
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
                f"version {record.version} is not approved: it is a draft until a holder of the "
                f"role `{info.approver}` approves it with "
                f"`opsmanual record approve --by STAFF_ID`",
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
        return (
            f"{person.name} ({approver}) wrote version {record.version} (author) and cannot "
            "also approve it; no one approves their own change"
        )
    if not person.active:
        return f"{person.name} ({approver}) is no longer active and cannot approve a version"
    if role not in person.roles:
        holders = [p.id for p in manual.active_staff() if role in p.roles]
        who = ", ".join(holders) if holders else "nobody holds it now"
        return (
            f"{person.name} ({approver}) does not hold the approver role `{role}` "
            f"({who}); the approver must be an active holder of that role"
        )
    return None
