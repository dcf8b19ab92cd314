"""`opsmanual audit`: a git history over several months, audited at moments between its events."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitrepo import empty_repo, example_repo
from helpers import Ran, run_cli
from manualkit import BASE, write_manual

MANUAL_10 = (
    BASE["manual.yaml"]
    .replace('version: "1.1"', 'version: "1.0"\neffective: 2026-01-05\nack_days: 7')
    .replace("    holder: ops\n", "    holder: ops\n  - id: C-2\n    holder: ops\n")
)
MANUAL_11 = MANUAL_10.replace('version: "1.0"', 'version: "1.1"').replace(
    "effective: 2026-01-05", "effective: 2026-03-10"
)
RECORD_10 = """\
- version: "1.0"
  date: 2026-01-04
  effective: 2026-01-05
  method: reissue
  summary: First issue
  changes: []
  author: bob
  approved_by: ann
  approved: 2026-01-04
"""
RECORD_11 = """\
- version: "1.1"
  date: 2026-03-01
  effective: 2026-03-10
  summary: Planning procedure revised
  changes: [procedures/plan]
  author: bob
  reviewed_by: bob
  approved_by: ann
  approved: 2026-03-02
"""
ISSUED = """\
- {copy: C-1, action: issue, date: "2026-01-06T09:00:00+08:00", version: "1.0", by: ann}
- {copy: C-2, action: issue, date: "2026-01-06T09:10:00+08:00", version: "1.0", by: ann}
"""
WITHDRAWN = '- {copy: C-2, action: withdraw, date: "2026-03-11T10:00:00+08:00", witness: bob}\n'
UPDATED = '- {copy: C-1, action: update, date: "2026-04-02T10:00:00+08:00", version: "1.1"}\n'
LOAN = '- {copy: C-1, borrower: bob, borrowed: "2026-01-20T09:00:00+08:00"}\n'
RETURNED = (
    '- {copy: C-1, borrower: bob, borrowed: "2026-01-20T09:00:00+08:00", '
    'returned: "2026-03-12T08:00:00+08:00"}\n'
)
ACK_ANN = '- {person: ann, version: "1.0", date: "2026-01-07T10:00:00+08:00"}\n'
ACK_BOB = '- {person: bob, version: "1.1", date: "2026-04-01T10:00:00+08:00"}\n'
NOTICE = (
    '- {version: "1.1", staff: ann, email: ann@example.com, sent: "2026-03-02T10:00:00+08:00", '
    "message_id: <demo.1.1.ann@opsmanual>}\n"
)


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The manual's life from January to April, one commit per event, committed when it
    happened (the work tree is left holding later, uncommitted edits)."""
    top = tmp_path_factory.mktemp("history")
    repo = empty_repo(top)
    root = top / "manual"
    write_manual(
        root,
        {
            "manual.yaml": MANUAL_10,
            "records/updates.yaml": RECORD_10,
            "records/loans.yaml": "",
            "records/distribution.yaml": "",
        },
    )
    repo.commit("first issue, not yet in force", when="2026-01-04T10:00:00+08:00")
    _write(root, {"records/distribution.yaml": ISSUED, "records/acks.yaml": ACK_ANN})
    repo.commit("copies issued; ann acknowledges", when="2026-01-07T12:00:00+08:00")
    _write(root, {"records/loans.yaml": LOAN})
    repo.commit("C-1 lent to bob", when="2026-01-20T09:05:00+08:00")
    plan = BASE["procedures/plan.yaml"].replace("Draft the plan", "Draft the yearly plan")
    _write(
        root,
        {
            "manual.yaml": MANUAL_11,
            "procedures/plan.yaml": plan,
            "records/updates.yaml": RECORD_10 + RECORD_11,
        },
    )
    repo.commit("version 1.1, in force from 10 March", when="2026-03-01T09:00:00+08:00")
    _write(
        root,
        {
            "records/distribution.yaml": ISSUED + WITHDRAWN,
            "records/loans.yaml": RETURNED,
            "records/notices.yaml": NOTICE,
        },
    )
    repo.commit("C-2 withdrawn; C-1 back; notice log", when="2026-03-12T09:00:00+08:00")
    _write(
        root,
        {
            "records/distribution.yaml": ISSUED + WITHDRAWN + UPDATED,
            "records/acks.yaml": ACK_ANN + ACK_BOB,
        },
    )
    repo.commit("C-1 updated to 1.1; bob acknowledges 1.1", when="2026-04-02T11:00:00+08:00")
    # Uncommitted, later: the audit of a past moment must not see it.
    (root / "records" / "distribution.yaml").write_text("- broken: [\n", encoding="utf-8")
    return root


