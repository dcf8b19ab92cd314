"""The update record table: order, the manual's version, and what the last record names."""

from __future__ import annotations

import itertools

from opsmanual.checks.references import missing
from opsmanual.findings import Finding
from opsmanual.i18n import N_, _
from opsmanual.kinds import NOUNS
from opsmanual.model import Manual, UpdateRecord, version_key


def check(manual: Manual) -> list[Finding]:
    doc = manual.updates_doc
    records = manual.updates
    if doc is None or not records:
        return []  # an empty table is a `schema` finding already (minItems)
    findings: list[Finding] = []
    for before, record in itertools.pairwise(records):
        i = record.index
        if version_key(record.version) <= version_key(before.version):
            findings.append(
                doc.finding(
                    "version-order",
                    _(
                        "version {version} does not come after {before}, "
                        "the entry before it; versions must go up, oldest entry first",
                        version=record.version,
                        before=before.version,
                    ),
                    [i, "version"],
                )
            )
        if record.date < before.date:
            findings.append(
                doc.finding(
                    "version-order",
                    _(
                        "date {date} is before {before}, the date of the entry before it; "
                        "entries are kept oldest first",
                        date=record.date,
                        before=before.date,
                    ),
                    [i, "date"],
                )
            )
        if not record.changes and not record.removed:
            findings.append(
                doc.finding(
                    "schema",
                    _(
                        "only the first issue may have an empty `changes`; list what this update "
                        "changed, e.g. procedures/annual-plan"
                    ),
                    [i, "changes"],
                )
            )
    findings += _last_record(manual, records[-1])
    info = manual.info
    if info is not None and info.version != records[-1].version:
        findings.append(
            info.doc.finding(
                "version-mismatch",
                _(
                    "manual.yaml says version {version} but the last update record is "
                    '{last}; write version: "{last}"',
                    version=info.version,
                    last=records[-1].version,
                ),
                ["version"],
            )
        )
    return findings


def _last_record(manual: Manual, record: UpdateRecord) -> list[Finding]:
    doc = manual.updates_doc
    assert doc is not None
    findings: list[Finding] = []
    i = record.index
    for j, ref in enumerate(record.changes):
        if ref == "manual":
            continue
        kind, _slash, eid = ref.partition("/")
        if eid not in manual.known[kind]:
            known = {f"{kind}/{k}" for k in manual.known[kind]}
            findings.append(missing(doc, [i, "changes", j], NOUNS[kind], ref, known))
    for j, ref in enumerate(record.removed):
        kind, _slash, eid = ref.partition("/")
        if eid in manual.known[kind]:
            findings.append(
                doc.finding(
                    "ref-missing",
                    _(
                        "`removed` lists {ref}, but {kind}/{id}.yaml still exists; "
                        "delete the file or take it off `removed`",
                        ref=ref,
                        kind=kind,
                        id=eid,
                    ),
                    [i, "removed", j],
                )
            )
    for field in ("author", "reviewed_by", "approved_by"):
        person = getattr(record, field)
        if person is not None and person not in manual.known["staff"]:
            findings.append(missing(doc, [i, field], N_("person"), person, manual.known["staff"]))
    return findings
