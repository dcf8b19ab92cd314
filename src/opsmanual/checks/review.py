"""Warnings about upkeep: procedures due for review, procedures left out of the chapters."""

from __future__ import annotations

import calendar
from datetime import date

from opsmanual.findings import Finding
from opsmanual.i18n import _, ngettext
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
                    _(
                        "the procedure has never been reviewed; review it and write the date, "
                        "e.g. reviewed: {today}",
                        today=today.isoformat(),
                    ),
                    ["id"],
                )
            )
        elif add_months(proc.reviewed, months) < today:
            findings.append(
                proc.doc.finding(
                    "review-overdue",
                    ngettext(
                        "last reviewed {reviewed}, more than {n} month ago; "
                        "review it and update `reviewed`",
                        "last reviewed {reviewed}, more than {n} months ago; "
                        "review it and update `reviewed`",
                        months,
                        reviewed=proc.reviewed,
                    ),
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
                    _(
                        "the procedure `{id}` is in no chapter, so it is printed in a last "
                        "chapter; add it to a chapter's `procedures`",
                        id=proc_id,
                    ),
                    ["chapters"],
                    key=True,
                )
            )
    return findings
