"""`copy issue | update | withdraw | list`: the distribution record (发放回收记录)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from opsmanual.cli import ManualOption, app, manual_root, out, when_option
from opsmanual.cli.loan import ListFormat
from opsmanual.i18n import _

if TYPE_CHECKING:
    from opsmanual.distribution import Recorded, Request

copy = typer.Typer(
    help=_("Issue, update and withdraw controlled copies; list what each one holds."),
    no_args_is_help=True,
)
app.add_typer(copy, name="copy")

CopyArg = Annotated[
    str, typer.Argument(help=_("The copy, e.g. OPS-01."), metavar="COPY_ID", show_default=False)
]
VersionOption = Annotated[
    str | None,
    typer.Option(
        "--version",
        help=_("The edition the copy holds afterwards. Default: the current version."),
        show_default=False,
    ),
]
ByOption = Annotated[
    str | None,
    typer.Option("--by", help=_("Staff id of the document controller."), show_default=False),
]
AtOption = Annotated[
    str | None, typer.Option("--at", help=_("When it happened. Default: now."), show_default=False)
]
DestroyedOption = Annotated[
    str | None,
    typer.Option("--destroyed", help=_("Which obsolete pages were destroyed."), show_default=False),
]
WitnessOption = Annotated[
    str | None,
    typer.Option(
        "--witness", help=_("Staff id of who witnessed the destruction."), show_default=False
    ),
]
NoteOption = Annotated[
    str | None, typer.Option("--note", help=_("A remark, one line."), show_default=False)
]


def _run(request: Request, manual: ManualOption) -> Recorded:
    from opsmanual.distribution import record
    from opsmanual.validate import now

    return record(manual_root(manual), request, now())


@copy.command(
    "issue",
    help=_("Hand over a complete copy (replacing any earlier one): append an `issue` entry."),
)
def copy_issue(
    copy_id: CopyArg,
    version: VersionOption = None,
    to: Annotated[
        str | None,
        typer.Option("--to", help=_("Staff id of who signs for the copy."), show_default=False),
    ] = None,
    by: ByOption = None,
    at: AtOption = None,
    note: NoteOption = None,
    manual: ManualOption = None,
) -> None:
    from opsmanual.distribution import Request

    request = Request(copy_id, "issue", version, when_option(at, "--at"), by, to, note=note)
    done = _run(request, manual)
    out(
        _(
            "issued copy {copy}: it holds version {version}",
            copy=copy_id,
            version=done.entry["version"],
        )
    )


@copy.command(
    "update", help=_("Record that a copy's changed pages were replaced (or a notice inserted).")
)
def copy_update(
    copy_id: CopyArg,
    version: VersionOption = None,
    destroyed: DestroyedOption = None,
    witness: WitnessOption = None,
    by: ByOption = None,
    at: AtOption = None,
    note: NoteOption = None,
    manual: ManualOption = None,
) -> None:
    from opsmanual.distribution import Request

    request = Request(
        copy_id, "update", version, when_option(at, "--at"), by, None, destroyed, witness, note
    )
    done = _run(request, manual)
    out(
        _(
            "updated copy {copy} from version {before} to {version}",
            copy=copy_id,
            before=done.before.version,
            version=done.entry["version"],
        )
    )


@copy.command(
    "withdraw", help=_("Recall a copy: its pages destroyed or archived; it can no longer be lent.")
)
def copy_withdraw(
    copy_id: CopyArg,
    destroyed: DestroyedOption = None,
    witness: WitnessOption = None,
    by: ByOption = None,
    at: AtOption = None,
    note: NoteOption = None,
    manual: ManualOption = None,
) -> None:
    from opsmanual.distribution import Request

    request = Request(
        copy_id, "withdraw", None, when_option(at, "--at"), by, None, destroyed, witness, note
    )
    _run(request, manual)
    out(_("withdrew copy {copy}", copy=copy_id))


@copy.command(
    "list", help=_("List the controlled copies with the edition each holds and its status.")
)
def copy_list(
    format: Annotated[
        ListFormat, typer.Option("--format", "-f", help=_("Output format."))
    ] = ListFormat.text,
    manual: ManualOption = None,
) -> None:
    from opsmanual.distribution import list_copies
    from opsmanual.reporters.copies import REPORTERS
    from opsmanual.validate import now

    out(REPORTERS[format.value](list_copies(manual_root(manual), now())))
