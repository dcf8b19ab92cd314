"""The handbook as one CommonMark file: same sections and tables, diagrams as Mermaid blocks.

Plain text is escaped (`md_escape`), long text fields keep their CommonMark with raw HTML
defused (`md_block`). The only raw HTML written is our own anchors, so that cross-links work.
"""

from __future__ import annotations

from collections.abc import Iterable

from opsmanual.render.context import UPDATE_COLUMNS, Handbook, ProcedureView, Ref, Rich
from opsmanual.render.markup import md_block, md_escape
from opsmanual.render.svg import OrgNode


def ref(r: Ref | None) -> str:
    if r is None:
        return ""
    label = md_escape(r.label)
    return f"[{label}]({r.href})" if r.href else label


def refs(items: Iterable[Ref], sep: str) -> str:
    return sep.join(ref(r) for r in items)


def anchor(name: str) -> str:
    return f'<a id="{name}"></a>'


def table(head: list[str], rows: Iterable[list[str]]) -> list[str]:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("\n", " ") or " " for c in cells) + " |"

    out = [line([md_escape(h) for h in head]), "|" + "|".join(" --- " for _ in head) + "|"]
    out.extend(line(row) for row in rows)
    return [*out, ""]


def block(text: Rich) -> list[str]:
    return [md_block(text.source), ""] if text else []


def cell_block(text: Rich) -> str:
    """A long text field inside a table cell: one line, inline CommonMark kept, pipes escaped."""
    return " ".join(md_block(text.source).split()).replace("|", "\\|")


def bullets(items: Iterable[str]) -> list[str]:
    lines = [f"- {md_escape(i)}" for i in items]
    return [*lines, ""] if lines else []


def mermaid_text(text: str) -> str:
    """A Mermaid label that shows the text as is: markup-significant characters as entities."""
    text = " ".join(text.split()).replace("#", "#35;")
    for char, code in (('"', "quot"), ("<", "lt"), (">", "gt"), ("&", "amp"), ("`", "#96")):
        text = text.replace(char, f"#{code};")
    return text


def org_mermaid(nodes: list[OrgNode]) -> list[str]:
    key = {n.id: f"U{i}" for i, n in enumerate(nodes, 1)}
    out = ["```mermaid", "graph TD"]
    for n in nodes:
        label = mermaid_text(n.title) + (f"<br/>{mermaid_text(n.subtitle)}" if n.subtitle else "")
        out.append(f'  {key[n.id]}["{label}"]')
    for n in nodes:
        if n.parent in key:
            out.append(f"  {key[n.parent]} --> {key[n.id]}")
    return [*out, "```", ""]


def flow_mermaid(p: ProcedureView, yes: str, no: str) -> list[str]:
    key = {s.id: f"S{i}" for i, s in enumerate(p.flow, 1)}
    out = ["```mermaid", "flowchart TD"]
    for k, lane in enumerate(p.lanes, 1):
        out.append(f'  subgraph L{k}["{mermaid_text(lane.title)}"]')
        for s in p.flow:
            if s.lane == lane.id:
                text = mermaid_text(s.label)
                shape = f'{{"{text}"}}' if s.decision else f'["{text}"]'
                out.append(f"    {key[s.id]}{shape}")
        out.append("  end")
    for s in p.flow:
        many = s.decision and len(s.successors) > 1
        for k, target in enumerate(s.successors):
            if target in key:
                arrow = f"-->|{yes if k == 0 else no}|" if many else "-->"
                out.append(f"  {key[s.id]} {arrow} {key[target]}")
    return [*out, "```", ""]


