"""`render --format site`: pages, links, marks, search index, the fragment cache, and the site in a
real browser (headless Chromium through Debian's chromedriver)."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
MANUALS = ROOT / "manuals"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def site(name: str, out: Path, *extra: str) -> Path:
    result = run_cli("render", "-f", "site", "-o", str(out), *extra, manual=MANUALS / name)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out / "index.html")
    return out


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag in ("a", "link") and values.get("href") is not None:
            self.hrefs.append(str(values["href"]))
        if tag in ("script", "img") and values.get("src") is not None:
            self.sources.append(str(values["src"]))


def crawl(folder: Path) -> dict[str, _Links]:
    pages = {}
    for page in sorted(folder.glob("*.html")):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        pages[page.name] = parser
    return pages


def broken_links(folder: Path) -> list[str]:
    """Every href and src of every page that does not reach a file and an anchor of the site."""
    pages = crawl(folder)
    broken = []
    for name, page in pages.items():
        for href in page.hrefs + page.sources:
            if href.startswith("mailto:"):
                continue
            parts = urlsplit(href)
            assert not parts.scheme and not parts.netloc, f"{name}: {href} leaves the site"
            target = unquote(parts.path) or name
            if not (folder / target).is_file():
                broken.append(f"{name}: {href} (no file {target})")
            elif parts.fragment and unquote(parts.fragment) not in pages[target].ids:
                broken.append(f"{name}: {href} (no anchor in {target})")
    return broken


@pytest.mark.parametrize("name", ["operations", "operations-en"])
def test_site_has_a_page_per_part_and_every_link_resolves(name: str, tmp_path: Path) -> None:
    out = site(name, tmp_path / "site")
    written = set(files(out))
    parts = {"how-to-use", "updates", "general", "organization", "roles", "records-index", "loans"}
    assert {f"{p}.html" for p in parts} <= written
    assert {
        "index.html",
        "handbook.css",
        "search-index.js",
        "site.js",
        "minisearch.min.js",
    } <= written
    chapters = sorted(n for n in written if n.startswith("chapter-"))
    assert chapters == [f"chapter-{n}.html" for n in range(4, 9)]
    assert broken_links(out) == []
    pages = crawl(out)
    index = pages["index.html"]
    assert "cover" in index.ids and "contents" in index.ids
    assert {f"{p}.html" for p in parts} | set(chapters) <= set(index.hrefs)
    # every procedure, role and unit has its anchor once, on one page
    seen = [i for page in pages.values() for i in page.ids if i.startswith(("proc-", "role-"))]
    assert len(seen) == len(set(seen))
    assert "proc-risk-management" in pages["chapter-8.html"].ids
    for page in pages.values():  # the pages hold the diagrams themselves
        assert not any(s.endswith((".svg", ".png")) for s in page.sources)
    assert "<svg" in (out / "organization.html").read_text(encoding="utf-8")
    assert (out / "chapter-4.html").read_text(encoding="utf-8").count("<svg") >= 2


def test_every_page_carries_the_marks_of_the_handbook(tmp_path: Path) -> None:
    """The copy number (and whatever marks.html.j2 holds) on every page, as on the one page."""
    out = site("operations", tmp_path / "site", "--copy", "OPS-01")
    one = run_cli(
        "render", "-o", str(tmp_path / "one"), "--copy", "OPS-01", manual=MANUALS / "operations"
    )
    assert one.exit_code == 0
    handbook = (tmp_path / "one" / "index.html").read_text(encoding="utf-8")
    marks = re.search(r'<div class="print-stamp">.*?</div>', handbook)
    assert marks is not None and "OPS-01" in marks.group(0)
    for page in sorted(out.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        assert marks.group(0) in text, page.name
        assert "<title>" in text and "OPS-01</title>" in text, page.name
    css = (out / "handbook.css").read_text(encoding="utf-8")
    assert "@media print" in css and ".site-bar" in css


def test_site_is_the_same_bytes_every_time_and_drops_pages_no_longer_written(
    tmp_path: Path,
) -> None:
    out = site("operations-en", tmp_path / "site")
    first = files(out)
    (out / "chapter-99.html").write_text("from an older handbook", encoding="utf-8")
    manifest = out / ".opsmanual-site"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "chapter-99.html\n", "utf-8")
    (out / "mine.html").write_text("not ours", encoding="utf-8")
    site("operations-en", tmp_path / "site")
    again = files(out)
    assert "chapter-99.html" not in again, "a page of an older render is removed"
    assert again.pop("mine.html") == b"not ours", "a file the site never wrote is left alone"
    assert again == first


def test_site_refuses_a_file_as_its_folder(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("x", encoding="utf-8")
    result = run_cli("render", "-f", "site", "-o", str(target), manual=MANUALS / "operations")
    assert result.exit_code == 2
    assert "is not a folder" in result.output
    assert target.read_text(encoding="utf-8") == "x"


def read_index(out: Path) -> dict[str, Any]:
    """The MiniSearch index inside search-index.js (a JSON.parse of a JavaScript string)."""
    script = (out / "search-index.js").read_text(encoding="utf-8")
    found = re.fullmatch(r"window\.opsmanualSearch = JSON\.parse\('(.*)'\);\n", script, re.S)
    assert found is not None, script[:80]
    text = re.sub(r"\\(.)", r"\1", found.group(1), flags=re.S)
    data: dict[str, Any] = json.loads(text)
    return data


def test_search_index_is_a_script_with_every_procedure(tmp_path: Path) -> None:
    out = site("operations", tmp_path / "site")
    index = read_index(out)["index"]
    assert index["serializationVersion"] == 2 and index["fieldIds"] == {"t": 0, "b": 1}
    urls = list(index["documentIds"].values())
    assert index["documentCount"] == len(urls) == len(set(urls))
    procedures = len(list((MANUALS / "operations" / "procedures").glob("*.yaml")))
    assert sum(1 for u in urls if "#proc-" in u) == procedures
    short = next(k for k, u in index["documentIds"].items() if u.endswith("#proc-manual-control"))
    assert index["storedFields"][short]["t"].endswith("手册更新与受控管理")
    terms = dict(index["index"])
    assert short in terms["审批"]["1"], "审批 is indexed as a pair of characters, in the text"
    assert short in terms["受控"]["0"], "and in the title (手册更新与受控管理)"
    assert "手册更新与受控管理" not in terms, "runs of three or more are pairs"
    crawled = crawl(out)
    for url in urls:  # every result leads to a page and anchor of the site
        page, _, anchor = url.partition("#")
        assert page in crawled and (not anchor or anchor in crawled[page].ids), url
    minisearch = (out / "minisearch.min.js").read_text(encoding="utf-8")
    assert minisearch.startswith("/*! MiniSearch") and "Permission is hereby granted" in minisearch


def test_search_tokens_match_the_browser() -> None:
    """Python indexes with the rules site.js applies to a query."""
    from opsmanual.render.site import tokens

    assert tokens("OA系统审批 weekly-meeting 2026年 审批") == [
        "OA", "系统", "统审", "审批", "weekly", "meeting", "2026", "年", "审批",
    ]  # fmt: skip
    assert tokens("") == [] and tokens("—, !") == []


def test_one_page_handbook_is_unchanged_by_the_site(tmp_path: Path) -> None:
    """html keeps writing only index.html; the site's partials are the handbook's."""
    result = run_cli("render", "-o", str(tmp_path / "one"), manual=MANUALS / "operations")
    assert result.exit_code == 0
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["index.html"]


# -- the fragment cache ------------------------------------------------------------------------


def entries(cache: Path) -> set[Path]:
    return {p for p in cache.rglob("*") if p.is_file() and len(p.name) == 64}


def copy_manual(tmp_path: Path, name: str = "operations-en") -> Path:
    manual = tmp_path / "manual"
    shutil.copytree(MANUALS / name, manual)
    return manual


def test_warm_render_gives_the_same_bytes_and_a_change_redraws_one_procedure(
    tmp_path: Path, _own_render_cache: Path
) -> None:
    cache = _own_render_cache
    manual = copy_manual(tmp_path)
    args = ("render", "-m", str(manual), "-f", "site")
    assert run_cli(*args, "-o", str(tmp_path / "cold")).exit_code == 0
    cold = files(tmp_path / "cold")
    filled = entries(cache)
    procedures = len(list((manual / "procedures").glob("*.yaml")))
    pages = len(list((tmp_path / "cold").glob("*.html")))
    # each procedure's HTML and its search terms, and each page with its links pointed out
    assert len(filled) == 2 * procedures + pages
    assert run_cli(*args, "-o", str(tmp_path / "warm")).exit_code == 0
    assert files(tmp_path / "warm") == cold
    assert entries(cache) == filled, "a warm render draws nothing"

    path = manual / "procedures" / "weekly-meeting.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("purpose: ", "purpose: Changed. ", 1), "utf-8"
    )
    assert run_cli(*args, "-o", str(tmp_path / "changed")).exit_code == 0
    # the changed procedure, its search terms and the one page that shows it
    assert len(entries(cache) - filled) == 3, "only the changed procedure is drawn again"
    changed = files(tmp_path / "changed")
    assert b"Changed." in changed["chapter-6.html"] or any(
        b"Changed." in v for v in changed.values()
    )
    fresh_cache = tmp_path / "fresh-cache"
    import os

    os.environ["OPSMANUAL_CACHE_DIR"] = str(fresh_cache)  # restored by the fixture's monkeypatch
    assert run_cli(*args, "-o", str(tmp_path / "fresh")).exit_code == 0
    assert files(tmp_path / "fresh") == changed, "cached and freshly drawn are the same bytes"


def test_corrupt_cache_entries_are_ignored_and_rewritten(
    tmp_path: Path, _own_render_cache: Path
) -> None:
    manual = copy_manual(tmp_path, "operations")
    args = ("render", "-m", str(manual))
    assert run_cli(*args, "-o", str(tmp_path / "cold")).exit_code == 0
    cold = (tmp_path / "cold" / "index.html").read_bytes()
    damaged = sorted(entries(_own_render_cache))
    assert damaged
    damaged[0].write_bytes(b"")  # empty
    data = damaged[1].read_bytes()
    damaged[1].write_bytes(data[: len(data) // 2])  # torn
    damaged[2].write_bytes(data.replace("流程".encode(), "假的".encode()))  # edited
    damaged[3].write_bytes(b"\xff\xfe not utf-8")
    assert run_cli(*args, "-o", str(tmp_path / "warm")).exit_code == 0
    assert (tmp_path / "warm" / "index.html").read_bytes() == cold
    assert damaged[0].read_bytes().startswith(b"opsmanual-fragment-1\n"), "rewritten whole"


def test_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSMANUAL_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert (
        run_cli("render", "-o", str(tmp_path / "o"), manual=MANUALS / "operations").exit_code == 0
    )
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "home").exists()


def test_cache_defaults_to_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPSMANUAL_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert (
        run_cli("render", "-o", str(tmp_path / "o"), manual=MANUALS / "operations").exit_code == 0
    )
    assert len(entries(tmp_path / "xdg" / "opsmanual" / "render")) == 9


def test_a_cache_that_cannot_be_written_costs_nothing_but_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv("OPSMANUAL_CACHE_DIR", str(blocked / "render"))
    result = run_cli(
        "render", "-f", "site", "-o", str(tmp_path / "s"), manual=MANUALS / "operations"
    )
    assert result.exit_code == 0, result.output
    assert broken_links(tmp_path / "s") == []


# -- in a real browser -------------------------------------------------------------------------


@pytest.fixture
def browser(tmp_path: Path) -> Any:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("needs /usr/bin/chromium and /usr/bin/chromedriver (Debian: chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def requests_made(driver: Any) -> list[str]:
    names: list[str] = driver.execute_script(
        "return performance.getEntries().map(function (e) { return e.name; })"
        ".filter(function (n) { return /^[a-z]+:/.test(n); });"
    )
    return names


RESULTS = """
var list = document.getElementById("site-results");
var box = document.getElementById("site-search");
if (list.hidden || !window.opsmanualSearch) { return null; }
var note = list.querySelector("li.note");
if (note && note.textContent === box.getAttribute("data-loading")) { return null; }
return {hits: Array.from(list.querySelectorAll("a"), function (a) { return [a.href, a.textContent]; })};
"""


def search(driver: Any, query: str) -> list[tuple[str, str]]:
    """Type a query; the results once the index has loaded (read in one script: no stale nodes)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    box = driver.find_element(By.ID, "site-search")
    box.clear()
    box.send_keys(query)
    found = WebDriverWait(driver, 30).until(lambda d: d.execute_script(RESULTS))
    return [(href, title) for href, title in found["hits"]]


