"""The adversarial run of issue 8, class by class: each payload must end in a finding, a
one-line error or a refusal, never a traceback, a hang, a leak or a destroyed file.

The corpus in tests/hostile/ holds one file per payload, grouped by class, and grows with each
bug found; every file there is a test case (see `test_hostile_corpus`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from manualkit import NOW, write_manual
from opsmanual.cli import app

ROOT = Path(__file__).resolve().parents[1]
MANUALS = ROOT / "manuals"
HOSTILE = Path(__file__).parent / "hostile"
runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(
        app, list(args), catch_exceptions=False, env={"OPSMANUAL_NOW": NOW, **(env or {})}
    )


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
    result = run("render", "-m", str(write_manual(tmp_path / "m")), "-o", str(tmp_path / "s"),
                 "--templates", str(own))  # fmt: skip
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
    result = run("render", "-m", str(write_manual(tmp_path / "m")), "-o", str(tmp_path / "s"),
                 "--templates", str(own))  # fmt: skip
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
        result = run("render", "-m", str(write_manual(tmp_path / "m")), "-f", "pdf",
                     "-o", str(out), "--templates", str(own))  # fmt: skip
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
