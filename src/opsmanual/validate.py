"""`validate`: load, check, and under git check the update log. Returns findings, prints nothing."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from opsmanual.checks import run_checks
from opsmanual.findings import Counted, Finding, sort_findings
from opsmanual.manual import load_manual
from opsmanual.model import Manual, parse_datetime
from opsmanual.source import FolderSource, Source


def now() -> datetime:
    """The current time, aware; `OPSMANUAL_NOW` pins it for reproducible runs and tests."""
    pinned = os.environ.get("OPSMANUAL_NOW")
    return parse_datetime(pinned) if pinned else datetime.now().astimezone()


@dataclass
class Report(Counted):
    root: Path
    manual: Manual
    findings: list[Finding]

    @property
    def manual_id(self) -> str | None:
        if self.manual.info is not None:
            return self.manual.info.id
        doc = self.manual.documents.get("manual.yaml") or self.manual.documents.get("manual.yml")
        data = doc.data if doc else None
        value = data.get("id") if isinstance(data, dict) else None
        return value if isinstance(value, str) else None

    def passed(self, strict: bool = False) -> bool:
        return self.errors == 0 and not (strict and self.warnings)


def check(source: Source, at: datetime | None = None) -> tuple[Manual, list[Finding]]:
    """Load a manual from any source (a folder, a git revision) and run every check but git's."""
    manual, findings = load_manual(source)
    return manual, findings + run_checks(manual, at or now())


def validate(root: Path, use_git: bool = True, at: datetime | None = None) -> Report:
    manual, findings = check(FolderSource(root), at)
    if use_git:
        from opsmanual.checks.update_log import check_update_log

        findings += check_update_log(root, manual)
    return Report(root, manual, sort_findings(findings))