@pytest.mark.parametrize(
    ("name", "query", "expected"),
    [
        ("operations", "审批", "手册更新与受控管理"),
        ("operations-en", "approves", "Project management"),
    ],
)
def test_site_in_chromium_searches_follows_a_result_and_stays_on_disk(
    browser: Any, tmp_path: Path, name: str, query: str, expected: str
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    out = site(name, tmp_path / "site", "--copy", "OPS-01")
    browser.get((out / "index.html").as_uri())
    hits = search(browser, query)
    titles = [title for _, title in hits]
    assert any(expected in t for t in titles), titles
    assert all(href.startswith("file://") for href, _ in hits)
    nothing = search(browser, "zzqxv" if name == "operations-en" else "鑫鑫鑫")
    assert nothing == [], "a word in no page finds nothing"
    hits = search(browser, query)
    target = next(href for href, title in hits if expected in title)
    link = browser.execute_script(
        "var target = arguments[0];"
        "return Array.from(document.querySelectorAll('#site-results a'))"
        ".filter(function (a) { return a.href === target; })[0];",
        target,
    )
    link.click()
    WebDriverWait(browser, 30).until(lambda d: d.current_url == target)
    anchor = unquote(urlsplit(target).fragment)
    assert browser.find_element(By.ID, anchor).is_displayed()

    # every page: its links reach a page and an anchor, and it fetched only files from disk
    ids: dict[str, set[str]] = {}
    links: dict[str, list[str]] = {}
    for page in sorted(out.glob("*.html")):
        browser.get(page.as_uri())
        ids[page.name] = set(
            browser.execute_script(
                "return Array.from(document.querySelectorAll('[id]'), function (e) { return e.id; });"
            )
        )
        links[page.name] = browser.execute_script(
            "return Array.from(document.querySelectorAll('a[href]'), function (a) {"
            " return new URL(a.getAttribute('href'), document.baseURI).href; });"
        )
        assert "OPS-01" in browser.title
        if page.name == "roles.html":  # a search from any page loads the index from disk
            search(browser, query)
        made = requests_made(browser)
        assert made and all(u.startswith("file://") for u in made), made
    for name, hrefs in links.items():
        for href in hrefs:
            if href.startswith("mailto:"):
                continue
            parts = urlsplit(href)
            assert parts.scheme == "file", f"{name}: {href}"
            target_page = Path(unquote(parts.path)).name
            assert target_page in ids, f"{name}: {href}"
            if parts.fragment:
                assert unquote(parts.fragment) in ids[target_page], f"{name}: {href}"
    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert errors == [], errors


# -- PDF progress --------------------------------------------------------------------------------

needs_weasyprint = pytest.mark.skipif(
    importlib.util.find_spec("weasyprint") is None, reason="WeasyPrint is not installed"
)


@needs_weasyprint
def test_pdf_steps_are_reported_and_the_listener_removed(tmp_path: Path) -> None:
    import logging

    from opsmanual.render.pdf import write_pdf

    heard: list[str] = []
    write_pdf("<p>one</p><p style='break-before: page'>two</p>", tmp_path / "x.pdf", heard.append)
    # WeasyPrint parses its own default styles the first time a process prints: that step may
    # come before the handbook is read.
    assert set(heard[: heard.index("reading the handbook")]) <= {"reading the styles"}
    assert heard.index("reading the handbook") < heard.index("laying out pages: page 2")
    assert heard[-1] == "embedding the fonts"
    assert (tmp_path / "x.pdf").read_bytes().startswith(b"%PDF")
    assert logging.getLogger("weasyprint.progress").handlers == []
    write_pdf("<p>quiet</p>", tmp_path / "y.pdf")  # no listener: nothing to hear, nothing fails


@needs_weasyprint
def test_pdf_render_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    """stderr a terminal: a progress line names the printing step; a pipe: nothing."""
    import os
    import pty
    import subprocess
    import sys

    from manualkit import write_manual

    root = write_manual(tmp_path / "manual")
    env = dict(os.environ, OPSMANUAL_CACHE_DIR="off", PYTHONPATH=str(ROOT / "src"))
    command = [sys.executable, "-m", "opsmanual", "render", "-m", str(root), "-f", "pdf"]
    leader, follower = pty.openpty()
    done = subprocess.Popen(
        [*command, "-o", str(tmp_path / "a.pdf")], stdout=subprocess.PIPE, stderr=follower, env=env
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closes when the command ends
            break
        if not chunk:
            break
        shown += chunk
    written, _ = done.communicate(timeout=300)
    os.close(leader)
    assert done.returncode == 0
    assert written.strip() == str(tmp_path / "a.pdf").encode()
    plain = re.sub(rb"\x1b\[[0-9;?]*[a-zA-Z]", b"", shown).decode("utf-8", "replace")
    assert "printing the PDF: laying out pages" in plain
    piped = subprocess.run(
        [*command, "-o", str(tmp_path / "b.pdf")], capture_output=True, env=env, timeout=300
    )
    assert piped.returncode == 0 and piped.stderr == b""


def test_site_size_grows_linearly_with_the_manual(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twice the procedures, about twice the bytes: no page repeats the whole manual."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    monkeypatch.setenv("OPSMANUAL_NOW", generate.NOW)
    sizes = {}
    for n in (30, 60):
        manual = generate.generate(tmp_path / f"m{n}", n)
        out = site_of(manual, tmp_path / f"s{n}")
        pages = {p.name: p.stat().st_size for p in out.iterdir() if p.suffix in (".html", ".js")}
        pages.pop("minisearch.min.js")
        sizes[n] = pages
    total = {n: sum(pages.values()) for n, pages in sizes.items()}
    assert 1.7 < total[60] / total[30] < 2.3, total
    for name in ("index.html", "search-index.js", "roles.html", "organization.html"):
        assert sizes[60][name] < 2.5 * sizes[30][name], name
    assert sizes[60]["index.html"] < 0.05 * total[60], "the index is contents, not the manual"


def site_of(manual: Path, out: Path) -> Path:
    result = run_cli("render", "-f", "site", "-o", str(out), manual=manual)
    assert result.exit_code == 0, result.output
    return out


def test_roles_of_a_large_manual_come_in_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import opsmanual.render.site as site_module

    monkeypatch.setattr(site_module, "ROLES_PER_PAGE", 5)
    out = site("operations", tmp_path / "site")
    roles = len(list((MANUALS / "operations" / "roles").glob("*.yaml")))
    pages = crawl(out)
    names = ["roles.html", "roles-2.html", "roles-3.html"]
    assert roles == 12 and names[-1] in pages and "roles-4.html" not in pages
    held = [sorted(i for i in pages[n].ids if i.startswith("role-")) for n in names]
    assert [len(h) for h in held] == [5, 5, 2]
    assert broken_links(out) == []
    pager = (out / "roles-2.html").read_text(encoding="utf-8")
    assert 'rel="prev" href="roles.html"' in pager and 'rel="next" href="roles-3.html"' in pager
    assert "(2/3)" in pager


def test_a_broken_site_template_is_one_line_and_nothing_is_written(tmp_path: Path) -> None:
    own = tmp_path / "templates" / "site"
    own.mkdir(parents=True)
    (own / "page.html.j2").write_text("<main>{{ page.nothing.deeper }}</main>\n", "utf-8")
    out = tmp_path / "site"
    result = run_cli(
        "render",
        "-f",
        "site",
        "-o",
        str(out),
        "--templates",
        str(tmp_path / "templates"),
        manual=MANUALS / "operations",
    )
    assert result.exit_code == 2
    assert "template error" in result.output and "page.html.j2:1" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize(
    ("file", "old", "new", "shown_on"),
    [
        # a procedure's title: on its own chapter page, and in the roles page's lists
        (
            "procedures/weekly-meeting.yaml",
            "title: Weekly department meeting",
            "title: Standup",
            "roles.html",
        ),
        # a role's title: in the procedures (chapter pages) of the roles it acts in
        ("roles/dept-manager.yaml", "title: ", "title: Renamed ", "chapter-6.html"),
    ],
)
def test_a_title_edited_in_one_file_redraws_every_page_that_shows_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    file: str,
    old: str,
    new: str,
    shown_on: str,
) -> None:
    """Every cached piece (a procedure, its search terms, a page's links) is keyed by what it
    shows: after an edit, the warm render is the very site a render without a cache writes."""
    manual = copy_manual(tmp_path)
    out = site_of(manual, tmp_path / "site")  # fills the cache
    path = manual / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    warm = files(site_of(manual, out))  # the same folder, as CI renders it
    changed = new.removeprefix("title: ").strip()
    assert changed.encode() in warm[shown_on]
    assert changed.encode() in warm["search-index.js"] or file.startswith("roles/")
    monkeypatch.setenv("OPSMANUAL_CACHE_DIR", "off")
    assert files(site_of(manual, tmp_path / "cold")) == warm


def test_a_large_staff_list_comes_in_pages_linked_from_the_organization_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import opsmanual.render.site as site_module

    monkeypatch.setattr(site_module, "STAFF_PER_PAGE", 5)
    out = site("operations", tmp_path / "site")
    people = len(list((MANUALS / "operations" / "staff").glob("*.yaml")))
    pages = crawl(out)
    names = ["staff.html", "staff-2.html", "staff-3.html"]
    assert people == 12 and names[-1] in pages and "staff-4.html" not in pages
    held = [sorted(i for i in pages[n].ids if i.startswith("person-")) for n in names]
    assert [len(h) for h in held] == [5, 5, 2]
    assert not any(i.startswith("person-") for i in pages["organization.html"].ids)
    organization = (out / "organization.html").read_text(encoding="utf-8")
    assert all(f'href="{n}"' in organization for n in names)
    assert broken_links(out) == []  # every mention of a person now leads to a staff page
    pager = (out / "staff-2.html").read_text(encoding="utf-8")
    assert 'rel="prev" href="staff.html"' in pager and 'rel="next" href="staff-3.html"' in pager
    one_page = tmp_path / "one"
    assert run_cli("render", "-o", one_page, manual=MANUALS / "operations").exit_code == 0
    assert "staff-pages" not in (one_page / "index.html").read_text(encoding="utf-8")