def audit(root: Path, *args: str, now: str = "2026-05-01T12:00:00+08:00") -> Ran:
    return run_cli("audit", *args, manual=root, env={"OPSMANUAL_NOW": now})


def as_json(root: Path, as_of: str) -> dict[str, Any]:
    code, stdout, stderr = audit(root, "--as-of", as_of, "--format", "json")
    assert code == 0, stderr
    data: dict[str, Any] = json.loads(stdout)
    return data


def copies(data: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return [(c["id"], c["version"], c["status"]) for c in data["copies"]]


def acks(data: dict[str, Any]) -> tuple[list[str], list[tuple[str, str, bool]]]:
    a = data["acknowledgements"]
    return [x["id"] for x in a["acknowledged"]], [
        (p["id"], p["due"], p["overdue"]) for p in a["pending"]
    ]


def test_before_anything_was_committed_is_exit_2(history: Path) -> None:
    code, stdout, stderr = audit(history, "--as-of", "2026-01-03T12:00:00+08:00")
    assert code == 2 and stdout == ""
    assert "nothing was committed at or before 2026-01-03T12:00:00+08:00" in stderr
    assert stderr.count("\n") == 1


def test_before_the_first_version_took_effect_is_exit_2(history: Path) -> None:
    code, _, stderr = audit(history, "--as-of", "2026-01-04T20:00:00+08:00")
    assert code == 2
    assert "no version was in force on 2026-01-04T20:00:00+08:00" in stderr
    assert "the first version, 1.0, takes effect on 2026-01-05" in stderr


def test_january_after_the_issue(history: Path) -> None:
    data = as_json(history, "2026-01-10T12:00:00+08:00")
    assert data["as_of"] == "2026-01-10T12:00:00+08:00"
    assert data["version"] == {
        "version": "1.0",
        "date": "2026-01-04",
        "effective": "2026-01-05",
        "summary": "First issue",
        "author": "bob",
        "reviewed_by": None,
        "approved_by": "ann",
        "approved": "2026-01-04",
    }
    assert [u["version"] for u in data["updates"]] == ["1.0"]
    assert copies(data) == [("C-1", "1.0", "current"), ("C-2", "1.0", "current")]
    assert acks(data) == (["ann"], [("bob", "2026-01-12", False)])
    assert data["loans_open"] == [] and data["notices"] == []
    assert (data["errors"], data["warnings"]) == (0, 0)
    assert set(data) >= {
        "as_of", "revision", "version", "updates", "acknowledgements", "copies", "loans_open",
        "reviews_overdue", "notices", "errors", "warnings",
    }  # fmt: skip


def test_a_loan_out_and_an_acknowledgement_overdue(history: Path) -> None:
    data = as_json(history, "2026-01-21T12:00:00+08:00")
    assert [(x["copy"], x["borrower"], x["status"]) for x in data["loans_open"]] == [
        ("C-1", "bob", "open")
    ]
    assert acks(data) == (["ann"], [("bob", "2026-01-12", True)])
    assert data["warnings"] == 1  # ack-overdue for bob, as validate said then


def test_a_version_recorded_but_not_yet_in_force(history: Path) -> None:
    data = as_json(history, "2026-03-05T12:00:00+08:00")
    assert data["version"]["version"] == "1.0"
    assert [(u["version"], u.get("effective")) for u in data["updates"]] == [
        ("1.0", "2026-01-05"),
        ("1.1", "2026-03-10"),
    ]
    assert copies(data) == [("C-1", "1.0", "current"), ("C-2", "1.0", "current")]
    # The loan spans the version change and is now overdue.
    assert [(x["copy"], x["status"]) for x in data["loans_open"]] == [("C-1", "overdue")]
    # The notice of 2 March was logged only in the commit of 12 March.
    assert data["notices"] == []
    _, stdout, _ = audit(history, "--as-of", "2026-03-05T12:00:00+08:00")
    assert "1.1      2026-03-01  effective 2026-03-10" in stdout and "(not yet in force)" in stdout


def test_the_new_version_in_force_outdates_every_copy(history: Path) -> None:
    data = as_json(history, "2026-03-11T12:00:00+08:00")
    assert data["version"]["version"] == "1.1"
    assert data["version"]["reviewed_by"] == "bob"
    assert copies(data) == [("C-1", "1.0", "outdated"), ("C-2", "1.0", "outdated")]
    # The withdrawal of 11 March 10:00 was committed on 12 March: not in the manual then.
    assert acks(data) == ([], [("ann", "2026-03-17", False), ("bob", "2026-03-17", False)])


def test_a_withdrawn_copy_a_returned_loan_and_a_notice(history: Path) -> None:
    data = as_json(history, "2026-03-15")
    assert data["revision"] is not None
    assert copies(data) == [("C-1", "1.0", "outdated"), ("C-2", None, "withdrawn")]
    assert data["loans_open"] == []
    assert data["notices"] == [
        {"version": "1.1", "person": "ann", "sent": "2026-03-02T10:00:00+08:00"}
    ]
    assert data["warnings"] >= 1  # copy-outdated for C-1


def test_april_every_copy_current_and_one_acknowledgement_late(history: Path) -> None:
    data = as_json(history, "2026-04-05T12:00:00+08:00")
    assert copies(data) == [("C-1", "1.1", "current"), ("C-2", None, "withdrawn")]
    assert acks(data) == (["bob"], [("ann", "2026-03-17", True)])


def test_the_work_tree_is_never_read_or_touched(history: Path) -> None:
    top = history.parent
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=top, capture_output=True, text=True, check=True
    ).stdout
    before = (history / "records" / "distribution.yaml").read_bytes()
    data = as_json(history, "2026-04-30T12:00:00+08:00")  # the broken work tree file is unseen
    assert data["errors"] == 0
    assert (history / "records" / "distribution.yaml").read_bytes() == before
    after = subprocess.run(
        ["git", "status", "--porcelain"], cwd=top, capture_output=True, text=True, check=True
    ).stdout
    assert after == status


