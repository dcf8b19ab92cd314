"""The adversarial run of issue 8, class by class: each payload must end in a finding, a
one-line error or a refusal, never a traceback, a hang, a leak or a destroyed file.

The corpus in tests/hostile/ holds one file per payload, grouped by class, and grows with each
bug found; every file there is a test case (see `test_hostile_corpus`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from helpers import run_cli
from manualkit import NOW, write_manual

pytestmark = pytest.mark.now(NOW)

ROOT = Path(__file__).resolve().parents[1]
MANUALS = ROOT / "manuals"
HOSTILE = Path(__file__).parent / "hostile"


def assert_safe(result: Any) -> None:
    """No traceback and no 'failed unexpectedly': every hostile input is an expected case."""
    assert "Traceback" not in result.output
    assert "failed unexpectedly" not in result.output, result.output


# --- template sandbox -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    [
        "{n.__class__.__init__.__globals__}",
        "{n.__globals__[os].environ}",
        "{n[0]}",
        "{n!r}",
        "{0}",
        "{}",
        "{n:{n}}",
        "{n:>1000000000}",
        "{unknown}",
    ],
)
def test_a_locale_pattern_reaches_no_python_attribute(tmp_path: Path, word: str) -> None:
    own = tmp_path / "tpl"
    (own / "locale").mkdir(parents=True)
    (own / "locale" / "en.json").write_text(json.dumps({"chapter": word}))
    result = run_cli(
        "render",
        "-o",
        str(tmp_path / "s"),
        "--templates",
        str(own),
        manual=write_manual(tmp_path / "m"),
    )
    assert_safe(result)
    assert result.exit_code == 2, result.output
    assert "may use only {n}" in result.output or "not a valid pattern" in result.output
    assert "environ" not in result.output.replace(word, "")
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("{% for i in range(5000) %}{% for j in range(5000) %}{% endfor %}{% endfor %}",
         "range items"),
        ("{% set r = range(9999) %}{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}",
         "range items"),
        ("{{ ('x' * 9000000) * 9 }}", "repeat"),
        ("{{ ['x'] * 99999999 }}", "larger than"),
        ("{{ 9 ** 9 ** 9 }}", "larger than"),
        ("{{ 2 ** 100 }}", "power"),
        ("{{ 'x'|center(900000000) }}", "larger than"),
        ("{{ 'x'.ljust(900000000) }}", "larger than"),
        ("{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
         "{{ f(40) }}", "calls"),
    ],
)  # fmt: skip
def test_user_templates_have_a_bound_on_work(
    tmp_path: Path, body: str, said: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opsmanual.render import html

    monkeypatch.setattr(html, "MAX_CALLS", 20_000)  # the real bound, 5 million, takes a minute
    own = tmp_path / "tpl"
    own.mkdir()
    (own / "cover.html.j2").write_text(f"<section>\n{body}</section>\n")
    result = run_cli(
        "render",
        "-o",
        str(tmp_path / "s"),
        "--templates",
        str(own),
        manual=write_manual(tmp_path / "m"),
    )
    assert_safe(result)
    assert result.exit_code == 2
    assert "template error" in result.output and said in result.output, result.output


# --- PDF fetches ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1/x.png", False),
        ("https://example.com/font.woff", False),
        ("ftp://example.com/x", False),
        ("file:///etc/passwd", False),
        ("file://localhost/etc/hostname", False),
        ("FILE:///etc/passwd", False),
        ("file:///%2e%2e/etc/passwd", False),
        ("//example.com/x", False),
        ("data:text/plain,hello", True),
    ],
)
def test_the_pdf_may_load_only_data_and_our_resources(url: str, allowed: bool) -> None:
    from opsmanual.render.pdf import allowed_url
    from opsmanual.resources import resource_dir

    assert allowed_url(url) is allowed
    ours = Path(str(resource_dir("templates"))).resolve() / "handbook.css"
    assert allowed_url(ours.as_uri())
    assert not allowed_url((ours.parent / ".." / "pyproject.toml").as_uri())


def test_a_pdf_template_reaches_no_file_and_no_server(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    import http.server
    import shutil
    import subprocess
    import threading

    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    own = tmp_path / "tpl"
    own.mkdir()
    (own / "cover.html.j2").write_text(
        f'<section><img src="{base}/img.png"><link rel="stylesheet" href="{base}/s.css">'
        f'<style>@import url("{base}/i.css"); body {{ background: url("{base}/bg.png") }}</style>'
        f'<link rel="attachment" href="{secret.as_uri()}">'
        f'<a rel="attachment" href="{secret.as_uri()}">a</a><img src="{secret.as_uri()}">'
        "</section>"
    )
    out = tmp_path / "h.pdf"
    try:
        result = run_cli(
            "render",
            "-f",
            "pdf",
            "-o",
            str(out),
            "--templates",
            str(own),
            manual=write_manual(tmp_path / "m"),
        )
    finally:
        server.shutdown()
        server.server_close()
    assert_safe(result)
    assert result.exit_code == 0, result.output
    assert hits == []
    assert b"TOP-SECRET-MARKER" not in out.read_bytes()
    if shutil.which("pdfdetach"):
        listed = subprocess.run(["pdfdetach", "-list", str(out)], capture_output=True, text=True)
        assert listed.stdout.startswith("0 embedded files"), listed.stdout


# --- header injection, control characters ---------------------------------------------------


def staff_file(name: str, email: str = "ann@example.com") -> str:
    return f"id: ann\nname: {json.dumps(name)}\nemail: {email}\nroles: [manager]\n"


@pytest.mark.parametrize(
    "name",
    [
        "Chen <evil@x.example>",
        "evil@x.example",
        'Chen" <evil@x.example>, "x',
        'Chen\\" <evil@x.example>',
        "Ann\r\nBcc: evil@x.example",
        "Ann\x0bBcc: evil@x.example",
        "Ann\x1b[2J",
        "Ann\x07",
        "Ann\u2028Bcc: evil@x.example",
        "Ann\u202egnp.exe",
        "Ann\x85",
    ],
)
def test_a_name_unsafe_in_headers_or_terminals_is_a_schema_finding(
    tmp_path: Path, name: str
) -> None:
    root = write_manual(tmp_path, {"staff/ann.yaml": staff_file(name)})
    result = run_cli("validate", "--no-git", manual=root)
    assert_safe(result)
    assert result.exit_code == 1
    assert "staff/ann.yaml:2:7: error schema `name` is" in result.output, result.output
    for raw in ("\x1b", "\x07", "\x0b", "\r", "\u2028", "\u202e", "\x85"):
        assert raw not in result.output
    notice = run_cli("changelog", "--format", "email", manual=root)
    assert_safe(notice)
    assert notice.exit_code == 1, "a person left out of the notice is said, not skipped"
    assert "staff/ann.yaml" in notice.output and "evil@x.example>" not in notice.output.replace(
        json.dumps(name)[1:-1], ""
    )


@pytest.mark.parametrize(
    "field",
    [
        ("procedures/plan.yaml", "title: Plan the year", 'title: "Plan\\x1b]0;pwned\\x07"'),
        ("roles/clerk.yaml", "title: Clerk", 'title: "Clerk\\x0b"'),
        ("units/ops.yaml", "name: Operations", 'name: "Ops\\u009b31m"'),
        ("records/updates.yaml", "summary: First issue", 'summary: "First\\x08\\x08issue"'),
        ("roles/manager.yaml", "  - Run the department", '  - "Run\\x00 it"'),
    ],
)
def test_control_characters_in_one_line_fields_are_findings(
    tmp_path: Path, field: tuple[str, str, str]
) -> None:
    from manualkit import BASE

    path, old, new = field
    root = write_manual(tmp_path, {path: BASE[path].replace(old, new)})
    result = run_cli("validate", "--no-git", manual=root)
    assert_safe(result)
    assert result.exit_code == 1
    assert f"{path}:" in result.output and "error schema" in result.output
    assert "without control characters" in result.output
    assert not any(ord(c) < 0x20 and c not in "\n\t" for c in result.output)
    assert not any(0x7F <= ord(c) < 0xA0 for c in result.output)


@pytest.mark.parametrize(
    "sender",
    [
        "ops@example.com\r\nBcc: evil@x.example",
        "ops@example.com\nBcc: evil@x.example",
        "Ops\x0b <ops@example.com>",
        "Ops Office",
        "",
        "ops@example.com, evil@x.example",
        "a@b@example.com",
        "<>",
    ],
)
def test_from_must_be_one_clean_address(tmp_path: Path, sender: str) -> None:
    root = write_manual(tmp_path)
    result = run_cli("changelog", "--format", "email", "--from", sender, manual=root)
    assert_safe(result)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("opsmanual: error: --from")
    assert "evil@x.example" not in result.output.split("\n", 1)[-1]


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Zhang, San", '"Zhang, San" <ann@example.com>'),
        ("张三", "=?utf-8?"),
        ("O'Brien", "O'Brien <ann@example.com>"),
        ("Ann (ops)", '"Ann (ops)" <ann@example.com>'),
    ],
)
def test_to_headers_are_built_from_structured_addresses(name: str, shown: str) -> None:
    from email import message_from_bytes, policy

    from opsmanual.model import Person
    from opsmanual.notify import recipient

    person = Person.__new__(Person)
    person.__dict__.update(id="ann", name=name, email="ann@example.com")
    from email.message import EmailMessage

    message = EmailMessage()
    message["To"] = recipient(person)
    assert shown in bytes(message).decode()
    parsed = message_from_bytes(bytes(message), policy=policy.default)
    [address] = parsed["To"].addresses
    assert (address.display_name, address.addr_spec) == (name, "ann@example.com")


def test_sarif_uris_are_percent_encoded(tmp_path: Path) -> None:
    root = write_manual(tmp_path / "my manual#1 %ü")
    (root / "roles" / "clerk.yaml").write_text("id: clerk\ntitle: [\n")
    result = run_cli("validate", "--no-git", "--format", "sarif", manual=root)
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in document["runs"][0]["results"]
    ]
    assert uris and all(" " not in u and "#" not in u and "ü" not in u for u in uris)
    assert any(u.endswith("roles/clerk.yaml") and "my%20manual%231%20%25%C3%BC" in u for u in uris)


# --- extreme values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "old", "new", "said"),
    [
        ("manual.yaml", "loan_days: 2", "loan_days: 99999999999999999999", "at most 3650"),
        ("manual.yaml", "loan_days: 2", "loan_days: 3651", "at most 3650"),
        ("manual.yaml", "loan_days: 2", "review_months: 999999999", "at most 120"),
        ("roles/clerk.yaml", "unit: team", "unit: team\nheadcount: 100000000000", "at most"),
        ("records/loans.yaml", "borrowed: 2026-03-02T09:00:00+08:00",
         "borrowed: 2026-02-30T09:00:00+08:00", "not a real date"),
    ],
)  # fmt: skip
def test_extreme_numbers_and_dates_are_findings(
    tmp_path: Path, path: str, old: str, new: str, said: str
) -> None:
    from manualkit import BASE

    root = write_manual(tmp_path, {path: BASE[path].replace(old, new)})
    result = run_cli("validate", "--no-git", manual=root)
    assert_safe(result)
    assert result.exit_code == 1
    assert said in result.output, result.output


@pytest.mark.parametrize(
    "loan",
    [
        "- copy: C-1\n  borrower: bob\n  borrowed: 9999-12-30\n",
        "- copy: C-1\n  borrower: bob\n  borrowed: 9999-12-31T23:59:59-12:00\n",
        "- copy: C-1\n  borrower: bob\n  borrowed: 2026-01-01\n  due: 9999-12-31\n",
    ],
)
def test_a_loan_at_the_end_of_the_calendar_does_not_crash(tmp_path: Path, loan: str) -> None:
    root = write_manual(tmp_path, {"records/loans.yaml": loan})
    for args in (["validate", "--no-git"], ["loan", "list"], ["loan", "back", "C-1"],
                 ["render", "-f", "markdown", "-o", str(tmp_path / "h.md")]):  # fmt: skip
        result = run_cli(*args, manual=root)
        assert_safe(result)
        assert result.exit_code in (0, 1), result.output


def test_a_review_in_the_year_9999_does_not_crash(tmp_path: Path) -> None:
    from manualkit import BASE

    plan = BASE["procedures/plan.yaml"].replace("2026-10-01", "9999-12-31")
    root = write_manual(tmp_path, {"procedures/plan.yaml": plan})
    result = run_cli("validate", "--no-git", manual=root)
    assert_safe(result)
    assert result.exit_code in (0, 1)


# --- Markdown output --------------------------------------------------------------------------

UNSAFE_TEXT = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[a](javascript:alert(1))",
    "[a](javascript&#58;alert(1))",
    "[a](javascript&colon;alert(1))",
    "[a](&#x6A;avascript:alert(1))",
    "[a](&#x00006a;avascript:alert(1))",
    "[a](javascript\\:alert(1))",
    "[a](JaVaScRiPt:alert(1))",
    "[a]( <javascript:alert(1)> )",
    "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[a](vbscript:msgbox)",
    '[a](javascript:alert(1) "t")',
    "[a [b](javascript:alert(1)) c](https://ok.example)",
    "[a]\n\n[a]: javascript&#58;alert(1)",
    "<javascript:alert(1)>",
    "[a](javascript:" + "x" * 3000 + ")",
    "<a href='javascript:alert(1)'>x</a>",
]


def permissive_html(markdown: str) -> str:
    """What a renderer that trusts its input makes of the Markdown: raw HTML on, every link kept."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True})
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return str(md.render(markdown))


