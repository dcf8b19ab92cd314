"""WordprocessingML pieces as text: runs, paragraphs, links, bookmarks, fields, tables, lists.

The Word handbook's body is written as XML text and parsed once (a 2,000-procedure handbook
through python-docx's object API would take minutes). Every piece escapes its own text, so the
callers pass plain strings. Long text fields (CommonMark) become paragraphs in `rich_blocks`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from opsmanual.render.markup import join_lines, parse_markdown, safe_link

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# Characters XML 1.0 cannot hold at all: dropped rather than making Word refuse the file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
TWIPS_PER_MM = 56.6929


def esc(text: str) -> str:
    text = _NOT_XML.sub("", text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def one_line(text: str) -> str:
    """Plain text shown on one line, as HTML shows it: runs of white space become one space."""
    return " ".join(text.split())


def mm(value: float) -> int:
    return round(value * TWIPS_PER_MM)


@dataclass(frozen=True)
class Style:
    """How a run looks beyond its paragraph's style."""

    bold: bool = False
    italic: bool = False
    code: bool = False
    colour: str | None = None
    size: int | None = None  # half-points


PLAIN = Style()


def run(text: str, style: Style = PLAIN, char_style: str | None = None) -> str:
    if not text:
        return ""
    props = []
    if char_style:
        props.append(f'<w:rStyle w:val="{char_style}"/>')
    if style.code:
        props.append('<w:rFonts w:ascii="Consolas" w:hAnsi="Consolas" w:cs="Consolas"/>')
    if style.bold:
        props.append("<w:b/><w:bCs/>")
    if style.italic:
        props.append("<w:i/><w:iCs/>")
    if style.colour:
        props.append(f'<w:color w:val="{style.colour}"/>')
    if style.size:
        props.append(f'<w:sz w:val="{style.size}"/><w:szCs w:val="{style.size}"/>')
    rpr = f"<w:rPr>{''.join(props)}</w:rPr>" if props else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{esc(text)}</w:t></w:r>'


def line_break() -> str:
    return "<w:r><w:br/></w:r>"


def page_break() -> str:
    return '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'


@dataclass(frozen=True)
class Para:
    """Paragraph properties beyond the style."""

    style: str | None = None
    align: str | None = None  # left, center, right
    keep_next: bool = False
    numbering: tuple[int, int] | None = None  # (numId, level)
    indent: int | None = None  # twips, left
    border: str | None = None  # colour of a box around the paragraph
    space_after: int | None = None  # twips
    space_before: int | None = None


def para(inner: str, props: Para | None = None, section: str = "") -> str:
    """A paragraph; `section` is a `w:sectPr` that ends a section with this paragraph."""
    p = props or Para()
    ppr = []
    if p.style:
        ppr.append(f'<w:pStyle w:val="{p.style}"/>')
    if p.keep_next:
        ppr.append("<w:keepNext/>")
    if p.numbering:
        num, level = p.numbering
        ppr.append(f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num}"/></w:numPr>')
    if p.border:
        side = f'w:val="single" w:sz="12" w:space="4" w:color="{p.border}"'
        ppr.append(
            f"<w:pBdr><w:top {side}/><w:left {side}/><w:bottom {side}/><w:right {side}/></w:pBdr>"
        )
    if p.space_before is not None or p.space_after is not None:
        before = f' w:before="{p.space_before}"' if p.space_before is not None else ""
        after = f' w:after="{p.space_after}"' if p.space_after is not None else ""
        ppr.append(f"<w:spacing{before}{after}/>")
    if p.indent is not None:
        ppr.append(f'<w:ind w:left="{p.indent}"/>')
    if p.align:
        ppr.append(f'<w:jc w:val="{p.align}"/>')
    ppr.append(section)
    props_xml = f"<w:pPr>{''.join(ppr)}</w:pPr>" if any(ppr) else ""
    return f"<w:p>{props_xml}{inner}</w:p>"


