"""`opsmanual record add`: the record appended, the version set, comments kept, validate passes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitrepo import GitRepo
from helpers import run_cli
from opsmanual.findings import Finding
from opsmanual.load import Document, parse
from opsmanual.record_add import next_version
from opsmanual.validate import validate

PROC = "procedures/annual-planning.yaml"


pytestmark = pytest.mark.usefixtures("pinned_now")


def checked(root: Path) -> list[Finding]:
    """validate's findings, without `copy-outdated`: a version that takes effect outdates the
    example's controlled copies until they are updated (tests/test_distribution.py covers that)."""
    return [f for f in validate(root).findings if f.code != "copy-outdated"]


def add(root: Path, *args: str) -> Any:
    return run_cli("record", "add", *args, manual=root)


def records(root: Path) -> list[dict[str, Any]]:
    # Our own loader: it reads dates as the strings they are written as.
    doc = parse("records/updates.yaml", (root / "records/updates.yaml").read_bytes())
    assert isinstance(doc, Document)
    data: list[dict[str, Any]] = doc.data
    return data


def test_the_story_change_record_validate(repo: GitRepo) -> None:
    repo.replace(PROC, "action: 编写下一年度运营规划初稿", "action: 编写规划初稿")
    assert [f.code for f in checked(repo.root)] == ["unlogged-change"]
    before = repo.path("records/updates.yaml").read_text(encoding="utf-8")
    result = add(repo.root, "--summary", "年度规划流程修订", "--changes", "auto")
    assert result.exit_code == 0, result.output
    assert "added update record 1.5" in result.stdout
    assert "procedures/annual-planning" in result.stdout
    after = repo.path("records/updates.yaml").read_text(encoding="utf-8")
    assert after.startswith(before)  # every byte kept, comments included
    last = records(repo.root)[-1]
    assert last["version"] == "1.5"
    assert last["changes"] == ["procedures/annual-planning"]
    assert last["summary"] == "年度规划流程修订"
    manual_text = repo.path("manual.yaml").read_text(encoding="utf-8")
    assert 'version: "1.5"' in manual_text
    assert manual_text.startswith("# yaml-language-server")  # comments kept
    assert "effective: 2026-11-23" in manual_text  # takes effect with the record, by default
    # A draft until it is approved: a warning, and the one thing left to do.
    assert [f.code for f in checked(repo.root)] == ["approval-missing"]
    approved = run_cli("record", "approve", "--by", "zhou-ming", manual=repo.root)
    assert approved.exit_code == 0, approved.output
    assert checked(repo.root) == []
    repo.commit("1.5")
    assert checked(repo.root) == []


def test_auto_lists_deleted_entities_under_removed(repo: GitRepo) -> None:
    repo.path("procedures/training.yaml").unlink()
    repo.replace("manual.yaml", ", training]", "]")
    result = add(repo.root, "--summary", "drop training")
    assert result.exit_code == 0, result.output
    last = records(repo.root)[-1]
    assert last["changes"] == ["manual"]
    assert last["removed"] == ["procedures/training"]
    assert "unlogged-change" not in [f.code for f in checked(repo.root)]


def test_options_written(repo: GitRepo) -> None:
    result = add(
        repo.root,
        "--summary", "reissue",
        "--version", "2.0",
        "--method", "reissue",
        "--notice-ref", "运营发〔2026〕30号",
        "--changes", "manual,roles/ops-planner",
        "--date", "2026-12-01",
        "--effective", "2026-12-15",
        "--author", "zheng-li",
        "--approved-by", "zhou-ming",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    last = records(repo.root)[-1]
    assert last == {
        "version": "2.0",
        "date": "2026-12-01",
        "summary": "reissue",
        "method": "reissue",
        "notice_ref": "运营发〔2026〕30号",
        "changes": ["manual", "roles/ops-planner"],
        "effective": "2026-12-15",
        "author": "zheng-li",
        "approved_by": "zhou-ming",
    }
    manual = yaml.safe_load(repo.path("manual.yaml").read_text(encoding="utf-8"))
    assert manual["version"] == "2.0"
    assert str(manual["effective"]) == "2026-12-15"
    assert "effective-mismatch" not in [f.code for f in checked(repo.root)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--version", "1.4"], "not greater"),
        (["--version", "1.2.9"], "not greater"),
        (["--version", "v2"], "dotted numbers"),
        (["--changes", "procedures/nope"], "no procedures/nope.yaml"),
        (["--changes", "widgets/x"], "KIND/ID"),
        (["--changes", "manual", "--date", "2026-01-01"], "before the last record"),
        (["--changes", "manual", "--author", "nobody"], "author: no person `nobody` exists"),
        (["--changes", "manual", "--reviewed-by", "nobody"], "reviewer: no person `nobody` exists"),
        (["--changes", "manual", "--effective", "2026-11-22"], "before the record's date"),
        (["--changes", "manual", "--effective", "2026-11-31"], "not a date"),
        (["--changes", "manual", "--approved-by", "li-qiang"], "does not hold the approver"),
        (
            ["--changes", "manual", "--author", "zhou-ming", "--approved-by", "zhou-ming"],
            "no one approves their own change",
        ),
        ([], "nothing in the manual changed"),
        (["--changes", "manual", "--summary", ""], "`summary` must not be empty"),
        (["--changes", "manual", "--summary", "two\nlines"], "must be one line"),
        (["--changes", "manual", "--notice-ref", "N\n1"], "must be one line"),
    ],
)
def test_refusals_exit_1_and_write_nothing(repo: GitRepo, args: list[str], message: str) -> None:
    before = repo.path("records/updates.yaml").read_bytes()
    manual_before = repo.path("manual.yaml").read_bytes()
    result = add(repo.root, "--summary", "x", *args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert repo.path("records/updates.yaml").read_bytes() == before
    assert repo.path("manual.yaml").read_bytes() == manual_before


def test_list_works_without_git(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    shutil.copytree(Path(__file__).parent.parent / "manuals/operations-en", root)
    assert add(root, "--summary", "x").exit_code == 2  # auto needs git
    result = add(root, "--summary", "Training updated", "--changes", "procedures/training")
    assert result.exit_code == 0, result.output
    assert records(root)[-1]["version"] == "1.5"
    assert [f.code for f in checked(root)] == ["approval-missing"]


def testnext_version() -> None:
    assert next_version("1.9") == "1.10"
    assert next_version("1") == "2"
    assert next_version("2.0.1") == "2.0.2"


def test_concurrent_runs_get_distinct_versions(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    root = tmp_path / "plain"
    shutil.copytree(Path(__file__).parent.parent / "manuals/operations-en", root)
    env = {**os.environ, "OPSMANUAL_NOW": "2026-11-23T10:00:00+08:00"}
    command = [sys.executable, "-m", "opsmanual", "record", "add", "-m", str(root)]
    procs = [
        subprocess.Popen(
            [*command, "--summary", f"change {i}", "--changes", "procedures/training"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    results = [(*p.communicate(timeout=120), p.returncode) for p in procs]
    assert [code for _, _, code in results] == [0, 0, 0, 0], results
    assert [r["version"] for r in records(root)][-4:] == ["1.5", "1.6", "1.7", "1.8"]
    assert [f.code for f in checked(root)] == ["approval-missing"]  # 1.8 is a draft


def test_removed_with_auto_is_a_usage_error(repo: GitRepo) -> None:
    repo.path("procedures/training.yaml").unlink()
    result = add(repo.root, "--summary", "x", "--removed", "procedures/training")
    assert result.exit_code == 2
    assert "--removed goes with --changes LIST" in result.stderr
