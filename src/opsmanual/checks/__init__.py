"""The checks beyond the schema. Each module returns findings and prints nothing."""

from __future__ import annotations

from datetime import datetime

from opsmanual.checks import (
    acks,
    approval,
    distribution,
    loans,
    people,
    references,
    review,
    structure,
    updates,
)
from opsmanual.findings import Finding
from opsmanual.model import Manual


def run_checks(manual: Manual, now: datetime) -> list[Finding]:
    """Every check of format.md that needs no git history."""
    findings: list[Finding] = []
    findings += references.check(manual)
    findings += structure.check(manual)
    findings += updates.check(manual)
    findings += loans.check(manual, now)
    findings += people.check(manual)
    findings += review.check(manual, now.date())
    findings += approval.check(manual)
    findings += acks.check(manual, now)
    findings += distribution.check(manual, now)
    return findings
