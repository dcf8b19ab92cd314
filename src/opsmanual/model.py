"""Typed entities of a manual, built from documents that passed their schema."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from opsmanual.i18n import _
from opsmanual.load import Document

# `UpdateRecord.date` is a field; inside that class the type needs another name.
Day = date


def parse_date(text: str) -> date:
    return date.fromisoformat(text)


def parse_datetime(text: str, end_of_day: bool = False) -> datetime:
    """A date-time of the format as an aware datetime; no zone means this machine's local time.

    A bare date is the start of that day, or its end for a due date.
    """
    if len(text) == 10:
        moment = datetime.combine(date.fromisoformat(text), time.max if end_of_day else time.min)
    else:
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.astimezone()  # interprets a naive value as local time
    return moment


_TYPED_DATETIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$"
)
_TYPED_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_when(text: str, end_of_day: bool = False) -> datetime:
    """A date-time typed by the user, in the format's spellings; naive means local time.

    A bare date is the start of that day, or its end when `end_of_day` (a due date).
    Raises ValueError with a message fit for the user.
    """
    value = text.strip()
    if not _TYPED_DATETIME.match(value):
        raise ValueError(
            _(
                "{text!r} is not a date-time; write YYYY-MM-DD, YYYY-MM-DDTHH:MM "
                "or YYYY-MM-DDTHH:MM:SS+08:00",
                text=text,
            )
        )
    try:
        return parse_datetime(value, end_of_day=end_of_day)
    except ValueError:
        raise ValueError(_("{text!r} is not a real date or time", text=text)) from None


def stamp(moment: datetime) -> str:
    """How the CLI writes a date-time: seconds precision, with its UTC offset."""
    return moment.replace(microsecond=0).isoformat(timespec="seconds")


def parse_day(text: str, option: str) -> date:
    """A date typed by the user for `option`, YYYY-MM-DD (spaces around it allowed).

    Raises ValueError with a message fit for the user.
    """
    value = text.strip()
    try:
        if _TYPED_DAY.fullmatch(value):  # fromisoformat alone also takes 20261201
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise ValueError(_("{option} {value!r} is not a date YYYY-MM-DD", option=option, value=text))


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@dataclass
class Principle:
    title: str
    text: str | None


@dataclass
class Chapter:
    title: str
    text: str | None
    procedures: list[str]


@dataclass
class Copy:
    id: str
    holder: str
    location: str | None


@dataclass
class ManualInfo:
    id: str
    title: str
    version: str
    owner: str
    doc: Document = field(repr=False)
    organization: str | None = None
    language: str = "en"
    effective: date | None = None
    approver: str | None = None
    purpose: str | None = None
    scope: str | None = None
    principles: list[Principle] = field(default_factory=list)
    chapters: list[Chapter] | None = None
    copies: list[Copy] = field(default_factory=list)
    loan_days: int = 0
    review_months: int = 12
    number: str | None = None
    classification: str | None = None
    ack_days: int | None = None

    @classmethod
    def from_doc(cls, doc: Document) -> ManualInfo:
        d = doc.data
        return cls(
            id=d["id"],
            title=d["title"],
            version=d["version"],
            owner=d["owner"],
            doc=doc,
            organization=d.get("organization"),
            language=d.get("language", "en"),
            effective=parse_date(d["effective"]) if "effective" in d else None,
            approver=d.get("approver"),
            purpose=d.get("purpose"),
            scope=d.get("scope"),
            principles=[Principle(p["title"], p.get("text")) for p in d.get("principles", [])],
            chapters=(
                [Chapter(c["title"], c.get("text"), c["procedures"]) for c in d["chapters"]]
                if "chapters" in d
                else None
            ),
            copies=[Copy(c["id"], c["holder"], c.get("location")) for c in d.get("copies", [])],
            loan_days=d.get("loan_days", 0),
            review_months=d.get("review_months", 12),
            number=d.get("number"),
            classification=d.get("classification"),
            ack_days=d.get("ack_days"),
        )


@dataclass
class Unit:
    id: str
    name: str
    doc: Document = field(repr=False)
    parent: str | None = None
    head: str | None = None
    description: str | None = None
    duties: list[str] = field(default_factory=list)

    @classmethod
    def from_doc(cls, doc: Document) -> Unit:
        d = doc.data
        return cls(
            d["id"],
            d["name"],
            doc,
            d.get("parent"),
            d.get("head"),
            d.get("description"),
            d.get("duties", []),
        )


@dataclass
class Role:
    id: str
    title: str
    unit: str
    duties: list[str]
    doc: Document = field(repr=False)
    reports_to: str | None = None
    headcount: int | None = None
    authorities: list[str] = field(default_factory=list)
    qualifications: list[str] = field(default_factory=list)
    description: str | None = None

    @classmethod
    def from_doc(cls, doc: Document) -> Role:
        d = doc.data
        return cls(
            d["id"],
            d["title"],
            d["unit"],
            d["duties"],
            doc,
            d.get("reports_to"),
            d.get("headcount"),
            d.get("authorities", []),
            d.get("qualifications", []),
            d.get("description"),
        )


@dataclass
class Step:
    id: str
    actor: str
    action: str
    details: str | None = None
    outputs: list[str] = field(default_factory=list)
    approval: bool = False
    next: list[str] | None = None  # None: the following step


@dataclass
class Procedure:
    id: str
    title: str
    owner: str
    steps: list[Step]
    doc: Document = field(repr=False)
    purpose: str | None = None
    scope: str | None = None
    frequency: str | None = None
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    records: list[str] = field(default_factory=list)
    consulted: list[str] = field(default_factory=list)
    informed: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    reviewed: date | None = None
    number: str | None = None

    @classmethod
    def from_doc(cls, doc: Document) -> Procedure:
        d = doc.data
        steps = [
            Step(
                s["id"],
                s["actor"],
                s["action"],
                s.get("details"),
                s.get("outputs", []),
                s.get("approval", False),
                s.get("next"),
            )
            for s in d["steps"]
        ]
        return cls(
            d["id"],
            d["title"],
            d["owner"],
            steps,
            doc,
            d.get("purpose"),
            d.get("scope"),
            d.get("frequency"),
            d.get("inputs", []),
            d.get("outputs", []),
            d.get("records", []),
            d.get("consulted", []),
            d.get("informed", []),
            d.get("related", []),
            parse_date(d["reviewed"]) if "reviewed" in d else None,
            d.get("number"),
        )

    def successors(self, index: int) -> list[str]:
        step = self.steps[index]
        if step.next is not None:
            return step.next
        return [self.steps[index + 1].id] if index + 1 < len(self.steps) else []

    def roles(self) -> list[str]:
        """Owner, step actors, consulted and informed: the procedure's audience, in that order."""
        ordered = [self.owner, *(s.actor for s in self.steps), *self.consulted, *self.informed]
        return list(dict.fromkeys(ordered))


