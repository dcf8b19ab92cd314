"""`audit`: the version in force, its approval, who was told, who held which copy, at a moment."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from opsmanual.cli import ManualOption, app, manual_root, out, when_option
from opsmanual.i18n import _


class AuditFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


@app.command(
    help=_(
        "What an auditor asks, as it stood at a moment: version in force and its approval, "
        "update records, acknowledgements, copies, open loans, overdue reviews, notices sent, "
        "findings."
    )
)
def audit(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help=_(
                "The moment to audit, DATE or DATETIME (a bare date: the end of that day). "
                "Default: now."
            ),
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        AuditFormat, typer.Option("--format", "-f", help=_("Output format."))
    ] = AuditFormat.text,
    no_git: Annotated[
        bool,
        typer.Option("--no-git", help=_("Read the work tree even inside a git repository.")),
    ] = False,
    manual: ManualOption = None,
) -> None:
    from opsmanual.audit import audit as make_audit
    from opsmanual.reporters.audit import REPORTERS
    from opsmanual.validate import now

    moment = when_option(as_of, "--as-of", end_of_day=True) or now()
    report = make_audit(manual_root(manual), moment, use_git=not no_git)
    out(REPORTERS[format.value](report))
