"""records/acks.yaml: known people and versions, dates in order, and `ack-overdue`."""

from __future__ import annotations

from datetime import datetime

from opsmanual.checks import record_lists
from opsmanual.findings import Finding
from opsmanual.i18n import _
from opsmanual.model import Manual


def check(manual: Manual, now: datetime) -> list[Finding]:
    findings: list[Finding] = []
    doc = manual.acks_doc
    usable = doc is not None and "acks" not in manual.broken
    if doc is not None and usable:
        findings += record_lists.unknown_people(manual, doc, ["person"])
        findings += record_lists.unknown_versions(manual, doc)
        findings += record_lists.out_of_order(doc)
        findings += record_lists.before_its_record(manual, doc)
    if usable or doc is None:
        findings += overdue(manual, now)
    return findings


def overdue(manual: Manual, now: datetime) -> list[Finding]:
    """`ack-overdue` at the staff file of each person late to acknowledge the current version."""
    from opsmanual.acks import status

    if manual.info is None or manual.info.ack_days is None or "updates" in manual.broken:
        return []
    if not manual.updates:
        return []
    result = status(manual, None, now)
    findings = []
    for pending in result.overdue:
        person = manual.staff.get(pending.id)
        if person is None or pending.due is None:
            continue
        findings.append(
            person.doc.finding(
                "ack-overdue",
                _(
                    "{name} has not acknowledged version {version} (in effect since "
                    "{effective}), due {due}; once they confirm, record it with "
                    "`opsmanual ack {id}`",
                    name=person.name,
                    version=result.version,
                    effective=result.effective,
                    due=pending.due,
                    id=person.id,
                ),
                ["id"],
            )
        )
    return findings
