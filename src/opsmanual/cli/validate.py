"""`validate`, `schema` and `init`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from opsmanual.cli import ManualOption, app, color_enabled, err, manual_root, out
from opsmanual.errors import OpsError
from opsmanual.i18n import _


class ValidateFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"


class Language(StrEnum):
    zh_cn = "zh-CN"
    en = "en"


@app.command(
    help=_("Check the manual: YAML, schemas, references, records, and the update log under git.")
)
def validate(
    manual: ManualOption = None,
    format: Annotated[
        ValidateFormat, typer.Option("--format", "-f", help=_("Output format."))
    ] = ValidateFormat.text,
    strict: Annotated[bool, typer.Option("--strict", help=_("Fail on warnings too."))] = False,
    no_git: Annotated[
        bool, typer.Option("--no-git", help=_("Skip the update-log check against git history."))
    ] = False,
) -> None:
    from opsmanual.reporters.validate import REPORTERS
    from opsmanual.validate import validate as run

    report = run(manual_root(manual), use_git=not no_git)
    colour = format is ValidateFormat.text and color_enabled()
    out(REPORTERS[format.value](report, strict=strict, colour=colour), styled=colour)
    if not report.passed(strict):
        raise typer.Exit(1)


@app.command(
    help=_(
        "Write the JSON Schemas (Draft 2020-12) of every file of the format, for editors and tools."
    )
)
def schema(
    output_dir: Annotated[
        Path, typer.Option("--output", "-o", help=_("Folder to write the schemas to."))
    ] = Path("schemas"),
) -> None:
    from opsmanual.atomic import write_atomic
    from opsmanual.schema import schema_texts

    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OpsError(
            _("cannot write to {path}: {reason}", path=output_dir, reason=exc.strerror)
        ) from exc
    for name, text in schema_texts().items():
        write_atomic(output_dir / name, text.encode("utf-8"))
    for name in schema_texts():
        out(str(output_dir / name))


@app.command(
    help=_("Create a new manual that validates, with one of each kind, and editor settings.")
)
def init(
    directory: Annotated[Path, typer.Argument(help=_("Folder for the new manual."))],
    language: Annotated[
        Language, typer.Option("--language", "-l", help=_("Language of the new manual."))
    ] = Language.zh_cn,
    git: Annotated[
        bool,
        typer.Option(
            "--git", help=_("Also start a git repository (or use the one around) and commit.")
        ),
    ] = False,
) -> None:
    from opsmanual.scaffold import create_manual, start_repository

    try:
        written = create_manual(directory, language.value)
    except OSError as exc:
        raise OpsError(
            _("cannot create {path}: {reason}", path=directory, reason=exc.strerror)
        ) from exc
    for path in written:
        out(str(path))
    err(
        _(
            "created a new manual in {folder}; check it with: opsmanual validate -m {folder}",
            folder=directory,
        )
    )
    if git:
        top = start_repository(directory, language.value)
        err(_("committed the new manual in the git repository {top}", top=top))
