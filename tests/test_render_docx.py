"""The handbook as a Word document, read back by python-docx and laid out by LibreOffice.

LibreOffice (headless, a private profile per test) converts the .docx to PDF; pdftotext then
shows what a reader sees: headings, table cells, the page header's fields resolved to page
numbers. Pictures of a few pages are kept in test-artifacts/ (gitignored) for a person to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import run_cli
from manualkit import BASE, DRAFT_UPDATES, write_manual
from opsmanual.manual import load_manual
from opsmanual.render.context import build
from opsmanual.render.i18n import load_words
from opsmanual.source import FolderSource

docx = pytest.importorskip("docx")

ROOT = Path(__file__).resolve().parents[1]
MANUALS = ROOT / "manuals"
ARTIFACTS = ROOT / "test-artifacts"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def render_docx(manual: Path, out: Path, *extra: str) -> Path:
    result = run_cli("render", "-f", "docx", "-o", str(out), *extra, manual=manual)
    assert result.exit_code == 0, result.output
    return out


def handbook(manual: Path, copy: str | None = None) -> Any:
    loaded, _ = load_manual(FolderSource(manual))
    assert loaded.info is not None
    return build(loaded, load_words(loaded.info.language), copy)


def headings(document: Any, level: int) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


@pytest.mark.parametrize("name", ["operations", "operations-en"])
def test_word_document_reads_back_with_headings_tables_pictures_and_header(
    name: str, tmp_path: Path
) -> None:
    out = render_docx(MANUALS / name, tmp_path / "h.docx", "--copy", "OPS-01")
    h = handbook(MANUALS / name, "OPS-01")
    t = h.t
    document = docx.Document(str(out))

    # Headings in Word's own styles, in the handbook's order (cli.md 1.1).
    chapters = [f"{c.number}{t.section_sep}{c.title}" for c in h.chapters]
    front = [h.sections[k] for k in ("general", "organization", "roles")]
    expected = [
        t.how_to_use,
        t.updates,
        *(f"{s.number}{t.section_sep}{s.title}" for s in front),
        *chapters,
        t.records_index,
        t.loans,
    ]
    assert headings(document, 1) == expected
    procedures = [f"{p.number} {p.title}" for c in h.chapters for p in c.procedures]
    level2 = headings(document, 2)
    assert [x for x in level2 if x in procedures] == procedures
    assert [r.title for r in h.roles] == [x for x in level2 if x in {r.title for r in h.roles}]

    # Real tables: the update record table and the borrowing register with blank ruled rows.
    tables = document.tables
    updates = next(tb for tb in tables if tb.rows[0].cells[0].text == t.no and len(tb.columns) == 9)
    assert [c.text for c in updates.rows[0].cells][:3] == [t.no, t.version, t.date]
    # (ruled blank rows after the records, for entries made between reprints, as in the PDF)
    assert len(updates.rows) == 1 + len(h.updates) + h.update_blank_rows
    assert updates.rows[-1].cells[0].text == str(len(h.updates) + h.update_blank_rows)
    assert all(c.text == "" for c in updates.rows[-1].cells[1:])
    assert updates.rows[1].cells[5].text == h.updates[0].summary
    register = tables[-1]
    assert register.rows[0].cells[-1].text == t.signature
    assert len(register.rows) == 1 + len(h.loans) + h.blank_rows
    assert register.rows[-1].cells[0].text == str(len(h.loans) + h.blank_rows)
    assert all(c.text == "" for c in register.rows[-1].cells[1:])
    steps = [tb for tb in tables if tb.rows[0].cells[0].text == t.no and len(tb.columns) == 5]
    assert len(steps) == len(procedures)
    first = h.chapters[0].procedures[0]
    assert steps[0].rows[1].cells[2].text.startswith(first.steps[0].action)

    # The org chart and one flow diagram per procedure, as pictures (a tall one in slices).
    assert len(document.inline_shapes) >= 1 + len(procedures)
    assert all(s.width > 0 and s.height > 0 for s in document.inline_shapes)

    # The running header: number or title, version, the copy, PAGE and NUMPAGES fields.
    section = document.sections[1]
    header_xml = section.header._element.xml
    assert h.title in section.header.paragraphs[0].text
    assert t.format("page_header_version", version=h.version) in section.header.paragraphs[1].text
    assert "OPS-01" in section.header.paragraphs[1].text
    assert 'w:instr=" PAGE "' in header_xml and 'w:instr=" NUMPAGES "' in header_xml
    assert document.sections[0].header.is_linked_to_previous  # the cover has no header

    # The contents: every heading linked; the front matter's with their page (PAGEREF).
    body = document.element.xml
    assert "TOC \\o" not in body  # not a TOC field: LibreOffice would show no page numbers
    toc = [p for p in document.paragraphs if p.style.name in ("toc 1", "toc 2")]
    assert [p.text.rstrip("\t") for p in toc][:2] == [t.how_to_use, t.borrowing_rules]
    assert "PAGEREF h_how_to_use" in toc[0]._p.xml
    first_procedure = next(p for p in toc if p.text == procedures[0])  # no tab, no page
    assert "PAGEREF" not in first_procedure._p.xml  # its pages count on their own
    anchors = set(re.findall(r'w:anchor="([^"]+)"', body))
    bookmarks = set(re.findall(r'w:bookmarkStart w:id="\d+" w:name="([^"]+)"', body))
    assert anchors and anchors <= bookmarks
    styles = document.styles.element.xml
    assert 'w:eastAsia="SimSun"' in styles and 'w:eastAsia="SimHei"' in styles
    for s in document.sections:
        assert {round(s.page_width.mm), round(s.page_height.mm)} == {210, 297}
    props = document.core_properties
    assert props.title == h.title and props.version == h.version
    assert props.modified is not None and props.modified.date() == h.marks.issued_date


def fields(xml: str) -> list[str]:
    return [" ".join(f.split()) for f in re.findall(r'w:instr="([^"]+)"', xml)]


@pytest.mark.parametrize("name", ["operations", "operations-en"])
def test_each_procedure_is_a_section_counting_its_own_pages(name: str, tmp_path: Path) -> None:
    """cli.md 1.1: a procedure's pages carry its number, its changed-in version and its own
    page X of Y. Word: one section per procedure, numbered from 1, its footer saying so."""
    from docx.enum.section import WD_ORIENT, WD_SECTION

    out = render_docx(MANUALS / name, tmp_path / "h.docx")
    h = handbook(MANUALS / name)
    t = h.t
    document = docx.Document(str(out))
    sections = document.sections
    procedures = [p for c in h.chapters for p in c.procedures]
    assert all(c.procedures for c in h.chapters)  # (a chapter without any is a part too)
    # cover, how to use, updates, the rest of the front matter; then the parts.
    assert len(sections) == 4 + len(procedures) + 2
    front, parts = sections[1:4], sections[4:]
    for s in front:
        assert s._sectPr.find(f"{W}pgNumType") is None  # the book's numbers run on
        assert fields(s.header._element.xml) == ["PAGE", "NUMPAGES"]
        assert s._sectPr.find(f"{W}footerReference") is None  # no footer: nothing to link to
    ends = {
        b.get(f"{W}name")
        for b in document.element.body.iter(f"{W}bookmarkStart")
        if b.get(f"{W}name", "").endswith("_end")
    }
    # (python-docx leaves the fields' stored values out of a paragraph's text)
    words = t.proc_page_of.replace("{page}", "").replace("{pages}", "")
    for s, p in zip(parts[: len(procedures)], procedures, strict=True):
        restart = s._sectPr.find(f"{W}pgNumType")
        assert restart is not None and restart.get(f"{W}start") == "1"
        assert s.start_type == WD_SECTION.NEW_PAGE
        assert not s.footer.is_linked_to_previous and not s.header.is_linked_to_previous
        assert fields(s.header._element.xml) == []  # the book's page is not this part's
        footer = s.footer.paragraphs[0].text
        mark = f"{p.marks.number} " if p.marks.number else ""
        assert footer.startswith(f"{mark}{p.number} {p.title} · {t.changed_in}{t.colon}")
        assert footer.endswith(f"{p.marks.changed_in}\t{words}")
        page, pages = fields(s.footer._element.xml)
        assert page == "PAGE" and pages.startswith("PAGEREF ")
        assert pages.split()[1] in ends  # the bookmark on the section's last paragraph
    assert sections[-2].footer.paragraphs[0].text.startswith(t.records_index)
    assert sections[-1].footer.paragraphs[0].text.startswith(t.loans)
    assert sections[-1].orientation == WD_ORIENT.LANDSCAPE


def test_a_chapter_without_procedures_is_a_part_of_its_own(tmp_path: Path) -> None:
    chapters = (
        "chapters:\n  - title: Not yet written\n    procedures: []\n"
        "  - title: Planning\n    text: How we plan.\n    procedures: [plan]\n"
        "  - title: Later\n    procedures: []\n"
    )
    manual = BASE["manual.yaml"].split("chapters:")[0] + chapters
    root = write_manual(tmp_path / "m", {"manual.yaml": manual})
    document = docx.Document(str(render_docx(root, tmp_path / "h.docx")))
    footers = [s.footer.paragraphs[0].text for s in document.sections[4:]]
    assert [f.split("\t")[0] for f in footers] == [
        "4 Not yet written",
        "5.1 Plan the year · Procedure version: 1.1",
        "6 Later",
        "Index of records and forms",
        "Borrowing register",
    ]
    # (python-docx leaves the fields' stored values out of a paragraph's text)
    assert footers[1].endswith("\tProcedure page  of ")
    assert all(f.endswith("\tPage  of ") for f in footers[:1] + footers[2:])
    # A chapter with procedures opens its first procedure's section: the chapter's heading and
    # text come after the section break that ends the chapter before it.
    texts = [p.text if not p.style.name.startswith("toc") else "" for p in document.paragraphs]
    breaks = [
        i for i, p in enumerate(document.paragraphs) if p._p.find(f".//{W}sectPr") is not None
    ]
    assert breaks[4] < texts.index("5 Planning") < texts.index("How we plan.") < breaks[5]
    assert texts.index("5.1 Plan the year") < breaks[5]


def test_same_manual_same_bytes_and_no_build_time(tmp_path: Path, monkeypatch: Any) -> None:
    a = render_docx(MANUALS / "operations", tmp_path / "a.docx", "--copy", "OPS-02")
    monkeypatch.setenv("OPSMANUAL_NOW", "2030-01-01T00:00:00+00:00")
    b = render_docx(MANUALS / "operations", tmp_path / "b.docx", "--copy", "OPS-02")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as package:
        assert {i.date_time for i in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        names = package.namelist()
    assert "docProps/thumbnail.jpeg" not in names and not any("customXml" in n for n in names)


def test_draft_mark_number_and_approval_block(tmp_path: Path) -> None:
    root = write_manual(
        tmp_path / "m",
        {
            "manual.yaml": BASE["manual.yaml"] + "number: QH-ZD-001\nclassification: Internal\n",
            "records/updates.yaml": DRAFT_UPDATES,
        },
    )
    out = render_docx(root, tmp_path / "h.docx")
    document = docx.Document(str(out))
    header = document.sections[1].header
    assert header.paragraphs[0].text.startswith("QH-ZD-001 Demo manual")
    assert "DRAFT — NOT APPROVED" in header.paragraphs[1].text  # no record is approved
    assert "Uncontrolled copy" in header.paragraphs[1].text
    cover = "\n".join(p.text for p in document.paragraphs[:12])
    assert "DRAFT — NOT APPROVED" in cover
    fields = document.tables[0]
    assert [r.cells[0].text for r in fields.rows][:2] == ["Document no.", "Classification"]
    block = document.tables[1]
    assert [c.text for c in block.rows[0].cells] == [
        "Prepared",
        "Reviewed",
        "Approved",
        "Approval date",
    ]


def test_long_text_keeps_lists_emphasis_and_safe_links_only(tmp_path: Path) -> None:
    purpose = (
        "purpose: |\n  Keep **things** in *order*; see [the site](https://example.com)\n"
        "  and [bad](javascript:alert(1)) and <w:p>raw</w:p> & more.\n\n"
        "  1. first\n  2. second\n     - nested\n"
    )
    root = write_manual(tmp_path / "m", {"manual.yaml": BASE["manual.yaml"] + purpose})
    out = render_docx(root, tmp_path / "h.docx")
    document = docx.Document(str(out))
    texts = [p.text for p in document.paragraphs]
    # As the HTML handbook shows it: an unsafe link stays source text, never a link.
    shown = "see the site\nand [bad](javascript:alert(1)) and <w:p>raw</w:p> & more."
    assert any(shown.replace("\n", " ") in x for x in texts)
    bold = [r.text for p in document.paragraphs for r in p.runs if r.bold]
    assert "things" in bold
    targets = [r.target_ref for r in document.part.rels.values() if r.is_external]
    assert targets == ["https://example.com"]
    numbered = [p for p in document.paragraphs if p.text in ("first", "second", "nested")]
    assert len(numbered) == 3
    assert all(p._p.pPr.numPr is not None for p in numbered)
    levels = [p._p.pPr.numPr.ilvl.val for p in numbered]
    assert levels == [0, 0, 1]


def test_without_python_docx_one_line_and_exit_2(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setitem(sys.modules, "docx", None)
    out = tmp_path / "h.docx"
    result = run_cli("render", "-f", "docx", "-o", str(out), manual=MANUALS / "operations-en")
    assert result.exit_code == 2
    assert result.output.strip().endswith("pip install 'opsmanual[docx]'")
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_without_cairosvg_one_line_and_exit_2(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setitem(sys.modules, "cairosvg", None)
    out = tmp_path / "h.docx"
    result = run_cli("render", "-f", "docx", "-o", str(out), manual=MANUALS / "operations-en")
    assert result.exit_code == 2
    assert "CairoSVG: pip install 'opsmanual[docx]'" in result.output
    assert not out.exists()


def test_a_folder_as_output_is_refused(tmp_path: Path) -> None:
    result = run_cli("render", "-f", "docx", "-o", str(tmp_path), manual=MANUALS / "operations-en")
    assert result.exit_code == 2 and "is a folder" in result.output


# --- LibreOffice -------------------------------------------------------------------------------


# LibreOffice keeps an odd page number on a right-hand page: where a part's page 1 would fall
# on a left-hand page it inserts a blank page, counted in the page count (NUMPAGES) but left out
# of a PDF unless asked for. Asked for here, so that the PDF has the pages the count says.
WITH_BLANK_PAGES = 'pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"}}'


def libreoffice_pdf(docx_file: Path, work: Path) -> Path:
    """The .docx laid out and printed by LibreOffice, with a profile of its own."""
    assert SOFFICE is not None
    profile = (work / "lo-profile").resolve().as_uri()
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            WITH_BLANK_PAGES,
            "--outdir",
            str(work),
            str(docx_file),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = work / (docx_file.stem + ".pdf")
    assert pdf.is_file()
    return pdf


def page_texts(pdf: Path) -> list[str]:
    assert PDFTOTEXT is not None
    text = subprocess.run(
        [PDFTOTEXT, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]


@dataclass(frozen=True)
class Numbered:
    """What a page of LibreOffice's PDF says about its number."""

    page: int  # its place in the PDF, from 1
    book: tuple[int, int] | None  # the book's page X of Y, in the header
    own: tuple[int, int] | None  # the part's page X of Y, in the footer
    words: str  # the words of `own`


