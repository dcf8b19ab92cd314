"""`loan out`, `loan back`, `loan list`: the borrowing register (借阅登记表)."""

from __future__ import annotations

import sys
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from opsmanual.cli import ManualOption, app, color_enabled, err, manual_root, out, printable
from opsmanual.errors import OpsError
from opsmanual.i18n import N_, _, pgettext

if TYPE_CHECKING:
    from opsmanual.loans import LoanRow

loan = typer.Typer(
    help=_("Lend controlled copies, record their return, list the borrowing register."),
    no_args_is_help=True,
)
app.add_typer(loan, name="loan")


class ListFormat(StrEnum):
    text = "text"
    json = "json"


def _when(value: str | None, option: str, end_of_day: bool = False) -> datetime | None:
    from opsmanual.loans import parse_when

    if value is None:
        return None
    try:
        return parse_when(value, end_of_day=end_of_day)
    except ValueError as exc:
        # One line (docs/loans.md), not click's three-line usage block.
        raise OpsError(_("{option}: {problem}", option=option, problem=exc)) from None


@loan.command("out", help=_("Lend a controlled copy: append a loan to records/loans.yaml."))
def loan_out(
    copy: Annotated[
        str,
        typer.Argument(
            help=_("The copy to lend, e.g. OPS-01."), metavar="COPY_ID", show_default=False
        ),
    ],
    to: Annotated[
        str, typer.Option("--to", help=_("Staff id of the borrower."), show_default=False)
    ],
    due: Annotated[
        str | None,
        typer.Option(
            "--due",
            help=_(
                "When it must come back (a bare date: the end of that day). "
                "Default: the end of the day loan_days after today."
            ),
            show_default=False,
        ),
    ] = None,
    purpose: Annotated[
        str | None, typer.Option("--purpose", help=_("Why it is borrowed."), show_default=False)
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help=_("Staff id of who hands the copy out."), show_default=False),
    ] = None,
    manual: ManualOption = None,
) -> None:
    from opsmanual.loans import lend, stamp
    from opsmanual.validate import now

    due_at = _when(due, "--due", end_of_day=True)
    lent = lend(manual_root(manual), copy, to, now(), due_at, purpose, by)
    out(
        _(
            "lent copy {copy} to {name} ({id}), due back {due}",
            copy=copy,
            name=lent.borrower.name,
            id=lent.borrower.id,
            due=stamp(lent.due),
        )
    )


@loan.command("back", help=_("Record the return of a copy on its open loan."))
def loan_back(
    copy: Annotated[
        str, typer.Argument(help=_("The copy returned."), metavar="COPY_ID", show_default=False)
    ],
    at: Annotated[
        str | None,
        typer.Option("--at", help=_("When it came back. Default: now."), show_default=False),
    ] = None,
    manual: ManualOption = None,
) -> None:
    from opsmanual.loans import stamp, take_back
    from opsmanual.validate import now

    at_time = _when(at, "--at")
    back = take_back(manual_root(manual), copy, now(), at_time)
    out(
        _(
            "copy {copy} returned by {borrower} at {returned}",
            copy=copy,
            borrower=back.borrower,
            returned=stamp(back.returned),
        )
    )


@loan.command("list", help=_("List the borrowing register, oldest first, with each loan's status."))
def loan_list(
    open_: Annotated[
        bool, typer.Option("--open", help=_("Only loans not yet returned (overdue included)."))
    ] = False,
    overdue: Annotated[bool, typer.Option("--overdue", help=_("Only overdue loans."))] = False,
    format: Annotated[
        ListFormat, typer.Option("--format", "-f", help=_("Output format."))
    ] = ListFormat.text,
    manual: ManualOption = None,
) -> None:
    from opsmanual.loans import RegisterUnreadable, as_json, list_loans
    from opsmanual.validate import now

    root = manual_root(manual)
    try:
        rows = list_loans(root, now(), open_only=open_, overdue_only=overdue)
    except RegisterUnreadable as exc:
        err(_("cannot read the borrowing register: {problem}", problem=exc))
        raise typer.Exit(1) from None
    if format is ListFormat.json:
        out(as_json(rows))
        return
    if not rows:
        if overdue:
            out(_("no overdue loans"))
        elif open_:
            out(_("no open loans"))
        else:
            out(_("no loans"))
        return
    if sys.stdout.isatty():
        _rich_table(rows)
    else:
        for line in _plain_table(rows):
            out(line)


_HEADERS = (N_("copy"), N_("holder"), N_("borrower"), N_("since"), N_("due"), N_("returned"))
_STATUS = N_("status")


def _status_word(status: str) -> str:
    """A loan's status in the table (JSON keeps the spec's words)."""
    if status == "open":
        return pgettext("loan status", "open")
    if status == "overdue":
        return pgettext("loan status", "overdue")
    if status == "returned":
        return pgettext("loan status", "returned")
    return status


def _cells(row: LoanRow) -> tuple[str, ...]:
    loan = row.loan
    borrower = f"{row.borrower_name} ({loan.borrower})" if row.borrower_name else loan.borrower
    return (
        loan.copy,
        row.holder or "",
        borrower,
        _short(loan.borrowed),
        _short(loan.due),
        _short(loan.returned) if loan.returned else "",
        _status_word(row.status),
    )


def _short(moment: datetime) -> str:
    """Minutes are enough to read a register; the file keeps the exact value."""
    return moment.strftime("%Y-%m-%d %H:%M")


def _plain_table(rows: list[LoanRow]) -> list[str]:
    headers = tuple(_(h) for h in (*_HEADERS, _STATUS))
    return aligned(headers, [_cells(r) for r in rows])


def aligned(headers: tuple[str, ...], cells: list[tuple[str, ...]]) -> list[str]:
    """A plain-text table: columns padded to their widest cell, no trailing spaces."""
    from rich.cells import cell_len  # CJK names take two columns each

    table = [headers, *cells]
    widths = [max(cell_len(line[i]) for line in table) for i in range(len(headers))]
    return [
        "  ".join(
            cell + " " * (width - cell_len(cell)) for cell, width in zip(line, widths, strict=True)
        ).rstrip()
        for line in table
    ]


def _rich_table(rows: list[LoanRow]) -> None:
    """The six columns of the spec, sized to fit 80 columns; overdue loans in bold red."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console(no_color=not color_enabled(), highlight=False)
    table = Table(
        title=_("Borrowing register"),
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for header in ("copy", "holder", "borrower", "since", "due", "status"):
        table.add_column(_(header), no_wrap=header in ("copy", "since", "due", "status"))
    for row in rows:
        style = "bold red" if row.status == "overdue" else "dim" if row.status == "returned" else ""
        copy, holder, _borrower, since, due, _returned, status = _cells(row)
        cells = (copy, holder, row.borrower_name or row.loan.borrower, since, due, status)
        table.add_row(*(printable(cell) for cell in cells), style=style)
    console.print(table)