def assert_inert(html: str) -> None:
    import re

    lowered = html.lower()
    for bad in ("<script", "<img", "<a href='javascript", 'href="javascript', 'href="data:',
                'href="vbscript'):  # fmt: skip
        assert bad not in lowered, (bad, html)
    assert re.search(r"<[^>]*onerror=", lowered) is None, html


@pytest.mark.parametrize("payload", UNSAFE_TEXT)
def test_the_markdown_handbook_is_safe_in_any_renderer(tmp_path: Path, payload: str) -> None:
    from manualkit import BASE

    plan = BASE["procedures/plan.yaml"].replace(
        "owner: manager\n", f"owner: manager\npurpose: {json.dumps(payload)}\n"
    )
    root = write_manual(tmp_path, {"procedures/plan.yaml": plan})
    result = run_cli("render", "-f", "markdown", "-o", str(tmp_path / "h.md"), manual=root)
    assert result.exit_code == 0, result.output
    assert_inert(permissive_html((tmp_path / "h.md").read_text(encoding="utf-8")))


@pytest.mark.parametrize("payload", [*UNSAFE_TEXT[:3], "*x* | y `z` # h", "> q\n- l"])
def test_changelog_markdown_escapes_titles_and_summaries(tmp_path: Path, payload: str) -> None:
    from manualkit import BASE

    summary = json.dumps(" ".join(payload.split()))
    updates = BASE["records/updates.yaml"].replace(
        "summary: Planning procedure revised", f"summary: {summary}\n  notice_ref: {summary}"
    )
    manual = BASE["manual.yaml"].replace("title: Demo manual", f"title: {summary}")
    root = write_manual(tmp_path, {"records/updates.yaml": updates, "manual.yaml": manual})
    result = run_cli("changelog", manual=root)
    assert result.exit_code == 0, result.output
    html = permissive_html(result.stdout)
    assert_inert(html)
    assert html.count("<li>") == 7 and "<table" not in html and "<blockquote" not in html