def number_pattern(words: str) -> str:
    pattern = re.escape(words).replace(r"\{page\}", r"(\d+)").replace(r"\{pages\}", r"(\d+)")
    return pattern.replace(r"\ ", r"\s*")


def page_numbers(pages: list[str], t: Any) -> list[Numbered]:
    """Every page but the cover and the blank ones, with the numbers it shows. The part's
    words are looked for first: the book's words (第 X 页，共 Y 页) are inside 本流程第 X 页…"""
    out = []
    for number, text in enumerate(pages[1:], start=2):
        if not text.strip():
            continue
        own = re.search(number_pattern(t.proc_page_of), text)
        words = t.proc_page_of
        if own is None:
            found = list(re.finditer(number_pattern(t.page_of), text))
            assert len(found) == 1, f"page {number}: {len(found)} page numbers"
            in_footer = text.rstrip().endswith(found[0].group(0))
            own, words = (found[0], t.page_of) if in_footer else (None, "")
            book = None if in_footer else (int(found[0].group(1)), int(found[0].group(2)))
        else:
            book = None
            assert not re.search(number_pattern(t.page_of), text.replace(own.group(0), ""))
        counted = (int(own.group(1)), int(own.group(2))) if own else None
        out.append(Numbered(number, book, counted, words))
    return out


