"""Read-and-understood acknowledgements (阅读确认): who must confirm a version, who has.

The rule (format.md, records/acks.yaml): when `ack_days` is set, the active staff in a version's
audience must acknowledge it within `ack_days` of its effective date, and every active person who
joined after that date within `ack_days` of joining. Acknowledging a version covers it and every
earlier one. `status` is the one place this rule is computed: `validate` (ack-overdue),
`ack status`, the handbook, notices and `audit` all ask it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from opsmanual import kinds
from opsmanual.checks.record_lists import record_of
from opsmanual.errors import OpsError, Refused
from opsmanual.findings import Finding, refuse
from opsmanual.i18n import N_, _, listing
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
    return _first_covering(_by_person(manual, now).get(person, []), version)


def _by_person(manual: Manual, now: datetime) -> dict[str, list[Ack]]:
    """Each person's acknowledgements of recorded versions made by `now`, oldest first."""
    known = {r.version for r in manual.updates}
    found: dict[str, list[Ack]] = {}
    for ack in sorted(manual.acks, key=lambda a: (a.date, a.index)):
        if ack.version in known and ack.date <= now:
            found.setdefault(ack.person, []).append(ack)
    return found


def _first_covering(acks: list[Ack], version: str) -> Ack | None:
    wanted = version_key(version)
    return next((a for a in acks if version_key(a.version) >= wanted), None)


def status(manual: Manual, version: str | None, now: datetime) -> AckStatus:
    """Who must acknowledge `version` (default: the current one, the last record's) at `now`.

    Raises OpsError for a version that no update record has.
    """
    if not manual.updates:
        raise OpsError(_("the manual has no usable update records; run `opsmanual validate`"))
    record = manual.updates[-1] if version is None else record_of(manual, version)
    if record is None:
        versions = listing(r.version for r in manual.updates)
        raise OpsError(
            _(
                "no update record has version {version}; the versions are {versions}",
                version=version,
                versions=versions,
            )
        )
    result = AckStatus(record.version, record.effective_date, ack_due(manual, record))
    needed = required(manual, record)
    acked: set[str] = set()
    by_person = _by_person(manual, now)
    for person_id in sorted(set(by_person) | set(needed)):
        ack = _first_covering(by_person.get(person_id, []), record.version)
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


# --- recording acknowledgements (`opsmanual ack`) --------------------------------------------

ACKS = kinds.record("acks").path
_ACKS_NAMES = kinds.record("acks").paths


def acks_path(root: Path) -> Path:
    """records/acks.yaml, or records/acks.yml if only that one exists."""
    return kinds.record("acks").file_in(root)


@dataclass
class Recorded:
    version: str
    entries: list[dict[str, str]]
    file: str  # relative to the manual folder


def acknowledge(
    root: Path,
    people: Sequence[str],
    clock: Callable[[], datetime],
    version: str | None = None,
    at: datetime | None = None,
    method: str | None = None,
    note: str | None = None,
) -> Recorded:
    """Append one entry per person to records/acks.yaml: they read and understood `version`
    (default: the current one), at `at` (default: `clock()`, read under the lock so that racing
    runs append in time order). Refuses, writing nothing, what validate would reject."""
    from opsmanual import yamledit as records
    from opsmanual.model import stamp

    if not people:
        raise OpsError(_("name at least one person: opsmanual ack STAFF_ID..."))
    with records.locked(root):
        now = clock()
        manual = _load_for_edit(root, now)
        record = _record_to_ack(manual, version)
        moment = (at or now).replace(microsecond=0)
        _check_moment(manual, record, moment, now)
        for text, value in (("--method", method), ("--note", note)):
            if value is not None and (not value.strip() or "\n" in value or "\r" in value):
                raise Refused(_("{option} must be one line of text", option=text))
        entries = []
        for person_id in dict.fromkeys(people):
            _check_person(manual, person_id, record)
            entry = {"person": person_id, "version": record.version, "date": stamp(moment)}
            if method is not None:
                entry["method"] = method.strip()
            if note is not None:
                entry["note"] = note.strip()
            entries.append(entry)
        path = acks_path(root)
        rel = path.relative_to(root).as_posix()
        before = {(f.code, f.message) for f in _ack_errors(manual, now)}

        def verify(body: str) -> None:
            doc = records.schema_checked(rel, body, "acks", manual.acks_doc)
            new_acks = [Ack.from_data(i, d) for i, d in enumerate(doc.data or [])]
            candidate = dataclasses.replace(manual, acks=new_acks, acks_doc=doc)
            new = [f for f in _ack_errors(candidate, now) if (f.code, f.message) not in before]
            if new:
                raise Refused(_("{problem}; nothing was written", problem=new[0].message))

        records.append_entries(path, entries, verify)
    return Recorded(record.version, entries, rel)


