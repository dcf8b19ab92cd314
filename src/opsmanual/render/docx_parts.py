"""The Word handbook's fixed parts: page geometry, styles, settings, fonts, the running header.

Page sizes and margins are the PDF's (templates/handbook.css `@page`): A4 portrait with 20 mm
top and 18 mm side and foot margins, the two record tables on A4 landscape with 16/16/14 mm.

Fonts: Word takes one font per script, no fallback list, so each style names a Latin font and
an East Asian one (`w:eastAsia`): body text in Arial and SimSun (宋体), headings in Georgia and
SimHei (黑体): the faces every Chinese Windows and Office carry. Where they are missing (Linux,
LibreOffice) the reader substitutes its own CJK face (Noto CJK) by the run's East Asian
language, which is set to zh-CN for a Chinese manual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from opsmanual.render.wordml import R_NS, W_NS, Style, esc, mm, run, simple_field

if TYPE_CHECKING:
    from opsmanual.render.context import Handbook

EMU_PER_TWIP = 635
LATIN_BODY = "Arial"
LATIN_HEADING = "Georgia"
EAST_ASIAN_BODY = "SimSun"
EAST_ASIAN_HEADING = "SimHei"
ACCENT = "1F4E79"
MUTED = "5B6573"
STAMP = "B22222"


@dataclass(frozen=True)
class Page:
    width: int  # twips
    height: int
    top: int
    side: int
    bottom: int
    landscape: bool

    @property
    def content_width(self) -> int:
        return self.width - 2 * self.side


PORTRAIT = Page(11906, 16838, mm(20), mm(18), mm(18), False)
LANDSCAPE = Page(16838, 11906, mm(16), mm(16), mm(14), True)
CONTENT_WIDTH = PORTRAIT.content_width


def section_properties(
    page: Page, header: str | None, footer: str | None = None, own_pages: bool = False
) -> str:
    """A section's page: its size, margins, running header (none on the cover) and footer.

    `own_pages` starts the section's page numbers at 1: a part that counts its own pages. A
    section without a footer reference would show the previous section's footer (Word and
    LibreOffice both link them), so every section after the first footer names its own.
    """
    refs = f'<w:headerReference w:type="default" r:id="{header}"/>' if header else ""
    if footer:
        refs += f'<w:footerReference w:type="default" r:id="{footer}"/>'
    orient = ' w:orient="landscape"' if page.landscape else ""
    restart = '<w:pgNumType w:start="1"/>' if own_pages else ""
    return (
        f'<w:sectPr>{refs}<w:pgSz w:w="{page.width}" w:h="{page.height}"{orient}/>'
        f'<w:pgMar w:top="{page.top}" w:right="{page.side}" w:bottom="{page.bottom}" '
        f'w:left="{page.side}" w:header="{mm(9)}" w:footer="{mm(8)}" w:gutter="0"/>'
        f'{restart}<w:cols w:space="425"/><w:docGrid w:linePitch="312"/></w:sectPr>'
    )


BOOK_PAGES = "NUMPAGES"


def page_of(text: str, pages: str = BOOK_PAGES) -> str:
    """`第 {page} 页，共 {pages} 页` with the page number and the page count as fields: the
    count is `pages`, the book's (NUMPAGES) or a part's (PAGEREF to its last paragraph)."""
    out = []
    for part in re.split(r"(\{page\}|\{pages\})", text):
        if part == "{page}":
            out.append(simple_field("PAGE"))
        elif part == "{pages}":
            out.append(simple_field(pages))
        elif part:
            out.append(run(part))
    return "".join(out)


def part_pages(bookmark: str) -> str:
    """A part's page count: the page of the bookmark on its last paragraph. Its pages count
    from 1, so that page is the count. (Not SECTIONPAGES: LibreOffice 7.4 does not compute it
    and shows the value stored in the file.)"""
    return f"PAGEREF {bookmark}"


def header_xml(book: Handbook, page: Page, book_pages: bool) -> str:
    """Every page after the cover: number and title, the book's page X of Y (`book_pages`,
    the front matter); version, effective date, the draft mark when the version is not
    approved, and the copy's number or the uncontrolled mark. A part that counts its own pages
    has its page X of Y in its footer (`footer_xml`)."""
    t, m = book.t, book.marks
    tab = _right_tab(page)
    left = f"{m.number} {book.title}" if m.number else book.title
    facts = [t.format("page_header_version", version=m.version)]
    if m.effective:
        facts.append(f"{t.effective}{t.colon}{m.effective}")
    mark = f"{t.controlled_copy} {m.copy}" if m.copy else t.uncontrolled_short
    numbers = f"<w:r><w:tab/></w:r>{page_of(t.page_of)}" if book_pages else ""
    first = f'<w:p><w:pPr><w:pStyle w:val="Header"/>{tab}</w:pPr>{run(left)}{numbers}</w:p>'
    border = f'<w:pBdr><w:bottom w:val="single" w:sz="6" w:space="1" w:color="{ACCENT}"/></w:pBdr>'
    draft = run(" · ") + run(m.draft_label, Style(bold=True, colour=STAMP)) if m.draft_label else ""
    second = (
        f'<w:p><w:pPr><w:pStyle w:val="Header"/>{border}{tab}</w:pPr>{run(" · ".join(facts))}'
        f"{draft}<w:r><w:tab/></w:r>{run(mark, Style(bold=bool(m.copy)))}</w:p>"
    )
    return f'<w:hdr xmlns:w="{W_NS}" xmlns:r="{R_NS}">{first}{second}</w:hdr>'


def footer_xml(page: Page, left: str, words: str, bookmark: str) -> str:
    """A part's own pages (a procedure, the records index…): what the part is on the left,
    `words` (`本流程第 {page} 页，共 {pages} 页`) on the right, counted within the part."""
    border = f'<w:pBdr><w:top w:val="single" w:sz="4" w:space="1" w:color="{ACCENT}"/></w:pBdr>'
    line = (
        f'<w:p><w:pPr><w:pStyle w:val="Footer"/>{border}{_right_tab(page)}</w:pPr>{run(left)}'
        f"<w:r><w:tab/></w:r>{page_of(words, part_pages(bookmark))}</w:p>"
    )
    return f'<w:ftr xmlns:w="{W_NS}" xmlns:r="{R_NS}">{line}</w:ftr>'


def _right_tab(page: Page) -> str:
    return f'<w:tabs><w:tab w:val="right" w:pos="{page.content_width}"/></w:tabs>'


def _fonts(latin: str, east_asian: str) -> str:
    return (
        f'<w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east_asian}" w:cs="{latin}"/>'
    )


def _style(
    kind: str,
    style_id: str,
    name: str,
    ppr: str = "",
    rpr: str = "",
    based: str | None = "Normal",
    extra: str = "",
) -> str:
    based_xml = f'<w:basedOn w:val="{based}"/>' if based else ""
    return (
        f'<w:style w:type="{kind}" w:styleId="{style_id}"><w:name w:val="{name}"/>{based_xml}'
        f"{extra}<w:qFormat/>"
        + (f"<w:pPr>{ppr}</w:pPr>" if ppr else "")
        + (f"<w:rPr>{rpr}</w:rPr>" if rpr else "")
        + "</w:style>"
    )


def _heading(level: int, size: int, ppr: str = "", colour: str = "1D2430") -> str:
    return _style(
        "paragraph",
        f"Heading{level}",
        f"heading {level}",
        f'<w:keepNext/><w:keepLines/>{ppr}<w:spacing w:before="{360 - 80 * level}" w:after="160"/>'
        f'<w:outlineLvl w:val="{level - 1}"/>',
        f'{_fonts(LATIN_HEADING, EAST_ASIAN_HEADING)}<w:b/><w:bCs/><w:color w:val="{colour}"/>'
        f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>',
        extra='<w:next w:val="Normal"/><w:uiPriority w:val="9"/>',
    )


def styles_xml(lang: str) -> str:
    """Word's built-in style names (heading 1…, toc 1…, Title, Caption): the navigation pane,
    the contents and a user's own template changes all find them."""
    east_asian_lang = "zh-CN"
    latin_lang = "zh-CN" if lang == "zh-CN" else "en-US"
    rule = f'w:val="single" w:sz="12" w:space="4" w:color="{ACCENT}"'
    defaults = (
        "<w:docDefaults><w:rPrDefault><w:rPr>"
        f"{_fonts(LATIN_BODY, EAST_ASIAN_BODY)}"
        '<w:color w:val="1D2430"/><w:sz w:val="21"/><w:szCs w:val="21"/>'
        f'<w:lang w:val="{latin_lang}" w:eastAsia="{east_asian_lang}" w:bidi="ar-SA"/>'
        "</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>"
        '<w:spacing w:after="120" w:line="300" w:lineRule="auto"/>'
        "</w:pPr></w:pPrDefault></w:docDefaults>"
    )
    toc_tab = f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{CONTENT_WIDTH}"/></w:tabs>'
    styles = [
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>'
        "<w:qFormat/></w:style>",
        '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
        '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/>'
        "</w:style>",
        '<w:style w:type="table" w:default="1" w:styleId="TableNormal">'
        '<w:name w:val="Normal Table"/>'
        '<w:semiHidden/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar>'
        '<w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
        '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr>'
        "</w:style>",
        _heading(1, 34, f"<w:pageBreakBefore/><w:pBdr><w:bottom {rule}/></w:pBdr>"),
        _heading(2, 26),
        _heading(3, 22, colour=ACCENT),
        _style(
            "paragraph",
            "Title",
            "Title",
            '<w:jc w:val="center"/><w:spacing w:before="240" w:after="720"/>',
            f"{_fonts(LATIN_HEADING, EAST_ASIAN_HEADING)}<w:b/><w:bCs/>"
            '<w:sz w:val="56"/><w:szCs w:val="56"/>',
        ),
        _style(
            "paragraph",
            "TOCHeading",
            "TOC Heading",
            f"<w:pageBreakBefore/><w:keepNext/><w:pBdr><w:bottom {rule}/></w:pBdr>"
            '<w:spacing w:before="200" w:after="160"/>',
            f"{_fonts(LATIN_HEADING, EAST_ASIAN_HEADING)}<w:b/><w:bCs/>"
            '<w:sz w:val="34"/><w:szCs w:val="34"/>',
        ),
        _style(
            "paragraph",
            "TOC1",
            "toc 1",
            f'{toc_tab}<w:spacing w:before="60" w:after="20"/>',
            "<w:b/>",
        ),
        _style(
            "paragraph",
            "TOC2",
            "toc 2",
            f'{toc_tab}<w:spacing w:after="20"/><w:ind w:left="420"/>',
        ),
        _style(
            "character",
            "Hyperlink",
            "Hyperlink",
            rpr=f'<w:color w:val="{ACCENT}"/>',
            based=None,
        ),
        _style(
            "paragraph",
            "TableText",
            "Table Text",
            '<w:spacing w:after="0" w:line="260" w:lineRule="auto"/>',
            '<w:sz w:val="19"/><w:szCs w:val="19"/>',
        ),
        _style(
            "paragraph",
            "AfterTable",
            "After Table",
            '<w:spacing w:after="120" w:line="120" w:lineRule="exact"/>',
            '<w:sz w:val="4"/>',
        ),
        _style("paragraph", "ListParagraph", "List Paragraph", '<w:spacing w:after="60"/>'),
        _style(
            "paragraph",
            "Figure",
            "Figure",
            '<w:keepNext/><w:jc w:val="center"/><w:spacing w:after="0"/>',
        ),
        _style(
            "paragraph",
            "Caption",
            "caption",
            '<w:jc w:val="center"/><w:spacing w:before="80" w:after="240"/>',
            f'<w:color w:val="{MUTED}"/><w:sz w:val="18"/><w:szCs w:val="18"/>',
        ),
        _style(
            "paragraph",
            "Code",
            "Code",
            '<w:spacing w:after="0"/><w:shd w:val="clear" w:color="auto" w:fill="EEF2F6"/>',
            '<w:rFonts w:ascii="Consolas" w:hAnsi="Consolas" w:cs="Consolas"/><w:sz w:val="18"/>',
        ),
        _style(
            "paragraph",
            "Header",
            "header",
            '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/>',
            f'<w:color w:val="{MUTED}"/><w:sz w:val="16"/><w:szCs w:val="16"/>',
        ),
        _style(
            "paragraph",
            "Footer",
            "footer",
            '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/>',
            f'<w:color w:val="{MUTED}"/><w:sz w:val="16"/><w:szCs w:val="16"/>',
        ),
    ]
    return f'<w:styles xmlns:w="{W_NS}">{defaults}{"".join(styles)}</w:styles>'


