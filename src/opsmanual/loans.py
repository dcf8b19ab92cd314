"""The borrowing register (借阅登记表): lend a copy, take it back, list the loans.

`lend` and `take_back` refuse (raise `Refused`, leaving the file as it was) anything `validate`
would reject, under the manual's edit lock, and check the new register again before writing it.
The rules themselves live in `opsmanual.checks.loans`; this module only asks them.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from opsmanual import kinds
from opsmanual.checks import loans as loan_checks
from opsmanual.checks.references import missing
from opsmanual.errors import Refused
from opsmanual.findings import Finding
from opsmanual.i18n import N_, _, listing, ngettext
from opsmanual.load import Document
from opsmanual.manual import load_manual
from opsmanual.model import Loan, Manual, Person, default_due, parse_datetime
from opsmanual.schema import is_one_line
from opsmanual.source import FolderSource

REGISTER = kinds.record("loans").path
_REGISTER_NAMES = kinds.record("loans").paths
_DATETIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$"
)
STATUSES = ("open", "overdue", "returned")


def parse_when(text: str, end_of_day: bool = False) -> datetime:
    """A date-time typed by the user, in the format's spellings; naive means local time.

    A bare date is the start of that day, or its end when `end_of_day` (a due date).
    Raises ValueError with a message fit for the user.
    """
    value = text.strip()
    if not _DATETIME.match(value):
        raise ValueError(
            _(
                "{text!r} is not a date-time; write YYYY-MM-DD, YYYY-MM-DDTHH:MM "
                "or YYYY-MM-DDTHH:MM:SS+08:00",
                text=text,
            )
        )
    try:
        return parse_datetime(value, end_of_day=end_of_day)
    except ValueError:
        raise ValueError(_("{text!r} is not a real date or time", text=text)) from None


def stamp(moment: datetime) -> str:
    """How the CLI writes a date-time: seconds precision, with its UTC offset."""
    return moment.replace(microsecond=0).isoformat(timespec="seconds")


def _seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


# --- reading ------------------------------------------------------------------------------


def register_path(root: Path) -> Path:
    """The register file: records/loans.yaml, or records/loans.yml if only that one exists."""
    return kinds.record("loans").file_in(root)


def _loan_errors(manual: Manual, now: datetime) -> list[Finding]:
    return [f for f in loan_checks.check(manual, now) if f.severity == "error"]


def _refuse_findings(problems: list[Finding], what: str) -> None:
    """Refuse with the first finding; `what` is marked with `N_` and translated here."""
    if not problems:
        raise Refused(_("{what}; see `opsmanual validate`", what=_(what)))
    first = problems[0]
    where = f"{first.file}:{first.line}" if first.line else first.file
    if len(problems) > 1:
        raise Refused(
            ngettext(
                "{what}: {where}: {problem} (and {n} more); fix it first "
                "(see `opsmanual validate`)",
                "{what}: {where}: {problem} (and {n} more); fix it first "
                "(see `opsmanual validate`)",
                len(problems) - 1,
                what=_(what),
                where=where,
                problem=first.message,
            )
        )
    raise Refused(
        _(
            "{what}: {where}: {problem}; fix it first (see `opsmanual validate`)",
            what=_(what),
            where=where,
            problem=first.message,
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
            _refuse_findings(bad or findings, N_("manual.yaml has errors"))
        names = set(_REGISTER_NAMES)
        unreadable = [f for f in findings if f.file in names and f.severity == "error"]
        if unreadable:
            _refuse_findings(unreadable, N_("the borrowing register has errors"))
        errors = _loan_errors(manual, now)
        if errors and not tolerate_loan_errors:
            _refuse_findings(errors, N_("the borrowing register has errors"))
        return cls(root, manual, now, {(f.code, f.message) for f in errors})

    def copy_ids(self) -> list[str]:
        assert self.manual.info is not None
        return [c.id for c in self.manual.info.copies]

    def require_copy(self, copy: str) -> None:
        known = self.copy_ids()
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

    def require_person(self, person_id: str, role: str) -> Person:
        """The active person `person_id`, or `Refused`; `role` is marked with `N_`."""
        person = self.manual.staff.get(person_id)
        if person is not None:
            if not person.active:
                raise Refused(
                    _(
                        "{name} ({id}) is not active (staff/{id}.yaml says `active: false`), "
                        "so cannot be the {role}",
                        name=person.name,
                        id=person.id,
                        role=_(role),
                    )
                )
            return person
        if person_id in self.manual.known["staff"]:
            raise Refused(
                _(
                    "staff/{id}.yaml has errors, so {id} cannot be the {role}; "
                    "see `opsmanual validate`",
                    id=person_id,
                    role=_(role),
                )
            )
        hint = missing(_NO_DOC, (), N_("person"), person_id, self.manual.known["staff"]).message
        raise Refused(_("{role}: {problem}", role=_(role), problem=hint))

    def open_loan(self, copy: str) -> Loan | None:
        for loan in reversed(self.manual.loans):
            if loan.copy == copy and loan.returned is None:
                return loan
        return None

    def name(self, person_id: str) -> str:
        person = self.manual.staff.get(person_id)
        return f"{person.name} ({person_id})" if person else person_id

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


_NO_DOC = Document(REGISTER, "", None)  # `missing` needs a document only to place its finding


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
        state.require_copy(copy)
        refuse_lending(state.manual, copy, now)  # withdrawn, or not the edition in force
        borrower = state.require_person(to, N_("borrower"))
        if by is not None:
            state.require_person(by, N_("issuer"))
        current = state.open_loan(copy)
        if current is not None:
            raise Refused(
                _(
                    "copy {copy} is already out to {borrower} since {borrowed}; "
                    "record its return first: opsmanual loan back {copy}",
                    copy=copy,
                    borrower=state.name(current.borrower),
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
        state.require_copy(copy)
        loan = state.open_loan(copy)
        if loan is None:
            last = next((x for x in reversed(state.manual.loans) if x.copy == copy), None)
            if last is not None:
                message = _(
                    "copy {copy} is not out (last returned {returned} by {borrower}); "
                    "nothing to take back",
                    copy=copy,
                    returned=last.raw["returned"],
                    borrower=state.name(last.borrower),
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
                    borrower=state.name(loan.borrower),
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
    return Returned({k: str(v) for k, v in entry.items()}, state.name(loan.borrower), returned)


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
