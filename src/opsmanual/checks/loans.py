"""The borrowing register: known copies and people, no overlap, sane dates, overdue loans."""

from __future__ import annotations

from datetime import datetime

from opsmanual.checks.references import missing
from opsmanual.findings import Finding
from opsmanual.i18n import N_, _
from opsmanual.model import Loan, Manual


def check(manual: Manual, now: datetime) -> list[Finding]:
    doc = manual.loans_doc
    if doc is None or not manual.loans:
        return []
    findings: list[Finding] = []
    copies = {c.id for c in manual.info.copies} if manual.info else None
    staff = manual.known["staff"]
    for loan in manual.loans:
        i = loan.index
        if copies is not None and loan.copy not in copies:
            findings.append(missing(doc, [i, "copy"], N_("controlled copy"), loan.copy, copies))
        if loan.borrower not in staff:
            findings.append(missing(doc, [i, "borrower"], N_("person"), loan.borrower, staff))
        if loan.issued_by is not None and loan.issued_by not in staff:
            findings.append(missing(doc, [i, "issued_by"], N_("person"), loan.issued_by, staff))
        findings += _dates(manual, loan, now)
    findings += _overlaps(manual)
    return findings


def _dates(manual: Manual, loan: Loan, now: datetime) -> list[Finding]:
    doc = manual.loans_doc
    assert doc is not None
    i = loan.index
    out: list[Finding] = []
    if loan.returned is not None and loan.returned < loan.borrowed:
        out.append(
            doc.finding(
                "loan-dates",
                _(
                    "returned {returned} is before borrowed {borrowed}; correct one of the two",
                    returned=loan.raw["returned"],
                    borrowed=loan.raw["borrowed"],
                ),
                [i, "returned"],
            )
        )
    if "due" in loan.raw and loan.due < loan.borrowed:
        out.append(
            doc.finding(
                "loan-dates",
                _(
                    "due {due} is before borrowed {borrowed}",
                    due=loan.raw["due"],
                    borrowed=loan.raw["borrowed"],
                ),
                [i, "due"],
            )
        )
    person = manual.staff.get(loan.borrower)
    if loan.returned is None and person is not None and not person.active:
        out.append(
            doc.finding(
                "loan-dates",
                _(
                    "{name} ({id}) is no longer active but still holds copy {copy}; "
                    "record its return with `opsmanual loan back`",
                    name=person.name,
                    id=person.id,
                    copy=loan.copy,
                ),
                [i, "borrower"],
            )
        )
    if loan.returned is None and now > loan.due:
        due = loan.raw.get("due") or _("end of day {date}", date=loan.due.date())
        out.append(
            doc.finding(
                "loan-overdue",
                _(
                    "copy {copy} lent to {borrower} was due back {due} and is not returned",
                    copy=loan.copy,
                    borrower=loan.borrower,
                    due=due,
                ),
                [i, "due" if "due" in loan.raw else "borrowed"],
            )
        )
    return out


def _overlaps(manual: Manual) -> list[Finding]:
    doc = manual.loans_doc
    assert doc is not None
    out: list[Finding] = []
    by_copy: dict[str, list[Loan]] = {}
    for loan in manual.loans:
        by_copy.setdefault(loan.copy, []).append(loan)
    for loans in by_copy.values():
        ordered = sorted(loans, key=lambda x: (x.borrowed, x.index))
        holder: Loan | None = None  # the loan whose return comes last among those seen
        for loan in ordered:
            if holder is not None and (holder.returned is None or loan.borrowed < holder.returned):
                if holder.returned:
                    message = _(
                        "copy {copy} is lent again on {borrowed} while it is still out to "
                        "{holder} (entry {entry}); a copy is lent again only after it was returned",
                        copy=loan.copy,
                        borrowed=loan.raw["borrowed"],
                        holder=holder.borrower,
                        entry=holder.index + 1,
                    )
                else:
                    message = _(
                        "copy {copy} is lent again on {borrowed} while it is still out to "
                        "{holder} (entry {entry}); a copy is lent again only after it is returned",
                        copy=loan.copy,
                        borrowed=loan.raw["borrowed"],
                        holder=holder.borrower,
                        entry=holder.index + 1,
                    )
                out.append(
                    doc.finding(
                        "loan-overlap",
                        message,
                        [loan.index, "borrowed"],
                    )
                )
            if holder is None or (
                holder.returned is not None
                and (loan.returned is None or loan.returned > holder.returned)
            ):
                holder = loan
    return out
