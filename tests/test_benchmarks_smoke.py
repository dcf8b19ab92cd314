"""The benchmark scripts work (no timing is asserted), and the CI examples are well-formed."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from helpers import run_cli

PROJECT = Path(__file__).resolve().parent.parent
BENCHMARKS = PROJECT / "benchmarks"
ENTITY_DIRS = ("units", "roles", "procedures", "staff")


def _load_generate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", BENCHMARKS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


generate = _load_generate()


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def _validate(root: Path, *options: str) -> dict[str, object]:
    result = run_cli("validate", "--format", "json", *options, manual=root)
    document: dict[str, object] = json.loads(result.stdout)
    assert result.exit_code == 0, document["findings"]
    return document


def test_generated_manual_is_valid_and_has_the_requested_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSMANUAL_NOW", generate.NOW)
    root = generate.generate(tmp_path / "manual", 50)
    report = _validate(root, "--no-git")
    assert (report["errors"], report["warnings"]) == (0, 0), report["findings"]
    counts = {kind: len(list((root / kind).glob("*.yaml"))) for kind in ENTITY_DIRS}
    assert counts == {"units": 1, "roles": 10, "procedures": 50, "staff": 16}
    updates = yaml.safe_load((root / "records/updates.yaml").read_text("utf-8"))
    assert [u["version"] for u in updates] == ["1.0", "1.1", "1.2"]
    procedures = [
        yaml.safe_load(p.read_text("utf-8")) for p in (root / "procedures").glob("*.yaml")
    ]
    assert all(6 <= len(p["steps"]) <= 12 for p in procedures)
    assert any(step.get("approval") for p in procedures for step in p["steps"])
    assert any("规程" in p["title"] for p in procedures)  # some Chinese text


def test_generation_is_deterministic_and_git_history_ends_in_the_same_manual(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = _files(generate.generate(tmp_path / "a", 50, records=4))
    assert plain == _files(generate.generate(tmp_path / "b", 50, records=4))
    repo = generate.generate(tmp_path / "git", 50, records=4, git=True)
    assert _files(repo) == plain
    log = subprocess.run(
        ["git", "log", "--format=%s"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert len(log) == 1 + 2 * 3 and log[0] == "Update record 1.3"
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True, check=True
    )
    assert status.stdout == ""
    # The history obeys the update-log rule: each revision is listed by the record after it.
    monkeypatch.setenv("OPSMANUAL_NOW", generate.NOW)
    report = _validate(repo)
    assert (report["errors"], report["warnings"]) == (0, 0), report["findings"]


def test_run_prints_a_ratio_and_exits_0(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            *(sys.executable, str(BENCHMARKS / "run.py"), "--procedures", "50", "--repeat", "1"),
            *(
                "--only",
                "validate",
                "--only",
                "validate-warm",
                "--work",
                str(tmp_path),
                "--json",
                str(tmp_path / "r.json"),
            ),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"(?m)^validate\s+[0-9.]+ s\s+[0-9.]+x vs bare-load\s", done.stdout)
    results = json.loads((tmp_path / "r.json").read_text("utf-8"))["results"]
    names = [
        "bare-load",
        "bare-load-process",
        "validate",
        "validate-cli",
        "validate-cli-no-cache",
        "cache-write",
        "validate-warm",
    ]
    assert [r["name"] for r in results] == names
    assert all(  # FAIL would mean the manual had errors
        r["result"] in ("PASS", "MISS") for r in results if r["target"] is not None
    )
    assert [r["name"] for r in results if r["target"] is not None] == [
        "validate",
        "validate-cli",
        "cache-write",
        "validate-warm",
    ]


@pytest.mark.skipif(
    importlib.util.find_spec("weasyprint") is None, reason="WeasyPrint is not installed"
)
def test_run_reports_the_pdf_against_the_html_of_the_example(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            *(sys.executable, str(BENCHMARKS / "run.py"), "--repeat", "1", "--only"),
            *("render-pdf", "--work", str(tmp_path), "--json", str(tmp_path / "r.json")),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(
        r"(?m)^render-pdf\s+[0-9.]+ s\s+[0-9.]+x vs render-example-html\s", done.stdout
    )
    results = json.loads((tmp_path / "r.json").read_text("utf-8"))["results"]
    assert [r["name"] for r in results] == ["render-example-html", "render-pdf"]
    assert results[1]["result"] != "FAIL", results[1]


def test_ci_examples_parse_and_fetch_full_history() -> None:
    github = yaml.safe_load((PROJECT / "docs/examples/github-workflow.yml").read_text("utf-8"))
    steps = [step for job in github["jobs"].values() for step in job["steps"]]
    checkouts = [s for s in steps if s.get("uses", "").startswith("actions/checkout")]
    assert checkouts and all(s["with"]["fetch-depth"] == 0 for s in checkouts[:2])
    runs = " ".join(s.get("run", "") for s in steps)
    assert "opsmanual validate --format github" in runs and "--format sarif" in runs
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif") for s in steps)
    gitlab = yaml.safe_load((PROJECT / "docs/examples/gitlab-ci.yml").read_text("utf-8"))
    assert gitlab["variables"]["GIT_DEPTH"] == 0
    assert any("opsmanual validate" in line for line in gitlab["validate"]["script"])


def test_pre_commit_hook_has_the_required_fields() -> None:
    hooks = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    hook = next(h for h in hooks if h["id"] == "opsmanual-validate")
    assert {"id", "name", "entry", "language"} <= hook.keys()
    assert hook["entry"] == "opsmanual validate" and hook["language"] == "python"
    assert hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    assert files.search("procedures/plan.yaml") and files.search("manual.yml")
    assert not files.search("README.md")


def test_ci_doc_shows_the_example_files_as_they_are() -> None:
    doc = (PROJECT / "docs/ci.md").read_text("utf-8")
    for example in ("github-workflow.yml", "gitlab-ci.yml"):
        text = (PROJECT / "docs/examples" / example).read_text("utf-8")
        assert f"```yaml\n{text}```" in doc, f"docs/ci.md is out of date with {example}"