def render_markdown(h: Handbook) -> str:
    t = h.t
    sep = t.list_sep
    out: list[str] = [f"# {md_escape(h.title)} {anchor('cover')}", ""]
    if h.organization:
        out += [f"**{md_escape(h.organization)}**", ""]
    m = h.marks
    if m.draft:
        out += [f"> **{md_escape(m.draft_label)}**", ""]
    rows = [
        [md_escape(t[key]), md_escape(value)]
        for key, value in (("doc_number", m.number), ("classification", m.classification))
        if value
    ]
    rows.append([md_escape(t.version), md_escape(m.version)])
    for key, value in (("issued", m.issued), ("effective", m.effective)):
        if value:
            rows.append([md_escape(t[key]), md_escape(value)])
    rows.append([md_escape(t.owner_unit), ref(h.owner)])
    if h.approver:
        rows.append([md_escape(t.approver), ref(h.approver)])
    rows.append([md_escape(t.copy), f"**{md_escape(h.copy.id)}**" if h.copy else "—"])
    out += table([t.cover_kicker, ""], rows)
    # The approval block; a name not given is a blank to sign on paper.
    signed = [m.prepared_by, m.reviewed_by, m.approved_by, m.approved_on]
    out += table(
        [t.prepared_by, t.reviewed_by, t.approved_by_sign, t.approval_date],
        [[md_escape(name) if name else "&nbsp;" for name in signed]],
    )
    if h.copy:
        where = f"{t.holder}{t.colon}{ref(h.copy.holder)}"
        if h.copy.location:
            where += f" · {md_escape(t.location)}{t.colon}{md_escape(h.copy.location)}"
        out += [f"> **{md_escape(t.controlled_copy)} {md_escape(h.copy.id)}** — {where}", ""]
    else:
        out += [f"> {md_escape(t.uncontrolled_copy)}", ""]
    out += _how_to_use(h)
    out += [f"## {md_escape(t.updates)} {anchor('updates')}", ""]
    out += table(
        [t[key] for key in UPDATE_COLUMNS],
        (
            [
                str(u.no),
                md_escape(u.version),
                md_escape(u.date),
                md_escape(u.method),
                md_escape(u.notice_ref),
                md_escape(u.summary),
                refs(u.changes, "; ")
                + (
                    f"; {md_escape(t.removed)}{t.colon}{refs(u.removed, '; ')}" if u.removed else ""
                ),
                ref(u.author),
                ref(u.approved_by),
            ]
            for u in h.updates
        ),
    )
    # Ruled rows for entries made by hand between reprints, as on the paper form.
    blank = [f"| {len(h.updates) + i} |" + "   |" * 8 for i in range(1, h.update_blank_rows + 1)]
    out[-1:-1] = blank
    out += _acks(h)
    out += _contents(h)
    out += _general(h)
    out += _organization(h)
    out += _roles(h)
    for chapter in h.chapters:
        title = f"{chapter.number}{t.section_sep}{chapter.title}"
        out += [f"## {md_escape(title)} {anchor(chapter.anchor)}", "", *block(chapter.text)]
        for p in chapter.procedures:
            out += _procedure(h, p)
    out += [f"## {md_escape(t.records_index)} {anchor('records-index')}", ""]
    out += table(
        [t.no, t.record, t.kept_by],
        (
            [str(i), md_escape(name), refs(procs, sep)]
            for i, (name, procs) in enumerate(h.records_index, 1)
        ),
    )
    out += [f"## {md_escape(t.loans)} {anchor('loans')}", ""]
    loan_rows = [
        [
            str(x.no),
            ref(x.copy),
            ref(x.borrower),
            md_escape(x.borrowed),
            md_escape(x.due),
            md_escape(x.returned),
            md_escape(x.purpose),
            ref(x.issued_by),
            "",
            "",
        ]
        for x in h.loans
    ]
    loan_rows += [[str(len(h.loans) + i)] + [""] * 9 for i in range(1, h.blank_rows + 1)]
    out += table(
        [
            t.no,
            t.loan_copy,
            t.borrower,
            t.borrowed,
            t.due,
            t.returned,
            t.loan_purpose,
            t.issued_by,
            t.signature,
            t.returned_signature,
        ],
        loan_rows,
    )
    return "\n".join(out).rstrip("\n") + "\n"


def _copies_table(h: Handbook) -> list[str]:
    """The controlled copies, with the edition each holds when a distribution record is kept."""
    t = h.t
    headers = [t.copy, t.holder, t.location]
    rows = [[md_escape(c.id), ref(c.holder), md_escape(c.location)] for c in h.copies]
    if h.copies[0].edition is not None:
        headers.append(t.edition_held)
        for row, c in zip(rows, h.copies, strict=True):
            row.append(md_escape(c.edition or ""))
    return table(headers, rows)


