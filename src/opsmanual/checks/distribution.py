"""records/distribution.yaml: known copies, versions and people; entries in order; no copy left
holding an edition older than the one in force (`ref-missing`, `record-order`, `copy-outdated`)."""

from __future__ import annotations

from datetime import datetime

from opsmanual import copies  # a module import: opsmanual.copies imports this package too
from opsmanual.checks import record_lists
from opsmanual.findings import Finding
from opsmanual.i18n import N_, _
from opsmanual.load import Document
from opsmanual.model import Distribution, Manual

_PEOPLE = ("by", "received_by", "witness")


def check(manual: Manual, now: datetime) -> list[Finding]:
    doc = manual.distribution_doc
    if doc is None or "distribution" in manual.broken:
        return []
    findings: list[Finding] = []
    if manual.info is not None and "manual" not in manual.broken:
        ids = [c.id for c in manual.info.copies]
        findings += record_lists.unknown(doc, ["copy"], ids, N_("controlled copy"))
    findings += record_lists.unknown_versions(manual, doc)
    findings += record_lists.unknown_people(manual, doc, _PEOPLE)
    findings += record_lists.out_of_order(doc)
    findings += record_lists.before_its_record(manual, doc)
    findings += _after_withdrawal(manual, doc)
    findings += _outdated(manual, doc, now)
    return findings


def _after_withdrawal(manual: Manual, doc: Document) -> list[Finding]:
    """`record-order`: after a `withdraw`, a copy's next entry can only be a new `issue`."""
    out: list[Finding] = []
    withdrawn: dict[str, Distribution] = {}
    for entry in manual.distribution:
        recalled = withdrawn.get(entry.copy)
        if recalled is not None and entry.action != "issue":
            out.append(
                doc.finding(
                    "record-order",
                    _(
                        "copy {copy} was withdrawn on {date} (entry {number}); after a "
                        "withdrawal only a new `issue` may follow",
                        copy=entry.copy,
                        date=recalled.raw["date"],
                        number=recalled.index + 1,
                    ),
                    [entry.index, "action"],
                )
            )
        if entry.action == "withdraw":
            withdrawn[entry.copy] = entry
        elif entry.action == "issue":
            withdrawn.pop(entry.copy, None)
    return out


def _outdated(manual: Manual, doc: Document, now: datetime) -> list[Finding]:
    info = manual.info
    force = record_lists.in_force(manual.updates, now)
    if info is None:
        return []
    out: list[Finding] = []
    for i, state in enumerate(copies.copy_states(manual, now)):
        if state.status == "never-issued":
            out.append(
                info.doc.finding(
                    "copy-outdated",
                    _(
                        "copy {copy} has never been issued (records/distribution.yaml has no "
                        "entry for it); record its issue: opsmanual copy issue {copy}",
                        copy=state.id,
                    ),
                    ["copies", i, "id"],
                )
            )
        elif state.status == "outdated" and state.last is not None and force is not None:
            out.append(
                doc.finding(
                    "copy-outdated",
                    _(
                        "copy {copy} holds version {version}, but version {force} is in force "
                        "since {effective}; replace its changed pages (opsmanual render "
                        "--changed-since {version} --copy {copy}) and record it: "
                        "opsmanual copy update {copy}",
                        copy=state.id,
                        version=state.version,
                        force=force.version,
                        effective=force.effective_date,
                    ),
                    [state.last.index, "version"],
                )
            )
    return out