def test_outside_git_the_records_are_cut_at_the_moment(history: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(history, plain)
    (plain / "records" / "distribution.yaml").write_text(
        ISSUED + WITHDRAWN + UPDATED, encoding="utf-8"
    )
    data = as_json(plain, "2026-03-15T12:00:00+08:00")
    assert data["revision"] is None
    assert data["version"]["version"] == "1.1"
    assert copies(data) == [("C-1", "1.0", "outdated"), ("C-2", None, "withdrawn")]
    assert acks(data) == ([], [("ann", "2026-03-17", False), ("bob", "2026-03-17", False)])
    assert data["loans_open"] == []
    assert [n["person"] for n in data["notices"]] == ["ann"]
    code, _, stderr = audit(plain, "--as-of", "2026-01-04T20:00:00+08:00")
    assert code == 2 and "no version was in force" in stderr


def test_no_git_reads_the_work_tree_inside_a_repository(history: Path) -> None:
    code, stdout, _ = audit(history, "--as-of", "2026-04-05", "--no-git", "--format", "json")
    assert code == 0
    data = json.loads(stdout)
    assert data["revision"] is None
    assert data["errors"] == 1  # the broken, uncommitted distribution record
    assert copies(data) == [("C-1", None, "never-issued"), ("C-2", None, "never-issued")]


def test_a_bad_moment_is_a_usage_error(history: Path) -> None:
    code, _, stderr = audit(history, "--as-of", "March")
    assert code == 2 and stderr.startswith("opsmanual: error: --as-of:")


def test_the_default_moment_is_now(history: Path) -> None:
    code, stdout, _ = audit(history, "--format", "json")
    assert code == 0
    assert json.loads(stdout)["as_of"] == "2026-05-01T12:00:00+08:00"


def test_first_parent_history_decides_which_commit_is_read(tmp_path: Path) -> None:
    top = tmp_path
    repo = empty_repo(top)
    root = top / "manual"
    write_manual(root, {"manual.yaml": MANUAL_10, "records/updates.yaml": RECORD_10})
    repo.commit("first issue", when="2026-01-05T10:00:00+08:00")
    repo.git("checkout", "-q", "-b", "side")
    _write(root, {"records/distribution.yaml": ISSUED})
    repo.commit("copies issued, on a side branch", when="2026-01-06T10:00:00+08:00")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "merge", "side", when="2026-01-20T10:00:00+08:00")
    # On 10 January the side branch's commit existed, but main had not merged it.
    before = as_json(root, "2026-01-10T12:00:00+08:00")
    assert copies(before) == [("C-1", None, "never-issued"), ("C-2", None, "never-issued")]
    after = as_json(root, "2026-01-21T12:00:00+08:00")
    assert copies(after) == [("C-1", "1.0", "current"), ("C-2", "1.0", "current")]