def simple_field(instruction: str, shown: str = "1") -> str:
    """A field Word and LibreOffice compute when laid out (PAGE, NUMPAGES); `shown` is the
    value a reader that computes nothing displays."""
    return (
        f'<w:fldSimple w:instr=" {esc(instruction)} ">'
        f"<w:r><w:t>{esc(shown)}</w:t></w:r></w:fldSimple>"
    )


def page_ref(bookmark: str) -> str:
    """The page a bookmark is on, as a field (computed by the reader, blank until then)."""
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> PAGEREF {bookmark} \\h </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        "<w:r><w:t></w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


class Anchors:
    """Bookmark names for the handbook's anchors: Word allows letters, digits and `_`, at most
    40 characters, starting with a letter. Each anchor gets one name and one id, in order of
    first use, so the same handbook gives the same names."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.taken: set[str] = set()
        self.ids: dict[str, int] = {}

    def name(self, anchor: str) -> str:
        anchor = anchor.removeprefix("#")
        found = self.names.get(anchor)
        if found is None:
            base = "h_" + re.sub(r"[^A-Za-z0-9]", "_", anchor)[:30]
            found = base
            n = 1
            while found in self.taken:
                n += 1
                found = f"{base}_{n}"
            self.taken.add(found)
            self.names[anchor] = found
        return found

    def bookmark(self, anchor: str, inner: str = "") -> str:
        """A bookmark around `inner` (runs) named for `anchor`."""
        name = self.name(anchor)
        number = self.ids.setdefault(name, len(self.ids) + 1)
        return (
            f'<w:bookmarkStart w:id="{number}" w:name="{name}"/>{inner}'
            f'<w:bookmarkEnd w:id="{number}"/>'
        )

    def link(self, anchor: str, runs: str) -> str:
        """Runs that jump to `anchor` when clicked (Word: Ctrl+click)."""
        return f'<w:hyperlink w:anchor="{self.name(anchor)}" w:history="1">{runs}</w:hyperlink>'


def link_runs(text: str, style: Style = PLAIN) -> str:
    return run(text, style, char_style="Hyperlink")


@dataclass
class Numbering:
    """Lists: one bullet definition and one decimal definition, and one list instance per
    ordered list so that each counts from 1."""

    instances: list[str] = field(default_factory=list)  # "bullet" or "decimal" per numId

    BULLET_ABSTRACT = 1
    DECIMAL_ABSTRACT = 2

    def new(self, kind: str) -> int:
        self.instances.append(kind)
        return len(self.instances)

    def xml(self) -> str:
        def levels(kind: str) -> str:
            out = []
            for level in range(6):
                indent = 420 * (level + 1)
                if kind == "bullet":
                    fmt, text = "bullet", ("•", "◦", "▪")[level % 3]
                else:
                    fmt, text = "decimal", f"%{level + 1}."
                out.append(
                    f'<w:lvl w:ilvl="{level}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
                    f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
                    f'<w:pPr><w:ind w:left="{indent}" w:hanging="360"/></w:pPr></w:lvl>'
                )
            return "".join(out)

        abstracts = (
            f'<w:abstractNum w:abstractNumId="{self.BULLET_ABSTRACT}">'
            f'<w:multiLevelType w:val="hybridMultilevel"/>{levels("bullet")}</w:abstractNum>'
            f'<w:abstractNum w:abstractNumId="{self.DECIMAL_ABSTRACT}">'
            f'<w:multiLevelType w:val="hybridMultilevel"/>{levels("decimal")}</w:abstractNum>'
        )
        nums = "".join(
            f'<w:num w:numId="{n}"><w:abstractNumId w:val="'
            f'{self.BULLET_ABSTRACT if kind == "bullet" else self.DECIMAL_ABSTRACT}"/>'
            + (
                '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>'
                if kind == "decimal"
                else ""
            )
            + "</w:num>"
            for n, kind in enumerate(self.instances, 1)
        )
        return f'<w:numbering xmlns:w="{W_NS}">{abstracts}{nums}</w:numbering>'


# --- tables ------------------------------------------------------------------------------------

RULE = "B9C0CA"
SHADE = "EEF2F6"


@dataclass(frozen=True)
class Cell:
    """A table cell: its paragraphs' inner XML (one paragraph each), how they align."""

    paragraphs: tuple[str, ...]
    align: str | None = None
    shade: bool = False