@dataclass
class Person:
    id: str
    name: str
    doc: Document = field(repr=False)
    email: str | None = None
    roles: list[str] = field(default_factory=list)
    active: bool = True
    joined: date | None = None

    @classmethod
    def from_doc(cls, doc: Document) -> Person:
        d = doc.data
        return cls(
            d["id"],
            d["name"],
            doc,
            d.get("email"),
            d.get("roles", []),
            d.get("active", True),
            parse_date(d["joined"]) if "joined" in d else None,
        )


@dataclass
class UpdateRecord:
    index: int
    version: str
    date: date
    summary: str
    changes: list[str]
    method: str = "amendment"
    notice_ref: str | None = None
    removed: list[str] = field(default_factory=list)
    author: str | None = None
    approved_by: str | None = None
    # Spec 1.1: 实施日期 (default: `date`, see `effective_date`), 审核, 批准日期.
    effective: Day | None = None
    reviewed_by: str | None = None
    approved: Day | None = None

    @property
    def effective_date(self) -> Day:
        """The day this version takes effect: its `effective`, else its `date` (发布日期)."""
        return self.effective or self.date

    @property
    def is_approved(self) -> bool:
        return self.approved_by is not None

    @classmethod
    def from_data(cls, index: int, d: dict[str, Any]) -> UpdateRecord:
        return cls(
            index,
            d["version"],
            parse_date(d["date"]),
            d["summary"],
            d["changes"],
            d.get("method", "amendment"),
            d.get("notice_ref"),
            d.get("removed", []),
            d.get("author"),
            d.get("approved_by"),
            parse_date(d["effective"]) if "effective" in d else None,
            d.get("reviewed_by"),
            parse_date(d["approved"]) if "approved" in d else None,
        )