def _how_to_use(h: Handbook) -> list[str]:
    t = h.t
    intro = t.format(
        "how_intro", organization=h.organization or h.owner.label, title=h.title, version=h.version
    )
    out = [f"## {md_escape(t.how_to_use)} {anchor('how-to-use')}", "", md_escape(intro), ""]
    out += [f"### {md_escape(t.borrowing_rules)}", ""]
    if h.copies:
        out += [f"1. {md_escape(t.borrow_rule_copies)}", ""]
        out += ["   " + line if line else "" for line in _copies_table(h)]
        days = (
            t.borrow_rule_days_zero
            if h.info.loan_days == 0
            else t.format("borrow_rule_days", days=h.info.loan_days)
        )
        out += [
            f"2. {md_escape(t.borrow_rule_register)}",
            f"3. {md_escape(days)}",
            f"4. {md_escape(t.borrow_rule_once)}",
            "",
        ]
    else:
        out += [f"1. {md_escape(t.borrow_rule_none)}", ""]
    owner = (
        t.format("update_rule_owner", owner=h.owner.label, approver=h.approver.label)
        if h.approver
        else t.format("update_rule_owner_only", owner=h.owner.label)
    )
    out += [
        f"### {md_escape(t.update_rules)}",
        "",
        f"1. {md_escape(t.update_rule_record)}",
        f"2. {md_escape(t.update_rule_methods)}",
    ]
    out += [
        f"   - {md_escape(t[k])}"
        for k in (
            "method_help_reissue",
            "method_help_notice",
            "method_help_amendment",
            "method_help_appendix",
        )
    ]
    out += [
        f"3. {md_escape(owner)}",
        f"4. {md_escape(t.format('update_rule_review', months=h.info.review_months))}",
        "",
    ]
    return out


def _acks(h: Handbook) -> list[str]:
    """Who confirmed the current version and who has not, after the update records."""
    if h.acks is None:
        return []
    t, a = h.t, h.acks
    title = t.format("acks_title", version=a.version)
    out = [f"### {md_escape(title)} {anchor('acks')}", "", md_escape(a.intro), ""]
    rows = [
        [ref(r.person), md_escape(t.ack_done), md_escape(r.date), md_escape(r.method)]
        for r in a.acknowledged
    ]
    rows += [
        [ref(r.person), md_escape(t.ack_pending), md_escape(t.format("ack_due", due=r.date)), ""]
        for r in a.pending
    ]
    return out + table([t.ack_person, t.ack_state, t.ack_when, t.ack_method], rows)


def _contents(h: Handbook) -> list[str]:
    t = h.t
    out = [f"## {md_escape(t.contents)} {anchor('contents')}", ""]
    out.append(f"- [{md_escape(t.how_to_use)}](#how-to-use)")
    out.append(f"- [{md_escape(t.updates)}](#updates)")
    for key in ("general", "organization", "roles"):
        s = h.sections[key]
        out.append(f"- [{md_escape(s.number + t.section_sep + s.title)}](#{s.anchor})")
    for chapter in h.chapters:
        title = chapter.number + t.section_sep + chapter.title
        out.append(f"- [{md_escape(title)}](#{chapter.anchor})")
        out += [
            f"  - [{md_escape(p.number + ' ' + p.title)}](#{p.anchor})" for p in chapter.procedures
        ]
    out += [
        f"- [{md_escape(t.records_index)}](#records-index)",
        f"- [{md_escape(t.loans)}](#loans)",
    ]
    return [*out, ""]


def _heading(level: int, h: Handbook, key: str) -> list[str]:
    s = h.sections[key]
    return [
        f"{'#' * level} {md_escape(s.number + h.t.section_sep + s.title)} {anchor(s.anchor)}",
        "",
    ]


def _general(h: Handbook) -> list[str]:
    t = h.t
    out = _heading(2, h, "general")
    if h.purpose:
        out += [f"### {md_escape(t.purpose)}", "", *block(h.purpose)]
    if h.scope:
        out += [f"### {md_escape(t.scope)}", "", *block(h.scope)]
    if h.principles:
        out += [f"### {md_escape(t.principles)}", ""]
        for i, (title, text) in enumerate(h.principles, 1):
            out += [f"{i}. **{md_escape(title)}**", ""]
            if text:
                out += ["   " + line if line else "" for line in md_block(text.source).split("\n")]
                out.append("")
    return out


