"""The handbook as a Word document (.docx), from the same render context as the HTML and PDF.

python-docx (the optional `docx` extra) makes the package: its parts, relationships, content
types, the header parts, the pictures and the core properties. The parts whose every byte we
decide (the body, styles, numbering, settings, font table, headers) are written as XML text
(wordml.py) and put in place when the package is zipped again with fixed timestamps, so the
same manual gives the same bytes. Page numbers, the page count and the contents' page numbers
are fields that Word and LibreOffice compute when they lay the document out.

Sections: the cover; the front matter (how to use, the update record table, contents to roles),
whose header gives the book's page X of Y; then one section per procedure, per chapter without
procedures, for the records index and for the register, each counting its own pages from 1 in
its footer (cli.md 1.1: a procedure's pages can be replaced alone; docs/render.md says why the
book's page number cannot also be shown there).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from opsmanual.errors import OpsError
from opsmanual.i18n import N_, _
from opsmanual.parallel import ordered_map
from opsmanual.render.context import UPDATE_COLUMNS, Handbook, ProcedureView, Ref, Rich
from opsmanual.render.docx_parts import (
    APP_XML,
    CONTENT_WIDTH,
    EMU_PER_TWIP,
    FONT_TABLE,
    LANDSCAPE,
    PORTRAIT,
    Page,
    footer_xml,
    header_xml,
    section_properties,
    settings_xml,
    styles_xml,
)
from opsmanual.render.i18n import Words
from opsmanual.render.pictures import Picture, check_available, pictures
from opsmanual.render.svg import flow_layout, org_layout
from opsmanual.render.wordml import (
    R_NS,
    W_NS,
    Anchors,
    Cell,
    Numbering,
    Para,
    Style,
    cell,
    esc,
    link_runs,
    one_line,
    page_ref,
    para,
    rich_blocks,
    run,
    split_widths,
    table,
)

if TYPE_CHECKING:
    from docx.document import Document

MISSING = N_("the docx format needs python-docx: pip install 'opsmanual[docx]'")
Progress = Callable[[int], None]
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no build time in the file
NAMESPACES = (
    f'xmlns:w="{W_NS}" xmlns:r="{R_NS}" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"'
)
ACCENT = "1F4E79"
MUTED = "5B6573"
STAMP = "B22222"
# Below this many procedures a second process costs more than it saves (as for HTML).
PARALLEL_FROM = 200
CHUNK = 50


def render_docx(book: Handbook, progress: Progress | None = None) -> bytes:
    """The whole handbook as .docx bytes."""
    try:
        import docx
    except ImportError as exc:
        raise OpsError(_(MISSING)) from exc
    check_available()
    document = docx.Document()
    writer = _Writer(book, document)
    body = writer.body(progress)
    return _package(book, document, writer, body)


# --- the body ----------------------------------------------------------------------------------


@dataclass
class _Heading:
    level: int
    text: str
    anchor: str
    book_page: bool  # on a page numbered in the whole book (the front matter)


@dataclass
class _Writer:
    book: Handbook
    document: Document
    anchors: Anchors = field(default_factory=Anchors)
    numbering: Numbering = field(default_factory=Numbering)
    headings: list[_Heading] = field(default_factory=list)
    shapes: int = 0
    headers: dict[tuple[bool, bool], str] = field(default_factory=dict)  # (landscape, book) -> rId
    # rId -> (header or footer, part name, its XML)
    parts: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # parts made, by kind
    own_pages: bool = False  # writing the parts that count their own pages

    @property
    def t(self) -> Any:
        return self.book.t

    # Relationships, made through python-docx so that the package stays consistent.
    def external(self, url: str) -> str:
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        return self.document.part.relate_to(url, RT.HYPERLINK, is_external=True)

    def picture(self, pic: Picture, label: str) -> str:
        rid, _image = self.document.part.get_or_add_image(io.BytesIO(pic.png))
        self.shapes += 1
        n = self.shapes
        size = f'cx="{pic.width}" cy="{pic.height}"'
        return (
            '<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">'
            f'<wp:extent {size}/><wp:docPr id="{n}" name="Picture {n}" descr="{esc(label)}"/>'
            '<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/>'
            "</wp:cNvGraphicFramePr>"
            '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            f'<pic:pic><pic:nvPicPr><pic:cNvPr id="{n}" name="diagram-{n}.png"/><pic:cNvPicPr/>'
            f'</pic:nvPicPr><pic:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/>'
            '</a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/>'
            f'<a:ext {size}/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
            "</pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
        )

    # Small pieces.
    def ref(self, r: Ref | None) -> str:
        if r is None:
            return ""
        if r.href and r.href.startswith("#"):
            return self.anchors.link(r.href, link_runs(r.label))
        return run(r.label)

    def refs(self, items: list[Ref], sep: str | None = None) -> str:
        sep = self.t.list_sep if sep is None else sep
        return run(sep).join(self.ref(r) for r in items)

    def heading(self, level: int, text: str, anchor: str | None = None) -> str:
        """A heading in Word's heading style; levels 1 and 2 go into the contents."""
        anchor = anchor or f"toc-{len(self.headings) + 1}"
        if level <= 2:
            self.headings.append(_Heading(level, text, anchor, not self.own_pages))
        inner = self.anchors.bookmark(anchor, run(text))
        return para(inner, Para(style=f"Heading{level}"))

    def rich(self, text: Rich, base: Para | None = None) -> list[str]:
        return rich_blocks(text.source, self.anchors, self.numbering, self.external, base)

    def bullets(self, items: list[str]) -> list[str]:
        if not items:
            return []
        num = self.numbering.new("bullet")
        return [
            para(run(one_line(i)), Para(style="ListParagraph", numbering=(num, 0))) for i in items
        ]

    def label(self, text: str) -> str:
        return para(run(text), Para(style="Heading3"))

    def fields(self, rows: list[tuple[str, str]]) -> str:
        """A form of labels and values, like the HTML's `table.fields`."""
        widths = split_widths(CONTENT_WIDTH, (22, 78))
        return table(widths, None, ([cell(run(k)), cell(v)] for k, v in rows), key_column=True)

    # The handbook, in the order of cli.md.
    def body(self, progress: Progress | None) -> str:
        book, t = self.book, self.t
        procedures = [p for chapter in book.chapters for p in chapter.procedures]
        flows = _flow_pictures(book, procedures, progress)
        out: list[str] = []
        out += self.cover()
        out.append(para("", section=section_properties(PORTRAIT, None)))
        # The front matter: its pages carry the book's page X of Y, as in the PDF.
        out += self.how_to_use()
        out.append(para("", section=self.book_section(PORTRAIT)))
        out += self.updates()
        out.append(para("", section=self.book_section(LANDSCAPE)))
        contents_at = len(out)
        out += self.general()
        out += self.organization()
        out += self.roles()
        out.append(para("", section=self.book_section(PORTRAIT)))
        # From the first chapter on, each part is a section that counts its own pages (cli.md
        # 1.1: a procedure's pages can be replaced alone). A chapter's heading and text go with
        # its first procedure, whose first page they share (as paged.parts counts them).
        self.own_pages = True
        for chapter in book.chapters:
            title = f"{chapter.number}{t.section_sep}{chapter.title}"
            out.append(self.heading(1, title, chapter.anchor))
            out += self.rich(chapter.text)
            if not chapter.procedures:
                out.append(self.end_part(PORTRAIT, title, t.page_of, chapter.anchor))
            for p in chapter.procedures:
                out += self.procedure(p, flows[p.anchor])
                out.append(self.end_part(PORTRAIT, _procedure_mark(p, t), t.proc_page_of, p.anchor))
        out += self.records_index()
        out.append(self.end_part(PORTRAIT, t.records_index, t.page_of, "records-index"))
        out += self.loans()
        final = self.end_part(LANDSCAPE, t.loans, t.page_of, "loans", last=True)
        out[contents_at:contents_at] = self.contents()
        return f"<w:document {NAMESPACES}><w:body>{''.join(out)}{final}</w:body></w:document>"

    def book_section(self, page: Page) -> str:
        """A front-matter section: the header with the book's page X of Y, no footer."""
        return section_properties(page, self.header(page, book_pages=True))

    def end_part(self, page: Page, what: str, words: str, anchor: str, last: bool = False) -> str:
        """The paragraph that ends a part counting its own pages: a bookmark whose page is the
        part's page count, and the section's properties (pages from 1, its own footer). The
        `last` part's properties end the body, after this paragraph."""
        end = f"{anchor}-end"
        footer = self.new_part(footer_xml(page, what, words, self.anchors.name(end)), "footer")
        header = self.header(page, book_pages=False)
        section = section_properties(page, header, footer, own_pages=True)
        mark = self.anchors.bookmark(end)
        if last:
            return para(mark, Para(style="AfterTable")) + section
        return para(mark, Para(style="AfterTable"), section=section)

    def header(self, page: Page, book_pages: bool) -> str:
        """The running header's relationship id: one header part per orientation, with or
        without the book's page numbers."""
        key = (page.landscape, book_pages)
        rid = self.headers.get(key)
        if rid is None:
            rid = self.new_part(header_xml(self.book, page, book_pages), "header")
            self.headers[key] = rid
        return rid

    def new_part(self, xml: str, kind: str) -> str:
        """A header or footer part related to the document; its XML is put in place when the
        package is zipped (_package). Named and related here, not through python-docx's
        HeaderPart.new and relate_to: those look through every part and relationship for a
        free name and a match, minutes for a footer per procedure of a large manual."""
        from docx.opc.constants import CONTENT_TYPE as CT
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.opc.packuri import PackURI
        from docx.oxml.parser import parse_xml
        from docx.parts.hdrftr import FooterPart, HeaderPart

        n = self.counts[kind] = self.counts.get(kind, 0) + 1
        cls, content_type, reltype, tag = (
            (HeaderPart, CT.WML_HEADER, RT.HEADER, "hdr")
            if kind == "header"
            else (FooterPart, CT.WML_FOOTER, RT.FOOTER, "ftr")
        )
        partname = f"/word/{kind}{n}.xml"
        placeholder = parse_xml(f'<w:{tag} xmlns:w="{W_NS}"/>')
        part = cls(PackURI(partname), content_type, placeholder, self.document.part.package)
        rid = f"rId{kind.capitalize()}{n}"
        self.document.part.rels.add_relationship(reltype, part, rid)
        self.parts[rid] = (kind, partname, xml)
        return rid

    def cover(self) -> list[str]:
        """Organization, title, the document's facts, the 编制/审核/批准 block, the copy's stamp
        (or the uncontrolled mark) and, for a version not approved, the draft mark."""
        book, t, m = self.book, self.t, self.book.marks
        out = [para(self.anchors.bookmark("cover"), Para(space_after=900))]
        if book.organization:
            out.append(
                para(run(book.organization, Style(colour=MUTED, size=28)), Para(align="center"))
            )
        kicker = run(t.cover_kicker, Style(colour=ACCENT, size=22))
        out.append(para(kicker, Para(align="center", space_before=1000)))
        out.append(para(run(book.title), Para(style="Title")))
        rows: list[tuple[str, str]] = []
        if m.number:
            rows.append((t.doc_number, run(m.number, Style(bold=True))))
        if m.classification:
            rows.append((t.classification, run(m.classification)))
        rows.append((t.version, run(m.version)))
        if m.issued:
            rows.append((t.issued, run(m.issued)))
        if m.effective:
            rows.append((t.effective, run(m.effective)))
        rows.append((t.owner_unit, self.ref(book.owner)))
        if book.approver:
            rows.append((t.approver, self.ref(book.approver)))
        rows.append((t.copy, run(book.copy.id, Style(bold=True)) if book.copy else run("—")))
        widths = split_widths(round(CONTENT_WIDTH * 0.6), (40, 60))
        out.append(
            table(
                widths,
                None,
                ([cell(run(k)), cell(v)] for k, v in rows),
                key_column=True,
                centred=True,
            )
        )
        out.append(para("", Para(space_after=240)))
        # The approval block: names as recorded, blank ruled cells for what is not yet signed.
        head = [t.prepared_by, t.reviewed_by, t.approved_by_sign, t.approval_date]
        names = [m.prepared_by, m.reviewed_by, m.approved_by, m.approved_on]
        widths = split_widths(round(CONTENT_WIDTH * 0.8), (22, 22, 22, 34))
        out.append(
            table(
                widths,
                head,
                [[cell(run(n)) for n in names]],
                centre=(0, 1, 2, 3),
                row_height=_row_height(2.6),
                centred=True,
            )
        )
        out.append(para("", Para(space_after=600)))
        if m.draft_label:
            draft = run(m.draft_label, Style(bold=True, colour=STAMP, size=36))
            out.append(para(draft, Para(align="center", border=STAMP)))
        if book.copy:
            where = f"{t.holder}{t.colon}{book.copy.holder.label}"
            if book.copy.location:
                where += f" · {t.location}{t.colon}{book.copy.location}"
            stamp = run(
                f"{t.controlled_copy} {book.copy.id}", Style(bold=True, colour=STAMP, size=26)
            )
            out.append(para(stamp, Para(align="center", space_after=0)))
            out.append(para(run(where, Style(colour=STAMP, size=18)), Para(align="center")))
        else:
            mark = run(t.uncontrolled_copy, Style(colour=MUTED))
            out.append(para(mark, Para(align="center")))
        return out

    def how_to_use(self) -> list[str]:
        book, t = self.book, self.t
        intro = t.format(
            "how_intro",
            organization=book.organization or book.owner.label,
            title=book.title,
            version=book.version,
        )
        out = [self.heading(1, t.how_to_use, "how-to-use"), para(run(intro))]
        out.append(self.heading(2, t.borrowing_rules))
        num = self.numbering.new("decimal")
        item = Para(style="ListParagraph", numbering=(num, 0))
        if book.copies:
            out.append(para(run(t.borrow_rule_copies), item))
            widths = split_widths(CONTENT_WIDTH - 420, (25, 40, 35))
            out.append(
                table(
                    widths,
                    [t.copy, t.holder, t.location],
                    (
                        [cell(run(c.id)), cell(self.ref(c.holder)), cell(run(c.location))]
                        for c in book.copies
                    ),
                    indent=420,
                )
            )
            days = (
                t.borrow_rule_days_zero
                if book.info.loan_days == 0
                else t.format("borrow_rule_days", days=book.info.loan_days)
            )
            for text in (t.borrow_rule_register, days, t.borrow_rule_once):
                out.append(para(run(text), item))
        else:
            out.append(para(run(t.borrow_rule_none), item))
        out.append(self.heading(2, t.update_rules))
        num = self.numbering.new("decimal")
        item = Para(style="ListParagraph", numbering=(num, 0))
        out.append(para(run(t.update_rule_record), item))
        out.append(para(run(t.update_rule_methods), item))
        sub = self.numbering.new("bullet")
        for key in (
            "method_help_reissue",
            "method_help_notice",
            "method_help_amendment",
            "method_help_appendix",
        ):
            out.append(para(run(t[key]), Para(style="ListParagraph", numbering=(sub, 1))))
        owner = (
            t.format("update_rule_owner", owner=book.owner.label, approver=book.approver.label)
            if book.approver
            else t.format("update_rule_owner_only", owner=book.owner.label)
        )
        out.append(para(run(owner), item))
        out.append(para(run(t.format("update_rule_review", months=book.info.review_months)), item))
        return out

    def updates(self) -> list[str]:
        t = self.t
        head = [t[key] for key in UPDATE_COLUMNS]
        widths = split_widths(LANDSCAPE.content_width, (5, 6, 13, 8, 12, 20, 20, 8, 8))
        rows = []
        for u in self.book.updates:
            changes = [self.ref(r) for r in u.changes]
            if u.removed:
                changes.append(run(f"{t.removed}{t.colon}", Style(colour=MUTED)))
                changes += [self.ref(r) for r in u.removed]
            rows.append(
                [
                    cell(run(str(u.no))),
                    cell(run(u.version)),
                    cell(run(u.date)),
                    cell(run(u.method)),
                    cell(run(u.notice_ref)),
                    cell(run(one_line(u.summary))),
                    Cell(tuple(changes) or ("",)),
                    cell(self.ref(u.author)),
                    cell(self.ref(u.approved_by)),
                ]
            )
        return [
            self.heading(1, t.updates, "updates"),
            table(
                widths,
                head,
                rows,
                centre=(0,),
                row_height=_row_height(2.2),
                blank_rows=self.book.update_blank_rows,
                blank_from=len(self.book.updates) + 1,
            ),
        ]

    def contents(self) -> list[str]:
        """Each heading of levels 1 and 2, linked; in the front matter with its page as a
        PAGEREF field. Not a TOC field: LibreOffice shows a TOC field's stored result and never
        the page numbers inside it until the user updates it, while a PAGEREF field in the body
        it computes when it lays the page out (Word when it updates fields: on opening, as
        settings.xml asks). A part that counts its own pages shows no page: each would say 1."""
        out = [
            para(self.anchors.bookmark("contents", run(self.t.contents)), Para(style="TOCHeading"))
        ]
        for h in self.headings:
            page = "<w:r><w:tab/></w:r>" + page_ref(self.anchors.name(h.anchor))
            entry = run(h.text) + (page if h.book_page else "")
            out.append(para(self.anchors.link(h.anchor, entry), Para(style=f"TOC{h.level}")))
        return out

    def general(self) -> list[str]:
        book, t = self.book, self.t
        s = book.sections["general"]
        out = [self.heading(1, s.number + t.section_sep + s.title, s.anchor)]
        if book.purpose:
            out += [self.heading(2, t.purpose), *self.rich(book.purpose)]
        if book.scope:
            out += [self.heading(2, t.scope), *self.rich(book.scope)]
        if book.principles:
            out.append(self.heading(2, t.principles))
            num = self.numbering.new("decimal")
            for title, text in book.principles:
                out.append(
                    para(
                        run(title, Style(bold=True)),
                        Para(style="ListParagraph", numbering=(num, 0)),
                    )
                )
                out += self.rich(text, Para(style="ListParagraph", indent=420))
        return out

    def organization(self) -> list[str]:
        book, t = self.book, self.t
        s = book.sections["organization"]
        out = [self.heading(1, s.number + t.section_sep + s.title, s.anchor)]
        chart = pictures(
            org_layout(book.org_nodes), t.org_chart, "org", CONTENT_WIDTH * EMU_PER_TWIP
        )
        out += self.figure(chart, t.org_chart)
        for u in book.units:
            out.append(self.heading(2, u.name, u.anchor))
            rows = []
            if u.parent:
                rows.append((t.parent_unit, self.ref(u.parent)))
            if u.head:
                rows.append((t.head, self.ref(u.head)))
            if u.roles:
                rows.append((t.unit_roles, self.refs(u.roles)))
            if u.children:
                rows.append((t.subunits, self.refs(u.children)))
            if rows:
                out.append(self.fields(rows))
            out += self.rich(u.description)
            if u.duties:
                out += [self.label(t.duties), *self.bullets(u.duties)]
        if book.staff:
            out.append(self.heading(2, t.staff, "staff"))
            widths = split_widths(CONTENT_WIDTH, (18, 40, 30, 12))
            people = [
                [
                    cell(self.anchors.bookmark(p.anchor, run(p.name))),
                    cell(self.refs(p.roles)),
                    cell(run(p.email)),
                    cell(run(t.active if p.active else t.inactive)),
                ]
                for p in book.staff
            ]
            out.append(table(widths, [t.name, t.roles_held, t.email, t.status], people))
        return out

    def figure(self, slices: list[Picture], caption: str) -> list[str]:
        out = [para(self.picture(p, caption), Para(style="Figure")) for p in slices]
        if out:
            out.append(para(run(caption), Para(style="Caption")))
        return out

    def roles(self) -> list[str]:
        book, t = self.book, self.t
        s = book.sections["roles"]
        out = [self.heading(1, s.number + t.section_sep + s.title, s.anchor)]
        for r in book.roles:
            out.append(self.heading(2, r.title, r.anchor))
            rows = [(t.role_unit, self.ref(r.unit))]
            if r.reports_to:
                rows.append((t.reports_to, self.ref(r.reports_to)))
            if r.direct_reports:
                rows.append((t.direct_reports, self.refs(r.direct_reports)))
            if r.headcount is not None:
                rows.append((t.headcount, run(str(r.headcount))))
            holders = self.refs(r.holders) if r.holders else run(t.vacant, Style(colour=MUTED))
            rows.append((t.holders, holders))
            for key, items in (
                ("owns", r.owns),
                ("acts_in", r.acts_in),
                ("consulted_in", r.consulted_in),
                ("informed_in", r.informed_in),
            ):
                if items:
                    rows.append((t[key], self.refs(items)))
            out.append(self.fields(rows))
            out += self.rich(r.description)
            out += [self.label(t.duties), *self.bullets(r.duties)]
            if r.authorities:
                out += [self.label(t.authorities), *self.bullets(r.authorities)]
            if r.qualifications:
                out += [self.label(t.qualifications), *self.bullets(r.qualifications)]
        return out

    def procedure(self, p: ProcedureView, flow: list[Picture]) -> list[str]:
        """A procedure: its section (body's end_part) starts it on a new page."""
        t = self.t
        sep = t.list_sep
        out = [self.heading(2, f"{p.number} {p.title}", p.anchor)]
        rows = []
        if p.marks.number:
            rows.append((t.proc_number, run(p.marks.number, Style(bold=True))))
        rows.append((t.changed_in, run(p.marks.changed_in)))
        rows.append((t.owner, self.ref(p.owner)))
        if p.frequency:
            rows.append((t.frequency, run(p.frequency)))
        rows.append((t.reviewed, run(p.reviewed)))
        for key, items in (("inputs", p.inputs), ("outputs", p.outputs), ("records", p.records)):
            if items:
                rows.append((t[key], run(one_line(sep.join(items)))))
        if p.related:
            rows.append((t.related, self.refs(p.related)))
        out.append(self.fields(rows))
        if p.purpose:
            out += [self.label(t.purpose), *self.rich(p.purpose)]
        if p.scope:
            out += [self.label(t.scope), *self.rich(p.scope)]
        out.append(self.label(t.raci))
        widths = split_widths(round(CONTENT_WIDTH * 0.6), (70, 30))
        out.append(
            table(
                widths,
                [t.raci_role, t.raci_letters],
                ([cell(self.ref(role)), cell(run(letters))] for role, letters in p.raci),
                centre=(1,),
            )
        )
        out.append(para(run(t.raci_legend, Style(colour=MUTED))))
        out.append(self.label(t.steps))
        widths = split_widths(CONTENT_WIDTH, (6, 17, 45, 17, 15))
        rows_xml = []
        for s in p.steps:
            action = (
                run(f"◆ {t.approval} ", Style(bold=True, colour="B7791F")) if s.approval else ""
            )
            action += run(one_line(s.action))
            details = self.rich(s.details, Para(style="TableText"))
            nxt = self.refs(s.next) if s.next else run(t.end)
            rows_xml.append(
                [
                    cell(self.anchors.bookmark(s.anchor, run(str(s.no)))),
                    cell(self.ref(s.actor)),
                    Cell((action, *details)),
                    cell(run(one_line(sep.join(s.outputs)))),
                    cell(nxt),
                ]
            )
        out.append(
            table(widths, [t.no, t.actor, t.action, t.step_outputs, t.next], rows_xml, centre=(0,))
        )
        out += self.figure(flow, f"{p.number} {p.title} — {t.flow}")
        return out

    def records_index(self) -> list[str]:
        t = self.t
        widths = split_widths(CONTENT_WIDTH, (8, 40, 52))
        rows = [
            [cell(run(str(i))), cell(run(one_line(name))), cell(self.refs(procs))]
            for i, (name, procs) in enumerate(self.book.records_index, 1)
        ]
        return [
            self.heading(1, t.records_index, "records-index"),
            table(widths, [t.no, t.record, t.kept_by], rows, centre=(0,)),
        ]

    def loans(self) -> list[str]:
        t, book = self.t, self.book
        head = [
            t.no,
            t.loan_copy,
            t.borrower,
            t.borrowed,
            t.due,
            t.returned,
            t.loan_purpose,
            t.issued_by,
            t.signature,
        ]
        widths = split_widths(LANDSCAPE.content_width, (5, 9, 9, 14, 14, 14, 15, 9, 11))
        rows = [
            [
                cell(run(str(x.no))),
                cell(self.ref(x.copy)),
                cell(self.ref(x.borrower)),
                cell(run(x.borrowed)),
                cell(run(x.due)),
                cell(run(x.returned)),
                cell(run(one_line(x.purpose))),
                cell(self.ref(x.issued_by)),
                cell(),
            ]
            for x in book.loans
        ]
        return [
            self.heading(1, t.loans, "loans"),
            table(
                widths,
                head,
                rows,
                centre=(0,),
                row_height=_row_height(2.6),
                blank_rows=book.blank_rows,
                blank_from=len(book.loans) + 1,
            ),
        ]