@dataclass
class Loan:
    index: int
    copy: str
    borrower: str
    borrowed: datetime
    due: datetime
    raw: dict[str, Any] = field(repr=False)
    returned: datetime | None = None
    purpose: str | None = None
    issued_by: str | None = None

    @classmethod
    def from_data(cls, index: int, d: dict[str, Any], loan_days: int) -> Loan:
        borrowed = parse_datetime(d["borrowed"])
        if "due" in d:
            due = parse_datetime(d["due"], end_of_day=True)
        else:
            due = default_due(borrowed, loan_days)
        returned = parse_datetime(d["returned"]) if "returned" in d else None
        return cls(
            index,
            d["copy"],
            d["borrower"],
            borrowed,
            due,
            d,
            returned,
            d.get("purpose"),
            d.get("issued_by"),
        )

    def status(self, now: datetime) -> str:
        if self.returned is not None:
            return "returned"
        return "overdue" if now > self.due else "open"


@dataclass
class Distribution:
    """One entry of records/distribution.yaml: a controlled copy issued, updated or withdrawn."""

    index: int
    copy: str
    action: str  # issue | update | withdraw
    date: datetime
    raw: dict[str, Any] = field(repr=False)
    version: str | None = None  # the edition held after this entry (issue, update)
    by: str | None = None
    received_by: str | None = None
    destroyed: str | None = None
    witness: str | None = None
    note: str | None = None

    @classmethod
    def from_data(cls, index: int, d: dict[str, Any]) -> Distribution:
        return cls(
            index,
            d["copy"],
            d["action"],
            parse_datetime(d["date"]),
            d,
            d.get("version"),
            d.get("by"),
            d.get("received_by"),
            d.get("destroyed"),
            d.get("witness"),
            d.get("note"),
        )


def default_due(borrowed: datetime, loan_days: int) -> datetime:
    """The end of the day `loan_days` after the loan, in the loan's own time zone."""
    try:
        day = borrowed.date() + timedelta(days=loan_days)
    except OverflowError:  # a loan in 9999: due at the end of the calendar, not a crash
        day = date.max
    return datetime.combine(day, time(23, 59, 59), tzinfo=borrowed.tzinfo)


@dataclass
class Ack:
    """One entry of records/acks.yaml: a person read and understood a version (and every
    earlier one)."""

    index: int
    person: str
    version: str
    date: datetime
    raw: dict[str, Any] = field(repr=False)
    method: str | None = None
    note: str | None = None

    @classmethod
    def from_data(cls, index: int, d: dict[str, Any]) -> Ack:
        return cls(
            index,
            d["person"],
            d["version"],
            parse_datetime(d["date"]),
            d,
            d.get("method"),
            d.get("note"),
        )


@dataclass
class Manual:
    """Everything loaded from one manual folder.

    Entities come only from files that passed their schema.
    """

    info: ManualInfo | None
    units: dict[str, Unit] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    procedures: dict[str, Procedure] = field(default_factory=dict)
    staff: dict[str, Person] = field(default_factory=dict)
    updates: list[UpdateRecord] = field(default_factory=list)
    loans: list[Loan] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)
    documents: dict[str, Document] = field(default_factory=dict)
    # Ids of every entity file that could be read, valid or not, so that one broken file does
    # not make every reference to it a second error.
    known: dict[str, set[str]] = field(default_factory=dict)
    # Kinds with a file that could not be used; checks over a whole kind skip them.
    broken: set[str] = field(default_factory=set)
    updates_doc: Document | None = None
    loans_doc: Document | None = None
    acks_doc: Document | None = None
    # records/distribution.yaml (spec 1.1); None when the manual keeps no distribution record.
    distribution: list[Distribution] = field(default_factory=list)
    distribution_doc: Document | None = None
    has_staff_folder: bool = False

    def entities(self, kind: str) -> dict[str, Any]:
        table: dict[str, Any] = getattr(self, kind)
        return table

    def active_staff(self) -> list[Person]:
        return [p for p in self.staff.values() if p.active]
