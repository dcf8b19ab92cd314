"""The distribution record (发放回收记录): issue, update and withdraw controlled copies, list them.

`record` appends one entry to records/distribution.yaml under the manual's edit lock, refusing
(raise `Refused`, nothing written) what `validate` would reject, and checks the new file again
before writing it, as `opsmanual.loans` does for the borrowing register. `refuse_lending` is the
rule `loan out` asks: a withdrawn copy, or one that does not hold the version in force, stays in.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from opsmanual import kinds
from opsmanual.checks import distribution as distribution_checks
from opsmanual.checks.record_lists import in_force
from opsmanual.copies import CopyState, copy_states, newer_or_same, state_of
from opsmanual.errors import Refused
from opsmanual.findings import Finding, refuse
from opsmanual.i18n import N_, _, listing
from opsmanual.loans import require_copy
from opsmanual.manual import load_manual
from opsmanual.model import Distribution, Manual, UpdateRecord, stamp, version_key
from opsmanual.people import label, require_person
from opsmanual.source import FolderSource

RECORD = kinds.record("distribution").path
_RECORD_NAMES = kinds.record("distribution").paths
ACTIONS = ("issue", "update", "withdraw")


def record_path(root: Path) -> Path:
    """records/distribution.yaml, or records/distribution.yml if only that one exists."""
    return kinds.record("distribution").file_in(root)


def _errors(manual: Manual, now: datetime) -> list[Finding]:
    return [f for f in distribution_checks.check(manual, now) if f.severity == "error"]


def _load(root: Path, now: datetime) -> Manual:
    manual, findings = load_manual(FolderSource(root))
    if len([n for n in _RECORD_NAMES if (root / n).is_file()]) > 1:
        raise Refused(
            _("both records/distribution.yaml and records/distribution.yml exist; keep one")
        )
    if manual.info is None:
        bad = [f for f in findings if f.file.startswith("manual.") and f.severity == "error"]
        if bad:
            refuse(bad, N_("manual.yaml has errors"))
        raise Refused(_("manual.yaml cannot be read; see `opsmanual validate`"))
    for names, what in (
        (set(_RECORD_NAMES), N_("the distribution record has errors")),
        (set(kinds.record("updates").paths), N_("the update record table has errors")),
    ):
        unreadable = [f for f in findings if f.file in names and f.severity == "error"]
        if unreadable:
            refuse(unreadable, what)
    if not manual.updates:
        raise Refused(_("the update record table lists no version yet; record the first issue"))
    errors = _errors(manual, now)
    if errors:
        refuse(errors, N_("the distribution record has errors"))
    return manual


@dataclass
class Request:
    """One entry to append, as the user asked for it (None: not given)."""

    copy: str
    action: str  # issue | update | withdraw
    version: str | None = None
    at: datetime | None = None
    by: str | None = None
    received_by: str | None = None
    destroyed: str | None = None
    witness: str | None = None
    note: str | None = None


@dataclass
class Recorded:
    entry: dict[str, str]
    before: CopyState  # what the copy held before this entry
    force: UpdateRecord | None  # the version in force at the entry's date


def record(root: Path, request: Request, now: datetime) -> Recorded:
    """Append `request` to the distribution record; refuse what validate would reject."""
    from opsmanual import yamledit as records

    with records.locked(root):
        manual = _load(root, now)
        require_copy(manual, request.copy)
        for name, role in (
            ("by", N_("document controller")),
            ("received_by", N_("recipient")),
            ("witness", N_("witness")),
        ):
            person = getattr(request, name)
            if person is not None:
                require_person(manual, person, role)
        when = (request.at or now).replace(microsecond=0)
        if when > now:
            raise Refused(
                _(
                    "the date {date} is in the future; it is {now}",
                    date=stamp(when),
                    now=stamp(now),
                )
            )
        _require_order(manual, when)
        assert manual.info is not None  # `_load` refuses a manual.yaml it cannot read
        copy = next(c for c in manual.info.copies if c.id == request.copy)
        before = state_of(manual, copy, when)
        if request.action == "withdraw":
            _require_returned(manual, request.copy, when)
        entry = _entry(manual, request, when, before)
        records.append_entry(record_path(root), entry, _verifier(root, manual, now))
    return Recorded(entry, before, in_force(manual.updates, when))


def _require_returned(manual: Manual, copy_id: str, when: datetime) -> None:
    """A copy out on loan is not withdrawn: its pages are not in the controller's hands."""
    borrower = open_borrower(manual, copy_id, when)
    if borrower is not None:
        raise Refused(
            _(
                "copy {copy} is out to {borrower}; record its return first: "
                "opsmanual loan back {copy}",
                copy=copy_id,
                borrower=label(manual, borrower),
            )
        )


