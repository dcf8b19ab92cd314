"""Rules shared by the dated record lists that name versions (records/acks.yaml,
records/distribution.yaml): date order, known people and versions, no entry before its version.

Each function takes the list's document (already past its schema) and the names of the fields
to look at, so that every list states its own fields and the rules live here once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from opsmanual.checks.references import missing
from opsmanual.findings import Finding
from opsmanual.i18n import N_, _
from opsmanual.load import Document
from opsmanual.model import Manual, UpdateRecord, parse_datetime


def entries(doc: Document) -> list[dict[str, Any]]:
    """The list's entries as loaded (a comment-only file is an empty list)."""
    return doc.data if isinstance(doc.data, list) else []


def out_of_order(doc: Document, date_field: str = "date") -> list[Finding]:
    """`record-order`: an entry dated before the entry above it (lists are kept oldest first)."""
    findings: list[Finding] = []
    previous: tuple[int, datetime] | None = None
    for i, entry in enumerate(entries(doc)):
        moment = parse_datetime(entry[date_field])
        if previous is not None and moment < previous[1]:
            findings.append(
                doc.finding(
                    "record-order",
                    _(
                        "{field} {value} is before {previous}, the {field} of the entry above "
                        "it; entries are kept oldest first, new ones at the end",
                        field=date_field,
                        value=entry[date_field],
                        previous=entries(doc)[previous[0]][date_field],
                    ),
                    [i, date_field],
                )
            )
        previous = (i, moment)
    return findings


def unknown(
    doc: Document, fields: Sequence[str], known: Collection[str], kind_word: str
) -> list[Finding]:
    """`ref-missing`: a value of one of `fields` (when present) that is not in `known`."""
    return [
        missing(doc, [i, name], kind_word, entry[name], known)
        for i, entry in enumerate(entries(doc))
        for name in fields
        if isinstance(entry.get(name), str) and entry[name] not in known
    ]


def unknown_people(manual: Manual, doc: Document, fields: Sequence[str]) -> list[Finding]:
    """`ref-missing`: a staff id in one of `fields` that names no file in staff/."""
    return unknown(doc, fields, manual.known["staff"], N_("person"))


def unknown_versions(manual: Manual, doc: Document, field: str = "version") -> list[Finding]:
    """`ref-missing`: a version that is no update record's (skipped while the table is unusable)."""
    if "updates" in manual.broken or not manual.updates:
        return []
    return unknown(doc, [field], [r.version for r in manual.updates], N_("update record version"))


def before_its_record(
    manual: Manual, doc: Document, version_field: str = "version", date_field: str = "date"
) -> list[Finding]:
    """`record-order`: an entry dated before the day of the update record of its version."""
    records = {r.version: r for r in manual.updates}
    findings: list[Finding] = []
    for i, entry in enumerate(entries(doc)):
        record = records.get(entry.get(version_field) or "")
        if record is None:
            continue
        day = parse_datetime(entry[date_field]).date()  # the day as written, in its own zone
        if day < record.date:
            findings.append(
                doc.finding(
                    "record-order",
                    _(
                        "{field} {value} is before {date}, the date of the update record of "
                        "version {version}; a version cannot be handled before it exists",
                        field=date_field,
                        value=entry[date_field],
                        date=record.date,
                        version=record.version,
                    ),
                    [i, date_field],
                )
            )
    return findings


def in_force(records: Iterable[UpdateRecord], moment: date | datetime) -> UpdateRecord | None:
    """The version in force at `moment`: the last record whose effective date has come.

    None when no record has taken effect yet. A date-time counts by its own calendar day.
    """
    day = moment.date() if isinstance(moment, datetime) else moment
    found: UpdateRecord | None = None
    for record in records:
        if record.effective_date <= day:
            found = record
    return found


def record_of(manual: Manual, version: str) -> UpdateRecord | None:
    """The update record of `version`, or None."""
    return next((r for r in manual.updates if r.version == version), None)
