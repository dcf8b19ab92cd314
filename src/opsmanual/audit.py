"""`audit`: what an auditor asks, as it stood at one moment.

Under git the manual is read as committed at that moment, from git objects (the last commit of
HEAD's first-parent history committed at or before it; the work tree is never read); outside git,
the work tree. Either way the records are cut at the moment: update records dated by then,
acknowledgements, distribution entries, loans and notices made by then. Every answer comes from
the module that owns its rule (`copies`, `acks`, the checks); this one only gathers them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from opsmanual.acks import AckStatus, status
from opsmanual.checks.record_lists import in_force
from opsmanual.checks.review import add_months
from opsmanual.copies import CopyState, copy_states
from opsmanual.errors import OpsError
from opsmanual.findings import Counted, Finding
from opsmanual.i18n import _
from opsmanual.load import parse
from opsmanual.model import Loan, Manual, UpdateRecord, parse_datetime
from opsmanual.notify import SENT_LOG
from opsmanual.people import label
from opsmanual.source import FolderSource, Source


@dataclass
class Notice:
    version: str
    person: str
    sent: str


@dataclass
class Review:
    procedure: str
    title: str
    reviewed: date | None
    due: date | None  # None: never reviewed, so due since the procedure exists


@dataclass
class Audit(Counted):
    as_of: datetime
    revision: str | None  # the commit read, None outside git
    committed: datetime | None  # when that commit was made
    manual: Manual
    force: UpdateRecord
    updates: list[UpdateRecord]
    acks: AckStatus
    copies: list[CopyState]
    kept_distribution: bool
    loans_open: list[Loan]
    reviews_overdue: list[Review]
    notices: list[Notice]
    findings: list[Finding] = field(repr=False)

    def name(self, person_id: str | None) -> str:
        return "" if person_id is None else label(self.manual, person_id)

    def record_json(self, record: UpdateRecord) -> dict[str, Any]:
        """An update record as written in records/updates.yaml."""
        doc = self.manual.updates_doc
        assert doc is not None
        entry: dict[str, Any] = dict(doc.data[record.index])
        return entry

    def as_json(self) -> dict[str, Any]:
        force = self.force
        return {
            "as_of": self.as_of.isoformat(timespec="seconds"),
            "revision": self.revision,
            "manual": self.manual.info.id if self.manual.info else None,
            "version": {
                "version": force.version,
                "date": force.date.isoformat(),
                "effective": force.effective_date.isoformat(),
                "summary": force.summary,
                "author": force.author,
                "reviewed_by": force.reviewed_by,
                "approved_by": force.approved_by,
                "approved": force.approved.isoformat() if force.approved else None,
            },
            "updates": [self.record_json(r) for r in self.updates],
            "acknowledgements": self.acks.to_json(),
            "copies": [
                {
                    "id": s.copy.id,
                    "holder": s.copy.holder,
                    "version": s.version,
                    "status": s.status,
                }
                for s in self.copies
            ],
            "loans_open": [
                {**loan.raw, "status": "overdue" if self.as_of > loan.due else "open"}
                for loan in self.loans_open
            ],
            "reviews_overdue": [
                {
                    "procedure": r.procedure,
                    "reviewed": r.reviewed.isoformat() if r.reviewed else None,
                    "due": r.due.isoformat() if r.due else None,
                }
                for r in self.reviews_overdue
            ],
            "notices": [
                {"version": n.version, "person": n.person, "sent": n.sent} for n in self.notices
            ],
            "errors": self.errors,
            "warnings": self.warnings,
        }


def audit(root: Path, as_of: datetime, use_git: bool = True) -> Audit:
    """The audit of the manual at `root` as it stood at `as_of`; `OpsError` when it cannot be
    made (nothing committed by then, no version in force yet, a manual that cannot be read)."""
    from opsmanual.validate import check

    gm = _repository(root) if use_git else None
    revision = committed = None
    source: Source
    if gm is not None:
        from opsmanual.gitsource import GitSource, require_manual_at

        revision, committed = _commit_at(gm, as_of)
        try:
            label = _(
                "commit {commit}, the last by {moment}", commit=revision[:12], moment=_day(as_of)
            )
            require_manual_at(gm, revision, label)
        except OpsError as exc:
            raise OpsError(
                _(
                    "{problem}; audit a later moment, or the work tree with --no-git",
                    problem=exc,
                )
            ) from None
        source = GitSource(gm, revision)
        notices_raw = gm.read(revision, SENT_LOG)
    else:
        source = FolderSource(root)
        file = root / SENT_LOG
        notices_raw = file.read_bytes() if file.is_file() else None
    manual, findings = check(source, as_of)
    force = _in_force(manual, findings, as_of)
    return Audit(
        as_of=as_of,
        revision=revision,
        committed=committed,
        manual=manual,
        force=force,
        updates=[r for r in manual.updates if r.date <= as_of.date()],
        acks=status(manual, force.version, as_of),
        copies=copy_states(manual, as_of),
        kept_distribution=manual.distribution_doc is not None,
        loans_open=[
            loan
            for loan in manual.loans
            if loan.borrowed <= as_of and (loan.returned is None or loan.returned > as_of)
        ],
        reviews_overdue=_reviews(manual, findings),
        notices=_notices(notices_raw, as_of),
        findings=findings,
    )


def _day(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _repository(root: Path) -> Any:
    from opsmanual.gitaccess import open_repo

    gm = open_repo(root)
    return gm if gm is not None and gm.has_head() else None


def _commit_at(gm: Any, as_of: datetime) -> tuple[str, datetime]:
    """The last commit of HEAD's first-parent history committed at or before `as_of`."""
    stamp = int(as_of.timestamp())
    found = gm.git(
        "log", "--first-parent", "-1", f"--before={stamp} +0000", "--format=%H %cI", "HEAD"
    ).split()
    if not found:
        first = gm.git("log", "--first-parent", "--reverse", "--format=%cI", "HEAD").split()
        raise OpsError(
            _(
                "nothing was committed at or before {moment}: the first commit of this history "
                "was made on {first}; audit a later moment",
                moment=_day(as_of),
                first=first[0] if first else _("a later day"),
            )
        )
    return found[0], datetime.fromisoformat(found[1])