def _require_order(manual: Manual, when: datetime) -> None:
    if manual.distribution:
        last = max(manual.distribution, key=lambda e: e.date)
        if when < last.date:
            raise Refused(
                _(
                    "the date {date} is before the last entry of the distribution record "
                    "({last}); the record lists entries oldest first",
                    date=stamp(when),
                    last=last.raw["date"],
                )
            )


def _entry(manual: Manual, request: Request, when: datetime, before: CopyState) -> dict[str, str]:
    entry = {"copy": request.copy, "action": request.action, "date": stamp(when)}
    if request.action != "withdraw":
        version = _version(manual, request, when, before)
        entry["version"] = version
    elif before.status == "withdrawn":
        assert before.last is not None
        raise Refused(
            _(
                "copy {copy} was already withdrawn on {date}; to hand it out again: "
                "opsmanual copy issue {copy}",
                copy=request.copy,
                date=before.last.raw["date"],
            )
        )
    for name in ("by", "received_by", "destroyed", "witness", "note"):
        value = getattr(request, name)
        if value is None:
            continue
        if not value.strip() or "\n" in value or "\r" in value:
            option = "--" + name.replace("_", "-")
            raise Refused(_("{option} must be one line of text", option=option))
        entry[name] = value.strip()
    return entry


def _version(manual: Manual, request: Request, when: datetime, before: CopyState) -> str:
    known = {r.version: r for r in manual.updates}
    version = request.version or manual.updates[-1].version
    target = known.get(version)
    if target is None:
        raise Refused(
            _(
                "there is no version {version} in the update record table ({versions})",
                version=version,
                versions=listing(known),
            )
        )
    if when.date() < target.date:
        raise Refused(
            _(
                "version {version} was recorded on {recorded}, after {date}; a copy cannot "
                "hold an edition before it exists",
                version=version,
                recorded=target.date,
                date=stamp(when),
            )
        )
    if request.action == "update":
        if before.status in ("never-issued", "withdrawn"):
            if before.status == "never-issued":
                why = _(
                    "copy {copy} has never been issued, so there are no pages to replace; "
                    "hand over a complete copy: opsmanual copy issue {copy}",
                    copy=request.copy,
                )
            else:
                why = _(
                    "copy {copy} is withdrawn, so there are no pages to replace; "
                    "hand over a complete copy: opsmanual copy issue {copy}",
                    copy=request.copy,
                )
            raise Refused(why)
        assert before.version is not None
        if newer_or_same(before.version, version):
            raise Refused(
                _(
                    "copy {copy} already holds version {version}; an update brings it to a "
                    "later version (the latest is {latest})",
                    copy=request.copy,
                    version=before.version,
                    latest=manual.updates[-1].version,
                )
            )
    return version


def _verifier(root: Path, manual: Manual, now: datetime) -> Any:
    """Defence in depth: the record as it would be written has no error."""
    from opsmanual.yamledit import schema_checked

    def verify(body: str) -> None:
        path = record_path(root).relative_to(root).as_posix()
        doc = schema_checked(path, body, "distribution", None)
        entries = [Distribution.from_data(i, d) for i, d in enumerate(doc.data)]
        candidate = dataclasses.replace(manual, distribution=entries, distribution_doc=doc)
        new = _errors(candidate, now)
        if new:
            raise Refused(_("{problem}; nothing was written", problem=new[0].message))

    return verify


# --- lending --------------------------------------------------------------------------------