def own_parts(numbered: list[Numbered]) -> list[list[Numbered]]:
    """The runs of pages that count their own pages, each checked to count 1…N of N."""
    parts: list[list[Numbered]] = []
    for n in numbered:
        assert n.own is not None
        if n.own[0] == 1:
            parts.append([])
        parts[-1].append(n)
    for part in parts:
        count = len(part)
        assert [n.own for n in part] == [(k, count) for k in range(1, count + 1)]
        assert [n.page for n in part] == list(range(part[0].page, part[0].page + count))
    return parts


def keep_pictures(pdf: Path, name: str, pages: dict[str, int]) -> None:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    for what, number in pages.items():
        stem = ARTIFACTS / f"docx-{name}-{what}"
        subprocess.run(
            [
                pdftoppm,
                "-png",
                "-r",
                "60",
                "-singlefile",
                "-f",
                str(number),
                "-l",
                str(number),
                str(pdf),
                str(stem),
            ],
            check=False,
            capture_output=True,
        )


@pytest.mark.skipif(
    SOFFICE is None or PDFTOTEXT is None,
    reason="LibreOffice or poppler is not installed (Debian: libreoffice-writer-nogui, "
    "poppler-utils)",
)
@pytest.mark.parametrize("name", ["operations", "operations-en"])
def test_libreoffice_lays_it_out_with_headings_cells_and_page_numbers(
    name: str, tmp_path: Path
) -> None:
    out = render_docx(MANUALS / name, tmp_path / f"{name}.docx", "--copy", "OPS-01")
    pages = page_texts(libreoffice_pdf(out, tmp_path))
    h = handbook(MANUALS / name, "OPS-01")
    t = h.t
    whole = "\n".join(pages)
    flat = re.sub(r"\s+", "", whole)

    # The cover has no header; every other page says which page of how many it is: the
    # front matter in the book, each later part (procedure, records index, register) in itself.
    assert "OPS-01" in pages[0] and t.prepared_by in pages[0]
    numbered = page_numbers(pages, t)
    procedures = [p for c in h.chapters for p in c.procedures]
    front = [n for n in numbered if n.own is None]
    assert [n.page for n in front] == list(range(2, len(front) + 2))
    assert all(n.book == (n.page, len(pages)) for n in front)
    parts = own_parts([n for n in numbered if n.own is not None])
    assert len(parts) == len(procedures) + 2
    for run_, p in zip(parts[: len(procedures)], procedures, strict=True):
        mark = re.sub(r"\s+", "", f"{p.number} {p.title} · {t.changed_in}{t.colon}")
        assert mark in re.sub(r"\s+", "", pages[run_[0].page - 1])
        assert all(n.words == t.proc_page_of for n in run_)
    assert all(n.words == t.page_of for n in parts[-1] + parts[-2])
    for text in pages[1:]:
        assert not text.strip() or h.title in text
    # A blank page only where LibreOffice keeps a part's page 1 on a right-hand page.
    for number, text in enumerate(pages, start=1):
        if not text.strip():
            after = next(n for n in numbered if n.page == number + 1)
            assert after.own is not None and after.own[0] == 1 and number % 2 == 0
    # Headings and table cells as a reader sees them.
    for word in (t.how_to_use, t.updates, t.contents, t.records_index, t.loans):
        assert re.sub(r"\s+", "", word) in flat
    first = h.chapters[0].procedures[0]
    assert re.sub(r"\s+", "", f"{first.number} {first.title}") in flat
    # (a cell's text wraps in its column; the start of each line is what stays together)
    assert re.sub(r"\s+", "", first.steps[0].action)[:10] in flat
    assert re.sub(r"\s+", "", h.updates[-1].summary)[:10] in flat
    assert "Error: Reference source not found" not in whole
    # Each procedure starts a page (its heading, then its own number and version).
    starts = {
        p.number: next(
            i
            for i, x in enumerate(pages)
            if re.search(rf"^\s*{re.escape(p.number)} ", x, re.M) and t.changed_in in x
        )
        for c in h.chapters
        for p in c.procedures
    }
    assert len(set(starts.values())) == len(starts)
    updates_page = next(
        i for i, x in enumerate(pages) if re.search(rf"^\s*{t.updates}\s*$", x, re.M)
    )
    # The contents give the front matter's pages without a field update.
    contents = next(x for x in pages if re.search(rf"^\s*{t.contents}\s*$", x, re.M))
    listed = re.search(rf"^{re.escape(t.updates)}\.*\s*(\d+)\s*$", contents, re.M)
    assert listed and int(listed.group(1)) == updates_page + 1
    keep_pictures(
        tmp_path / f"{name}.pdf",
        name,
        {"cover": 1, "updates": updates_page + 1, "procedure": starts[first.number] + 1},
    )