def settings_xml(lang: str) -> str:
    """`updateFields`: Word refreshes the contents' page numbers (PAGEREF fields) when it opens
    the file (it asks first); LibreOffice computes them when it lays the pages out."""
    east_asian = "zh-CN"
    return (
        f'<w:settings xmlns:w="{W_NS}"><w:zoom w:percent="100"/>'
        '<w:defaultTabStop w:val="420"/>'
        '<w:characterSpacingControl w:val="compressPunctuation"/>'
        '<w:updateFields w:val="true"/>'
        '<w:compat><w:compatSetting w:name="compatibilityMode" '
        'w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>'
        f'<w:themeFontLang w:val="{"zh-CN" if lang == "zh-CN" else "en-US"}" '
        f'w:eastAsia="{east_asian}"/>'
        "</w:settings>"
    )


def _font(name: str, alt: str, charset: str, family: str, pitch: str = "variable") -> str:
    alt_xml = f'<w:altName w:val="{esc(alt)}"/>' if alt else ""
    return (
        f'<w:font w:name="{esc(name)}">{alt_xml}<w:charset w:val="{charset}"/>'
        f'<w:family w:val="{family}"/><w:pitch w:val="{pitch}"/></w:font>'
    )


FONT_TABLE = (
    f'<w:fonts xmlns:w="{W_NS}">'
    + _font(LATIN_BODY, "", "00", "swiss")
    + _font(LATIN_HEADING, "", "00", "roman")
    + _font(EAST_ASIAN_BODY, "宋体", "86", "auto")
    + _font(EAST_ASIAN_HEADING, "黑体", "86", "modern", "fixed")
    + _font("Consolas", "", "00", "modern", "fixed")
    + "</w:fonts>"
)

APP_XML = (
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>opsmanual</Application></Properties>"
)
