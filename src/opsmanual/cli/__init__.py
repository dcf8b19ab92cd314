"""The command line: parse options, call the core, print, choose the exit code.

Only this package prints or exits. Errors a user can cause arrive as findings or as an
`OpsmanualError` carrying its exit code (`Refused` 1, `OpsError` 2); anything else is a bug,
reported in one line with exit 2.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from opsmanual import __version__
from opsmanual.cli.coercion import install as plain_coercion
from opsmanual.cli.words import install, usage_error
from opsmanual.errors import OpsError, OpsmanualError
from opsmanual.i18n import N_, _
from opsmanual.reporters import printable
from opsmanual.source import find_manual

REPORT_URL = N_("the project's issue tracker")


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector, then restore it as it was.

    Loading and rendering make millions of objects that live until the command ends and form no
    cycles; collections while they are made only rescan them again and again (a sixth of a large
    load, a third of a large render).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class OpsGroup(TyperGroup):
    def main(  # type: ignore[override]
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Usage errors in one line, like every other error, instead of click's usage block."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        undecodable = _not_utf8(sys.argv[1:] if args is None else list(args))
        if undecodable is not None:
            err(
                _(
                    "error: the argument `{argument}` is not valid UTF-8 text; "
                    "check the terminal's encoding",
                    argument=undecodable,
                )
            )
            sys.exit(2)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except typer.Abort:
            err(_("aborted"))
            sys.exit(1)
        except Exception as exc:
            if not hasattr(exc, "format_message") or not hasattr(exc, "exit_code"):
                raise
            if type(exc).__name__ == "NoArgsIsHelpError":  # a bare `opsmanual`: show the help
                out(exc.format_message())
                sys.exit(0)
            message = usage_error(exc).rstrip(".。")
            context = getattr(exc, "ctx", None)
            if context is not None:
                message = _(
                    "{message}; see `{command} --help`",
                    message=message,
                    command=context.command_path,
                )
            err(_("error: {message}", message=message))
            sys.exit(exc.exit_code)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        with collector_paused():
            return self._invoke(ctx)

    def _invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except OpsmanualError as exc:
            err(_("{label}: {message}", label=_(exc.label), message=exc))
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err(_("interrupted"))
            raise typer.Exit(130) from None
        except BrokenPipeError:
            raise typer.Exit(0) from None
        except Exception as exc:
            if isinstance(exc, typer.Exit | typer.Abort) or hasattr(exc, "exit_code"):
                raise
            err(
                _(
                    "opsmanual {version} failed unexpectedly ({error}: {detail}); "
                    "please report it, with the command you ran, at {where}",
                    version=__version__,
                    error=type(exc).__name__,
                    detail=exc,
                    where=_(REPORT_URL),
                )
            )
            raise typer.Exit(2) from None


def _not_utf8(args: list[Any]) -> str | None:
    """The first argument holding bytes that are not UTF-8 (Python keeps them as lone
    surrogates, which no file can store), shown with the bad bytes escaped; else None."""
    for arg in args:
        if isinstance(arg, str):
            try:
                arg.encode("utf-8")
            except UnicodeEncodeError:
                return arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return None


install()
plain_coercion()
app = typer.Typer(
    cls=OpsGroup,
    name="opsmanual",
    help=_("Keep an operations manual as code: validate, render, diff, notify, keep its records."),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

ManualOption = Annotated[
    Path | None,
    typer.Option(
        "--manual",
        "-m",
        help=_(
            "The manual folder. Default: this folder or the nearest one above with manual.yaml."
        ),
        show_default=False,
    ),
]


def manual_root(option: Path | None) -> Path:
    return find_manual(option)


def when_option(value: str | None, option: str, end_of_day: bool = False) -> datetime | None:
    """A date-time option (`--at`, `--due`, `--as-of`) as `model.parse_when` reads it."""
    from opsmanual.model import parse_when

    if value is None:
        return None
    try:
        return parse_when(value, end_of_day=end_of_day)
    except ValueError as exc:
        # One line (docs/loans.md), not click's three-line usage block.
        raise OpsError(_("{option}: {problem}", option=option, problem=exc)) from None


def day_option(value: str | None, option: str) -> date | None:
    """A date option (`record approve --at`) as `model.parse_day` reads it."""
    from opsmanual.model import parse_day

    if value is None:
        return None
    try:
        return parse_day(value, option)
    except ValueError as exc:
        raise OpsError(str(exc)) from None


def color_enabled(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    return bool(stream.isatty()) and "NO_COLOR" not in os.environ


def out(text: str = "", *, styled: bool = False) -> None:
    """Print `text` with its control characters made visible; `styled` text is a reporter's
    coloured output, whose manual text the reporter has already made printable."""
    typer.echo(text if styled else printable(text))


def err(text: str) -> None:
    typer.echo(printable(f"opsmanual: {text}"), err=True)


def version_callback(value: bool) -> None:
    if value:
        out(f"opsmanual {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help=_("Show the version.")
        ),
    ] = False,
) -> None:
    del version  # handled by its eager callback


def main() -> None:
    try:
        app(prog_name="opsmanual")
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        if isinstance(done.code, str):
            err(done.code)
    # Freeing a large manual object by object takes over half a second and serves nothing in a
    # process that is ending, so flush what was written and leave at once.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):  # the reader went away (`| head`)
            stream.flush()
    os._exit(code)


from opsmanual.cli import ack as _ack  # noqa: E402,F401
from opsmanual.cli import audit as _audit  # noqa: E402,F401
from opsmanual.cli import copy as _copy  # noqa: E402,F401
from opsmanual.cli import history as _history  # noqa: E402,F401
from opsmanual.cli import loan as _loan  # noqa: E402,F401
from opsmanual.cli import render as _render  # noqa: E402,F401
from opsmanual.cli import validate as _validate  # noqa: E402,F401  (registers its commands)
