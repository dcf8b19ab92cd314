"""Help pages and usage errors in the user's language, although typer's bundled click writes
English: its few gettext calls are pointed at our catalog, its fixed words are marked here, and
its usage errors are said again from their parts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from opsmanual.i18n import ENGLISH, N_, _, language

# Help texts typer writes in English with no gettext call: translated as the page is written.
_FIXED_HELP = {
    N_("Show this message and exit."),
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation."),
}

# The words typer and its click print in help pages and errors, for our catalog: the ones typer
# passes through gettext, and the fixed ones this module translates itself.
TYPER_WORDS = (
    N_("Usage: "),
    N_("Options"),
    N_("Arguments"),
    N_("Commands"),
    N_("default: {default}"),
    N_("required"),
    N_("env var: {var}"),
    N_("(dynamic)"),
    N_("Aborted!"),
    N_("Missing command."),
    N_("No such command {name!r}."),
)
_KINDS = {"argument": N_("argument"), "option": N_("option"), "parameter": N_("parameter")}
_NOT_ONE_OF = re.compile(r"(?:Value error, )?(?P<value>'.*') is not one of (?P<choices>.+?)\.?$")
_EXTRA = re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((?P<args>.*)\)$")


def install() -> None:
    """Route typer's own words through our catalog (help headings, defaults, `Usage:`)."""
    import typer.core
    from typer._click import core, formatting

    # typer's gettext calls (help headings, "default:", "required") read our catalog
    typer.core._ = _  # type: ignore[attr-defined,assignment]

    class HelpFormatter(formatting.HelpFormatter):
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            super().write_usage(prog, args, _("Usage: ") if prefix is None else prefix)

        def write_heading(self, heading: str) -> None:
            line = _("{heading}:", heading=heading)
            self.write(f"{'':>{self.current_indent}}{line}\n")

        def write_dl(self, rows: Sequence[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
            shown = [(term, _(text) if text in _FIXED_HELP else text) for term, text in rows]
            super().write_dl(shown, *args, **kwargs)

    core.Context.formatter_class = HelpFormatter


def usage_error(exc: Any) -> str:
    """A usage error from click, said in the user's language (English: click's own words)."""
    from typer._click import exceptions as click

    if language() == ENGLISH:
        return str(exc.format_message())

    if isinstance(exc, click.NoSuchOption):
        message = _("no such option: {option}", option=exc.option_name)
        if exc.possibilities:
            options = ", ".join(sorted(exc.possibilities))
            message = _("{message}; did you mean {options}?", message=message, options=options)
        return message
    if isinstance(exc, click.MissingParameter):
        kind = exc.param_type or (exc.param.param_type_name if exc.param is not None else None)
        hint = _hint(exc)
        return _(
            "missing {kind} {name}",
            kind=_(_KINDS[kind]) if kind in _KINDS else kind or "",
            name=hint or "",
        ).strip()
    if isinstance(exc, click.BadParameter):
        detail = str(exc.message)
        choice = _NOT_ONE_OF.match(detail)
        if choice is not None:
            detail = _(
                "{value} is not one of {choices}",
                value=choice["value"],
                choices=choice["choices"],
            )
        hint = _hint(exc)
        if hint is None:
            return _("invalid value: {detail}", detail=detail)
        return _("invalid value for {name}: {detail}", name=hint, detail=detail)
    message = str(exc.format_message())
    extra = _EXTRA.match(message)
    if extra is not None:
        return _("unexpected extra argument: {arguments}", arguments=extra["args"])
    return message


def _hint(exc: Any) -> str | None:
    hint = exc.param_hint
    if hint is None and exc.param is not None:
        hint = exc.param.get_error_hint()
    if hint is None:
        return None
    if isinstance(hint, str):
        return hint
    return " / ".join(repr(h) for h in hint)