def test_diff_markdown_escapes_every_value(tmp_path: Path) -> None:
    from gitrepo import GitRepo

    repo = GitRepo(tmp_path, "m")
    write_manual(repo.root)
    repo.git("init", "-q")
    repo.commit("first")
    extra = "".join(f"x-{i}: {json.dumps(p)}\n" for i, p in enumerate(UNSAFE_TEXT[:6]))
    repo.replace("procedures/plan.yaml", "title: Plan the year\n", f"title: Plan the year\n{extra}")
    repo.replace("roles/clerk.yaml", "title: Clerk", 'title: "<b>Clerk</b> | x"')
    result = run_cli("diff", "--format", "markdown", "HEAD", manual=repo.root)
    assert result.exit_code == 0, result.output
    assert_inert(permissive_html(result.stdout))
    assert "<b>" not in permissive_html(result.stdout)


# --- links, FIFOs, permissions, read-only files, render -o over the manual ---------------------


def link_cases(tmp_path: Path) -> dict[str, Path]:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.yaml"
    secret.write_text("id: secret\nname: TOP-SECRET-MARKER\n")
    return {"outside": secret, "etc": Path("/etc/hostname"), "missing": outside / "nope.yaml"}


@pytest.mark.parametrize(
    ("where", "target"),
    [
        ("staff/eve.yaml", "outside"),
        ("units/x.yaml", "etc"),
        ("roles/gone.yaml", "missing"),
        ("records/loans.yaml", "outside"),
        ("procedures/plan.yaml", "inside"),
    ],
)
def test_symbolic_links_are_findings_in_both_views(tmp_path: Path, where: str, target: str) -> None:
    from gitrepo import GitRepo

    repo = GitRepo(tmp_path, "m")
    root = write_manual(repo.root)
    links = link_cases(tmp_path)
    path = root / where
    path.unlink(missing_ok=True)
    if target == "inside":
        (root / "plan.keep").write_bytes((root / "records/updates.yaml").read_bytes())
        path.symlink_to(root / "plan.keep")
    else:
        path.symlink_to(links[target])
    result = run_cli("validate", "--no-git", manual=root)
    assert_safe(result)
    assert result.exit_code == 1
    assert f"{where}: error yaml-syntax the file cannot be read: the file is a symbolic link" in (
        result.output
    ), result.output
    assert "TOP-SECRET-MARKER" not in result.output
    repo.git("init", "-q")
    repo.commit("with a link")
    work = run_cli("render", "-f", "markdown", "-o", str(tmp_path / "a.md"), manual=root)
    at_rev = run_cli(
        "render", "-f", "markdown", "-o", str(tmp_path / "b.md"), "--rev", "HEAD", manual=root
    )
    for result in (work, at_rev):
        assert_safe(result)
        assert result.exit_code == 1, result.output
        assert f"{where}: error yaml-syntax" in result.output and "symbolic link" in result.output
    assert not (tmp_path / "a.md").exists() and not (tmp_path / "b.md").exists()


