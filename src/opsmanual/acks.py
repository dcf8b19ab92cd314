"""Read-and-understood acknowledgements (阅读确认): who must confirm a version, who has.

The rule (format.md, records/acks.yaml): when `ack_days` is set, the active staff in a version's
audience must acknowledge it within `ack_days` of its effective date, and every active person who
joined after that date within `ack_days` of joining. Acknowledging a version covers it and every
earlier one. `status` is the one place this rule is computed: `validate` (ack-overdue),
`ack status`, the handbook, notices and `audit` all ask it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from opsmanual.checks.record_lists import record_of
from opsmanual.errors import OpsError
from opsmanual.model import Ack, Manual, UpdateRecord, version_key


@dataclass(frozen=True)
class Acknowledged:
    id: str
    name: str
    ack: Ack  # the first entry that covers the version

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "date": self.ack.raw["date"],
            "method": self.ack.method,
        }


@dataclass(frozen=True)
class Pending:
    id: str
    name: str
    due: date | None
    overdue: bool

    def to_json(self) -> dict[str, Any]:
        due = self.due.isoformat() if self.due else None
        return {"id": self.id, "name": self.name, "due": due, "overdue": self.overdue}


@dataclass
class AckStatus:
    """Who must acknowledge `version`, who has and who has not, at one moment."""

    version: str
    effective: date
    due: date | None  # the audience's due date; None when `ack_days` is not set
    acknowledged: list[Acknowledged] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)

    @property
    def overdue(self) -> list[Pending]:
        return [p for p in self.pending if p.overdue]

    def to_json(self) -> dict[str, Any]:
        """cli.md's `ack status` JSON."""
        return {
            "version": self.version,
            "due": self.due.isoformat() if self.due else None,
            "acknowledged": [a.to_json() for a in self.acknowledged],
            "pending": [p.to_json() for p in self.pending],
        }


def ack_due(manual: Manual, record: UpdateRecord) -> date | None:
    """The day by which a record's audience must acknowledge it; None without `ack_days`."""
    days = manual.info.ack_days if manual.info else None
    return record.effective_date + timedelta(days=days) if days is not None else None


def required(manual: Manual, record: UpdateRecord) -> dict[str, date | None]:
    """The active people who must acknowledge `record`, each with their due date.

    Everyone in its audience is due `ack_days` after it took effect; a person who joined after
    that is due `ack_days` after joining (the later date, if both apply). Without `ack_days` the
    same people are listed with no due date.
    """
    from opsmanual.changelog import record_audience

    days = manual.info.ack_days if manual.info else None
    base = ack_due(manual, record)
    effective = record.effective_date
    due: dict[str, date | None] = dict.fromkeys(record_audience(manual, record), base)
    for person in manual.active_staff():
        if person.joined is not None and person.joined > effective:
            own = person.joined + timedelta(days=days) if days is not None else None
            current = due.get(person.id)
            due[person.id] = max(current, own) if current and own else own
    return due


def covering(manual: Manual, person: str, version: str, now: datetime) -> Ack | None:
    """The first acknowledgement by `person`, made by `now`, of `version` or a later one."""
    known = {r.version for r in manual.updates}
    wanted = version_key(version)
    for ack in sorted(manual.acks, key=lambda a: (a.date, a.index)):
        if (
            ack.person == person
            and ack.version in known
            and version_key(ack.version) >= wanted
            and ack.date <= now
        ):
            return ack
    return None


def status(manual: Manual, version: str | None, now: datetime) -> AckStatus:
    """Who must acknowledge `version` (default: the current one, the last record's) at `now`.

    Raises OpsError for a version that no update record has.
    """
    if not manual.updates:
        raise OpsError("the manual has no usable update records; run `opsmanual validate`")
    record = manual.updates[-1] if version is None else record_of(manual, version)
    if record is None:
        versions = ", ".join(r.version for r in manual.updates)
        raise OpsError(f"no update record has version {version}; the versions are {versions}")
    result = AckStatus(record.version, record.effective_date, ack_due(manual, record))
    needed = required(manual, record)
    acked: set[str] = set()
    for person_id in sorted({a.person for a in manual.acks} | set(needed)):
        ack = covering(manual, person_id, record.version, now)
        if ack is not None:
            acked.add(person_id)
            result.acknowledged.append(Acknowledged(person_id, _name(manual, person_id), ack))
    result.acknowledged.sort(key=lambda a: (a.ack.date, a.ack.index))
    for person_id, due in needed.items():
        if person_id not in acked:
            overdue = due is not None and now.date() > due
            result.pending.append(Pending(person_id, _name(manual, person_id), due, overdue))
    result.pending.sort(key=lambda p: (p.due or date.max, p.id))
    return result


def _name(manual: Manual, person_id: str) -> str:
    person = manual.staff.get(person_id)
    return person.name if person else person_id
