"""`validate`, `schema` and `init`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from opsmanual.cli import ManualOption, app, color_enabled, err, manual_root, out
from opsmanual.errors import OpsError


class ValidateFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"


class Language(StrEnum):
    zh_cn = "zh-CN"
    en = "en"


@app.command()
def validate(
    manual: ManualOption = None,
    format: Annotated[
        ValidateFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ValidateFormat.text,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    no_git: Annotated[
        bool, typer.Option("--no-git", help="Skip the update-log check against git history.")
    ] = False,
) -> None:
    """Check the manual: YAML, schemas, references, records, and the update log under git."""
    from opsmanual import output
    from opsmanual.validate import validate as run

    root = manual_root(manual)
    report = run(root, use_git=not no_git)
    if format is ValidateFormat.json:
        out(output.as_json(report, strict))
    elif format is ValidateFormat.github:
        out(output.as_github(report))
    elif format is ValidateFormat.sarif:
        out(output.as_sarif(report))
    else:
        colour = color_enabled()
        for finding in report.findings:
            line = output.text_line(finding)
            if colour:
                tint = "red" if finding.severity == "error" else "yellow"
                line = line.replace(
                    f" {finding.severity} {finding.code} ",
                    " "
                    + typer.style(f"{finding.severity} {finding.code}", fg=tint, bold=True)
                    + " ",
                    1,
                )
            out(line)
        out(output.summary(report))
    if not report.passed(strict):
        raise typer.Exit(1)


@app.command()
def schema(
    output_dir: Annotated[
        Path, typer.Option("--output", "-o", help="Folder to write the schemas to.")
    ] = Path("schemas"),
) -> None:
    """Write the JSON Schemas (Draft 2020-12) of every file of the format, for editors and tools."""
    from opsmanual.atomic import write_atomic
    from opsmanual.schema import schema_texts

    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OpsError(f"cannot write to {output_dir}: {exc.strerror}") from exc
    for name, text in schema_texts().items():
        write_atomic(output_dir / name, text.encode("utf-8"))
    for name in schema_texts():
        out(str(output_dir / name))


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new manual.")],
    language: Annotated[
        Language, typer.Option("--language", "-l", help="Language of the new manual.")
    ] = Language.zh_cn,
    git: Annotated[
        bool,
        typer.Option(
            "--git", help="Also start a git repository (or use the one around) and commit."
        ),
    ] = False,
) -> None:
    """Create a new manual that validates, with one of each kind, and editor settings."""
    from opsmanual.scaffold import create_manual, start_repository

    try:
        written = create_manual(directory, language.value)
    except OSError as exc:
        raise OpsError(f"cannot create {directory}: {exc.strerror}") from exc
    for path in written:
        out(str(path))
    err(f"created a new manual in {directory}; check it with: opsmanual validate -m {directory}")
    if git:
        top = start_repository(directory, language.value)
        err(f"committed the new manual in the git repository {top}")
