"""Controlled copies (受控副本) and what each one holds: the reading of records/distribution.yaml.

A copy's edition is the `version` of its last `issue` or `update`; a `withdraw` leaves it holding
nothing until it is issued again. Measured against the version in force at a moment (the last
update record whose effective date has come), a copy is `current` (that version or a later one),
`outdated`, `withdrawn` or `never-issued`. The editing commands live in `opsmanual.distribution`;
the findings in `opsmanual.checks.distribution`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from opsmanual.checks.record_lists import in_force
from opsmanual.model import Copy, Distribution, Manual, UpdateRecord, version_key

STATUSES = ("current", "outdated", "withdrawn", "never-issued")


def newer_or_same(version: str, than: str) -> bool:
    return version_key(version) >= version_key(than)


@dataclass
class CopyState:
    copy: Copy
    status: str  # one of STATUSES
    version: str | None  # the edition held; None when withdrawn or never issued
    last: Distribution | None  # the entry that decided it

    @property
    def id(self) -> str:
        return self.copy.id


def entries_of(manual: Manual, copy_id: str, until: datetime | None = None) -> list[Distribution]:
    """The copy's entries, oldest first (by date, then file order), up to `until` if given."""
    found = [
        e for e in manual.distribution if e.copy == copy_id and (until is None or e.date <= until)
    ]
    return sorted(found, key=lambda e: (e.date, e.index))


def state_of(
    manual: Manual, copy: Copy, moment: datetime, force: UpdateRecord | None = None
) -> CopyState:
    """What `copy` holds at `moment`, against `force` (default: the version in force then)."""
    entries = entries_of(manual, copy.id, moment)
    if not entries:
        return CopyState(copy, "never-issued", None, None)
    last = entries[-1]
    if last.action == "withdraw":
        return CopyState(copy, "withdrawn", None, last)
    held = last.version
    assert held is not None, "the schema requires a version for issue and update"
    if force is None:
        force = in_force(manual.updates, moment)
    current = force is None or newer_or_same(held, force.version)
    return CopyState(copy, "current" if current else "outdated", held, last)


def copy_states(manual: Manual, moment: datetime) -> list[CopyState]:
    """Every copy listed in manual.yaml, in its order, as it stood at `moment`."""
    if manual.info is None:
        return []
    force = in_force(manual.updates, moment)
    return [state_of(manual, copy, moment, force) for copy in manual.info.copies]


def last_entry(manual: Manual, copy_id: str) -> Distribution | None:
    """The entry that says what the copy holds as the record stands, whatever its date."""
    entries = entries_of(manual, copy_id)
    return entries[-1] if entries else None


def keeps_distribution(manual: Manual) -> bool:
    """Whether the manual keeps a distribution record (records/distribution.yaml exists)."""
    return manual.distribution_doc is not None