def _organization(h: Handbook) -> list[str]:
    t = h.t
    sep = t.list_sep
    out = _heading(2, h, "organization")
    out += org_mermaid(h.org_nodes)
    for u in h.units:
        out += [f"### {md_escape(u.name)} {anchor(u.anchor)}", ""]
        rows = []
        if u.parent:
            rows.append([md_escape(t.parent_unit), ref(u.parent)])
        if u.head:
            rows.append([md_escape(t.head), ref(u.head)])
        if u.roles:
            rows.append([md_escape(t.unit_roles), refs(u.roles, sep)])
        if u.children:
            rows.append([md_escape(t.subunits), refs(u.children, sep)])
        if rows:
            out += table([t.unit, ""], rows)
        out += block(u.description)
        if u.duties:
            out += [f"**{md_escape(t.duties)}**", "", *bullets(u.duties)]
    if h.staff:
        out += [f"### {md_escape(t.staff)} {anchor('staff')}", ""]
        out += table(
            [t.name, t.roles_held, t.email, t.status],
            (
                [
                    f"{anchor(p.anchor)}{md_escape(p.name)}",
                    refs(p.roles, sep),
                    md_escape(p.email),
                    md_escape(t.active if p.active else t.inactive),
                ]
                for p in h.staff
            ),
        )
    return out


def _roles(h: Handbook) -> list[str]:
    t = h.t
    sep = t.list_sep
    out = _heading(2, h, "roles")
    for r in h.roles:
        out += [f"### {md_escape(r.title)} {anchor(r.anchor)}", ""]
        rows = [[md_escape(t.role_unit), ref(r.unit)]]
        if r.reports_to:
            rows.append([md_escape(t.reports_to), ref(r.reports_to)])
        if r.direct_reports:
            rows.append([md_escape(t.direct_reports), refs(r.direct_reports, sep)])
        if r.headcount is not None:
            rows.append([md_escape(t.headcount), str(r.headcount)])
        rows.append([md_escape(t.holders), refs(r.holders, sep) or md_escape(t.vacant)])
        for key, items in (
            ("owns", r.owns),
            ("acts_in", r.acts_in),
            ("consulted_in", r.consulted_in),
            ("informed_in", r.informed_in),
        ):
            if items:
                rows.append([md_escape(t[key]), refs(items, sep)])
        out += table([t.raci_role, ""], rows)
        out += block(r.description)
        for key, texts in (
            ("duties", r.duties),
            ("authorities", r.authorities),
            ("qualifications", r.qualifications),
        ):
            if texts:
                out += [f"**{md_escape(t[key])}**", "", *bullets(texts)]
    return out


def _procedure(h: Handbook, p: ProcedureView) -> list[str]:
    t = h.t
    sep = t.list_sep
    out = [f"### {md_escape(p.number + ' ' + p.title)} {anchor(p.anchor)}", ""]
    rows = [[md_escape(t.proc_number), md_escape(p.marks.number)]] if p.marks.number else []
    rows.append([md_escape(t.changed_in), md_escape(p.marks.changed_in)])
    rows.append([md_escape(t.owner), ref(p.owner)])
    if p.frequency:
        rows.append([md_escape(t.frequency), md_escape(p.frequency)])
    rows.append([md_escape(t.reviewed), md_escape(p.reviewed)])
    for key, items in (("inputs", p.inputs), ("outputs", p.outputs), ("records", p.records)):
        if items:
            rows.append([md_escape(t[key]), md_escape(sep.join(items))])
    if p.related:
        rows.append([md_escape(t.related), refs(p.related, sep)])
    out += table([t.procedures, ""], rows)
    if p.purpose:
        out += [f"**{md_escape(t.purpose)}**", "", *block(p.purpose)]
    if p.scope:
        out += [f"**{md_escape(t.scope)}**", "", *block(p.scope)]
    out += [f"**{md_escape(t.raci)}**", ""]
    out += table([t.raci_role, t.raci_letters], ([ref(r), x] for r, x in p.raci))
    out += [md_escape(t.raci_legend), "", f"**{md_escape(t.steps)}**", ""]
    out += table(
        [t.no, t.actor, t.action, t.step_outputs, t.next],
        (
            [
                f"{anchor(s.anchor)}{s.no}",
                ref(s.actor),
                (f"◆ {md_escape(t.approval)}: " if s.approval else "")
                + md_escape(s.action)
                + (f" — {cell_block(s.details)}" if s.details else ""),
                md_escape(sep.join(s.outputs)),
                refs(s.next, sep) or md_escape(t.end),
            ]
            for s in p.steps
        ),
    )
    out += [f"**{md_escape(t.flow)}**", ""]
    out += flow_mermaid(p, t.yes, t.no_branch)
    return out
