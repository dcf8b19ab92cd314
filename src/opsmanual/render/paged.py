"""The printed book's pages: which part of the handbook each page holds, and what follows from it.

Each procedure's pages carry its own number, version and page X of Y, printed in one layout
with CSS alone (`procedure_css`): the procedure (with its chapter's heading and introduction
when it is the chapter's first) is a named page, counted by a page counter; Y is that counter
read at the anchor of the part after it. After the layout, the anchors found on each page tell
which part it belongs to (`parts`), by the same rule, for the pages `--changed-since` selects.
Pure functions over anchors and page numbers, so they are tested without a PDF.
"""

from __future__ import annotations

import re
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

    A chapter with procedures opens its first procedure: the chapter's heading and introduction
    are printed on that procedure's pages and counted among them (`procedure_css`).
    """
    order = part_order(book)
    rank = {anchor: n for n, anchor in enumerate(order)}
    opens = {c.anchor: c.procedures[0].anchor for c in book.chapters if c.procedures}
    out: list[str] = []
    current = FRONT[0]
    for anchors in page_anchors:
        opened = [rank[a] for a in anchors if a in rank]
        if opened:
            last = order[max(opened)]
            current = opens.get(last, last)
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


# Three page counters in turn, procedure after procedure: a procedure's pages count on its own
# counter and reset the next procedure's, so the counter of the one before is still untouched
# at the anchor that follows it, where its page count (Y) is read.
TURNS = 3
PROCEDURE_PAGE = "ops-procedure-{turn}"  # the named page and the counter of a turn
# The named strings the footer shows, read as `string(…, last)`: a chapter's strings (its first
# procedure's) are met again on every page the chapter continues on, before the procedure's own.
MARK, PAGES = "ops-procedure-mark", "ops-procedure-pages"


# WeasyPrint keeps the top margin of the first block on a page that a named page continues (it
# takes any break inside a named page for a forced one); a page that is not forced keeps none.
# Inside a chapter only the first blocks of the chapter and of a procedure after the first ever
# start a page by a forced break, so every other block's margin is discarded at the top of a
# page, as it was before the pages were named: the same layout.
MARGINS = (
    ".chapter * { margin-break: discard; } "
    ".chapter > :first-child, .procedure ~ .procedure > :first-child { margin-break: auto; }"
)


def procedure_css(book: Handbook) -> str:
    """The page rules that give each procedure page its number, version and page X of Y.

    One layout, no page numbers known in advance: the procedure (with its chapter's heading
    pages when it is the chapter's first: they share a page) is a named page; its pages count
    on a page counter and its footer strings are set by its element; the count Y is read with
    `target-counter()` at the anchor of the next part, which starts on a new page.
    """
    t = book.t
    order = part_order(book)
    after = {anchor: order[n + 1] for n, anchor in enumerate(order[:-1])}
    rules = [MARGINS]
    for turn in range(TURNS):
        name = PROCEDURE_PAGE.format(turn=turn)
        following = PROCEDURE_PAGE.format(turn=(turn + 1) % TURNS)
        page_of = _page_of(t.proc_page_of, f"counter({name})", f"string({PAGES}, last)")
        rules.append(
            f"@page {name} {{ counter-increment: {name}; counter-reset: {following}; "
            f"@bottom-left {{ content: string({MARK}, last); }} "
            f"@bottom-right {{ content: {page_of}; }} }}"
        )
    turn = 0
    for chapter in book.chapters:
        for n, p in enumerate(chapter.procedures):
            name = PROCEDURE_PAGE.format(turn=turn)
            mark = [p.marks.number] if p.marks.number else [f"{p.number} {p.title}"]
            mark.append(f"{t.changed_in}{t.colon}{p.marks.changed_in}")
            left = css_string(" · ".join(mark))
            count = f"target-counter(url({css_string('#' + after[p.anchor])}), {name})"
            elements = [p.anchor] if n else [chapter.anchor, p.anchor]
            selector = ", ".join(f"#{_css_ident(a)}" for a in elements)
            rules.append(
                f"{selector} {{ page: {name}; string-set: {MARK} {left}, {PAGES} {count}; }}"
            )
            turn = (turn + 1) % TURNS
    return "\n".join(rules)


def _page_of(text: str, page: str, pages: str) -> str:
    """`Procedure page {page} of {pages}` as a CSS `content` value with the given values."""
    values = []
    for piece in re.split(r"(\{page\}|\{pages\})", text):
        if piece == "{page}":
            values.append(page)
        elif piece == "{pages}":
            values.append(pages)
        elif piece:
            values.append(str(css_string(piece)))
    return " ".join(values)


def _css_ident(text: str) -> str:
    """An anchor as a CSS identifier (ids are `a-z`, digits and hyphens; anything else escaped)."""
    plain = [c if c.isascii() and (c.isalnum() or c in "-_") else f"\\{ord(c):x} " for c in text]
    return "".join(plain)


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