# --- the report an auditor is handed ---------------------------------------------------------


def test_markdown_in_the_manuals_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-11-01T10:00:00+08:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-11-01T10:00:00+08:00")
    repo = example_repo(tmp_path / "repo")
    code, stdout, stderr = audit(repo.root, "--format", "markdown", now="2026-11-02T10:00:00+08:00")
    assert code == 0, stderr
    lines = stdout.splitlines()
    assert lines[0] == "# 《运营管理部工作制度》审核报告"
    for heading in ("现行版本", "更新记录", "阅读确认", "受控副本", "未归还的借阅",
                    "逾期未复核的流程", "已发送的更新通知", "检查结果"):  # fmt: skip
        assert f"## {heading}" in lines
    assert "| OPS-01 | 运营管理部 | 1.3 | 现行版本 |" in lines
    assert "- **批准**：周明" in lines
    assert "| 1.1 | 2026年7月15日 | 2026年7月20日 | 发文 | 运营发〔2026〕12号 | " in stdout
    assert lines[-1] == "审核时点的手册有 0 个错误、0 个警告。"


def test_markdown_in_english(history: Path) -> None:
    code, stdout, _ = audit(history, "--as-of", "2026-03-15", "--format", "markdown")
    assert code == 0
    assert stdout.startswith("# Audit report: Demo manual\n")
    assert "| C-2 | Operations |   | Withdrawn |" in stdout
    assert "| C-1 | Operations | 1.0 | Outdated |" in stdout
    assert "- **Reviewed by**: Bob" in stdout
    assert stdout.endswith("\n\nFindings of the manual as it stood then: 0 errors, 1 warnings.\n")


def test_a_manual_not_yet_committed_then_is_exit_2(tmp_path: Path) -> None:
    top = tmp_path
    repo = empty_repo(top)
    (top / "README").write_text("a repository before its manual\n", encoding="utf-8")
    repo.commit("start", when="2026-01-01T10:00:00+08:00")
    root = write_manual(
        top / "manual", {"manual.yaml": MANUAL_10, "records/updates.yaml": RECORD_10}
    )
    repo.commit("the manual", when="2026-02-01T10:00:00+08:00")
    code, _, stderr = audit(root, "--as-of", "2026-01-20")
    assert code == 2
    assert "did not exist at commit" in stderr and "--no-git" in stderr
    assert as_json(root, "2026-02-02")["version"]["version"] == "1.0"
