"""The borrowing register (借阅登记表): lend a copy, take it back, list the loans.

`lend` and `take_back` refuse (raise `Refused`, leaving the file as it was) anything `validate`
would reject, under the manual's edit lock, and check the new register again before writing it.
The rules themselves live in `opsmanual.checks.loans`; this module only asks them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from opsmanual import kinds
from opsmanual.checks import loans as loan_checks
from opsmanual.errors import Refused
from opsmanual.findings import Finding, refuse
from opsmanual.i18n import N_, _, listing
from opsmanual.manual import load_manual
from opsmanual.model import Loan, Manual, Person, default_due, stamp
from opsmanual.people import label, require_person
from opsmanual.schema import is_one_line
from opsmanual.source import FolderSource

REGISTER = kinds.record("loans").path
_REGISTER_NAMES = kinds.record("loans").paths
STATUSES = ("open", "overdue", "returned")


def _seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


# --- reading ------------------------------------------------------------------------------


def register_path(root: Path) -> Path:
    """The register file: records/loans.yaml, or records/loans.yml if only that one exists."""
    return kinds.record("loans").file_in(root)


def _loan_errors(manual: Manual, now: datetime) -> list[Finding]:
    return [f for f in loan_checks.check(manual, now) if f.severity == "error"]


def require_copy(manual: Manual, copy: str) -> None:
    """Refuse a copy manual.yaml does not list."""
    assert manual.info is not None
    known = [c.id for c in manual.info.copies]
    if not known:
        raise Refused(
            _(
                "there is no copy {copy}: manual.yaml lists no controlled copies; "
                "add them under `copies:` first",
                copy=copy,
            )
        )
    if copy not in known:
        raise Refused(
            _(
                "there is no copy {copy}; the controlled copies are {copies}",
                copy=copy,
                copies=listing(known),
            )
        )


@dataclass
class _State:
    root: Path
    manual: Manual
    now: datetime

    # Loan errors already in the register when the command started (only `loan back` may run
    # with some: recording a return is how an inactive person's open loan is fixed).
    before: set[tuple[str, str]] = dataclasses.field(default_factory=set)

    @classmethod
    def load(cls, root: Path, now: datetime, tolerate_loan_errors: bool = False) -> _State:
        manual, findings = load_manual(FolderSource(root))
        if len([n for n in _REGISTER_NAMES if (root / n).is_file()]) > 1:
            raise Refused(_("both records/loans.yaml and records/loans.yml exist; keep one"))
        if manual.info is None:
            bad = [f for f in findings if f.file.startswith("manual.") and f.severity == "error"]
            refuse(bad or findings, N_("manual.yaml has errors"))
        names = set(_REGISTER_NAMES)
        unreadable = [f for f in findings if f.file in names and f.severity == "error"]
        if unreadable:
            refuse(unreadable, N_("the borrowing register has errors"))
        errors = _loan_errors(manual, now)
        if errors and not tolerate_loan_errors:
            refuse(errors, N_("the borrowing register has errors"))
        return cls(root, manual, now, {(f.code, f.message) for f in errors})

    def open_loan(self, copy: str) -> Loan | None:
        for loan in reversed(self.manual.loans):
            if loan.copy == copy and loan.returned is None:
                return loan
        return None

    def verify(self, body: str) -> None:
        """Defence in depth: the register as it would be written has no loan error."""
        from opsmanual.yamledit import schema_checked

        path = register_path(self.root).relative_to(self.root).as_posix()
        doc = schema_checked(path, body, "loans", None)
        assert self.manual.info is not None
        days = self.manual.info.loan_days
        new_loans = [Loan.from_data(i, d, days) for i, d in enumerate(doc.data)]
        candidate = dataclasses.replace(self.manual, loans=new_loans, loans_doc=doc)
        new = [
            f for f in _loan_errors(candidate, self.now) if (f.code, f.message) not in self.before
        ]
        if new:
            raise Refused(_("{problem}; nothing was written", problem=new[0].message))


# --- lending and returning -----------------------------------------------------------------


@dataclass
class Lent:
    entry: dict[str, str]
    borrower: Person
    due: datetime


def lend(
    root: Path,
    copy: str,
    to: str,
    now: datetime,
    due: datetime | None = None,
    purpose: str | None = None,
    by: str | None = None,
) -> Lent:
    """Append a loan of `copy` to `to`, borrowed `now`; refuse what validate would reject."""
    from opsmanual import yamledit
    from opsmanual.distribution import refuse_lending

    with yamledit.locked(root):
        state = _State.load(root, now)
        require_copy(state.manual, copy)
        refuse_lending(state.manual, copy, now)  # withdrawn, or not the edition in force
        borrower = require_person(state.manual, to, N_("borrower"))
        if by is not None:
            require_person(state.manual, by, N_("issuer"))
        current = state.open_loan(copy)
        if current is not None:
            raise Refused(
                _(
                    "copy {copy} is already out to {borrower} since {borrowed}; "
                    "record its return first: opsmanual loan back {copy}",
                    copy=copy,
                    borrower=label(state.manual, current.borrower),
                    borrowed=current.raw["borrowed"],
                )
            )
        borrowed = _seconds(now)
        assert state.manual.info is not None
        due_at = _seconds(due) if due else default_due(borrowed, state.manual.info.loan_days)
        if due_at < borrowed:
            raise Refused(
                _(
                    "the due date {due} is before the loan ({borrowed})",
                    due=stamp(due_at),
                    borrowed=stamp(borrowed),
                )
            )
        if purpose is not None and not purpose.strip():
            purpose = None
        if purpose is not None and not is_one_line(purpose.strip()):
            raise Refused(
                _("the purpose must be one line of text, without line breaks or control characters")
            )
        entry = {"copy": copy, "borrower": to, "borrowed": stamp(borrowed), "due": stamp(due_at)}
        if purpose is not None:
            entry["purpose"] = purpose.strip()
        if by is not None:
            entry["issued_by"] = by
        yamledit.append_entry(register_path(root), entry, state.verify)
    return Lent(entry, borrower, due_at)


@dataclass
class Returned:
    entry: dict[str, Any]
    borrower: str
    returned: datetime


def take_back(root: Path, copy: str, now: datetime, at: datetime | None = None) -> Returned:
    """Record the return of `copy` (now, or `at`) on its open loan."""
    from opsmanual import yamledit

    with yamledit.locked(root):
        state = _State.load(root, now, tolerate_loan_errors=True)
        require_copy(state.manual, copy)
        loan = state.open_loan(copy)
        if loan is None:
            last = next((x for x in reversed(state.manual.loans) if x.copy == copy), None)
            if last is not None:
                message = _(
                    "copy {copy} is not out (last returned {returned} by {borrower}); "
                    "nothing to take back",
                    copy=copy,
                    returned=last.raw["returned"],
                    borrower=label(state.manual, last.borrower),
                )
            else:
                message = _(
                    "copy {copy} is not out (it has never been lent); nothing to take back",
                    copy=copy,
                )
            raise Refused(message)
        returned = _seconds(at if at is not None else now)
        if returned < _seconds(loan.borrowed):
            raise Refused(
                _(
                    "the return {returned} is before the loan of copy {copy} to {borrower} "
                    "on {borrowed}",
                    returned=stamp(returned),
                    copy=copy,
                    borrower=label(state.manual, loan.borrower),
                    borrowed=loan.raw["borrowed"],
                )
            )
        if returned > now:
            raise Refused(
                _(
                    "the return {returned} is in the future; it is {now}",
                    returned=stamp(returned),
                    now=stamp(now),
                )
            )
        index = loan.index

        yamledit.set_in_entry(register_path(root), index, "returned", stamp(returned), state.verify)
        entry = {**loan.raw, "returned": stamp(returned)}
    return Returned(
        {k: str(v) for k, v in entry.items()}, label(state.manual, loan.borrower), returned
    )


# --- listing -------------------------------------------------------------------------------


class RegisterUnreadable(Exception):
    """records/loans.yaml cannot be read at all (YAML or schema errors): `loan list` exits 1."""


@dataclass
class LoanRow:
    loan: Loan
    status: str
    holder: str | None  # the unit that keeps the copy
    borrower_name: str | None


def list_loans(
    root: Path, now: datetime, open_only: bool = False, overdue_only: bool = False
) -> list[LoanRow]:
    manual, findings = load_manual(FolderSource(root))
    names = set(_REGISTER_NAMES)
    broken = [f for f in findings if f.file in names and f.severity == "error"]
    if broken:
        first = broken[0]
        where = f"{first.file}:{first.line}" if first.line else first.file
        raise RegisterUnreadable(f"{where}: {first.message}")
    holders = {c.id: c.holder for c in manual.info.copies} if manual.info else {}
    rows = []
    for loan in manual.loans:
        status = loan.status(now)
        if overdue_only and status != "overdue":
            continue
        if open_only and status == "returned":
            continue
        holder_id = holders.get(loan.copy)
        unit = manual.units.get(holder_id) if holder_id else None
        person = manual.staff.get(loan.borrower)
        rows.append(
            LoanRow(loan, status, unit.name if unit else holder_id, person.name if person else None)
        )
    return rows
