"""records/distribution.yaml: known copies, versions and people; entries in order; no copy left
holding an edition older than the one in force (`ref-missing`, `record-order`, `copy-outdated`)."""

from __future__ import annotations

from datetime import datetime

from opsmanual.checks.references import missing
from opsmanual.copies import copy_states, in_force
from opsmanual.findings import Finding
from opsmanual.load import Document
from opsmanual.model import Distribution, Manual

_PEOPLE = ("by", "received_by", "witness")


def check(manual: Manual, now: datetime) -> list[Finding]:
    doc = manual.distribution_doc
    if doc is None or "distribution" in manual.broken:
        return []
    findings = _references(manual, doc)
    findings += _order(manual, doc)
    findings += _outdated(manual, doc, now)
    return findings


def _references(manual: Manual, doc: Document) -> list[Finding]:
    out: list[Finding] = []
    copies = {c.id for c in manual.info.copies} if manual.info else None
    versions = {r.version for r in manual.updates}
    staff = manual.known["staff"]
    for entry in manual.distribution:
        i = entry.index
        if copies is not None and entry.copy not in copies:
            out.append(missing(doc, [i, "copy"], "controlled copy", entry.copy, copies))
        if entry.version is not None and manual.updates and entry.version not in versions:
            out.append(
                missing(doc, [i, "version"], "update record of version", entry.version, versions)
            )
        for name in _PEOPLE:
            person = entry.raw.get(name)
            if person is not None and person not in staff:
                out.append(missing(doc, [i, name], "person", person, staff))
    return out


def _order(manual: Manual, doc: Document) -> list[Finding]:
    out: list[Finding] = []
    dates = {r.version: r.date for r in manual.updates}
    previous: Distribution | None = None
    withdrawn: dict[str, Distribution] = {}
    for entry in manual.distribution:
        i = entry.index
        if previous is not None and entry.date < previous.date:
            out.append(
                doc.finding(
                    "record-order",
                    f"dated {entry.raw['date']}, before the entry above it "
                    f"({previous.raw['date']}); the record lists entries oldest first",
                    [i, "date"],
                )
            )
        published = dates.get(entry.version) if entry.version else None
        if published is not None and entry.date.date() < published:
            out.append(
                doc.finding(
                    "record-order",
                    f"dated {entry.raw['date']}, before version {entry.version} was recorded "
                    f"({published}); a copy cannot hold an edition before it exists",
                    [i, "date"],
                )
            )
        recalled = withdrawn.get(entry.copy)
        if recalled is not None and entry.action != "issue":
            out.append(
                doc.finding(
                    "record-order",
                    f"copy {entry.copy} was withdrawn on {recalled.raw['date']} (entry "
                    f"{recalled.index + 1}); after a withdrawal only a new `issue` may follow",
                    [i, "action"],
                )
            )
        if entry.action == "withdraw":
            withdrawn[entry.copy] = entry
        elif entry.action == "issue":
            withdrawn.pop(entry.copy, None)
        previous = entry
    return out


def _outdated(manual: Manual, doc: Document, now: datetime) -> list[Finding]:
    info = manual.info
    force = in_force(manual.updates, now)
    if info is None:
        return []
    out: list[Finding] = []
    for i, state in enumerate(copy_states(manual, now)):
        if state.status == "never-issued":
            out.append(
                info.doc.finding(
                    "copy-outdated",
                    f"copy {state.id} has never been issued (records/distribution.yaml has no "
                    f"entry for it); record its issue: opsmanual copy issue {state.id}",
                    ["copies", i, "id"],
                )
            )
        elif state.status == "outdated" and state.last is not None and force is not None:
            out.append(
                doc.finding(
                    "copy-outdated",
                    f"copy {state.id} holds version {state.version}, but version "
                    f"{force.version} is in force since {force.effective_date}; replace its "
                    f"changed pages (opsmanual render --changed-since {state.version} --copy "
                    f"{state.id}) and record it: opsmanual copy update {state.id}",
                    [state.last.index, "version"],
                )
            )
    return out
