"""`ack STAFF_ID...` and `ack status`: read-and-understood acknowledgements (阅读确认)."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from opsmanual.cli import ManualOption, app, color_enabled, manual_root, out, when_option
from opsmanual.i18n import _

if TYPE_CHECKING:
    from opsmanual.acks import AckStatus


class _AckGroup(TyperGroup):
    """`opsmanual ack ann bob` records; `opsmanual ack status` reports. Anything but `status`
    (or help) goes to the hidden `add` command, so people are named right after `ack`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["add", *args]
        return super().parse_args(ctx, args)


ack_app = typer.Typer(
    cls=_AckGroup,
    help=_(
        "Read-and-understood acknowledgements (records/acks.yaml).\n\n"
        "opsmanual ack STAFF_ID... [--version V] [--at DATETIME] [--method M] [--note TEXT]: "
        "record that each person read and understood version V (default: the current one).\n\n"
        "opsmanual ack status [--version V] [--format text|json]: who must acknowledge, who has."
    ),
    no_args_is_help=True,
)
app.add_typer(ack_app, name="ack")


class StatusFormat(StrEnum):
    text = "text"
    json = "json"


@ack_app.command(
    "add",
    hidden=True,
    help=_("Record that each person read and understood the version (STAFF_ID... after `ack`)."),
)
def ack_add(
    people: Annotated[
        list[str],
        typer.Argument(
            help=_("Staff ids of who confirmed."), metavar="STAFF_ID...", show_default=False
        ),
    ],
    version: Annotated[
        str | None,
        typer.Option("--version", help=_("The version read. Default: the current one.")),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help=_("When they confirmed (date or date-time). Default: now.")),
    ] = None,
    method: Annotated[
        str | None,
        typer.Option(
            "--method", help=_("How: signed, email, meeting, training..."), show_default=False
        ),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help=_("A remark, one line."))] = None,
    manual: ManualOption = None,
) -> None:
    from opsmanual.acks import acknowledge
    from opsmanual.validate import now

    moment = when_option(at, "--at")
    done = acknowledge(manual_root(manual), people, now, version, moment, method, note)
    for entry in done.entries:
        out(
            _(
                "{person} acknowledged version {version} on {date}",
                person=entry["person"],
                version=done.version,
                date=entry["date"],
            )
        )
    out(_("recorded in {file}", file=done.file))


@ack_app.command(
    "status",
    help=_("Who must acknowledge the version, who has, and who has not (overdue first to see)."),
)
def ack_status(
    version: Annotated[
        str | None, typer.Option("--version", help=_("Default: the current version."))
    ] = None,
    format: Annotated[
        StatusFormat, typer.Option("--format", "-f", help=_("Output format."))
    ] = StatusFormat.text,
    manual: ManualOption = None,
) -> None:
    from opsmanual.acks import read_status
    from opsmanual.reporters.acks import REPORTERS
    from opsmanual.validate import now

    result = read_status(manual_root(manual), version, now())
    if format is StatusFormat.text and sys.stdout.isatty():
        _rich(result)
    else:
        out(REPORTERS[format.value](result))


def _rich(result: AckStatus) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from opsmanual.reporters.acks import HEADERS, rows, shown, summary

    console = Console(no_color=not color_enabled(), highlight=False)
    table = Table(title=summary(result), box=box.SIMPLE_HEAD, pad_edge=False)
    for header in HEADERS:
        table.add_column(_(header), no_wrap=header != "person")
    for row in rows(result):
        style = {"overdue": "bold red", "acknowledged": "green"}.get(row[1], "")
        table.add_row(*shown(row), style=style)
    console.print(table)
