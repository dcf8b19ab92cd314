"""The handbook in a real browser (headless Chromium) and as a PDF (WeasyPrint + poppler).

Screenshots are kept in test-artifacts/ (gitignored) for a person to look at.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from opsmanual.manual import load_manual
from opsmanual.render import render
from opsmanual.render.pdf import missing_cjk_font
from opsmanual.source import FolderSource

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = next(
    (p for p in (shutil.which("chromium"), "/usr/bin/chromium") if p and Path(p).exists()), None
)
# Chromium's own background services (updates, clock); they are not the page's requests.
BROWSER_OWN = re.compile(r"^https?://[^/]*(google\.com|googleapis\.com|gvt1\.com)/")


def render_example(name: str, fmt: str, out: Path, copy: str | None = None) -> Path:
    manual, _ = load_manual(FolderSource(ROOT / "manuals" / name))
    return render(manual, out, fmt, copy_id=copy)


@pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian: apt install chromium)"
)
@pytest.mark.parametrize("name", ["operations", "operations-en"])
def test_opens_in_chromium_with_no_console_errors_and_no_requests(
    name: str, tmp_path: Path
) -> None:
    assert CHROMIUM is not None
    page = render_example(name, "html", tmp_path / "site", copy="OPS-01")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"handbook-{name}.png"
    shot.unlink(missing_ok=True)
    netlog = tmp_path / "net.json"
    flags = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        f"--log-net-log={netlog}",
    ]
    url = page.resolve().as_uri()
    run = subprocess.run(
        [*flags, f"--screenshot={shot}", "--window-size=1280,2000", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.is_file() and shot.stat().st_size > 10_000, run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line]
    assert console == [], console
    requested = set(re.findall(r'"url":"([^"]+)"', netlog.read_text(errors="replace")))
    page_requests = {u for u in requested if not u.startswith("file:") and not BROWSER_OWN.match(u)}
    assert page_requests == set(), page_requests
    dom = subprocess.run(
        [*flags[:-1], "--dump-dom", url], capture_output=True, text=True, timeout=120
    ).stdout
    assert 'id="proc-risk-management"' in dom and "<svg" in dom
    assert "OPS-01" in dom
    assert not re.search(r"(src|href)=\"(https?:)?//", dom), "nothing refers to the network"


def pdf_ready() -> str | None:
    if importlib.util.find_spec("weasyprint") is None:
        return "WeasyPrint is not installed (pip install 'opsmanual[pdf]')"
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        return "poppler-utils (pdftotext, pdfinfo) are not installed"
    if shutil.which("fc-list") is None or missing_cjk_font():
        return "no CJK font (Debian: apt install fonts-noto-cjk)"
    return None


PDF_OK = pytest.mark.skipif(pdf_ready() is not None, reason=str(pdf_ready()))


def pdf_text(pdf: Path) -> list[str]:
    """The text of each page, laid out as on paper."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]