@pytest.mark.parametrize(
    "where", ["records/loans.yaml", "records/updates.yaml", "staff/eve.yaml", "procedures/p.yml"]
)
def test_a_fifo_is_a_finding_never_a_hang(tmp_path: Path, where: str) -> None:
    root = write_manual(tmp_path / "m")
    (root / where).unlink(missing_ok=True)
    os.mkfifo(root / where)
    result = run_cli("validate", "--no-git", manual=root)
    assert_safe(result)
    assert result.exit_code == 1
    assert f"{where}: error yaml-syntax the file cannot be read: it is not a regular file" in (
        result.output
    )
    for args in (["loan", "out", "C-1", "--to", "bob"], ["loan", "back", "C-1"],
                 ["loan", "list"], ["record", "add", "--summary", "x", "--changes", "manual"],
                 ["changelog"], ["render", "-o", str(tmp_path / "site")]):  # fmt: skip
        result = run_cli(*args, manual=root)
        assert_safe(result)
        if where in result.output or args[0] == "render":
            assert result.exit_code in (1, 2), result.output
    assert run_cli("loan", "out", "C-1", "--to", "bob", manual=root).exit_code == (
        1 if where == "records/loans.yaml" else 0
    )


def test_a_fifo_as_manual_yaml_is_one_line(tmp_path: Path) -> None:
    root = write_manual(tmp_path / "m")
    (root / "manual.yaml").unlink()
    os.mkfifo(root / "manual.yaml")
    result = run_cli("validate", "--no-git", manual=root)
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1