def _in_force(manual: Manual, findings: list[Finding], as_of: datetime) -> UpdateRecord:
    if manual.info is None or not manual.updates:
        bad = [f for f in findings if f.severity == "error"]
        if bad:
            raise OpsError(
                _(
                    "the manual as it stood at {moment} cannot be read: {where}: {problem}",
                    moment=_day(as_of),
                    where=f"{bad[0].file}:{bad[0].line or 1}",
                    problem=bad[0].message,
                )
            )
        raise OpsError(_("the manual as it stood at {moment} cannot be read", moment=_day(as_of)))
    force = in_force(manual.updates, as_of)
    if force is None:
        first = manual.updates[0]
        raise OpsError(
            _(
                "no version was in force on {moment}: the first version, {version}, takes "
                "effect on {effective}",
                moment=_day(as_of),
                version=first.version,
                effective=first.effective_date,
            )
        )
    return force


def _reviews(manual: Manual, findings: list[Finding]) -> list[Review]:
    """The procedures `review-overdue` named at that moment, with their due dates."""
    months = manual.info.review_months if manual.info else 12
    named = {f.file for f in findings if f.code == "review-overdue"}
    out = []
    for proc in manual.procedures.values():
        if proc.doc.path in named:
            due = add_months(proc.reviewed, months) if proc.reviewed else None
            out.append(Review(proc.id, proc.title, proc.reviewed, due))
    return sorted(out, key=lambda r: (r.due or date.min, r.procedure))


def _notices(raw: bytes | None, as_of: datetime) -> list[Notice]:
    """The notices delivered by `as_of`, from the sent log (notify.py)."""
    if raw is None:
        return []
    doc = parse(SENT_LOG, raw)
    data = getattr(doc, "data", None)
    if data is None:
        return []
    if not isinstance(data, list):
        raise OpsError(_("{file} is not a list of sent notices; fix or remove it", file=SENT_LOG))
    out = []
    for entry in data:
        if not isinstance(entry, dict):
            continue
        version, person, sent = (str(entry.get(k, "")) for k in ("version", "staff", "sent"))
        try:
            moment = parse_datetime(sent)
        except ValueError:
            continue  # not a date the log writes; nothing to place in time
        if moment <= as_of:
            out.append(Notice(version, person, sent))
    return out