def _ack_errors(manual: Manual, now: datetime) -> list[Finding]:
    from opsmanual.checks import acks as ack_checks

    return [f for f in ack_checks.check(manual, now) if f.severity == "error"]


def _load_for_edit(root: Path, now: datetime) -> Manual:
    from opsmanual.manual import load_manual
    from opsmanual.source import FolderSource

    manual, findings = load_manual(FolderSource(root))
    if len([n for n in _ACKS_NAMES if (root / n).is_file()]) > 1:
        raise Refused(_("both records/acks.yaml and records/acks.yml exist; keep one"))
    blocking = [
        f
        for f in findings
        if f.severity == "error"
        and (f.file in _ACKS_NAMES or f.file.startswith(("manual.", "records/updates.")))
    ]
    if manual.info is None or not manual.updates or blocking:
        refuse(
            blocking or [f for f in findings if f.severity == "error"],
            N_("the manual cannot be read"),
        )
    errors = _ack_errors(manual, now)
    if errors:
        refuse(errors, N_("records/acks.yaml has errors"))
    return manual


def _record_to_ack(manual: Manual, version: str | None) -> UpdateRecord:
    if version is None:
        return manual.updates[-1]
    record = record_of(manual, version)
    if record is None:
        versions = listing(r.version for r in manual.updates)
        raise Refused(
            _(
                "--version {version}: no update record has it; the versions are {versions}",
                version=version,
                versions=versions,
            )
        )
    return record


def _check_moment(manual: Manual, record: UpdateRecord, moment: datetime, now: datetime) -> None:
    from opsmanual.model import stamp

    if moment > now:
        raise Refused(
            _("--at {at} is in the future; it is {now}", at=stamp(moment), now=stamp(now))
        )
    if moment.date() < record.date:
        raise Refused(
            _(
                "--at {at} is before version {version} was issued ({date}); nobody can have "
                "read it then",
                at=stamp(moment),
                version=record.version,
                date=record.date,
            )
        )
    if manual.acks and moment < manual.acks[-1].date:
        last = manual.acks[-1]
        raise Refused(
            _(
                "--at {at} is before the last entry of the register ({date}, {person}); "
                "entries are kept oldest first, so record acknowledgements in the order they "
                "were given",
                at=stamp(moment),
                date=last.raw["date"],
                person=last.person,
            )
        )


def _check_person(manual: Manual, person_id: str, record: UpdateRecord) -> None:
    from opsmanual.people import require_person

    require_person(manual, person_id, N_("reader"), active=False)
    wanted = version_key(record.version)
    for ack in manual.acks:
        if ack.person == person_id and version_key(ack.version) >= wanted:
            name = manual.staff[person_id].name
            raise Refused(
                _(
                    "{name} ({id}) already acknowledged version {acked} on {date}, which "
                    "covers {version}",
                    name=name,
                    id=person_id,
                    acked=ack.version,
                    date=ack.raw["date"],
                    version=record.version,
                )
            )


def read_status(root: Path, version: str | None, now: datetime) -> AckStatus:
    """`status` of the manual in `root`; Refused when its records cannot be read."""
    from opsmanual.manual import load_manual
    from opsmanual.source import FolderSource

    manual, findings = load_manual(FolderSource(root))
    blocking = [
        f for f in findings if f.severity == "error" and f.file.startswith(("manual.", "records/"))
    ]
    if manual.info is None or not manual.updates or blocking:
        refuse(blocking or findings, N_("cannot tell who acknowledged"))
    return status(manual, version, now)
