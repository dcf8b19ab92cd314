"""How a validation report is written out: text, json, github, sarif. Returns strings."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from opsmanual import __version__
from opsmanual.findings import DESCRIPTION, SEVERITY, Finding
from opsmanual.validate import Report


def summary(report: Report) -> str:
    name = f"manual `{report.manual_id}`" if report.manual_id else "the manual"
    errors, warnings = report.errors, report.warnings
    if not errors and not warnings:
        return f"{name} is valid: no findings"
    parts = [_plural(errors, "error"), _plural(warnings, "warning")]
    verdict = "has" if errors else "is valid, with"
    return f"{name} {verdict} {' and '.join(p for p in parts if p)}"


def _plural(n: int, word: str) -> str:
    return "" if n == 0 else f"{n} {word}" + ("" if n == 1 else "s")


def text_line(finding: Finding) -> str:
    where = finding.file
    if finding.line is not None:
        where += f":{finding.line}:{finding.column}"
    return f"{where}: {finding.severity} {finding.code} {finding.message}"


def as_json(report: Report, strict: bool = False) -> str:
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


def as_github(report: Report) -> str:
    base = repo_relative(report.root)
    lines = []
    for f in report.findings:
        props = [f"file={_escape_property((base / f.file).as_posix())}"]
        if f.line is not None:
            props += [f"line={f.line}", f"col={f.column}"]
        props.append(f"title={_escape_property(f.code)}")
        lines.append(f"::{f.severity} {','.join(props)}::{_escape_data(f.message)}")
    lines.append(summary(report))
    return "\n".join(lines)


def as_sarif(report: Report) -> str:
    base = repo_relative(report.root)
    codes = list(SEVERITY)
    rules = [
        {
            "id": code,
            "name": "".join(part.title() for part in code.split("-")),
            "shortDescription": {"text": DESCRIPTION[code]},
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