def cell(*inner: str, align: str | None = None) -> Cell:
    return Cell(tuple(inner) or ("",), align)


def table(
    widths: Sequence[int],
    head: Sequence[str] | None,
    rows: Iterable[Sequence[Cell]],
    *,
    row_height: int | None = None,
    centre: Sequence[int] = (),
    key_column: bool = False,
    blank_rows: int = 0,
    blank_from: int = 1,
    centred: bool = False,
    indent: int = 0,
) -> str:
    """A ruled table with fixed column widths (twips). `head` repeats on every page; `centre`
    lists columns centred; `key_column` shades the first column (a form's labels);
    `blank_rows` adds numbered empty rows for paper use."""
    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    total = sum(widths)
    out = [
        "<w:tbl><w:tblPr>"
        '<w:tblStyle w:val="HandbookTable"/>'
        f'<w:tblW w:w="{total}" w:type="dxa"/>'
        + ('<w:jc w:val="center"/>' if centred else "")
        + (f'<w:tblInd w:w="{indent}" w:type="dxa"/>' if indent else "")
        + f"<w:tblBorders>{borders}</w:tblBorders>"
        '<w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:top w:w="57" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
        '<w:bottom w:w="57" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
        'w:noHBand="0" w:noVBand="1"/>'
        "</w:tblPr><w:tblGrid>",
        "".join(f'<w:gridCol w:w="{w}"/>' for w in widths),
        "</w:tblGrid>",
    ]
    height = f'<w:trHeight w:val="{row_height}" w:hRule="atLeast"/>' if row_height else ""
    if head is not None:
        out.append(f"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/>{height}</w:trPr>")
        for i, (text, width) in enumerate(zip(head, widths, strict=True)):
            align = "center" if i in centre else None
            out.append(_cell_xml(Cell((run(text, Style(bold=True)),), align, True), width))
        out.append("</w:tr>")
    for row in rows:
        out.append(f"<w:tr><w:trPr><w:cantSplit/>{height}</w:trPr>")
        for i, (c, width) in enumerate(zip(row, widths, strict=True)):
            if i in centre and c.align is None:
                c = Cell(c.paragraphs, "center", c.shade)
            if key_column and i == 0:
                c = Cell(c.paragraphs, c.align, True)
            out.append(_cell_xml(c, width))
        out.append("</w:tr>")
    for n in range(blank_from, blank_from + blank_rows):
        out.append(f"<w:tr><w:trPr><w:cantSplit/>{height}</w:trPr>")
        for i, width in enumerate(widths):
            text = run(str(n)) if i == 0 else ""
            out.append(_cell_xml(Cell((text,), "center" if i == 0 else None), width))
        out.append("</w:tr>")
    out.append("</w:tbl>")
    # Word needs a paragraph between two tables and after a table that ends a cell or the body.
    out.append(para("", Para(style="AfterTable")))
    return "".join(out)


def _cell_xml(c: Cell, width: int) -> str:
    shade = f'<w:shd w:val="clear" w:color="auto" w:fill="{SHADE}"/>' if c.shade else ""
    props = Para(style="TableText", align=c.align)
    inner = "".join(
        p if p.startswith("<w:p>") or p.startswith("<w:p ") else para(p, props)
        for p in c.paragraphs
    )
    return f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shade}</w:tcPr>{inner}</w:tc>'


def split_widths(total: int, shares: Sequence[float]) -> list[int]:
    """Column widths in twips from relative shares, summing exactly to `total`."""
    whole = sum(shares)
    widths = [int(total * s / whole) for s in shares]
    widths[-1] += total - sum(widths)
    return widths


# --- CommonMark --------------------------------------------------------------------------------