# --- WordprocessingML pieces -------------------------------------------------------------------


def _parses(xml: str) -> Any:
    from lxml import etree

    from opsmanual.render.wordml import R_NS, W_NS

    return etree.fromstring(f'<w:body xmlns:w="{W_NS}" xmlns:r="{R_NS}">{xml}</w:body>'.encode())


@given(st.text())
@settings(max_examples=200, deadline=None)
def test_any_text_is_valid_xml_and_shows_as_itself(text: str) -> None:
    from opsmanual.render.wordml import para, run

    body = _parses(para(run(text)))
    shown = "".join(body.itertext())
    # XML 1.0 cannot hold C0 controls but tab and newlines, nor U+FFFE/U+FFFF, nor lone
    # surrogates: those are dropped, everything else shows as it is.
    kept = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]", "", text)
    assert shown == kept.replace("\r\n", "\n").replace("\r", "\n")


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=300))
@settings(max_examples=150, deadline=None)
def test_any_commonmark_becomes_valid_paragraphs(source: str) -> None:
    from opsmanual.render.wordml import Anchors, Numbering, rich_blocks

    links: list[str] = []

    def external(url: str) -> str:
        links.append(url)
        return f"rId{len(links)}"

    blocks = rich_blocks(source, Anchors(), Numbering(), external)
    _parses("".join(blocks))
    assert all(not url.lower().lstrip().startswith(("javascript:", "data:")) for url in links)


