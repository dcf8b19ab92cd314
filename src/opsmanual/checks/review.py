"""Warnings about upkeep: procedures due for review, procedures left out of the chapters."""

from __future__ import annotations

import calendar
from datetime import date

from opsmanual.findings import Finding
from opsmanual.model import Manual


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if year > date.max.year:  # reviewed in 9999: due after the end of the calendar
        return date.max
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check(manual: Manual, today: date) -> list[Finding]:
    findings: list[Finding] = []
    months = manual.info.review_months if manual.info else 12
    for proc in manual.procedures.values():
        if proc.reviewed is None:
            findings.append(
                proc.doc.finding(
                    "review-overdue",
                    f"the procedure has never been reviewed; review it and write the date, "
                    f"e.g. reviewed: {today.isoformat()}",
                    ["id"],
                )
            )
        elif add_months(proc.reviewed, months) < today:
            findings.append(
                proc.doc.finding(
                    "review-overdue",
                    f"last reviewed {proc.reviewed}, more than {months} months ago; "
                    "review it and update `reviewed`",
                    ["reviewed"],
                )
            )
    info = manual.info
    if info is not None and info.chapters is not None:
        listed = {p for chapter in info.chapters for p in chapter.procedures}
        for proc_id in sorted(set(manual.procedures) - listed):
            findings.append(
                info.doc.finding(
                    "chapter-missing",
                    f"the procedure `{proc_id}` is in no chapter, so it is printed in a last "
                    "chapter; add it to a chapter's `procedures`",
                    ["chapters"],
                    key=True,
                )
            )
    return findings