def _procedure_mark(p: ProcedureView, t: Words) -> str:
    """What a procedure's own pages say it is: its number and title (the PDF prints the number
    alone when there is one, paged.procedure_css) and the version in which it last changed."""
    name = f"{p.number} {p.title}"
    if p.marks.number:
        name = f"{p.marks.number} {name}"
    return f"{name} · {t.changed_in}{t.colon}{p.marks.changed_in}"


def _row_height(em: float) -> int:
    """A row `em` lines of 9.5pt text high, in twips (20 per point)."""
    return round(em * 9.5 * 20)


def _flow_pictures(
    book: Handbook, procedures: list[ProcedureView], progress: Progress | None
) -> dict[str, list[Picture]]:
    """Every procedure's flow diagram rasterized: most of a large render, so shared out."""
    t = book.t
    width = CONTENT_WIDTH * EMU_PER_TWIP

    def some(start: int, end: int) -> list[list[Picture]]:
        out = []
        for p in procedures[start:end]:
            layout = flow_layout(p.lanes, p.flow, t.yes, t.no_branch)
            out.append(pictures(layout, f"{p.title} — {t.flow}", "flow", width))
        return out

    drawn = ordered_map(
        some, len(procedures), chunk=CHUNK, minimum=PARALLEL_FROM, progress=progress
    )
    return {p.anchor: pics for p, pics in zip(procedures, drawn, strict=True)}