def refuse_lending(manual: Manual, copy_id: str, now: datetime) -> None:
    """`Refused` when the copy is withdrawn, or when the manual keeps a distribution record and
    the copy does not hold the version in force; says which pages to replace."""
    if manual.info is None or manual.distribution_doc is None:
        return
    copy = next((c for c in manual.info.copies if c.id == copy_id), None)
    if copy is None:
        return
    state = state_of(manual, copy, now)
    if state.status == "withdrawn":
        assert state.last is not None
        raise Refused(
            _(
                "copy {copy} was withdrawn on {date} and cannot be lent; to hand it out "
                "again: opsmanual copy issue {copy}",
                copy=copy_id,
                date=state.last.raw["date"],
            )
        )
    force = in_force(manual.updates, now)
    if state.status == "never-issued" and force is not None:
        raise Refused(
            _(
                "copy {copy} has never been issued (records/distribution.yaml has no entry for "
                "it), so it does not hold version {version}, in force; record its issue "
                "first: opsmanual copy issue {copy}",
                copy=copy_id,
                version=force.version,
            )
        )
    if state.status == "outdated" and force is not None and state.version is not None:
        raise Refused(
            _(
                "copy {copy} holds version {version}, but version {force} is in force since "
                "{effective}; {pages}; print them with `opsmanual render --format pdf "
                "--changed-since {version} --copy {copy}`, then record it: "
                "opsmanual copy update {copy}",
                copy=copy_id,
                version=state.version,
                force=force.version,
                effective=force.effective_date,
                pages=replacement(manual, state.version, force),
            )
        )


def replacement(manual: Manual, held: str, force: UpdateRecord) -> str:
    """Which pages bring a copy from `held` to `force`: the whole book after a reissue, else
    the procedures the records in between list (with the front matter and the record table)."""
    between = [
        r
        for r in manual.updates
        if version_key(held) < version_key(r.version) <= version_key(force.version)
    ]
    reissue = next((r for r in between if r.method == "reissue"), None)
    if reissue is not None:
        return _("version {version} is a reissue: replace the whole copy", version=reissue.version)
    titles = []
    for r in between:
        for ref in r.changes:
            kind, _slash, ident = ref.partition("/")
            if kind == "procedures":
                proc = manual.procedures.get(ident)
                titles.append(proc.title if proc else ident)
    pages = listing(dict.fromkeys(titles))
    if not pages:
        return _("replace the front matter and the update record table")
    return _(
        "replace the pages of {pages}, with the front matter and the update record table",
        pages=pages,
    )


# --- listing --------------------------------------------------------------------------------


@dataclass
class CopyRow:
    state: CopyState
    holder_name: str | None
    borrower: str | None  # staff id of the open loan's borrower

    def as_json(self) -> dict[str, Any]:
        copy = self.state.copy
        return {
            "id": copy.id,
            "holder": copy.holder,
            "location": copy.location,
            "version": self.state.version,
            "status": self.state.status,
            "borrower": self.borrower,
        }


@dataclass
class CopyList:
    """`copy list`: every copy with its edition and status, the version in force, and whether
    the manual keeps a distribution record."""

    rows: list[CopyRow]
    force: UpdateRecord | None
    kept: bool


def list_copies(root: Path, now: datetime) -> CopyList:
    """Every copy with its edition and status now; the version in force; whether the manual
    keeps a distribution record."""
    manual, findings = load_manual(FolderSource(root))
    names = set(_RECORD_NAMES) | {"manual.yaml", "manual.yml"}
    broken = [f for f in findings if f.file in names and f.severity == "error"]
    if broken or manual.info is None:
        first = broken[0] if broken else None
        where = f"{first.file}:{first.line}: {first.message}" if first else "manual.yaml"
        raise Refused(_("cannot read the copies: {where}; see `opsmanual validate`", where=where))
    rows = [
        CopyRow(state, _holder(manual, state), open_borrower(manual, state.id, now))
        for state in copy_states(manual, now)
    ]
    return CopyList(rows, in_force(manual.updates, now), manual.distribution_doc is not None)


def _holder(manual: Manual, state: CopyState) -> str | None:
    unit = manual.units.get(state.copy.holder)
    return unit.name if unit else None


def open_borrower(manual: Manual, copy_id: str, moment: datetime) -> str | None:
    """Who has the copy out at `moment` (borrowed by then and not yet returned), if anyone."""
    for loan in reversed(manual.loans):
        if loan.copy != copy_id or loan.borrowed > moment:
            continue
        if loan.returned is None or loan.returned > moment:
            return loan.borrower
    return None
