"""Approval and effective dates: the findings, `record approve`, `changelog --send` on a draft."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from gitrepo import GitRepo, example_repo
from helpers import Ran, run_cli
from opsmanual.load import Document, parse
from opsmanual.validate import validate

pytestmark = pytest.mark.usefixtures("pinned_now")


@pytest.fixture
def draft(tmp_path: Path) -> GitRepo:
    """The example with a new record 1.5 written by zheng-li, not yet approved, committed."""
    repo = example_repo(tmp_path / "repo")
    repo.replace("procedures/training.yaml", "title: ", "title: 新")
    result = run_cli(
        "record",
        "add",
        "--summary",
        "培训流程更名",
        "--changes",
        "procedures/training",
        "--author",
        "zheng-li",
        "--effective",
        "2026-12-01",
        manual=repo.root,
    )
    assert result.exit_code == 0, result.output
    repo.commit("1.5")
    return repo


def approve(repo: GitRepo, *args: str) -> Ran:
    return run_cli("record", "approve", *args, manual=repo.root)


def last_record(root: Path) -> dict[str, Any]:
    doc = parse("records/updates.yaml", (root / "records/updates.yaml").read_bytes())
    assert isinstance(doc, Document)
    entry: dict[str, Any] = doc.data[-1]
    return entry


def codes(root: Path) -> list[str]:
    return [f.code for f in validate(root, use_git=False).findings]


def test_a_draft_is_a_warning_and_approve_makes_it_clean(draft: GitRepo) -> None:
    assert codes(draft.root) == ["approval-missing"]
    before = draft.path("records/updates.yaml").read_text(encoding="utf-8")
    result = approve(draft, "--by", "zhou-ming", "--reviewed-by", "zhao-lei")
    assert result.exit_code == 0, result.output
    assert "approved version 1.5" in result.stdout
    entry = last_record(draft.root)
    assert entry["reviewed_by"] == "zhao-lei"
    assert (entry["approved_by"], entry["approved"]) == ("zhou-ming", "2026-11-23")
    after = draft.path("records/updates.yaml").read_text(encoding="utf-8")
    assert after.startswith(before.rsplit("- version", 1)[0])  # earlier entries, comments kept
    assert validate(draft.root).findings == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--by", "zheng-li"], "no one approves their own change"),  # the author
        (["--by", "li-qiang"], "does not hold the approver role `dept-manager`"),
        (["--by", "nobody"], "approver: no person `nobody` exists"),
        (["--by", "he-jun"], "no longer active"),  # left the company
        (["--by", "zhou-ming", "--reviewed-by", "nobody"], "reviewer: no person `nobody` exists"),
        (["--by", "zhou-ming", "--at", "2026-12-02"], "in the future"),
    ],
)
def test_approve_refusals_exit_1_and_write_nothing(
    draft: GitRepo, args: list[str], message: str
) -> None:
    before = draft.path("records/updates.yaml").read_bytes()
    result = approve(draft, *args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert draft.path("records/updates.yaml").read_bytes() == before


def test_approval_after_the_version_took_effect_is_refused(
    draft: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSMANUAL_NOW", "2026-12-05T10:00:00+08:00")
    before = draft.path("records/updates.yaml").read_bytes()
    result = approve(draft, "--by", "zhou-ming")
    assert result.exit_code == 1
    assert "took effect on 2026-12-01" in result.stderr and "--at" in result.stderr
    assert draft.path("records/updates.yaml").read_bytes() == before
    # Approved on the day it was (before it took effect): accepted.
    assert approve(draft, "--by", "zhou-ming", "--at", "2026-11-30").exit_code == 0
    assert last_record(draft.root)["approved"] == "2026-11-30"


def test_approving_twice_is_refused(draft: GitRepo) -> None:
    assert approve(draft, "--by", "zhou-ming").exit_code == 0
    before = draft.path("records/updates.yaml").read_bytes()
    result = approve(draft, "--by", "zhou-ming")
    assert result.exit_code == 1 and "already approved by 周明 (zhou-ming)" in result.stderr
    assert draft.path("records/updates.yaml").read_bytes() == before


def test_a_bad_date_is_a_usage_error(draft: GitRepo) -> None:
    result = approve(draft, "--by", "zhou-ming", "--at", "2026-02-30")
    assert result.exit_code == 2 and "not a date" in result.stderr


def test_effective_mismatch_when_manual_yaml_lags(draft: GitRepo) -> None:
    draft.replace("manual.yaml", "effective: 2026-12-01", "effective: 2026-10-12")
    report = validate(draft.root, use_git=False)
    found = [(f.code, f.file) for f in report.findings if f.code == "effective-mismatch"]
    assert found == [("effective-mismatch", "manual.yaml")]
    assert "write effective: 2026-12-01" in report.findings[0].message


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_send_refuses_a_draft_and_sends_nothing(draft: GitRepo) -> None:
    # No server listens on the port: had it tried to send, it would exit 2, not 1.
    args = ["--send", "--smtp-host", "127.0.0.1", "--smtp-port", str(_closed_port())]
    result = run_cli("changelog", *args, "--from", "m@example.com", manual=draft.root)
    assert result.exit_code == 1, result.output
    assert "version 1.5 is not approved" in result.stderr
    assert "record approve" in result.stderr
    assert not draft.path("records/notices.yaml").exists()
    # Printing the notices of a draft (no --send) is allowed: it is how the draft is reviewed.
    assert run_cli("changelog", "--format", "text", manual=draft.root).exit_code == 0
    # Once approved, --send goes on to the server (which is not there: exit 2).
    assert approve(draft, "--by", "zhou-ming").exit_code == 0
    result = run_cli("changelog", *args, "--from", "m@example.com", manual=draft.root)
    assert result.exit_code == 2 and "cannot reach the SMTP server" in result.stderr