def test_a_file_without_read_permission_is_a_finding(tmp_path: Path) -> None:
    expected = "staff/bob.yaml: error yaml-syntax the file cannot be read: Permission denied"
    if os.geteuid() != 0:
        root = write_manual(tmp_path / "m")
        (root / "staff" / "bob.yaml").chmod(0)
        result = run_cli("validate", "--no-git", manual=root)
        assert_safe(result)
        assert expected in result.output
        return
    # Root reads every file, and CI runs as root: validate in a forked child that has become
    # `nobody`, after a first run here has imported everything (the interpreter's own files may
    # sit where `nobody` cannot read).
    shared = Path(tempfile.mkdtemp(prefix="opsmanual-perm-"))
    try:
        shared.chmod(0o755)
        root = write_manual(shared / "m")
        for folder in [root, *root.rglob("*")]:
            folder.chmod(0o755 if folder.is_dir() else 0o644)
        assert run_cli("validate", "--no-git", manual=root).exit_code == 0
        (root / "staff" / "bob.yaml").chmod(0)
        output = _as_nobody("validate", "--no-git", "-m", str(root))
        assert expected in output, output
        assert "Traceback" not in output
    finally:
        shutil.rmtree(shared)


def _as_nobody(*args: str) -> str:
    """The output of the command run in a forked child that dropped root for `nobody`."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(reader)
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            result = run_cli(*args)
            text = f"exit {result.exit_code}\n{result.output}"
        except BaseException as exc:  # the child must never return into pytest
            text = f"child failed: {exc!r}"
        os.write(writer, text.encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as stream:
        data = stream.read()
    os.waitpid(pid, 0)
    return data.decode()


@pytest.mark.parametrize(
    ("args", "file"),
    [
        (["loan", "out", "C-1", "--to", "bob"], "records/loans.yaml"),
        (["loan", "back", "C-1"], "records/loans.yaml"),
        (["record", "add", "--summary", "x", "--changes", "manual"], "records/updates.yaml"),
        (["record", "add", "--summary", "x", "--changes", "manual"], "manual.yaml"),
    ],
)
def test_a_read_only_file_is_never_replaced(tmp_path: Path, args: list[str], file: str) -> None:
    root = write_manual(tmp_path / "m")
    if args[:2] == ["loan", "back"]:
        assert run_cli("loan", "out", "C-1", "--to", "bob", manual=root).exit_code == 0
    before = {p: (root / p).read_bytes() for p in ("manual.yaml", "records/updates.yaml",
                                                  "records/loans.yaml")}  # fmt: skip
    (root / file).chmod(0o444)
    result = run_cli(*args, manual=root)
    assert_safe(result)
    assert result.exit_code == 1, result.output
    assert "is read-only, so nothing was written" in result.output
    assert {p: (root / p).read_bytes() for p in before} == before


@pytest.mark.parametrize(
    ("fmt", "target"),
    [
        ("markdown", "manual.yaml"),
        ("pdf", "records/loans.yaml"),
        ("markdown", "records/updates.yaml"),
        ("markdown", "procedures/plan.yaml"),
        ("markdown", "staff/new.md"),
        ("html", "records"),
        ("html", "units"),
        ("markdown", "./units/../manual.yaml"),
        ("markdown", ".git/config"),
    ],
)
def test_render_never_writes_over_the_manual(tmp_path: Path, fmt: str, target: str) -> None:
    root = write_manual(tmp_path / "m")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n")
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    result = run_cli("render", "-f", fmt, "-o", str(root / target), manual=root)
    assert_safe(result)
    assert result.exit_code == 1, result.output
    assert "is part of the manual" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_render_into_the_manual_folder_itself_is_allowed(tmp_path: Path) -> None:
    root = write_manual(tmp_path / "m")
    result = run_cli("render", "-f", "markdown", "-o", str(root / "handbook.md"), manual=root)
    assert result.exit_code == 0, result.output
    link = tmp_path / "sneaky.md"
    link.symlink_to(root / "manual.yaml")
    result = run_cli("render", "-f", "markdown", "-o", str(link), manual=root)
    assert result.exit_code == 1 and "is part of the manual" in result.output


# --- large registers, markers, odd arguments ---------------------------------------------------


def register(count: int) -> str:
    from datetime import datetime, timedelta

    start = datetime(2018, 1, 1, 9)
    entries = []
    for i in range(count):
        borrowed = start + timedelta(hours=20 * i)
        returned = borrowed + timedelta(hours=1)
        entries.append(
            f"- copy: C-1  # entry {i}\n  borrower: bob\n  borrowed: {borrowed.isoformat()}+08:00\n"
            f"  returned: {returned.isoformat()}+08:00\n"
        )
    return "".join(entries)


def test_an_edit_of_a_large_register_changes_only_its_own_bytes(tmp_path: Path) -> None:
    root = write_manual(tmp_path, {"records/loans.yaml": register(3000)})
    path = root / "records" / "loans.yaml"
    before = path.read_text(encoding="utf-8")
    assert run_cli("loan", "out", "C-1", "--to", "bob", manual=root).exit_code == 0
    lent = path.read_text(encoding="utf-8")
    assert lent.startswith(before)
    assert lent[len(before) :].count("\n") == 4
    assert run_cli("loan", "back", "C-1", manual=root).exit_code == 0
    back = path.read_text(encoding="utf-8")
    assert back == lent + '  returned: "2026-11-23T12:00:00+08:00"\n'
    assert run_cli("validate", "--no-git", manual=root).exit_code == 0


@pytest.mark.parametrize(
    "text",
    [
        "---\n" + register(2) + "...\n",
        "---\n" + register(2),
        "%YAML 1.1\n---\n" + register(2),
        register(2).rstrip("\n"),
        "[]\n",
        "# only a comment\n",
        "",
        "- {copy: C-1, borrower: bob, borrowed: 2026-03-02T09:00:00+08:00,"
        " returned: 2026-03-02T17:00:00+08:00}\n",
        "  - copy: C-1\n    borrower: bob\n    borrowed: 2026-03-02T09:00:00+08:00\n"
        "    returned: |-\n      2026-03-02T17:00:00+08:00\n",
    ],
)
def test_registers_written_any_way_take_loans_and_returns(tmp_path: Path, text: str) -> None:
    root = write_manual(tmp_path, {"records/loans.yaml": text})
    first = run_cli("validate", "--no-git", manual=root)
    for args in (["loan", "out", "C-1", "--to", "bob"], ["loan", "back", "C-1"]):
        result = run_cli(*args, manual=root)
        assert_safe(result)
        assert "report" not in result.output, result.output
        if first.exit_code == 0:
            assert result.exit_code == 0, result.output
    if first.exit_code == 0:
        assert run_cli("validate", "--no-git", manual=root).exit_code == 0
        assert run_cli("loan", "list", "--open", manual=root).output.strip() == "no open loans"


def test_concurrent_runs_on_a_large_register_all_land(tmp_path: Path) -> None:
    import subprocess
    import sys

    from manualkit import BASE

    copies = "".join(f"  - id: C-{i}\n    holder: ops\n" for i in range(2, 7))
    manual = BASE["manual.yaml"].replace("loan_days: 2", copies.rstrip("\n") + "\nloan_days: 2")
    manual = manual.replace("copies:\n  - id: C-1\n    holder: ops\n" + copies, "copies:\n"
                            "  - id: C-1\n    holder: ops\n" + copies)  # fmt: skip
    root = write_manual(tmp_path, {"records/loans.yaml": register(1500), "manual.yaml": manual})
    assert run_cli("validate", "--no-git", manual=root).exit_code == 0, "fixture"
    env = {**os.environ, "OPSMANUAL_NOW": NOW, "PYTHONPATH": str(ROOT / "src")}
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "opsmanual",
                "loan",
                "out",
                f"C-{i}",
                "--to",
                "bob",
                "-m",
                str(root),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(2, 7)
    ]
    outputs = [r.communicate(timeout=600)[0] for r in runs]
    assert [r.returncode for r in runs] == [0] * 5, outputs
    listed = run_cli("loan", "list", "--open", "--format", "json", manual=root)
    assert sorted(e["copy"] for e in json.loads(listed.stdout)["loans"]) == [
        f"C-{i}" for i in range(2, 7)
    ]


@pytest.mark.parametrize("summary", ["a\udcff b", "\udce2\udc80", "ok \udcc3("])
def test_an_argument_that_is_not_utf8_is_a_usage_error(tmp_path: Path, summary: str) -> None:
    root = write_manual(tmp_path)
    before = (root / "records" / "updates.yaml").read_bytes()
    result = run_cli("record", "add", "--summary", summary, "--changes", "manual", manual=root)
    assert_safe(result)
    assert result.exit_code == 2
    assert "is not valid UTF-8 text" in result.output
    assert (root / "records" / "updates.yaml").read_bytes() == before


@pytest.mark.parametrize("summary", ["a\u2028b", "a\u2029b", "a\x1bb", "a\nb", "a\rb", "a\x85b"])
def test_a_summary_with_a_break_is_refused_not_a_failure(tmp_path: Path, summary: str) -> None:
    root = write_manual(tmp_path)
    before = (root / "records" / "updates.yaml").read_bytes()
    result = run_cli("record", "add", "--summary", summary, "--changes", "manual", manual=root)
    assert_safe(result)
    assert "report" not in result.output
    assert result.exit_code == 1, result.output
    assert (root / "records" / "updates.yaml").read_bytes() == before


def test_an_interrupted_record_add_is_explained_and_recognised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opsmanual import atomic, yamledit

    root = write_manual(tmp_path)
    real = atomic.write_atomic
    calls: list[Path] = []

    def crash_on_second(path: Path, content: bytes) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process dies between the two writes
        real(path, content)

    monkeypatch.setattr(yamledit, "write_atomic", crash_on_second)
    result = run_cli("record", "add", "--summary", "x", "--changes", "manual", manual=root)
    assert result.exit_code == 130
    monkeypatch.setattr(yamledit, "write_atomic", real)
    check = run_cli("validate", "--no-git", manual=root)
    assert check.exit_code == 1
    assert 'version-mismatch manual.yaml says version 1.1 but the last update record is 1.2; ' \
        'write version: "1.2"' in check.output  # fmt: skip
    again = run_cli("record", "add", "--summary", "y", "--changes", "manual", manual=root)
    assert again.exit_code == 1 and "stopped between its two writes" in again.output


# --- the corpus ---------------------------------------------------------------------------------


def corpus(folder: str) -> list[Any]:
    return [
        pytest.param(path, id=path.name)
        for path in sorted((HOSTILE / folder).iterdir())
        if path.is_file()
    ]


def no_raw_controls(text: str) -> bool:
    return not any(
        (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) < 0xA0 or c in "\u2028\u202e"
        for c in text
    )


def test_the_corpus_has_every_folder() -> None:
    folders = {p.name for p in HOSTILE.iterdir() if p.is_dir()}
    assert folders == {"manual-files", "long-text", "one-line", "templates", "locale", "registers"}
    assert all(len(corpus(folder)) >= 5 for folder in folders)


@pytest.mark.parametrize("payload", corpus("manual-files"))
def test_hostile_corpus_manual_files(tmp_path: Path, payload: Path) -> None:
    folder, _, name = payload.name.partition("--")
    if folder == "manual":
        target = "manual.yaml"
    elif folder == "records":
        target = f"records/{name.split('-')[0]}.yaml"
    else:
        target = f"{folder}/{name}"
    root = write_manual(tmp_path / "m")
    (root / target).write_bytes(payload.read_bytes())
    result = run_cli("validate", "--no-git", manual=root)
    assert_safe(result)
    assert result.exit_code in (0, 1), result.output
    assert no_raw_controls(result.output)
    assert "pwned" not in result.output.replace("0;pwned", "")
    rendered = run_cli("render", "-f", "markdown", "-o", str(tmp_path / "h.md"), manual=root)
    assert_safe(rendered)
    assert rendered.exit_code == result.exit_code


@pytest.mark.parametrize("payload", corpus("long-text"))
def test_hostile_corpus_long_text(tmp_path: Path, payload: Path) -> None:
    from manualkit import BASE

    text = payload.read_text(encoding="utf-8")
    plan = BASE["procedures/plan.yaml"].replace(
        "owner: manager\n", f"owner: manager\npurpose: {json.dumps(text)}\n"
    )
    plan = plan.replace("action: Draft the plan", f"action: {json.dumps(' '.join(text.split()))}")
    root = write_manual(tmp_path / "m", {"procedures/plan.yaml": plan})
    for fmt, out in (("html", tmp_path / "site"), ("markdown", tmp_path / "h.md")):
        result = run_cli("render", "-f", fmt, "-o", str(out), manual=root)
        assert_safe(result)
        assert result.exit_code == 0, result.output
    assert_inert((tmp_path / "site" / "index.html").read_text(encoding="utf-8"))
    assert_inert(permissive_html((tmp_path / "h.md").read_text(encoding="utf-8")))


@pytest.mark.parametrize("payload", corpus("one-line"))
def test_hostile_corpus_one_line_fields(tmp_path: Path, payload: Path) -> None:
    from manualkit import BASE

    title = json.dumps(payload.read_text(encoding="utf-8"))
    plan = BASE["procedures/plan.yaml"].replace("title: Plan the year", f"title: {title}")
    root = write_manual(tmp_path / "m", {"procedures/plan.yaml": plan})
    result = run_cli("validate", "--no-git", manual=root)
    assert_safe(result)
    assert result.exit_code == 1
    assert "procedures/plan.yaml:2:8: error schema `title` is" in result.output, result.output
    assert no_raw_controls(result.output)


@pytest.mark.parametrize("payload", corpus("templates"))
def test_hostile_corpus_templates(
    tmp_path: Path, payload: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opsmanual.render import html

    monkeypatch.setattr(html, "MAX_CALLS", 20_000)
    own = tmp_path / "tpl"
    own.mkdir()
    (own / "cover.html.j2").write_text(f"<section>\n{payload.read_text()}</section>\n")
    out = tmp_path / "site"
    result = run_cli(
        "render", "-o", str(out), "--templates", str(own), manual=write_manual(tmp_path / "m")
    )
    assert_safe(result)
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert result.output.startswith("opsmanual: error: template error")
        assert len(result.output.strip().splitlines()) == 1
    shown = result.output + (out / "index.html").read_text() if out.exists() else result.output
    assert os.environ.get("PATH", "PATH") not in shown
    assert "root:" not in shown and "__builtins__" not in shown


@pytest.mark.parametrize("payload", corpus("locale"))
def test_hostile_corpus_locale_patterns(tmp_path: Path, payload: Path) -> None:
    own = tmp_path / "tpl"
    (own / "locale").mkdir(parents=True)
    (own / "locale" / "en.json").write_text(json.dumps({"chapter": payload.read_text()}))
    result = run_cli(
        "render",
        "-o",
        str(tmp_path / "s"),
        "--templates",
        str(own),
        manual=write_manual(tmp_path / "m"),
    )
    assert_safe(result)
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert "__globals__" not in result.output.replace(payload.read_text(), "")


@pytest.mark.parametrize("payload", corpus("registers"))
def test_hostile_corpus_registers(tmp_path: Path, payload: Path) -> None:
    root = write_manual(tmp_path / "m")
    (root / "records" / "loans.yaml").write_bytes(payload.read_bytes())
    valid = run_cli("validate", "--no-git", manual=root).exit_code == 0
    for args in (["loan", "out", "C-1", "--to", "bob"], ["loan", "back", "C-1"], ["loan", "list"]):
        result = run_cli(*args, manual=root)
        assert_safe(result)
        assert "report" not in result.output, result.output
        if result.exit_code != 0 and args[1] != "list":
            assert result.exit_code in (1, 2) and len(result.output.strip().splitlines()) == 1
    if valid:
        assert run_cli("validate", "--no-git", manual=root).exit_code == 0