@pytest.fixture(scope="module")
def operations_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One print of the example (PDFs take seconds): the tests below read it."""
    if pdf_ready() is not None:
        pytest.skip(str(pdf_ready()))
    out = tmp_path_factory.mktemp("pdf") / "handbook.pdf"
    return render_example("operations", "pdf", out, copy="OPS-02")


@pytest.fixture(scope="module")
def company_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if pdf_ready() is not None:
        pytest.skip(str(pdf_ready()))
    return render_example("company", "pdf", tmp_path_factory.mktemp("pdf") / "company.pdf")


@PDF_OK
def test_pdf_has_pages_cjk_text_and_the_copy_on_every_page(
    operations_pdf: Path, tmp_path: Path
) -> None:
    pdf = operations_pdf
    sheets = pdf_text(pdf)
    pages = len(sheets)
    assert pages >= 20
    text = "".join(sheets)
    assert "更新记录表" in text and "借阅登记表" in text and "2026年10月12日" in text
    assert "受控副本 OPS-02" in sheets[0]
    for number, sheet in enumerate(sheets[1:], start=2):
        assert "受控副本 OPS-02" in sheet, f"page {number} lacks the copy number"
        assert f"第 {number} 页，共 {pages} 页" in sheet
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(pdf, ARTIFACTS / "handbook-operations.pdf")
    again = render_example("operations", "pdf", tmp_path / "again.pdf", copy="OPS-02")
    assert again.read_bytes() == pdf.read_bytes(), "same input, same PDF"


@PDF_OK
def test_every_page_after_the_cover_carries_the_controlled_header(company_pdf: Path) -> None:
    sheets = pdf_text(company_pdf)
    pages = len(sheets)
    assert "JNTD-GL-SC-001" in sheets[0] and "内部" in sheets[0]  # cover: number, classification
    for label in ("发布日期", "实施日期", "编制", "审核", "批准", "钱宇", "周杰", "王建国"):
        assert label in sheets[0], label
    for number, sheet in enumerate(sheets[1:], start=2):
        header = sheet.strip().splitlines()[0]
        assert "JNTD-GL-SC-001" in header and "第 1.1 版" in header, (number, header)
        assert "实施日期：2026年9月15日" in header, (number, header)
        assert f"第 {number} 页，共 {pages} 页" in header, (number, header)
        assert "未批准稿" not in sheet, "an approved version carries no draft mark"


@PDF_OK
def test_each_procedure_has_its_own_pages_number_version_and_page_x_of_y(
    company_pdf: Path,
) -> None:
    sheets = pdf_text(company_pdf)
    own = {n: re.search(r"本流程第 (\d+) 页，共 (\d+) 页", sheet) for n, sheet in enumerate(sheets)}
    runs: dict[str, list[tuple[int, int]]] = {}
    for n, sheet in enumerate(sheets):
        found = own[n]
        if found is None:
            continue
        number = next(code for code in ("JNTD-LC-001", "JNTD-LC-002") if code in sheet)
        runs.setdefault(number, []).append((int(found.group(1)), int(found.group(2))))
        version = "1.1" if number == "JNTD-LC-001" else "1.0"
        assert f"{number} · 本流程版本：{version}" in sheet, "the version it last changed in"
    assert set(runs) == {"JNTD-LC-001", "JNTD-LC-002"}
    for number, pages in runs.items():
        total = len(pages)
        assert pages == [(k, total) for k in range(1, total + 1)], (number, pages)
    # a procedure starts on a new page: its title is on its page 1, never below another's
    first = [n for n, found in own.items() if found and found.group(1) == "1"]
    assert any("4.1 客户投诉处理" in sheets[n] for n in first)
    assert any("5.1 内部审核" in sheets[n] for n in first)


@PDF_OK
def test_chinese_pdf_embeds_the_simplified_chinese_face_only(
    operations_pdf: Path, company_pdf: Path
) -> None:
    for pdf in (operations_pdf, company_pdf):
        fonts = subprocess.run(
            ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
        ).stdout
        assert "CJK-SC" in fonts
        assert not re.search(r"CJK-(JP|KR|TC|HK)", fonts), fonts


def page_fill(pdf: Path) -> list[float]:
    """How far down each page its body text reaches, as a share of the body's height (the
    margin boxes excluded)."""
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    fills = []
    for page in re.finditer(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', boxes, re.S):
        height = float(page.group(1))
        top, bottom = height * 0.075, height * 0.93  # inside the header and the footer
        ys = [
            (float(y0), float(y1))
            for y0, y1 in re.findall(
                r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', page.group(2)
            )
        ]
        body = [y1 for y0, y1 in ys if y0 > top and y1 < bottom]
        fills.append((max(body, default=top) - top) / (bottom - top))
    return fills


# What a page opens with when it starts a section: a part, chapter or procedure heading.
OPENS = re.compile(
    r"^(第[一二三四五六七八九十]+章|\d+\.\d+ \S|手册使用说明|更新记录表|目录|记录表单索引|借阅登记表)"
)


def first_body_line(sheet: str) -> str:
    lines = [line.strip() for line in sheet.splitlines() if line.strip()]
    return lines[1] if len(lines) > 1 else ""  # lines[0] is the running header


@PDF_OK
def test_no_page_is_less_than_a_fifth_full_except_the_last_of_a_section(
    operations_pdf: Path, company_pdf: Path
) -> None:
    for pdf in (operations_pdf, company_pdf):
        sheets = pdf_text(pdf)
        fills = page_fill(pdf)
        assert len(fills) == len(sheets)
        for n, fill in enumerate(fills[:-1]):
            last_of_section = OPENS.match(first_body_line(sheets[n + 1])) is not None
            assert fill >= 0.2 or last_of_section, f"{pdf.name}: page {n + 1} is {fill:.0%} full"


def test_pdf_font_check_reads_fc_list(monkeypatch: pytest.MonkeyPatch) -> None:
    """The warning for a missing CJK font comes from fontconfig's answer."""
    import opsmanual.render.pdf as pdf

    class Done:
        returncode = 0
        stdout = ""

    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/fc-list")
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: Done())
    assert pdf.missing_cjk_font() is True
    Done.stdout = "Noto Sans CJK SC\n"
    assert pdf.missing_cjk_font() is False
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert pdf.missing_cjk_font() is False


