"""`render`: check the manual, then write the handbook as HTML, a site, Markdown, PDF or Word."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from opsmanual.cli import ManualOption, app, err, manual_root, out
from opsmanual.i18n import _, ngettext
from opsmanual.reporters import printable

if TYPE_CHECKING:
    from opsmanual.model import Manual

PROGRESS_OVER = 200  # procedures; smaller manuals render in a blink


class RenderFormat(StrEnum):
    html = "html"
    site = "site"
    markdown = "markdown"
    pdf = "pdf"
    docx = "docx"


@app.command(
    help=_(
        "Write the handbook people read, print and lend. Example: opsmanual render --copy OPS-01"
    )
)
def render(
    manual: ManualOption = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help=_(
                "Where to write: a folder for html and site (default site/), a file for "
                "markdown (handbook.md), pdf (handbook.pdf) and docx (handbook.docx)."
            ),
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        RenderFormat, typer.Option("--format", "-f", help=_("Output format."))
    ] = RenderFormat.html,
    rev: Annotated[
        str | None,
        typer.Option(
            "--rev", help=_("Render the manual as it was at this git revision."), show_default=False
        ),
    ] = None,
    copy: Annotated[
        str | None,
        typer.Option(
            "--copy",
            help=_("Stamp this controlled copy's number on every page."),
            show_default=False,
        ),
    ] = None,
    changed_since: Annotated[
        str | None,
        typer.Option(
            "--changed-since",
            help=_(
                "pdf, html: only what changed after this version, after an instruction sheet "
                "of pages to remove and insert."
            ),
            show_default=False,
        ),
    ] = None,
    templates: Annotated[
        Path | None,
        typer.Option(
            "--templates",
            help=_("A folder of templates that override ours, file by file."),
            show_default=False,
        ),
    ] = None,
) -> None:
    from opsmanual.atomic import is_stream
    from opsmanual.render import DEFAULT_OUT, check_copy, checked_manual, refuse_own_files, refuses
    from opsmanual.render import render as write
    from opsmanual.titles import removed_titles

    root = manual_root(manual)
    loaded, findings = checked_manual(root, rev)
    if refuses(findings):
        from opsmanual.reporters.validate import text_line

        for finding in findings:
            typer.echo(printable(text_line(finding)), err=True)
        err(_("the manual has errors, so no handbook was written; fix them and render again"))
        raise typer.Exit(1)
    check_copy(loaded, copy)
    target = output or DEFAULT_OUT[format.value]
    refuse_own_files(root, target, format.value)
    if format in (RenderFormat.pdf, RenderFormat.docx):
        _warn_fonts(loaded, format.value)
    former = removed_titles(root, loaded)
    count = len(loaded.procedures)
    # A PDF takes seconds even for a small manual: its printing always shows what it is doing.
    if sys.stderr.isatty() and (count > PROGRESS_OVER or format is RenderFormat.pdf):
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task(_("rendering procedures"), total=count)
            printing = bar.add_task(_("printing the PDF"), total=None, visible=False)
            written = write(
                loaded,
                target,
                format.value,
                copy,
                templates,
                lambda done: bar.update(task, completed=done),
                former,
                changed_since,
                lambda step: bar.update(
                    printing, description=_("printing the PDF: {step}", step=step), visible=True
                ),
            )
    else:
        written = write(
            loaded,
            target,
            format.value,
            copy,
            templates,
            former=former,
            changed_since=changed_since,
        )
    warnings = sum(1 for f in findings if f.severity == "warning")
    if warnings:
        err(
            ngettext(
                "note: the manual has {n} warning; `opsmanual validate` lists it",
                "note: the manual has {n} warnings; `opsmanual validate` lists them",
                warnings,
            )
        )
    if not is_stream(written):  # on a pipe the path would end up inside the handbook
        out(str(written))


def _warn_fonts(loaded: Manual, fmt: str) -> None:
    from opsmanual.render.pdf import missing_cjk_font

    if loaded.info is not None and loaded.info.language == "zh-CN" and missing_cjk_font():
        err(
            _(
                "warning: no Chinese font found (fc-list :lang=zh is empty); the {format}'s "
                "Chinese text will not show: install one, e.g. Debian's fonts-noto-cjk",
                format=fmt.upper(),
            )
        )
