"""`validate`'s report written out: text, json, github (annotations), sarif."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from opsmanual import __version__
from opsmanual.findings import DESCRIPTION, SEVERITY, Finding
from opsmanual.i18n import _, ngettext
from opsmanual.reporters import printable, tint

if TYPE_CHECKING:
    from opsmanual.validate import Report


class Reporter(Protocol):
    """Every validate reporter takes the same options and ignores those it has no use for."""

    def __call__(self, report: Report, *, strict: bool = False, colour: bool = False) -> str: ...


def summary(report: Report) -> str:
    errors, warnings = report.errors, report.warnings
    manual = report.manual_id
    if not errors and not warnings:
        if manual:
            return _("manual `{manual}` is valid: no findings", manual=manual)
        return _("the manual is valid: no findings")
    counts = _counts(errors, warnings)
    if errors:
        if manual:
            return _("manual `{manual}` has {counts}", manual=manual, counts=counts)
        return _("the manual has {counts}", counts=counts)
    if manual:
        return _("manual `{manual}` is valid, with {counts}", manual=manual, counts=counts)
    return _("the manual is valid, with {counts}", counts=counts)


def _counts(errors: int, warnings: int) -> str:
    error_words = ngettext("{n} error", "{n} errors", errors)
    warning_words = ngettext("{n} warning", "{n} warnings", warnings)
    if errors and warnings:
        return _("{errors} and {warnings}", errors=error_words, warnings=warning_words)
    return error_words if errors else warning_words


def text_line(finding: Finding) -> str:
    where = finding.file
    if finding.line is not None:
        where += f":{finding.line}:{finding.column}"
    return f"{where}: {finding.severity} {finding.code} {finding.message}"


def as_text(report: Report, *, strict: bool = False, colour: bool = False) -> str:
    """A line per finding (severity and code in colour on a terminal), then the summary."""
    lines = []
    for finding in report.findings:
        line = text_line(finding)
        if colour:  # printed as it is: the manual's text made printable here
            shade = "red" if finding.severity == "error" else "yellow"
            mark = f"{finding.severity} {finding.code}"
            line = printable(line).replace(f" {mark} ", f" {tint(mark, shade)} ", 1)
        lines.append(line)
    lines.append(printable(summary(report)) if colour else summary(report))
    return "\n".join(lines)


def as_json(report: Report, *, strict: bool = False, colour: bool = False) -> str:
    document = {
        "manual": report.manual_id,
        "valid": report.passed(strict),
        "errors": report.errors,
        "warnings": report.warnings,
        "findings": [f.as_json() for f in report.findings],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def repo_relative(root: Path) -> Path:
    """The manual folder relative to its git repository's top, or to the current folder."""
    folder = root.resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return folder.relative_to(candidate)
    try:
        return folder.relative_to(Path.cwd().resolve())
    except ValueError:
        return Path(os.path.relpath(folder, Path.cwd().resolve()))


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def as_github(report: Report, *, strict: bool = False, colour: bool = False) -> str:
    base = repo_relative(report.root)
    lines = []
    for f in report.findings:
        props = [f"file={_escape_property((base / f.file).as_posix())}"]
        if f.line is not None:
            props += [f"line={f.line}", f"col={f.column}"]
        props.append(f"title={_escape_property(f.code)}")
        lines.append(f"::{f.severity} {','.join(props)}::{_escape_data(f.message)}")
    lines.append(printable(summary(report)) if colour else summary(report))
    return "\n".join(lines)


def as_sarif(report: Report, *, strict: bool = False, colour: bool = False) -> str:
    base = repo_relative(report.root)
    codes = list(SEVERITY)
    rules = [
        {
            "id": code,
            "name": "".join(part.title() for part in code.split("-")),
            "shortDescription": {"text": _(DESCRIPTION[code])},
            "defaultConfiguration": {"level": SEVERITY[code]},
        }
        for code in codes
    ]
    results = [_sarif_result(f, base, codes.index(f.code)) for f in report.findings]
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "opsmanual",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def _sarif_result(f: Finding, base: Path, rule_index: int) -> dict[str, Any]:
    from urllib.parse import quote

    path = (base / f.file).as_posix()
    # A URI reference (RFC 3986), as SARIF requires: `#`, `%`, `?`, spaces, non-ASCII escaped.
    uri = quote(path, safe="/")
    location: dict[str, Any] = {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}}
    if f.line is not None:
        location["region"] = {"startLine": f.line, "startColumn": f.column}
    fingerprint = hashlib.sha256(f"{f.code}\0{path}\0{f.message}".encode()).hexdigest()[:32]
    return {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": f.severity,
        "message": {"text": f.message},
        "locations": [{"physicalLocation": location}],
        "partialFingerprints": {"opsmanual/v1": fingerprint},
    }


REPORTERS: Mapping[str, Reporter] = {
    "text": as_text,
    "json": as_json,
    "github": as_github,
    "sarif": as_sarif,
}