# --- the package -------------------------------------------------------------------------------


def _package(book: Handbook, document: Document, writer: _Writer, body: str) -> bytes:
    """Save through python-docx, then zip again: our parts in, fixed timestamps, no template
    leftovers (its thumbnail, custom XML and Word 2010 style copy)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    part = document.part
    for rid, rel in list(part.rels.items()):
        if rel.reltype in (
            RT.CUSTOM_XML,
            "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",
        ):
            part.drop_rel(rid)
    package_rels = part.package.rels
    for rid, rel in list(package_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            package_rels.pop(rid)
    _core_properties(book, document)
    numbering = part.numbering_part.partname
    ours = {
        "word/document.xml": body,
        "word/styles.xml": styles_xml(book.lang),
        "word/settings.xml": settings_xml(book.lang),
        "word/fontTable.xml": FONT_TABLE,
        "docProps/app.xml": APP_XML,
        str(numbering).lstrip("/"): writer.numbering.xml(),
        **{name.lstrip("/"): xml for _kind, name, xml in writer.parts.values()},
    }
    saved = io.BytesIO()
    document.save(saved)
    out = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename in ours:
                data = _xml_bytes(ours[info.filename])
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, data, compresslevel=6)
    return out.getvalue()


def _xml_bytes(xml: str) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml.encode("utf-8")


def _core_properties(book: Handbook, document: Document) -> None:
    """Title, organization, version; the version's own date, never the time of the run."""
    props = document.core_properties
    day = book.marks.issued_date or book.marks.effective_date or date(2000, 1, 1)
    when = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    props.title = book.title
    props.author = book.organization or book.owner.label
    props.last_modified_by = "opsmanual"
    props.created = when
    props.modified = when
    props.last_printed = when
    props.revision = 1
    props.version = book.version
    props.language = book.lang
    props.subject = book.t.cover_kicker
    props.keywords = ""
    props.comments = ""
    props.content_status = ""
    props.identifier = book.marks.number
    props.category = book.marks.classification
