"""`loan out`, `loan back`, `loan list`: the borrowing register (借阅登记表)."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from opsmanual.cli import (
    ManualOption,
    app,
    color_enabled,
    err,
    manual_root,
    out,
    when_option,
)
from opsmanual.i18n import _
from opsmanual.reporters import printable

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
    from opsmanual.loans import lend
    from opsmanual.model import stamp
    from opsmanual.validate import now

    due_at = when_option(due, "--due", end_of_day=True)
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
    from opsmanual.loans import take_back
    from opsmanual.model import stamp
    from opsmanual.validate import now

    at_time = when_option(at, "--at")
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
    from opsmanual.loans import RegisterUnreadable, list_loans
    from opsmanual.reporters.loans import REPORTERS
    from opsmanual.validate import now

    root = manual_root(manual)
    try:
        rows = list_loans(root, now(), open_only=open_, overdue_only=overdue)
    except RegisterUnreadable as exc:
        err(_("cannot read the borrowing register: {problem}", problem=exc))
        raise typer.Exit(1) from None
    if format is ListFormat.text and rows and sys.stdout.isatty():
        _rich_table(rows)
    else:
        out(REPORTERS[format.value](rows, open_only=open_, overdue_only=overdue))


def _rich_table(rows: list[LoanRow]) -> None:
    """The six columns of the spec, sized to fit 80 columns; overdue loans in bold red."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from opsmanual.reporters.loans import cells

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
        copy, holder, _borrower, since, due, _returned, status = cells(row)
        cells_shown = (copy, holder, row.borrower_name or row.loan.borrower, since, due, status)
        table.add_row(*(printable(cell) for cell in cells_shown), style=style)
    console.print(table)
