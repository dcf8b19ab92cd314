"""Approving a version (批准): `record approve`, and the gate before notices are sent.

The rule lives in `opsmanual.checks.approval`; this module applies it to an edit. `approve`
refuses (raises `Refused`, writing nothing) what `approval-authority` would reject, and also,
whatever manual.yaml says, a person who is not active or who wrote the version: no one approves
their own change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from opsmanual.checks.approval import authority_problem
from opsmanual.errors import Refused
from opsmanual.i18n import N_, _
from opsmanual.model import Manual, UpdateRecord
from opsmanual.people import label, require_person


@dataclass
class Approved:
    version: str
    table: str  # the update record table, relative to the manual folder
    fields: dict[str, str]  # what was written: approved_by, approved, maybe reviewed_by


def approve(
    root: Path,
    by: str,
    now: datetime,
    reviewed_by: str | None = None,
    at: date | None = None,
) -> Approved:
    """Set the last record's `approved_by`, `approved` (`at`, default today), `reviewed_by`."""
    from opsmanual import yamledit as records
    from opsmanual.manual import load_manual
    from opsmanual.record_history import table_path
    from opsmanual.source import FolderSource

    with records.locked(root):
        manual, findings = load_manual(FolderSource(root))
        if not manual.updates or manual.updates_doc is None or manual.info is None:
            bad = [f for f in findings if f.severity == "error"]
            where = (
                f"{bad[0].file}:{bad[0].line or 1}: {bad[0].message}" if bad else _("no records")
            )
            raise Refused(
                _("the manual cannot be read ({where}); run `opsmanual validate`", where=where)
            )
        record = manual.updates[-1]
        if record.approved_by is not None:
            signer = label(manual, record.approved_by)
            if record.approved:
                already = _(
                    "version {version} is already approved by {signer} on {date}; a new change "
                    "needs a new record (`opsmanual record add`)",
                    version=record.version,
                    signer=signer,
                    date=record.approved,
                )
            else:
                already = _(
                    "version {version} is already approved by {signer}; a new change needs a "
                    "new record (`opsmanual record add`)",
                    version=record.version,
                    signer=signer,
                )
            raise Refused(already)
        require_signer(manual, record, by)
        if reviewed_by is not None:
            require_person(manual, reviewed_by, N_("reviewer"), active=False)
        day = at or now.date()
        if day > now.date():
            raise Refused(
                _("--at {at} is in the future; today is {today}", at=day, today=now.date())
            )
        if day > record.effective_date:
            raise Refused(
                _(
                    "version {version} took effect on {effective}, before the approval date "
                    "{day}; a version is approved before it takes effect. If it was approved "
                    "earlier, give that day with --at; otherwise move its `effective` later",
                    version=record.version,
                    effective=record.effective_date,
                    day=day,
                )
            )
        fields = {"approved_by": by, "approved": day.isoformat()}
        if reviewed_by is not None:
            fields = {"reviewed_by": reviewed_by, **fields}
        table = table_path(manual)
        index = record.index

        def mutate(data: Any) -> None:
            for key, value in fields.items():
                records.set_key(data[index], key, value)

        def check(body: str) -> None:
            records.schema_checked(table, body, "updates", manual.updates_doc)

        records.edit_yaml(root / table, mutate, check)
    return Approved(record.version, table, fields)


def require_signer(manual: Manual, record: UpdateRecord, person_id: str) -> None:
    """Refuse an approver validate would reject, an inactive one, or the record's author."""
    require_person(manual, person_id, N_("approver"), active=False)
    problem = authority_problem(manual, record, person_id)
    if problem is not None:
        raise Refused(_("{problem}; nothing was written", problem=problem))
    person = require_person(manual, person_id, N_("approver"))
    if person_id == record.author:
        raise Refused(
            _(
                "{name} ({id}) wrote version {version} (author); no one approves their own change",
                name=person.name,
                id=person_id,
                version=record.version,
            )
        )


def unapproved(manual: Manual, chosen: Sequence[UpdateRecord]) -> list[str]:
    """Why notices of `chosen` may not be sent: with an `approver` role, each version must be
    approved, and the last one by someone entitled to. Empty when they may be sent."""
    if manual.info is None or manual.info.approver is None:
        return []
    reasons = [
        _("version {version} is not approved", version=r.version)
        for r in chosen
        if r.approved_by is None
    ]
    last = manual.updates[-1] if manual.updates else None
    if last is not None and last in chosen and last.approved_by is not None:
        problem = authority_problem(manual, last, last.approved_by)
        if problem is not None:
            reasons.append(problem)
    return reasons
