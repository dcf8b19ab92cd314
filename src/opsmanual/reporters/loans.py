"""`loan list` written out: text (a plain table; on a terminal `cli/` draws it with rich) and
json (each loan as written in the file, plus its status)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from opsmanual.i18n import N_, _, pgettext
from opsmanual.reporters import aligned

if TYPE_CHECKING:
    from opsmanual.loans import LoanRow

# The columns of the plain table; the drawn one leaves out `returned` and names the borrower.
HEADERS = (
    N_("copy"),
    N_("holder"),
    N_("borrower"),
    N_("since"),
    N_("due"),
    N_("returned"),
    N_("status"),
)


class Reporter(Protocol):
    """The loans listed; the filters name the empty list in text."""

    def __call__(
        self, rows: list[LoanRow], *, open_only: bool = False, overdue_only: bool = False
    ) -> str: ...


def status_word(status: str) -> str:
    """A loan's status in the table (JSON keeps the spec's words)."""
    if status == "open":
        return pgettext("loan status", "open")
    if status == "overdue":
        return pgettext("loan status", "overdue")
    if status == "returned":
        return pgettext("loan status", "returned")
    return status


def cells(row: LoanRow) -> tuple[str, ...]:
    """A loan's row of the plain table, one cell per `HEADERS`."""
    loan = row.loan
    borrower = f"{row.borrower_name} ({loan.borrower})" if row.borrower_name else loan.borrower
    return (
        loan.copy,
        row.holder or "",
        borrower,
        short(loan.borrowed),
        short(loan.due),
        short(loan.returned) if loan.returned else "",
        status_word(row.status),
    )


def short(moment: datetime) -> str:
    """Minutes are enough to read a register; the file keeps the exact value."""
    return moment.strftime("%Y-%m-%d %H:%M")


def as_text(rows: list[LoanRow], *, open_only: bool = False, overdue_only: bool = False) -> str:
    if not rows:
        if overdue_only:
            return _("no overdue loans")
        if open_only:
            return _("no open loans")
        return _("no loans")
    return "\n".join(aligned(tuple(_(h) for h in HEADERS), [cells(r) for r in rows]))


def as_json(rows: list[LoanRow], *, open_only: bool = False, overdue_only: bool = False) -> str:
    """`loan list --format json` (cli.md)."""
    loans = [{**row.loan.raw, "status": row.status} for row in rows]
    return json.dumps({"loans": loans}, ensure_ascii=False, indent=2)


REPORTERS: Mapping[str, Reporter] = {"text": as_text, "json": as_json}
