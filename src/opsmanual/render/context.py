"""The model turned into what a handbook shows: ordered sections, labels, dates and cross-links.

Every index (who owns what, who holds which role) is built once here, so that rendering is linear
in the size of the manual. Text stays plain `str` (templates escape it); long text fields become
`Markup` through `markup.to_html`, and the raw text is kept for the Markdown writer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup

from opsmanual.model import Manual, ManualInfo, Procedure, Role, UpdateRecord
from opsmanual.render.acks import AckView, ack_view
from opsmanual.render.i18n import Words
from opsmanual.render.markup import to_html
from opsmanual.render.svg import FlowLane, FlowStep, OrgNode
from opsmanual.titles import Titles

# The borrowing register ends in ruled rows for paper use, enough to fill the form's landscape
# page (about FORM_ROWS rows) and never fewer than MIN_BLANK_ROWS.
FORM_ROWS = 14
MIN_BLANK_ROWS = 3


def register_blank_rows(entries: int) -> int:
    return max(MIN_BLANK_ROWS, -entries % FORM_ROWS)


UPDATE_BLANK_ROWS = 4  # ruled rows after the update records, for entries made between reprints


# The columns of the update record table (更新记录表), as word keys, in the order every form of the
# handbook shows them (templates/updates.html.j2 writes the same row for HTML and PDF).
UPDATE_COLUMNS = (
    "no",
    "version",
    "date",
    "method",
    "notice_ref",
    "summary",
    "changes",
    "author",
    "approved_by",
)


@dataclass(frozen=True)
class Ref:
    """A mention of an entity: its label, and the anchor it links to when it exists."""

    label: str
    href: str | None = None


class Rich:
    """A long text field: CommonMark source and its safe HTML.

    The HTML is made when first asked for: a procedure whose HTML comes from the fragment cache
    never needs it, and one that is drawn makes it in the drawing worker. Equal, hashed and
    shown (`repr`, part of the fragment cache's key) by its source, which decides the HTML.
    """

    __slots__ = ("_html", "source")

    def __init__(self, source: str, html: Markup | None = None) -> None:
        self.source = source
        self._html = html

    @property
    def html(self) -> Markup:
        if self._html is None:
            self._html = to_html(self.source)
        return self._html

    def __bool__(self) -> bool:
        return bool(self.source.strip())

    def __html__(self) -> str:
        return str(self.html)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rich) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)

    def __repr__(self) -> str:
        return f"Rich({self.source!r})"


def rich(text: str | None) -> Rich:
    return Rich(text or "")


@dataclass(frozen=True)
class ProcedureMarks:
    """What a procedure's own pages carry, so they can be replaced alone (cli.md 1.1)."""

    number: str  # its document number (`number`), "" when it has none
    changed_in: str  # the version in which it last changed


@dataclass(frozen=True)
class Marks:
    """The controlled-document marks (cli.md 1.1, "Controlled-document marks"), made once.

    Every output (HTML, PDF, Markdown, Word) reads these and nothing else for the cover, the
    page headers and the draft mark. Dates come both as `date` (for fields in Word) and as text
    in the manual's language. A name not given is "" (the cover shows a ruled blank).
    """

    number: str
    classification: str
    version: str
    issued_date: date | None  # 发布日期: the last update record's `date`
    effective_date: date | None  # 实施日期: its effective date (else manual.yaml's)
    issued: str
    effective: str
    prepared_by: str  # 编制: the last record's `author`, as a name
    reviewed_by: str  # 审核
    approved_by: str  # 批准
    approved_on_date: date | None  # 批准日期
    approved_on: str
    draft: bool  # `approver` is set and the last record has no `approved_by`
    draft_label: str  # 未批准稿 / DRAFT — NOT APPROVED, "" when not a draft
    copy: str | None  # the controlled copy's id, None for an uncontrolled print
    procedures: dict[str, ProcedureMarks]  # by procedure id


@dataclass
class UpdateView:
    no: int
    version: str
    date: str
    method: str
    notice_ref: str
    summary: str
    changes: list[Ref]
    removed: list[Ref]
    author: Ref | None
    approved_by: Ref | None


@dataclass
class UnitView:
    id: str
    anchor: str
    name: str
    depth: int
    parent: Ref | None
    head: Ref | None
    description: Rich
    duties: list[str]
    roles: list[Ref]
    children: list[Ref]


@dataclass
class PersonView:
    id: str
    anchor: str
    name: str
    email: str
    roles: list[Ref]
    active: bool


@dataclass
class RoleView:
    id: str
    anchor: str
    title: str
    unit: Ref
    reports_to: Ref | None
    direct_reports: list[Ref]
    headcount: int | None
    description: Rich
    duties: list[str]
    authorities: list[str]
    qualifications: list[str]
    holders: list[Ref]
    owns: list[Ref]
    acts_in: list[Ref]
    consulted_in: list[Ref]
    informed_in: list[Ref]


@dataclass
class StepView:
    no: int
    id: str
    anchor: str
    actor: Ref
    action: str
    details: Rich
    outputs: list[str]
    approval: bool
    next: list[Ref]  # empty: the procedure ends here


@dataclass
class ProcedureView:
    id: str
    anchor: str
    number: str
    title: str
    owner: Ref
    purpose: Rich
    scope: Rich
    frequency: str
    inputs: list[str]
    outputs: list[str]
    records: list[str]
    raci: list[tuple[Ref, str]]
    related: list[Ref]
    reviewed: str
    steps: list[StepView]
    lanes: list[FlowLane]
    flow: list[FlowStep]
    marks: ProcedureMarks
    html: Markup = field(default_factory=Markup)  # filled in by the HTML writer


@dataclass
class ChapterView:
    number: str  # as shown: 第四章 / 4
    anchor: str
    title: str
    text: Rich
    procedures: list[ProcedureView]


@dataclass
class LoanView:
    no: int
    copy: Ref
    borrower: Ref
    borrowed: str
    due: str
    returned: str
    purpose: str
    issued_by: Ref | None


@dataclass
class CopyView:
    id: str
    holder: Ref
    location: str
    edition: str | None = None  # what it holds, from records/distribution.yaml; None: not kept


@dataclass
class Section:
    """A numbered top-level part of the handbook, for headings and the contents page."""

    number: str
    anchor: str
    title: str


@dataclass
class Handbook:
    """Everything a template receives (as `h`), documented in docs/render.md."""

    t: Words
    info: ManualInfo
    marks: Marks
    lang: str
    title: str
    organization: str
    version: str
    effective: str
    owner: Ref
    approver: Ref | None
    copy: CopyView | None
    copies: list[CopyView]
    purpose: Rich
    scope: Rich
    principles: list[tuple[str, Rich]]
    updates: list[UpdateView]
    units: list[UnitView]
    org_nodes: list[OrgNode]
    staff: list[PersonView]
    roles: list[RoleView]
    chapters: list[ChapterView]
    records_index: list[tuple[str, list[Ref]]]
    loans: list[LoanView]
    blank_rows: int
    update_blank_rows: int
    sections: dict[str, Section] = field(default_factory=dict)
    acks: AckView | None = None  # when ack_days is set: who confirmed the current version


class _Index:
    """Labels and anchors for every id, and who does what, built in one pass."""

    def __init__(self, manual: Manual, t: Words, titles: Titles) -> None:
        self.m = manual
        self.t = t
        self.titles = titles
        self.owns: dict[str, list[str]] = {}
        self.acts: dict[str, list[str]] = {}
        self.consulted: dict[str, list[str]] = {}
        self.informed: dict[str, list[str]] = {}
        for proc in manual.procedures.values():
            self.owns.setdefault(proc.owner, []).append(proc.id)
            for actor in dict.fromkeys(s.actor for s in proc.steps):
                self.acts.setdefault(actor, []).append(proc.id)
            for role in proc.consulted:
                self.consulted.setdefault(role, []).append(proc.id)
            for role in proc.informed:
                self.informed.setdefault(role, []).append(proc.id)
        self.holders: dict[str, list[str]] = {}
        for person in manual.staff.values():
            if person.active:
                for role in person.roles:
                    self.holders.setdefault(role, []).append(person.id)
        self.reports: dict[str, list[str]] = {}
        self.unit_roles: dict[str, list[str]] = {}
        for r in manual.roles.values():
            if r.reports_to:
                self.reports.setdefault(r.reports_to, []).append(r.id)
            self.unit_roles.setdefault(r.unit, []).append(r.id)

        # One Ref per entity, made once: mentions are many, and equal Refs render once.
        self.refs: dict[str, dict[str, Ref]] = {
            "units": {u.id: Ref(u.name, f"#unit-{u.id}") for u in manual.units.values()},
            "roles": {r.id: Ref(r.title, f"#role-{r.id}") for r in manual.roles.values()},
            "procedures": {p.id: Ref(p.title, f"#proc-{p.id}") for p in manual.procedures.values()},
            "staff": {p.id: Ref(p.name, f"#person-{p.id}") for p in manual.staff.values()},
        }

    def unit(self, uid: str) -> Ref:
        return self.refs["units"].get(uid) or Ref(uid)

    def role(self, rid: str) -> Ref:
        return self.refs["roles"].get(rid) or Ref(rid)

    def proc(self, pid: str) -> Ref:
        return self.refs["procedures"].get(pid) or Ref(pid)

    def person(self, sid: str) -> Ref:
        return self.refs["staff"].get(sid) or Ref(sid)

    def entity(self, ref: str, exists: bool = True) -> Ref:
        """`kind/id` or `manual`, as in update records."""
        if ref == "manual":
            return Ref(self.t.whole_manual, "#cover")
        kind, _, eid = ref.partition("/")
        known = self.refs.get(kind, {}).get(eid) if exists else None
        # A removed entity is named by the title it had, when history tells it.
        inner = known or Ref(self.titles.name(ref) or eid)
        kind_word = self.t.kinds.get(kind, kind)
        return Ref(self.t.format("kind_label", kind=kind_word, name=inner.label), inner.href)


def _edition(manual: Manual, copy_id: str, t: Words) -> str | None:
    """The edition a copy holds as the distribution record stands (None when none is kept)."""
    from opsmanual.copies import last_entry

    if manual.distribution_doc is None:
        return None
    entry = last_entry(manual, copy_id)
    if entry is None:
        return str(t.copy_never_issued)
    if entry.action == "withdraw":
        return t.format("copy_withdrawn_on", date=t.date_text(entry.date.date()))
    return t.format("copy_edition", version=entry.version, date=t.date_text(entry.date.date()))


def build(
    manual: Manual,
    t: Words,
    copy_id: str | None = None,
    former: Mapping[str, str] | None = None,
) -> Handbook:
    """The whole handbook's content, in the order it is shown. The manual must have no errors.

    `former`: titles of entities removed by updates (`titles.former_titles`), to name them.
    """
    info = manual.info
    assert info is not None, "render only a manual without errors"
    titles = Titles(manual, former)
    ix = _Index(manual, t, titles)
    marks = build_marks(manual, t, titles, copy_id)
    units = _units(manual, ix)
    copies = [
        CopyView(c.id, ix.unit(c.holder), c.location or "", _edition(manual, c.id, t))
        for c in info.copies
    ]
    chapters = _chapters(manual, info, ix, len(_FRONT) + 1, marks)
    book = Handbook(
        t=t,
        info=info,
        marks=marks,
        lang=info.language,
        title=info.title,
        organization=info.organization or "",
        version=info.version,
        effective=t.date_text(info.effective),
        owner=ix.unit(info.owner),
        approver=ix.role(info.approver) if info.approver else None,
        copy=next((c for c in copies if c.id == copy_id), None),
        copies=copies,
        purpose=rich(info.purpose),
        scope=rich(info.scope),
        principles=[(p.title, rich(p.text)) for p in info.principles],
        updates=_updates(manual, ix),
        units=units,
        org_nodes=[
            OrgNode(u.id, manual.units[u.id].parent, u.name, _head_line(u, ix), f"#{u.anchor}")
            for u in units
        ],
        staff=[
            PersonView(
                p.id,
                f"person-{p.id}",
                p.name,
                p.email or "",
                [ix.role(r) for r in p.roles],
                p.active,
            )
            for p in manual.staff.values()
        ],
        roles=_roles(manual, units, ix),
        chapters=chapters,
        records_index=_records_index(chapters, ix),
        loans=[
            LoanView(
                loan.index + 1,
                Ref(loan.copy),
                ix.person(loan.borrower),
                t.datetime_text(loan.borrowed),
                t.datetime_text(loan.due),
                t.datetime_text(loan.returned),
                loan.purpose or "",
                ix.person(loan.issued_by) if loan.issued_by else None,
            )
            for loan in manual.loans
        ],
        blank_rows=register_blank_rows(len(manual.loans)),
        update_blank_rows=UPDATE_BLANK_ROWS,
    )
    for n, (key, word) in enumerate(_FRONT, start=1):
        book.sections[key] = Section(t.chapter_label(n), key, t[word])
    book.sections["records-index"] = Section("", "records-index", t.records_index)
    book.sections["loans"] = Section("", "loans", t.loans)
    book.acks = ack_view(manual, t, ix.person)
    return book


def build_marks(manual: Manual, t: Words, titles: Titles, copy_id: str | None) -> Marks:
    """The marks of the current version: from manual.yaml and the last update record."""
    info = manual.info
    assert info is not None
    last = manual.updates[-1] if manual.updates else None
    issued = last.date if last else None
    effective = last.effective_date if last else info.effective
    approved_on = last.approved if last else None
    draft = bool(info.approver) and (last is None or not last.is_approved)

    def name(sid: str | None) -> str:
        return titles.person(sid) if sid else ""

    return Marks(
        number=info.number or "",
        classification=info.classification or "",
        version=info.version,
        issued_date=issued,
        effective_date=effective,
        issued=t.date_text(issued),
        effective=t.date_text(effective),
        prepared_by=name(last.author if last else None),
        reviewed_by=name(last.reviewed_by if last else None),
        approved_by=name(last.approved_by if last else None),
        approved_on_date=approved_on,
        approved_on=t.date_text(approved_on),
        draft=draft,
        draft_label=t.draft_mark if draft else "",
        copy=copy_id,
        procedures=_procedure_marks(manual, manual.updates),
    )


def _procedure_marks(manual: Manual, updates: list[UpdateRecord]) -> dict[str, ProcedureMarks]:
    """Each procedure's number and the version of the last record listing it (else the first
    record's version): one pass over the records, so linear in their size."""
    first = updates[0].version if updates else ""
    changed: dict[str, str] = {}
    for record in updates:
        for ref in record.changes:
            if ref.startswith("procedures/"):
                changed[ref.removeprefix("procedures/")] = record.version
    return {
        pid: ProcedureMarks(p.number or "", changed.get(pid, first))
        for pid, p in manual.procedures.items()
    }


_FRONT = (("general", "general"), ("organization", "organization"), ("roles", "roles"))


def _head_line(u: UnitView, ix: _Index) -> str:
    """The unit's head role, with who holds it: what an org chart box shows under the name."""
    if u.head is None:
        return ""
    head = ix.m.units[u.id].head or ""
    names = [ix.m.staff[p].name for p in ix.holders.get(head, [])]
    return f"{u.head.label} · {ix.t.join(names)}" if names else u.head.label


def _updates(manual: Manual, ix: _Index) -> list[UpdateView]:
    views = []
    for n, u in enumerate(manual.updates):
        views.append(
            UpdateView(
                n + 1,
                u.version,
                ix.t.date_text(u.date),
                ix.t.methods.get(u.method, u.method),
                u.notice_ref or "",
                u.summary,
                # Older records may name what is gone since: those show as plain text.
                [ix.entity(c) for c in u.changes],
                [ix.entity(r, exists=False) for r in u.removed],
                ix.person(u.author) if u.author else None,
                ix.person(u.approved_by) if u.approved_by else None,
            )
        )
    return views


def _unit_order(manual: Manual) -> list[tuple[str, int]]:
    children: dict[str | None, list[str]] = {}
    for unit in manual.units.values():
        parent = unit.parent if unit.parent in manual.units else None
        children.setdefault(parent, []).append(unit.id)
    order: list[tuple[str, int]] = []
    stack = [(uid, 0) for uid in reversed(children.get(None, []))]
    seen: set[str] = set()
    while stack:
        uid, depth = stack.pop()
        if uid in seen:
            continue
        seen.add(uid)
        order.append((uid, depth))
        stack.extend((c, depth + 1) for c in reversed(children.get(uid, [])))
    return order


def _units(manual: Manual, ix: _Index) -> list[UnitView]:
    order = _unit_order(manual)
    kids: dict[str, list[Ref]] = {}
    for uid, _ in order:
        parent = manual.units[uid].parent
        if parent:
            kids.setdefault(parent, []).append(ix.unit(uid))
    views = []
    for uid, depth in order:
        u = manual.units[uid]
        views.append(
            UnitView(
                u.id,
                f"unit-{u.id}",
                u.name,
                depth,
                ix.unit(u.parent) if u.parent else None,
                ix.role(u.head) if u.head else None,
                rich(u.description),
                u.duties,
                [ix.role(r) for r in _unit_roles(manual, u.id, u.head, ix)],
                kids.get(u.id, []),
            )
        )
    return views


def _unit_roles(manual: Manual, uid: str, head: str | None, ix: _Index) -> list[str]:
    roles = ix.unit_roles.get(uid, [])
    return sorted(roles, key=lambda r: (r != head, r))


def _roles(manual: Manual, units: list[UnitView], ix: _Index) -> list[RoleView]:
    views = []
    for unit in units:
        for rid in _unit_roles(manual, unit.id, manual.units[unit.id].head, ix):
            views.append(_role(manual.roles[rid], ix))
    return views


def _role(r: Role, ix: _Index) -> RoleView:
    procs = ix.proc
    return RoleView(
        r.id,
        f"role-{r.id}",
        r.title,
        ix.unit(r.unit),
        ix.role(r.reports_to) if r.reports_to else None,
        [ix.role(x) for x in ix.reports.get(r.id, [])],
        r.headcount,
        rich(r.description),
        r.duties,
        r.authorities,
        r.qualifications,
        [ix.person(p) for p in ix.holders.get(r.id, [])],
        [procs(p) for p in ix.owns.get(r.id, [])],
        [procs(p) for p in ix.acts.get(r.id, [])],
        [procs(p) for p in ix.consulted.get(r.id, [])],
        [procs(p) for p in ix.informed.get(r.id, [])],
    )


def _chapters(
    manual: Manual, info: ManualInfo, ix: _Index, first: int, marks: Marks
) -> list[ChapterView]:
    t = ix.t
    plan: list[tuple[str, str | None, list[str]]] = []
    placed: set[str] = set()
    if info.chapters is None:
        plan.append((t.procedures, None, list(manual.procedures)))
        placed.update(manual.procedures)
    else:
        for chapter in info.chapters:
            ids = [p for p in chapter.procedures if p in manual.procedures and p not in placed]
            placed.update(ids)
            plan.append((chapter.title, chapter.text, ids))
        rest = [p for p in manual.procedures if p not in placed]
        if rest:
            plan.append((t.other_procedures, None, rest))
    chapters = []
    for n, (title, text, ids) in enumerate(plan, start=first):
        views = [
            _procedure(manual.procedures[pid], f"{n}.{k}", ix, marks.procedures[pid])
            for k, pid in enumerate(ids, 1)
        ]
        chapters.append(ChapterView(t.chapter_label(n), f"chapter-{n}", title, rich(text), views))
    return chapters


def _raci(p: Procedure) -> list[tuple[str, str]]:
    letters: dict[str, str] = {}
    actors = {s.actor for s in p.steps}
    for role in p.roles():
        mine = "".join(
            letter
            for letter, hit in (
                ("R", role in actors),
                ("A", role == p.owner),
                ("C", role in p.consulted),
                ("I", role in p.informed),
            )
            if hit
        )
        letters[role] = "/".join(mine)
    return list(letters.items())


def _procedure(p: Procedure, number: str, ix: _Index, marks: ProcedureMarks) -> ProcedureView:
    t = ix.t
    steps = []
    flow = []
    numbers = {s.id: str(i + 1) for i, s in enumerate(p.steps)}
    for i, s in enumerate(p.steps):
        succ = p.successors(i)
        anchor = f"proc-{p.id}-step-{s.id}"
        steps.append(
            StepView(
                i + 1,
                s.id,
                anchor,
                ix.role(s.actor),
                s.action,
                rich(s.details),
                s.outputs,
                s.approval,
                _next_refs(p.id, succ, numbers, t, s.approval),
            )
        )
        flow.append(
            FlowStep(s.id, s.actor, f"{i + 1}. {s.action}", s.approval, tuple(succ), f"#{anchor}")
        )
    lanes = [
        FlowLane(actor, ix.role(actor).label, f"#role-{actor}")
        for actor in dict.fromkeys(s.actor for s in p.steps)
    ]
    return ProcedureView(
        p.id,
        f"proc-{p.id}",
        number,
        p.title,
        ix.role(p.owner),
        rich(p.purpose),
        rich(p.scope),
        t.frequencies.get(p.frequency, p.frequency) if p.frequency else "",
        p.inputs,
        p.outputs,
        p.records,
        [(ix.role(r), letters) for r, letters in _raci(p)],
        [ix.proc(r) for r in p.related],
        t.date_text(p.reviewed) if p.reviewed else t.not_reviewed,
        steps,
        lanes,
        flow,
        marks,
    )


def _plain_next(pid: str, succ: list[str], numbers: dict[str, str]) -> list[Ref]:
    return [Ref(numbers.get(x, x), f"#proc-{pid}-step-{x}") for x in succ]


def _next_refs(
    pid: str, succ: list[str], numbers: dict[str, str], t: Words, decision: bool
) -> list[Ref]:
    """The next steps; a decision's named as its diagram names them: 是 the first, 否 the rest."""
    refs = _plain_next(pid, succ, numbers)
    if not decision or len(refs) < 2:
        return refs
    return [
        Ref(f"{t.yes if k == 0 else t.no_branch}{t.colon}{r.label}", r.href)
        for k, r in enumerate(refs)
    ]


def _records_index(chapters: list[ChapterView], ix: _Index) -> list[tuple[str, list[Ref]]]:
    index: dict[str, list[Ref]] = {}
    for chapter in chapters:
        for proc in chapter.procedures:
            for record in dict.fromkeys(proc.records):
                index.setdefault(record, []).append(
                    Ref(f"{proc.number} {proc.title}", f"#{proc.anchor}")
                )
    return list(index.items())