@pytest.mark.skipif(pdf_ready() is not None, reason=str(pdf_ready()))
def test_pdf_long_words_wrap_and_chinese_table_headings_hold(tmp_path: Path) -> None:
    from manualkit import write_manual

    word = "Supercalifragilisticexpialidocious" * 5
    root = write_manual(tmp_path / "m")
    # on the cover (a flex box), in headings and in fields tables
    top = root / "manual.yaml"
    top.write_text(top.read_text("utf-8") + f"organization: {word}\n", "utf-8")
    unit = root / "units" / "team.yaml"
    unit.write_text(unit.read_text("utf-8").replace("name: ", f"name: {word} ", 1), "utf-8")
    manual, findings = load_manual(FolderSource(root))
    assert not [f for f in findings if f.severity == "error"]
    pdf = render(manual, tmp_path / "long.pdf", "pdf")
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    overflowing = []
    for page_match in re.finditer(r'<page width="([\d.]+)"(.*?)</page>', boxes, re.S):
        width = float(page_match.group(1))
        for x_max, text in re.findall(r'xMax="([\d.]+)"[^>]*>([^<]*)<', page_match.group(2)):
            if float(x_max) > width:
                overflowing.append(text)
    assert overflowing == [], "text runs off the page"
    # Chinese register headings stay whole (序号, not 序 over 号).
    text = subprocess.run(
        ["pdftotext", "-layout", str(render_example("operations", "pdf", tmp_path / "z.pdf")), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "序号" in text and "编写人" in text


REVIEW = """\
id: review
title: Review the plan
owner: manager
reviewed: 2026-10-01
steps:
  - id: read
    actor: manager
    action: Read the plan
"""


@PDF_OK
def test_a_chapter_introduction_longer_than_a_page_counts_among_its_first_procedure_pages(
    tmp_path: Path,
) -> None:
    from manualkit import BASE, write_manual

    # The chapter's heading shares its page with its first procedure; when its introduction
    # fills pages of its own, they are numbered as that procedure's, and --changed-since
    # replaces the same pages.
    intro = "".join(
        f"      Paragraph {n}: {'how the year is planned and by whom. ' * 14}\n\n"
        for n in range(24)
    )
    top = BASE["manual.yaml"].replace(
        "  - title: Planning\n    procedures: [plan]\n",
        f"  - title: Planning\n    text: |\n{intro}    procedures: [plan, review]\n",
    )
    root = write_manual(tmp_path / "m", {"manual.yaml": top, "procedures/review.yaml": REVIEW})
    manual, findings = load_manual(FolderSource(root))
    assert not [f for f in findings if f.severity == "error"], findings
    book = pdf_text(render(manual, tmp_path / "book.pdf", "pdf"))
    own = re.compile(
        r"(\S+) (Plan the year|Review the plan) · Procedure version: 1\.\d.*?"
        r"Procedure page (\d+) of (\d+)",
        re.S,
    )
    footers = {n: own.search(sheet) for n, sheet in enumerate(book, start=1)}
    plan = [n for n, found in footers.items() if found and found.group(2) == "Plan the year"]
    review = [n for n, found in footers.items() if found and found.group(2) == "Review the plan"]
    heading = next(n for n, sheet in enumerate(book, start=1) if "Paragraph 0:" in sheet)
    opens = next(n for n, sheet in enumerate(book, start=1) if "Draft the plan" in sheet)
    assert opens > heading + 1, "the introduction fills a page of its own"
    assert plan == list(range(heading, plan[-1] + 1)) and plan[-1] >= opens
    assert [(int(footers[n].group(3)), int(footers[n].group(4))) for n in plan] == [  # type: ignore[union-attr]
        (k, len(plan)) for k in range(1, len(plan) + 1)
    ]
    assert review and [int(footers[n].group(3)) for n in review] == list(  # type: ignore[union-attr]
        range(1, len(review) + 1)
    )
    # the instruction sheet names the same pages, and prints them
    update = pdf_text(render(manual, tmp_path / "update.pdf", "pdf", changed_since="1.0"))
    listed = re.search(r"Plan the year.*?pages (\d+)–(\d+)", update[0], re.S)
    assert listed and (int(listed.group(1)), int(listed.group(2))) == (plan[0], plan[-1]), update[0]
    printed = [own.search(sheet) for sheet in update[1:]]
    assert [int(f.group(3)) for f in printed if f and f.group(2) == "Plan the year"] == list(
        range(1, len(plan) + 1)
    )


@PDF_OK
def test_the_book_is_laid_out_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import weasyprint

    from manualkit import write_manual

    # Layout is most of a PDF's time: the procedures' page numbers must not cost a second one.
    layouts: list[str] = []
    real = weasyprint.HTML.render

    def counted(self: object, *args: object, **kwargs: object) -> object:
        layouts.append("layout")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "render", counted)
    manual, _ = load_manual(FolderSource(write_manual(tmp_path / "m")))
    sheets = pdf_text(render(manual, tmp_path / "book.pdf", "pdf"))
    assert len(layouts) == 1
    assert any(re.search(r"Procedure page 1 of \d", sheet) for sheet in sheets)
    render(manual, tmp_path / "update.pdf", "pdf", changed_since="1.0")
    assert len(layouts) == 3, "the book once, and the instruction sheet"
