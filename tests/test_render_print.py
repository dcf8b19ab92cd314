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


@pytest.mark.skipif(pdf_ready() is not None, reason=str(pdf_ready()))
def test_pdf_has_pages_cjk_text_and_the_copy_on_every_page(tmp_path: Path) -> None:
    pdf = render_example("operations", "pdf", tmp_path / "handbook.pdf", copy="OPS-02")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))  # type: ignore[union-attr]
    assert pages >= 20
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "更新记录表" in text and "借阅登记表" in text and "2026年10月12日" in text
    sheets = text.split("\f")[:pages]
    assert "受控副本 OPS-02" in sheets[0]
    for number, sheet in enumerate(sheets[1:], start=2):
        assert "副本编号 OPS-02" in sheet, f"page {number} lacks the copy number"
        assert f"第 {number} 页，共 {pages} 页" in sheet
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(pdf, ARTIFACTS / "handbook-operations.pdf")
    again = render_example("operations", "pdf", tmp_path / "again.pdf", copy="OPS-02")
    assert again.read_bytes() == pdf.read_bytes(), "same input, same PDF"


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
