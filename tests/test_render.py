"""`opsmanual render`: contents and order, golden files, escaping, copies, refusals, --rev."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitrepo import empty_repo
from helpers import run_cli
from opsmanual.manual import load_manual
from opsmanual.render import render
from opsmanual.render.markup import md_block, to_html
from opsmanual.source import FolderSource

ROOT = Path(__file__).resolve().parents[1]
MANUALS = ROOT / "manuals"
GOLDEN = Path(__file__).parent / "golden"
EXAMPLES = ["operations", "operations-en", "company"]


def rendered(name: str, fmt: str, tmp: Path, copy: str | None = None) -> str:
    manual, _ = load_manual(FolderSource(MANUALS / name))
    suffix = "md" if fmt == "markdown" else "out"
    written = render(manual, tmp / f"{name}.{suffix}", fmt, copy_id=copy)
    return written.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize(("fmt", "ext"), [("html", "html"), ("markdown", "md")])
def test_golden(name: str, fmt: str, ext: str, tmp_path: Path) -> None:
    text = rendered(name, fmt, tmp_path)
    golden = GOLDEN / f"{name}.{ext}"
    if os.environ.get("OPSMANUAL_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), "run with OPSMANUAL_UPDATE_GOLDEN=1 to create the golden files"
    assert text == golden.read_text(encoding="utf-8")


SECTION_ORDER = {
    "operations": [
        'id="cover"',
        "<h1>运营管理部工作制度</h1>",
        'id="how-to-use"',
        "<h2>更新记录表</h2>",
        'id="contents"',
        "第一章</span>总则",
        "<h3>目的</h3>",
        "<h3>适用范围</h3>",
        "<h3>基本原则</h3>",
        "第二章</span>组织机构",
        '<svg class="org"',
        'id="unit-ops-dept"',
        "第三章</span>岗位职责",
        'id="role-dept-manager"',
        "第四章</span>规划与分析",
        'id="proc-annual-planning"',
        '<svg class="flow"',
        "第八章</span>风险与手册控制",
        'id="proc-manual-control"',
        "<h2>记录表单索引</h2>",
        "<h2>借阅登记表</h2>",
    ],
    "operations-en": [
        'id="cover"',
        "<h2>How to use this manual</h2>",
        "<h2>Update record table</h2>",
        "<h2>Contents</h2>",
        "1</span>General provisions",
        "2</span>Organization",
        "3</span>Roles",
        "4</span>Planning and analysis",
        "<h2>Index of records and forms</h2>",
        "<h2>Borrowing register</h2>",
    ],
    "company": [
        'id="cover"',
        "<h2>手册使用说明</h2>",
        "<h2>更新记录表</h2>",
        "第二章</span>组织机构",
        'id="unit-board"',
        'id="unit-audit-group"',
        "第四章</span>客户服务",
        'id="proc-complaint-handling"',
        "第五章</span>质量管理",
        'id="proc-internal-audit"',
        "<h2>借阅登记表</h2>",
    ],
}


@pytest.mark.parametrize("name", EXAMPLES)
def test_html_holds_every_section_in_order(name: str, tmp_path: Path) -> None:
    html = rendered(name, "html", tmp_path)
    positions = [html.find(marker) for marker in SECTION_ORDER[name]]
    missing = [m for m, p in zip(SECTION_ORDER[name], positions, strict=True) if p < 0]
    assert not missing
    assert positions == sorted(positions)
    assert f'lang="{"en" if name == "operations-en" else "zh-CN"}"' in html


def test_chinese_words_and_dates(tmp_path: Path) -> None:
    html = rendered("operations", "html", tmp_path)
    assert "2026年10月12日" in html and "2026年6月8日 09:30" in html
    for word in ("重新翻印", "发文", "修改", "附页", "每季度", "运营发〔2026〕12号"):
        assert word in html
    # oldest first, each with its changes and removals
    table = html[html.index('id="updates"') :]
    assert table.index(">1.0</td>") < table.index(">1.1</td>") < table.index(">1.3</td>")
    assert "岗位：ops-assistant" in html  # removed in 1.3, no longer linkable
    assert '<a href="#proc-manual-control">流程：手册更新与受控管理</a>' in html


def test_english_words_and_dates(tmp_path: Path) -> None:
    html = rendered("operations-en", "html", tmp_path)
    assert "12 October 2026" in html and "8 June 2026 09:30" in html
    assert "Reissue" in html and "Quarterly" in html


def test_cross_links_point_at_existing_anchors(tmp_path: Path) -> None:
    html = rendered("operations", "html", tmp_path)
    anchors = set(re.findall(r' id="([^"]+)"', html))
    links = set(re.findall(r'href="#([^"]+)"', html))
    assert links <= anchors, links - anchors
    assert len(anchors) == len(re.findall(r' id="([^"]+)"', html)), "anchors are unique"
    for expected in (
        "unit-ops-dept",
        "role-process-engineer",
        "proc-risk-management",
        "proc-risk-management-step-approve",
        "person-zheng-li",
    ):
        assert expected in anchors and expected in links
    role = html[html.index('id="role-process-engineer"') :]
    role = role[: role.index('class="role-block"', 10)]
    for link in ("#unit-process-group", "#role-process-lead", "#proc-risk-management"):
        assert f'href="{link}"' in role  # unit, reports-to, procedures it acts in


def test_html_is_self_contained(tmp_path: Path) -> None:
    for name in EXAMPLES:
        html = rendered(name, "html", tmp_path)
        assert "http://" not in html and "https://" not in html
        for needle in ("<script", "<link", " src=", "@import", "url("):
            assert needle not in html


def test_borrowing_register_entries_then_blank_rows(tmp_path: Path) -> None:
    html = rendered("operations", "html", tmp_path)
    register = html[html.index('id="loans"') :]
    assert register.count('<tr class="blank">') == 14 - 5  # fills the form's page
    assert "归还签字" in register
    assert register.index("学习 1.3 版新增的附页") < register.index('<tr class="blank">')
    assert '<a href="#person-he-jun">何军</a>' in register  # left the company, loan still shown


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_same_input_same_bytes(fmt: str, tmp_path: Path) -> None:
    manual, _ = load_manual(FolderSource(MANUALS / "operations"))
    a = render(manual, tmp_path / "a", fmt, copy_id="OPS-01")
    manual, _ = load_manual(FolderSource(MANUALS / "operations"))
    b = render(manual, tmp_path / "b", fmt, copy_id="OPS-01")
    assert a.read_bytes() == b.read_bytes()


def test_markdown_has_the_same_sections_and_mermaid(tmp_path: Path) -> None:
    md = rendered("operations", "markdown", tmp_path)
    order = [
        "# 运营管理部工作制度",
        "## 手册使用说明",
        "## 更新记录表",
        "## 目录",
        "## 第一章 总则",
        "## 第二章 组织机构",
        "```mermaid\ngraph TD",
        "## 第三章 岗位职责",
        "## 第四章 规划与分析",
        "```mermaid\nflowchart TD",
        "## 记录表单索引",
        "## 借阅登记表",
    ]
    positions = [md.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert '{"4. 审核风险应对方案"}' in md  # the decision is a rhombus
    assert "S4 -->|是| S5" in md and "S4 -->|否| S3" in md
    assert "[运营风险管理](#proc-risk-management)" in md


def hostile_manual(tmp_path: Path) -> Path:
    """The English example with hostile text in every kind of field."""
    root = tmp_path / "hostile"
    shutil.copytree(MANUALS / "operations-en", root)
    evil = "<script>alert('x')</script> \"q\" {{ 7*7 }} {% raw %} | pipe"
    link = "[click](javascript:alert(1)) <img src=http://evil.example/x.png> ![i](http://e.x/i.png)"

    def edit(path: str, change: Any) -> None:
        file = root / path
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        change(data)
        file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    def manual(d: dict[str, Any]) -> None:
        d.update(title=evil, organization=evil, purpose=link + "\n\n" + evil, scope=evil)
        d["principles"][0].update(title=evil, text=link)
        d["chapters"][0].update(title=evil, text=link)
        d["copies"][0]["location"] = evil

    def procedure(d: dict[str, Any]) -> None:
        d.update(
            title=evil, purpose=link, scope=evil, inputs=[evil], outputs=[evil], records=[evil]
        )
        d["steps"][0].update(action=evil, details=link, outputs=[evil])

    edit("manual.yaml", manual)
    edit("procedures/risk-management.yaml", procedure)
    edit("units/ops-dept.yaml", lambda d: d.update(name=evil, description=link, duties=[evil]))
    edit(
        "roles/dept-manager.yaml",
        lambda d: d.update(title=evil, description=link, duties=[evil], authorities=[evil]),
    )
    # A name may not hold <, >, @, " or \ (it goes into email headers): the rest of `evil`.
    edit("staff/zheng-li.yaml", lambda d: d.update(name="{{ 7*7 }} {% raw %} | pipe *x* &amp;"))

    def records(d: list[dict[str, Any]]) -> None:
        d[-1].update(summary=evil, notice_ref=evil)

    edit("records/updates.yaml", records)
    edit("records/loans.yaml", lambda d: d[0].update(purpose=evil))
    return root


def test_hostile_text_is_shown_never_run(tmp_path: Path) -> None:
    root = hostile_manual(tmp_path)
    result = run_cli("render", "-o", str(tmp_path / "site"), manual=root)
    assert result.exit_code == 0, result.output
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<img" not in html
    assert "javascript:" not in html.replace("[click](javascript:", "")  # never as a link
    assert 'href="javascript' not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &#34;q&#34; {{ 7*7 }}" in html
    assert "49" not in re.sub(r"\d{3,}|#\d+;", "", html).split("{{ 7*7 }}")[0][-20:]
    assert "http://evil.example" not in html.replace("&lt;img src=http://evil.example", "")
    assert '<a href="http://e.x/i.png">i</a>' in html  # an image stays a link, never loaded
    assert "<title>&lt;script&gt;" in html
    result = run_cli("render", "-f", "markdown", "-o", str(tmp_path / "h.md"), manual=root)
    assert result.exit_code == 0, result.output
    md = (tmp_path / "h.md").read_text(encoding="utf-8")
    assert re.search(r"(?<!\\)<script", md) is None and re.search(r"(?<!\\)<img", md) is None
    assert "](javascript" not in md
    assert "\\| pipe" in md  # table cells keep their columns


def test_markup_rules() -> None:
    assert str(to_html("a <b>bold</b>")) == "<p>a &lt;b&gt;bold&lt;/b&gt;</p>\n"
    assert 'href="mailto:x@y.z"' in to_html("[m](mailto:x@y.z)")
    assert 'href="../other.html"' in to_html("[r](../other.html)")
    assert "href" not in to_html("[j](JavaScript:alert(1)) [d](data:text/html,x) [v](vbscript:x)")
    assert str(to_html("第一行\n第二行")) == "<p>第一行第二行</p>\n"  # no stray space in CJK
    assert str(to_html("one\ntwo")) == "<p>one\ntwo</p>\n"
    # the fast path for plain paragraphs agrees with markdown-it
    from opsmanual.render.markup import _parser

    for text in ("plain text", "两行\n文字", "a, b; c.\nnext line", "100% sure"):
        assert str(to_html(text)) == _parser().render(text)
    assert md_block("x <b> `<c>` [a](javascript:x)") == "x \\<b> `<c>` a"
    assert md_block("[click](javascript:alert(1)) [ok](https://x.org/a_(b))") == (
        "click [ok](https://x.org/a_(b))"
    )


def copy_of(name: str, tmp_path: Path) -> Path:
    root = tmp_path / name
    shutil.copytree(MANUALS / name, root)
    return root


def test_copy_stamped_on_cover_and_running_header(tmp_path: Path) -> None:
    result = run_cli(
        "render", "-o", str(tmp_path / "s"), "--copy", "OPS-02", manual=MANUALS / "operations"
    )
    assert result.exit_code == 0
    html = (tmp_path / "s" / "index.html").read_text(encoding="utf-8")
    assert "受控副本 OPS-02" in html and "<strong>OPS-02</strong>" in html
    stamp = re.search(r'<div class="print-stamp">(.*?)</div>', html)
    assert stamp and "受控副本 OPS-02" in stamp.group(1)
    plain = rendered("operations", "html", tmp_path)
    assert "非受控副本" in plain and "OPS-02</strong>" not in plain


def test_unknown_copy_is_refused_with_the_list(tmp_path: Path) -> None:
    result = run_cli(
        "render", "-o", str(tmp_path / "s"), "--copy", "OPS-09", manual=MANUALS / "operations"
    )
    assert result.exit_code == 1
    assert "OPS-01, OPS-02" in result.output
    assert not (tmp_path / "s").exists()


def test_manual_with_errors_is_refused_and_nothing_written(tmp_path: Path) -> None:
    root = copy_of("operations-en", tmp_path)
    (root / "roles" / "dept-manager.yaml").unlink()
    result = run_cli("render", "-o", str(tmp_path / "site"), manual=root)
    assert result.exit_code == 1
    assert "error ref-missing" in result.output
    assert "no handbook was written" in result.output
    assert not (tmp_path / "site").exists()


def test_default_outputs_and_atomic_replace(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    manual_dir = str(MANUALS / "operations-en")
    assert run_cli("render", manual=manual_dir).output.strip() == str(Path("site") / "index.html")
    assert run_cli("render", "-f", "markdown", manual=manual_dir).output.strip() == "handbook.md"
    Path("site/keep.txt").write_text("mine")
    assert run_cli("render", manual=manual_dir).exit_code == 0
    assert Path("site/keep.txt").read_text() == "mine"  # only index.html is replaced
    leftovers = [p.name for p in tmp_path.rglob(".*")]
    assert leftovers == [], "no temporary file is left behind"
    Path("afile").write_text("x")
    result = run_cli("render", "-o", "afile", manual=manual_dir)
    assert result.exit_code == 2 and "not a folder" in result.output


def test_pdf_without_weasyprint_says_how_to_install(tmp_path: Path, monkeypatch: Any) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "weasyprint", None)
    result = run_cli(
        "render", "-f", "pdf", "-o", str(tmp_path / "h.pdf"), manual=MANUALS / "operations-en"
    )
    assert result.exit_code == 2
    assert "the pdf format needs WeasyPrint: pip install 'opsmanual[pdf]'" in result.output
    assert not (tmp_path / "h.pdf").exists()


def test_templates_override_in_sandbox(tmp_path: Path) -> None:
    own = tmp_path / "tpl"
    (own / "locale").mkdir(parents=True)
    (own / "cover.html.j2").write_text(
        '<section id="cover"><h1>OWN {{ h.title }}</h1>{{ h.title.__class__ }}</section>'
    )
    (own / "locale" / "en.json").write_text('{"loans": "Lending log"}')
    out = tmp_path / "site"
    result = run_cli(
        "render", "-o", str(out), "--templates", str(own), manual=MANUALS / "operations-en"
    )
    assert result.exit_code == 2, "the sandbox refuses access to internals"
    assert "template error" in result.output
    (own / "cover.html.j2").write_text('<section id="cover"><h1>OWN {{ h.title }}</h1></section>')
    result = run_cli(
        "render", "-o", str(out), "--templates", str(own), manual=MANUALS / "operations-en"
    )
    assert result.exit_code == 0, result.output
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "<h1>OWN Operations Management Department Handbook</h1>" in html
    assert "<h2>Lending log</h2>" in html and "<h2>Update record table</h2>" in html


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("{% for i in range(10**9) %}{% endfor %}", "larger than templates may use"),
        ("{{ 1 / 0 }}", "ZeroDivisionError"),
        ("{{ h.title.__class__ }}", "unsafe"),
        ("{% include '/etc/passwd' %}", "no template named '/etc/passwd'"),
    ],
)
def test_a_broken_user_template_is_one_line_with_its_place(
    tmp_path: Path, body: str, said: str
) -> None:
    own = tmp_path / "tpl"
    own.mkdir()
    (own / "cover.html.j2").write_text(f"<section>\n{body}</section>\n")
    result = run_cli(
        "render",
        "-o",
        str(tmp_path / "s"),
        "--templates",
        str(own),
        manual=MANUALS / "operations-en",
    )
    assert result.exit_code == 2
    assert "failed unexpectedly" not in result.output
    assert "cover.html.j2:2): " in result.output and said in result.output, result.output


def test_render_at_a_revision(tmp_path: Path) -> None:
    pytest.importorskip("opsmanual.gitsource")
    root = copy_of("operations-en", tmp_path)
    repo = empty_repo(root, ".")
    repo.commit("first")
    repo.git("tag", "v1")
    manual_file = root / "manual.yaml"
    manual_file.write_text(manual_file.read_text().replace("Department Handbook", "Rulebook"))
    (root / "roles" / "dept-manager.yaml").unlink()  # the work tree is broken now
    out = tmp_path / "old.md"
    result = run_cli("render", "--rev", "v1", "-f", "markdown", "-o", str(out), manual=root)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("# Operations Management Department Handbook")
    result = run_cli("render", "--rev", "no-such-rev", "-o", str(tmp_path / "x"), manual=root)
    assert result.exit_code == 2


def test_large_manuals_render_in_workers_with_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import opsmanual.render.html as html
    from opsmanual import parallel

    monkeypatch.setattr(html, "PARALLEL_FROM", 1)
    monkeypatch.setattr(html, "CHUNK", 2)
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    seen: list[int] = []
    manual, _ = load_manual(FolderSource(MANUALS / "operations"))
    written = render(manual, tmp_path / "out", "html", progress=seen.append)
    assert written.read_text(encoding="utf-8") == (GOLDEN / "operations.html").read_text("utf-8")
    assert seen == [2, 4, 6, 8, 9]


def test_output_to_a_pipe_is_written_through_not_replaced(tmp_path: Path) -> None:
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run_cli("render", "-f", "markdown", "-o", str(fifo), manual=MANUALS / "operations-en")
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.stat().st_mode), "the pipe is still a pipe"
    assert received and received[0].startswith(b"# Operations Management Department Handbook")
    assert str(fifo) not in result.stdout, "the path is not printed into the piped handbook"
