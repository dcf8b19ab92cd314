"""The borrowing register: known copies and people, no overlap, sane dates, overdue loans."""

from __future__ import annotations

from datetime import datetime

from opsmanual.checks.references import missing
from opsmanual.findings import Finding
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
            findings.append(missing(doc, [i, "copy"], "controlled copy", loan.copy, copies))
        if loan.borrower not in staff:
            findings.append(missing(doc, [i, "borrower"], "person", loan.borrower, staff))
        if loan.issued_by is not None and loan.issued_by not in staff:
            findings.append(missing(doc, [i, "issued_by"], "person", loan.issued_by, staff))
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
                f"returned {loan.raw['returned']} is before borrowed "
                f"{loan.raw['borrowed']}; correct one of the two",
                [i, "returned"],
            )
        )
    if "due" in loan.raw and loan.due < loan.borrowed:
        out.append(
            doc.finding(
                "loan-dates",
                f"due {loan.raw['due']} is before borrowed {loan.raw['borrowed']}",
                [i, "due"],
            )
        )
    person = manual.staff.get(loan.borrower)
    if loan.returned is None and person is not None and not person.active:
        out.append(
            doc.finding(
                "loan-dates",
                f"{person.name} ({person.id}) is no longer active but still holds copy "
                f"{loan.copy}; "
                "record its return with `opsmanual loan back`",
                [i, "borrower"],
            )
        )
    if loan.returned is None and now > loan.due:
        due = loan.raw.get("due", f"end of day {loan.due.date()}")
        out.append(
            doc.finding(
                "loan-overdue",
                f"copy {loan.copy} lent to {loan.borrower} was due back {due} and is not returned",
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
                until = "it was returned" if holder.returned else "it is returned"
                out.append(
                    doc.finding(
                        "loan-overlap",
                        f"copy {loan.copy} is lent again on {loan.raw['borrowed']} while it is "
                        f"still out to {holder.borrower} (entry {holder.index + 1}); "
                        f"a copy is lent again only after {until}",
                        [loan.index, "borrowed"],
                    )
                )
            if holder is None or (
                holder.returned is not None
                and (loan.returned is None or loan.returned > holder.returned)
            ):
                holder = loan
    return out