@given(st.lists(st.from_regex(r"[a-z0-9][a-z0-9-]{0,80}", fullmatch=True), max_size=30))
@settings(max_examples=100, deadline=None)
def test_bookmark_names_are_valid_for_word_and_one_per_anchor(anchors: list[str]) -> None:
    from opsmanual.render.wordml import Anchors

    names = Anchors()
    given_names = {a: names.name(a) for a in anchors}
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,39}", n) for n in given_names.values())
    assert len(set(given_names.values())) == len(given_names)
    assert all(names.name("#" + a) == n for a, n in given_names.items())


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"])))
@settings(max_examples=100, deadline=None)
def test_any_part_name_makes_a_valid_footer_with_its_page_fields(what: str) -> None:
    from lxml import etree

    from opsmanual.render.docx_parts import PORTRAIT, footer_xml

    footer = etree.fromstring(footer_xml(PORTRAIT, what, "第 {page} 页，共 {pages} 页", "h_x_end"))
    texts = "".join(footer.itertext())
    kept = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", what)
    assert texts.startswith(kept.replace("\r\n", "\n").replace("\r", "\n"))
    assert fields(footer_xml(PORTRAIT, what, "{page}/{pages}", "h_x_end")) == [
        "PAGE",
        "PAGEREF h_x_end",
    ]
