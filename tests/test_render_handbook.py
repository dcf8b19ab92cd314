"""The handbook as a controlled document (cli.md 1.1): marks, draft, titles not ids, the
registers' forms, `--changed-since`, and tables that fit their column in a browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitrepo import example_repo
from helpers import run_cli
from manualkit import BASE, DRAFT_UPDATES, write_manual

ROOT = Path(__file__).resolve().parents[1]
MANUALS = ROOT / "manuals"


def render(*args: str) -> Any:
    return run_cli("render", *args)


def html_of(manual: Path, tmp: Path, *args: str) -> str:
    result = render("-m", str(manual), "-o", str(tmp / "site"), *args)
    assert result.exit_code == 0, result.output
    return (tmp / "site" / "index.html").read_text(encoding="utf-8")


def test_cover_shows_number_classification_dates_and_the_approval_block(tmp_path: Path) -> None:
    html = html_of(MANUALS / "company", tmp_path)
    cover = html[html.index('id="cover"') : html.index('id="how-to-use"')]
    for text in (
        "<th>文件编号</th><td>JNTD-GL-SC-001</td>",
        "<th>密级</th><td>内部</td>",
        "<th>发布日期</th><td>2026年9月1日</td>",
        "<th>实施日期</th><td>2026年9月15日</td>",
        "<th>编制</th><th>审核</th><th>批准</th><th>批准日期</th>",
        "<td>钱宇</td><td>周杰</td><td>王建国</td><td>2026年8月28日</td>",
    ):
        assert text in cover, text
    assert "未批准稿" not in html


def test_a_missing_name_is_a_ruled_blank_and_an_unapproved_version_a_draft(
    tmp_path: Path,
) -> None:
    # approver: manager; its last record is not approved
    root = write_manual(tmp_path / "m", {"records/updates.yaml": DRAFT_UPDATES})
    html = html_of(root, tmp_path)
    cover = html[html.index('id="cover"') : html.index('id="how-to-use"')]
    assert cover.count('<span class="blank-line"></span>') == 4
    assert '<div class="draft-banner" role="note">DRAFT — NOT APPROVED</div>' in html
    assert '<div class="draft-mark">DRAFT — NOT APPROVED</div>' in cover
    root = write_manual(tmp_path / "ok")  # the kit's last record is approved
    assert "DRAFT" not in html_of(root, tmp_path / "ok")


def test_staff_facing_text_names_titles_not_ids(tmp_path: Path) -> None:
    html = html_of(MANUALS / "operations", tmp_path)
    assert 'class="id"' not in html, "no monospace ids after headings"
    steps = html[html.index('id="proc-manual-control"') :]
    assert re.search(r">是：4</a>、<a [^>]*>否：2</a>", steps), "say which is 是 and which 否"


def test_a_removed_role_is_named_by_the_title_it_had(tmp_path: Path) -> None:
    repo = example_repo(tmp_path / "repo")
    role = "id: temp-clerk\ntitle: 临时文员\nunit: ops-dept\nduties:\n  - 整理文件\n"
    repo.path("roles/temp-clerk.yaml").write_text(role, encoding="utf-8")
    repo.append_record("1.5", ["roles/temp-clerk"])
    repo.commit("1.5")
    repo.path("roles/temp-clerk.yaml").unlink()
    repo.append_record("1.6", ["manual"], ["roles/temp-clerk"])
    repo.commit("1.6")
    html = html_of(repo.root, tmp_path)
    table = html[html.index('id="updates"') : html.index('id="contents"')]
    assert "删除：</div><ul><li>岗位：临时文员</li></ul>" in table
    assert "temp-clerk" not in table


def test_the_record_tables_are_paper_forms(tmp_path: Path) -> None:
    html = html_of(MANUALS / "operations", tmp_path)
    updates = html[html.index('id="updates"') : html.index('id="contents"')]
    assert updates.count('<tr class="blank">') == 4
    loans = html[html.index('id="loans"') :]
    head = loans[: loans.index("</thead>")]
    assert head.endswith("<th>借阅人签字</th><th>归还签字</th></tr>")
    rule = html[html.index('id="how-to-use"') : html.index('id="updates"')]
    for word in ("副本编号", "借阅人", "借阅时间", "应还时间", "借阅用途", "经办人", "归还签字"):
        assert word in rule and f"<th>{word}</th>" in html[html.index('id="loans"') :], word
    assert '<div class="table-wrap"><table class="register loans">' in loans


def test_changed_since_shows_the_sheet_and_only_what_changed(tmp_path: Path) -> None:
    html = html_of(MANUALS / "operations", tmp_path, "--changed-since", "1.2")
    sheet = html[html.index('id="change-sheet"') : html.index('id="cover"')]
    assert "8.2 手册更新与受控管理" in sheet
    assert "本部分现有的全部页" in sheet and "OPS-01" in sheet and "OPS-02" in sheet
    assert 'id="proc-manual-control"' in html and 'id="updates"' in html
    assert 'id="proc-annual-planning"' not in html, "unchanged procedures are left out"
    result = render(
        "-m", str(MANUALS / "operations"), "-o", str(tmp_path / "x"), "--changed-since", "9.9"
    )
    assert result.exit_code == 2
    assert (
        "no update record has this version (the versions are 1.0, 1.1, 1.2, 1.3, 1.4)"
        in result.stderr
    )
    result = render(
        "-m",
        str(MANUALS / "operations"),
        "-f",
        "markdown",
        "-o",
        str(tmp_path / "h.md"),
        "--changed-since",
        "1.2",
    )
    assert result.exit_code == 2 and "html and pdf" in result.stderr


def test_changed_since_before_a_reissue_is_the_whole_book(tmp_path: Path) -> None:
    reissued = BASE["records/updates.yaml"].replace(
        "  summary: Planning procedure revised", "  method: reissue\n  summary: Reprinted"
    )
    root = write_manual(tmp_path / "m", {"records/updates.yaml": reissued})
    html = html_of(root, tmp_path, "--changed-since", "1.0", "--copy", "C-1")
    sheet = html[html.index('id="change-sheet"') : html.index('id="cover"')]
    assert "The whole manual (reissued after version 1.0)" in sheet
    assert "<strong>C-1</strong>" in sheet, "the sheet of one copy"
    for part in ("cover", "general", "organization", "roles", "proc-plan", "loans"):
        assert f'id="{part}"' in html, part


def pdf_ready() -> bool:
    import importlib.util

    return importlib.util.find_spec("weasyprint") is not None and bool(shutil.which("pdftotext"))


@pytest.mark.skipif(not pdf_ready(), reason="WeasyPrint or poppler-utils missing")
def test_changed_since_pdf_keeps_the_full_book_page_numbers(tmp_path: Path) -> None:
    out = tmp_path / "changes.pdf"
    result = render(
        "-m",
        str(MANUALS / "company"),
        "-f",
        "pdf",
        "-o",
        str(out),
        "--changed-since",
        "1.0",
        "--copy",
        "JNTD-01",
    )
    assert result.exit_code == 0, result.output
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True)
    sheets = text.stdout.split("\f")[:-1]
    assert "换页说明" in sheets[0] and "JNTD-01" in sheets[0]
    listed = re.search(r"4\.1 客户投诉处理.*?第 (\d+)–(\d+) 页", sheets[0], re.S)
    assert listed, sheets[0]
    first, last = int(listed.group(1)), int(listed.group(2))
    numbers = [
        int(m.group(1))
        for s in sheets[1:]
        for m in [re.search(r"第 (\d+) 页，共 (\d+) 页", s)]
        if m
    ]
    assert set(range(first, last + 1)) <= set(numbers), "the procedure's pages, as in the book"
    totals = {re.search(r"共 (\d+) 页", s).group(1) for s in sheets[1:] if "共" in s}  # type: ignore[union-attr]
    assert len(totals) == 1 and int(totals.pop()) > len(sheets), "numbered in the whole book"
    assert not any("JNTD-LC-002 · 本流程版本" in s for s in sheets), "unchanged procedure left out"
    assert any("JNTD-LC-001 · 本流程版本：1.1" in s for s in sheets)


CHROMEDRIVER = shutil.which("chromedriver")


@pytest.mark.skipif(CHROMEDRIVER is None, reason="chromedriver is not installed")
@pytest.mark.parametrize(
    ("name", "width"),
    [("operations", 1280), ("operations-en", 1280), ("company", 1280), ("operations-en", 375)],
)
def test_tables_fit_their_column_in_a_browser(name: str, width: int, tmp_path: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    html_of(MANUALS / name, tmp_path)
    page = tmp_path / "site" / "index.html"
    options = webdriver.ChromeOptions()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", f"--window-size={width},900"):
        options.add_argument(flag)
    # The installed driver, named: Selenium would otherwise look for one on the network.
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        driver.get(page.resolve().as_uri())
        # Nothing sticks out of the page column: a wide table scrolls inside its wrapper.
        overflow = driver.execute_script(
            """
            const main = document.querySelector('main').getBoundingClientRect();
            const out = [];
            for (const t of document.querySelectorAll('table, figure, h2, h3')) {
              const wrap = t.closest('.table-wrap');
              const r = (wrap || t).getBoundingClientRect();
              if (r.right > main.right + 1) out.push(t.outerHTML.slice(0, 80));
            }
            return [document.documentElement.scrollWidth, window.innerWidth, out];
            """
        )
        assert overflow[2] == [], overflow[2]
        assert overflow[0] <= overflow[1], "the page itself never scrolls sideways"
        scrolling = driver.execute_script(
            "return [...document.querySelectorAll('.table-wrap')]"
            ".filter(w => w.scrollWidth > w.clientWidth + 1).length"
        )
        if width >= 1280:
            assert scrolling == 0, "on a desktop every table fits the page column"
        # A role title is never broken inside a word in the steps table.
        broken = driver.execute_script(
            """
            const bad = [];
            for (const a of document.querySelectorAll('table.steps td.actor a')) {
              const rects = a.getClientRects();
              const words = a.textContent.split(/\\s+/);
              if (rects.length > words.length) bad.push(a.textContent);
            }
            return bad;
            """
        )
        assert broken == []
    finally:
        driver.quit()


@pytest.mark.skipif(not pdf_ready(), reason="WeasyPrint or poppler-utils missing")
def test_a_draft_is_marked_on_every_printed_page(tmp_path: Path) -> None:
    # `approver` set, last record not approved
    root = write_manual(tmp_path / "m", {"records/updates.yaml": DRAFT_UPDATES})
    out = tmp_path / "draft.pdf"
    result = render("-m", str(root), "-f", "pdf", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True)
    sheets = text.stdout.split("\f")[:-1]
    assert len(sheets) > 3
    for n, sheet in enumerate(sheets, start=1):
        assert "DRAFT — NOT APPROVED" in sheet, f"page {n}"


def test_pages_belong_to_the_part_opened_last_and_procedures_count_their_own(
    tmp_path: Path,
) -> None:
    from opsmanual.manual import load_manual
    from opsmanual.render.context import build
    from opsmanual.render.i18n import load_words
    from opsmanual.render.paged import changed_parts, parts, procedure_css, spans
    from opsmanual.source import FolderSource

    manual, _ = load_manual(FolderSource(MANUALS / "company"))
    book = build(manual, load_words("zh-CN"))
    pages = [
        ["cover"],
        ["how-to-use"],
        ["updates", "contents"],
        [],
        ["chapter-4", "proc-complaint-handling", "proc-complaint-handling-step-receive"],
        [],
        ["chapter-5"],
        ["proc-internal-audit"],
        ["records-index"],
    ]
    found = parts(book, pages)
    assert found == [
        "cover",
        "how-to-use",
        "contents",
        "contents",
        "proc-complaint-handling",
        "proc-complaint-handling",
        # a chapter's heading pages are its first procedure's (the CSS counts them so)
        "proc-internal-audit",
        "proc-internal-audit",
        "records-index",
    ]
    runs = {s.part: (s.first, s.last) for s in spans(found)}
    assert runs["proc-complaint-handling"] == (5, 6)
    assert runs["proc-internal-audit"] == (7, 8)
    css = procedure_css(book)
    # each procedure (the first of a chapter with the chapter) on its own named page, its page
    # count read on its counter at the anchor of the part after it
    assert (
        "#chapter-4, #proc-complaint-handling { page: ops-procedure-0; "
        'string-set: ops-procedure-mark "JNTD\\2d LC\\2d 001 · 本流程版本：1\\2e 1", '
        'ops-procedure-pages target-counter(url("\\23 chapter\\2d 5"), ops-procedure-0); }'
    ) in css
    assert "#chapter-5, #proc-internal-audit { page: ops-procedure-1;" in css
    assert (
        '"本流程第 " counter(ops-procedure-1) " 页，共 " string(ops-procedure-pages, last)' in css
    )
    assert changed_parts(book, manual.updates, "1.0") == [
        "cover",
        "how-to-use",
        "updates",
        "contents",
        "chapter-4",
        "proc-complaint-handling",
    ]
    assert changed_parts(book, manual.updates, "1.1") == [
        "cover",
        "how-to-use",
        "updates",
        "contents",
    ]