def rich_blocks(
    source: str,
    anchors: Anchors,
    numbering: Numbering,
    external: Any,
    base: Para | None = None,
) -> list[str]:
    """A long text field as paragraphs: emphasis, code, links, lists and quotes kept.

    `external(url) -> rId` relates a web link to the document (links carry a relationship id).
    Images were never loaded (markup.py); raw HTML shows as text, as in the HTML handbook.
    """
    if not source.strip():
        return []
    tokens = parse_markdown(source)
    return _Blocks(anchors, numbering, external, base or Para()).walk(tokens)


class _Blocks:
    def __init__(self, anchors: Anchors, numbering: Numbering, external: Any, base: Para) -> None:
        self.anchors = anchors
        self.numbering = numbering
        self.external = external
        self.base = base
        self.lists: list[tuple[int, int]] = []  # (numId, level) of the open lists
        self.quote = 0
        self.item_first = False

    def props(self, **extra: Any) -> Para:
        indent = (self.base.indent or 0) + 567 * self.quote if self.quote else self.base.indent
        return replace(Para(self.base.style, self.base.align, indent=indent), **extra)

    def walk(self, tokens: Sequence[Any]) -> list[str]:
        out: list[str] = []
        for tok in tokens:
            kind = tok.type
            if kind in ("bullet_list_open", "ordered_list_open"):
                level = len(self.lists)
                num = self.numbering.new("bullet" if kind == "bullet_list_open" else "decimal")
                self.lists.append((num, level))
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
            elif kind == "list_item_open":
                self.item_first = True
            elif kind == "blockquote_open":
                self.quote += 1
            elif kind == "blockquote_close":
                self.quote -= 1
            elif kind == "inline":
                out.append(para(self.inline(tok.children or []), self.para_props()))
            elif kind in ("fence", "code_block"):
                for line in tok.content.rstrip("\n").split("\n"):
                    out.append(para(run(line, Style(code=True)), self.props(style="Code")))
            elif kind == "hr":
                out.append(para("", self.props(border=RULE)))
            elif kind == "html_block":  # not parsed as HTML: shown as the text it is
                out.append(para(run(tok.content.strip()), self.props()))
        return out

    def para_props(self) -> Para:
        if self.lists and self.item_first:
            self.item_first = False
            return self.props(numbering=self.lists[-1], style="ListParagraph")
        if self.lists:  # a second paragraph in one list item: indented, no number
            return self.props(indent=420 * (len(self.lists)), style="ListParagraph")
        return self.props()

    def inline(self, children: Sequence[Any]) -> str:
        out: list[str] = []
        bold = italic = 0
        link: str | None = None
        link_runs: list[str] = []
        previous = ""
        for i, tok in enumerate(children):
            kind = tok.type
            style = Style(bold=bold > 0, italic=italic > 0)
            piece = ""
            if kind == "text":
                piece = run(tok.content, style, "Hyperlink" if link else None)
                previous = tok.content
            elif kind == "code_inline":
                piece = run(tok.content, Style(style.bold, style.italic, code=True))
                previous = tok.content
            elif kind == "softbreak":
                after = children[i + 1].content if i + 1 < len(children) else ""
                piece = run(" ") if join_lines(previous, after) else ""
            elif kind == "hardbreak":
                piece = line_break()
            elif kind == "strong_open":
                bold += 1
            elif kind == "strong_close":
                bold -= 1
            elif kind == "em_open":
                italic += 1
            elif kind == "em_close":
                italic -= 1
            elif kind == "link_open":
                link = str(tok.attrs.get("href", ""))
                link_runs = []
                continue
            elif kind == "link_close":
                out.append(self.link(link or "", "".join(link_runs)))
                link = None
                continue
            elif kind == "html_inline":
                piece = run(tok.content, style)
            if link is not None:
                link_runs.append(piece)
            else:
                out.append(piece)
        return "".join(out)

    def link(self, href: str, runs: str) -> str:
        if href.startswith("#"):
            return self.anchors.link(href, runs)
        if not safe_link(href) or not href:
            return runs
        return f'<w:hyperlink r:id="{self.external(href)}" w:history="1">{runs}</w:hyperlink>'
