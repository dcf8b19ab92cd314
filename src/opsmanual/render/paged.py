"""The printed book's pages: which part of the handbook each page holds, and what follows from it.

WeasyPrint lays the handbook out once; the anchors found on each page tell which part it
belongs to (`parts`). From that come the procedures' own page X of Y (printed by a second
layout, `procedure_css`, with `@page :nth(N)` rules: margin boxes do not move the content, so
the second layout paginates exactly as the first) and the pages `--changed-since` selects.
Pure functions over anchors and page numbers, so they are tested without a PDF.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from opsmanual.errors import OpsError
from opsmanual.i18n import _, listing
from opsmanual.model import UpdateRecord
from opsmanual.render.context import Handbook, ProcedureView
from opsmanual.render.html import css_string
from opsmanual.render.i18n import Words

FRONT = ("cover", "how-to-use", "updates", "contents")
BACK = ("records-index", "loans")


def part_order(book: Handbook) -> list[str]:
    """The anchors that open a part, in the order they are printed."""
    order = [*FRONT, "general", "organization", "roles"]
    for chapter in book.chapters:
        order.append(chapter.anchor)
        order += [p.anchor for p in chapter.procedures]
    return [*order, *BACK]


def parts(book: Handbook, page_anchors: Sequence[Iterable[str]]) -> list[str]:
    """For each page (its anchors), the part it belongs to: the last part opened on or before it.

    A page on which a chapter opens and its first procedure starts belongs to the procedure.
    """
    order = part_order(book)
    rank = {anchor: n for n, anchor in enumerate(order)}
    out: list[str] = []
    current = FRONT[0]
    for anchors in page_anchors:
        opened = [rank[a] for a in anchors if a in rank]
        if opened:
            current = order[max(opened)]
        out.append(current)
    return out


@dataclass(frozen=True)
class Span:
    """A run of pages (1-based, inclusive) holding one part."""

    part: str
    first: int
    last: int

    @property
    def count(self) -> int:
        return self.last - self.first + 1


def spans(page_parts: Sequence[str]) -> list[Span]:
    out: list[Span] = []
    for number, part in enumerate(page_parts, start=1):
        if out and out[-1].part == part:
            out[-1] = Span(part, out[-1].first, number)
        else:
            out.append(Span(part, number, number))
    return out


def procedures_by_anchor(book: Handbook) -> dict[str, ProcedureView]:
    return {p.anchor: p for chapter in book.chapters for p in chapter.procedures}


def procedure_css(book: Handbook, page_parts: Sequence[str]) -> str:
    """`@page :nth(N)` rules giving each procedure page its number, version and page X of Y."""
    t = book.t
    procs = procedures_by_anchor(book)
    rules = []
    for span in spans(page_parts):
        p = procs.get(span.part)
        if p is None:
            continue
        mark = [p.marks.number] if p.marks.number else [f"{p.number} {p.title}"]
        mark.append(f"{t.changed_in}{t.colon}{p.marks.changed_in}")
        left = " · ".join(mark)
        for k, page in enumerate(range(span.first, span.last + 1), start=1):
            right = t.format("proc_page_of", page=k, pages=span.count)
            rules.append(
                f"@page :nth({page}) {{ @bottom-left {{ content: {css_string(left)}; }} "
                f"@bottom-right {{ content: {css_string(right)}; }} }}"
            )
    return "\n".join(rules)


# --- --changed-since -------------------------------------------------------------------------


def changed_parts(book: Handbook, updates: Sequence[UpdateRecord], since: str) -> list[str] | None:
    """The parts to reprint for the records after `since`; None for the whole book (a later
    record is a reissue). Front matter and the update record table always (cli.md 1.1)."""
    from opsmanual.model import version_key

    later = [u for u in updates if version_key(u.version) > version_key(since)]
    if any(u.method == "reissue" for u in later):
        return None
    wanted: set[str] = set(FRONT)
    procs = {
        p.id: (chapter.anchor, p.anchor) for chapter in book.chapters for p in chapter.procedures
    }
    for record in later:
        for ref in [*record.changes, *record.removed]:
            kind, _, ident = ref.partition("/")
            if kind == "procedures" and ident in procs:
                wanted.update(procs[ident])
            elif kind == "roles":
                wanted.update(("organization", "roles"))  # a unit lists its roles
            elif kind in ("units", "staff"):
                wanted.update(("organization", "roles"))  # holders show on both
            elif kind == "manual":
                wanted.update(("how-to-use", "general"))
    return [a for a in part_order(book) if a in wanted]


@dataclass(frozen=True)
class SheetRow:
    """One line of the instruction sheet: a part, the pages to take out, the pages to put in."""

    title: str
    remove: str
    insert: str


def part_titles(book: Handbook) -> dict[str, str]:
    t = book.t
    titles = {
        "cover": t.cover,
        "how-to-use": t.how_to_use,
        "updates": t.updates,
        "contents": t.contents,
        "records-index": t.records_index,
        "loans": t.loans,
    }
    for key in ("general", "organization", "roles"):
        s = book.sections[key]
        titles[key] = f"{s.number}{t.section_sep}{s.title}"
    for chapter in book.chapters:
        titles[chapter.anchor] = f"{chapter.number}{t.section_sep}{chapter.title}"
        for p in chapter.procedures:
            number = f" ({p.marks.number})" if p.marks.number else ""
            titles[p.anchor] = f"{p.number} {p.title}{number}"
    return titles


def sheet_rows(
    book: Handbook,
    updates: Sequence[UpdateRecord],
    since: str,
    wanted: Sequence[str],
    page_spans: Sequence[Span] | None,
) -> list[SheetRow]:
    """What to take out and put in, part by part; page numbers when the book was laid out."""
    from opsmanual.model import version_key

    t = book.t
    titles = part_titles(book)
    where: dict[str, list[Span]] = {}
    for span in page_spans or []:
        where.setdefault(span.part, []).append(span)
    rows = []
    for part in wanted:
        placed = where.get(part, [])
        if page_spans is not None and not placed:
            continue  # shares its page with the part after it (a chapter's heading)
        rows.append(SheetRow(titles[part], t.remove_all, _pages(t, placed) or t.insert_part))
    # Procedures the later records removed: their pages go, nothing replaces them. Named as
    # the update table names them (the title they had, when history tells it).
    for record, view in zip(updates, book.updates, strict=True):
        if version_key(record.version) <= version_key(since):
            continue
        for ref, shown in zip(record.removed, view.removed, strict=True):
            if ref.startswith("procedures/"):
                name = t.format("removed_part", name=shown.label)
                rows.append(SheetRow(name, t.remove_all, t.nothing))
    return rows


def _pages(t: Words, placed: Sequence[Span]) -> str:
    texts = [
        t.format("insert_page", first=s.first)
        if s.count == 1
        else t.format("insert_pages", first=s.first, last=s.last)
        for s in placed
    ]
    return t.join(texts)


@dataclass(frozen=True)
class Sheet:
    """The instruction sheet's content (templates/change-sheet.html.j2)."""

    since: str
    whole: bool  # a later record reissued the book: every page changes
    rows: list[SheetRow]


def check_since(updates: Sequence[UpdateRecord], since: str) -> None:
    """`--changed-since` names a version of the update record table, or it is an error."""
    versions = [u.version for u in updates]
    if since not in versions:
        listed = listing(versions) if versions else _("none")
        raise OpsError(
            _(
                "--changed-since {since}: no update record has this version "
                "(the versions are {versions})",
                since=since,
                versions=listed,
            )
        )


def sheet_css(book: Handbook) -> str:
    """The sheet's own pages: the book's header, and "instruction sheet, page X of Y"."""
    from opsmanual.render.html import css_counters, header_line

    header = css_string(header_line(book))
    page_of = css_counters(book.t.sheet_page)
    return (
        f"@page {{ @top-right {{ content: {page_of}; }} }}\n"
        f"@page :first {{ @top-left {{ content: {header}; }} "
        f"@top-right {{ content: {page_of}; }} }}"
    )
