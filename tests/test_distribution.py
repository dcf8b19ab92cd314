"""`opsmanual copy issue / update / withdraw / list`, the distribution findings, and `loan out`
refusing copies that are withdrawn or do not hold the version in force."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitrepo import EXAMPLES
from helpers import NOW, run_cli
from manualkit import write_manual
from opsmanual.validate import validate

EXAMPLE = EXAMPLES / "operations"
pytestmark = pytest.mark.usefixtures("pinned_now")


def record(root: Path) -> Path:
    return root / "records" / "distribution.yaml"


def findings(root: Path, at: str = NOW, codes: tuple[str, ...] = ()) -> list[str]:
    from opsmanual.model import parse_datetime

    report = validate(root, use_git=False, at=parse_datetime(at))
    return [
        f"{f.code} {f.file}:{f.line}: {f.message}"
        for f in report.findings
        if not codes or f.code in codes
    ]


def statuses(root: Path) -> dict[str, tuple[str | None, str]]:
    code, stdout, _ = run_cli("copy", "list", "--format", "json", manual=root)
    assert code == 0
    return {c["id"]: (c["version"], c["status"]) for c in json.loads(stdout)["copies"]}


def new_version(root: Path, version: str, day: str, effective: str | None = None) -> None:
    """A new update record changing the weekly meeting procedure, as `record add` writes it."""
    lines = [
        f'- version: "{version}"',
        f"  date: {day}",
        "  summary: 例会流程调整",
        "  changes: [procedures/weekly-meeting]",
        "  approved_by: zhou-ming",
    ]
    if effective:
        lines.append(f"  effective: {effective}")
    with (root / "records" / "updates.yaml").open("a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    text = (root / "manual.yaml").read_text(encoding="utf-8")
    text = text.replace('version: "1.4"', f'version: "{version}"')
    text = text.replace("effective: 2026-12-01", f"effective: {effective or day}")
    (root / "manual.yaml").write_text(text, encoding="utf-8")


# --- the example ------------------------------------------------------------------------------


def test_the_example_copies_hold_the_current_version(root: Path) -> None:
    assert statuses(root) == {"OPS-01": ("1.4", "current"), "OPS-02": ("1.4", "current")}
    code, stdout, _ = run_cli("copy", "list", manual=root)
    assert code == 0
    assert stdout.splitlines()[0].split() == [
        "copy", "holder", "location", "version", "status", "borrower",
    ]  # fmt: skip
    assert "version in force: 1.3 (since 2026-10-12)" in stdout
    assert findings(root) == []


def test_list_shows_the_borrower_of_a_copy_that_is_out(root: Path) -> None:
    assert run_cli("loan", "out", "OPS-02", "--to", "wu-tao", manual=root)[0] == 0
    _code, stdout, _ = run_cli("copy", "list", "--format", "json", manual=root)
    copies = json.loads(stdout)["copies"]
    assert [c["borrower"] for c in copies] == [None, "wu-tao"]
    assert copies[1] == {
        "id": "OPS-02",
        "holder": "project-group",
        "location": "项目管理组资料架第二层",
        "version": "1.4",
        "status": "current",
        "borrower": "wu-tao",
    }


# --- a new version ----------------------------------------------------------------------------


def test_a_new_version_outdates_the_copies_once_it_takes_effect(root: Path) -> None:
    new_version(root, "1.5", "2026-11-20", effective="2026-11-25")
    # Not yet in force: the copies holding 1.4 are current, lending goes on.
    assert statuses(root) == {"OPS-01": ("1.4", "current"), "OPS-02": ("1.4", "current")}
    assert findings(root, codes=("copy-outdated",)) == []
    later = "2026-11-26T09:00:00+08:00"
    outdated = findings(root, at=later, codes=("copy-outdated",))
    assert len(outdated) == 2
    assert outdated[0].startswith("copy-outdated records/distribution.yaml:63: copy OPS-01 holds")
    assert "version 1.5 is in force since 2026-11-25" in outdated[0]
    assert "opsmanual render --changed-since 1.4 --copy OPS-01" in outdated[0]


def test_loan_out_refuses_an_outdated_copy_and_names_the_pages(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new_version(root, "1.5", "2026-11-20")
    loans = (root / "records" / "loans.yaml").read_bytes()
    code, _, stderr = run_cli("loan", "out", "OPS-01", "--to", "wu-tao", manual=root)
    assert code == 1
    assert "copy OPS-01 holds version 1.4, but version 1.5 is in force since 2026-11-20" in stderr
    assert "replace the pages of 部门例会" in stderr
    assert "opsmanual render --format pdf --changed-since 1.4 --copy OPS-01" in stderr
    assert (root / "records" / "loans.yaml").read_bytes() == loans
    # The pages replaced and recorded, the copy can be lent.
    code, stdout, _ = run_cli(
        "copy", "update", "OPS-01", "--destroyed", "部门例会旧页", "--by", "zheng-li", manual=root
    )
    assert (code, stdout) == (0, "updated copy OPS-01 from version 1.4 to 1.5\n")
    assert statuses(root) == {"OPS-01": ("1.5", "current"), "OPS-02": ("1.4", "outdated")}
    assert run_cli("loan", "out", "OPS-01", "--to", "wu-tao", manual=root)[0] == 0
    assert findings(root, codes=("copy-outdated",)) == [
        "copy-outdated records/distribution.yaml:69: copy OPS-02 holds version 1.4, but version "
        "1.5 is in force since 2026-11-20; replace its changed pages (opsmanual render "
        "--changed-since 1.4 --copy OPS-02) and record it: opsmanual copy update OPS-02"
    ]


def test_after_a_reissue_the_whole_copy_is_replaced(root: Path) -> None:
    new_version(root, "2.0", "2026-11-20")
    text = (root / "records" / "updates.yaml").read_text(encoding="utf-8")
    (root / "records" / "updates.yaml").write_text(
        text.replace("  summary: 例会流程调整\n", "  summary: 例会流程调整\n  method: reissue\n"),
        encoding="utf-8",
    )
    code, _, stderr = run_cli("loan", "out", "OPS-02", "--to", "wu-tao", manual=root)
    assert code == 1
    assert "version 2.0 is a reissue: replace the whole copy" in stderr
    assert run_cli("copy", "issue", "OPS-02", "--to", "sun-jing", manual=root)[0] == 0
    assert run_cli("loan", "out", "OPS-02", "--to", "wu-tao", manual=root)[0] == 0


# --- withdrawal ---------------------------------------------------------------------------------


def test_a_withdrawn_copy_is_not_lent_until_issued_again(root: Path) -> None:
    code, stdout, _ = run_cli(
        "copy", "withdraw", "OPS-02", "--destroyed", "全部", "--witness", "liu-yang", manual=root
    )
    assert (code, stdout) == (0, "withdrew copy OPS-02\n")
    assert statuses(root)["OPS-02"] == (None, "withdrawn")
    code, _, stderr = run_cli("loan", "out", "OPS-02", "--to", "wu-tao", manual=root)
    assert code == 1
    assert "copy OPS-02 was withdrawn on 2026-11-23T10:00:00+08:00 and cannot be lent" in stderr
    assert findings(root) == []  # a withdrawn copy need not be current
    for args in (["update", "OPS-02"], ["withdraw", "OPS-02"]):
        code, _, stderr = run_cli("copy", *args, manual=root)
        assert code == 1, args
    assert run_cli("copy", "issue", "OPS-02", manual=root)[0] == 0
    assert statuses(root)["OPS-02"] == ("1.4", "current")
    assert run_cli("loan", "out", "OPS-02", "--to", "wu-tao", manual=root)[0] == 0


def test_loan_out_refuses_a_withdrawn_copy_even_without_versions_to_compare(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_manual(
        tmp_path,
        {
            "records/distribution.yaml": (
                '- {copy: C-1, action: issue, date: 2026-03-01, version: "1.1"}\n'
                "- {copy: C-1, action: withdraw, date: 2026-04-01}\n"
            )
        },
    )
    code, _, stderr = run_cli("loan", "out", "C-1", "--to", "bob", manual=root)
    assert code == 1 and "withdrawn on 2026-04-01" in stderr


def test_without_a_distribution_record_lending_is_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_manual(tmp_path)
    assert statuses(root) == {"C-1": (None, "never-issued")}
    assert findings(root, codes=("copy-outdated",)) == []
    assert run_cli("loan", "out", "C-1", "--to", "bob", manual=root)[0] == 0
    _code, stdout, _ = run_cli("copy", "list", manual=root)
    assert "no records/distribution.yaml" in stdout


def test_the_first_issue_creates_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_manual(tmp_path)
    code, stdout, _ = run_cli("copy", "issue", "C-1", "--to", "bob", "--by", "ann", manual=root)
    assert (code, stdout) == (0, "issued copy C-1: it holds version 1.1\n")
    assert (root / "records" / "distribution.yaml").read_text(encoding="utf-8") == (
        "- copy: C-1\n"
        "  action: issue\n"
        '  date: "2026-11-23T10:00:00+08:00"\n'
        '  version: "1.1"\n'
        "  by: ann\n"
        "  received_by: bob\n"
    )
    assert findings(root, codes=("copy-outdated", "record-order", "ref-missing")) == []


def test_a_record_file_that_exists_makes_every_copy_accountable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_manual(tmp_path, {"records/distribution.yaml": "# issued copies\n"})
    assert findings(root, codes=("copy-outdated",)) == [
        "copy-outdated manual.yaml:8: copy C-1 has never been issued (records/distribution.yaml "
        "has no entry for it); record its issue: opsmanual copy issue C-1"
    ]
    code, _, stderr = run_cli("loan", "out", "C-1", "--to", "bob", manual=root)
    assert code == 1 and "never been issued" in stderr
    assert run_cli("copy", "issue", "C-1", manual=root)[0] == 0
    text = (root / "records" / "distribution.yaml").read_text(encoding="utf-8")
    assert text.startswith("# issued copies\n- copy: C-1\n")


# --- editing guarantees ------------------------------------------------------------------------


def test_an_entry_is_appended_after_every_byte_of_the_file(root: Path) -> None:
    before = record(root).read_text(encoding="utf-8")
    code, _, _ = run_cli(
        "copy",
        "withdraw",
        "OPS-01",
        "--by",
        "zheng-li",
        "--note",
        "部门搬迁，改用 OPS-02",
        manual=root,
    )
    assert code == 0
    after = record(root).read_text(encoding="utf-8")
    assert after == before + (
        "- copy: OPS-01\n"
        "  action: withdraw\n"
        '  date: "2026-11-23T10:00:00+08:00"\n'
        "  by: zheng-li\n"
        "  note: 部门搬迁，改用 OPS-02\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["issue", "OPS-09"], "there is no copy OPS-09; the controlled copies are OPS-01, OPS-02"),
        (["issue", "OPS-01", "--version", "3.0"], "there is no version 3.0"),
        (["issue", "OPS-01", "--to", "nobody"], "recipient: no person `nobody` exists"),
        (["issue", "OPS-01", "--to", "he-jun"], "何军 (he-jun) is not active"),
        (["update", "OPS-01"], "copy OPS-01 already holds version 1.4"),
        (["update", "OPS-01", "--version", "1.2"], "copy OPS-01 already holds version 1.4"),
        (["issue", "OPS-01", "--at", "2026-12-01"], "is in the future"),
        (["issue", "OPS-01", "--at", "2026-10-01"], "before the last entry"),
        (["withdraw", "OPS-01", "--witness", "x"], "witness: no person `x` exists"),
        (["withdraw", "OPS-01", "--note", " "], "--note must be one line of text"),
        (["withdraw", "OPS-01", "--destroyed", "a\nb"], "--destroyed must be one line of text"),
    ],
)
def test_refusals_exit_1_and_write_nothing(root: Path, args: list[str], message: str) -> None:
    before = record(root).read_bytes()
    code, stdout, stderr = run_cli("copy", *args, manual=root)
    assert code == 1, stderr
    assert message in stderr
    assert stdout == ""
    assert record(root).read_bytes() == before


def test_a_copy_out_on_loan_is_not_withdrawn(root: Path) -> None:
    assert run_cli("loan", "out", "OPS-01", "--to", "wu-tao", manual=root)[0] == 0
    before = record(root).read_bytes()
    code, _, stderr = run_cli("copy", "withdraw", "OPS-01", manual=root)
    assert code == 1
    assert "copy OPS-01 is out to 吴涛 (wu-tao); record its return first" in stderr
    assert record(root).read_bytes() == before
    assert run_cli("loan", "back", "OPS-01", manual=root)[0] == 0
    assert run_cli("copy", "withdraw", "OPS-01", manual=root)[0] == 0


def test_an_edition_cannot_be_held_before_it_was_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_manual(tmp_path)
    code, _, stderr = run_cli("copy", "issue", "C-1", "--at", "2026-02-01", manual=root)
    assert code == 1
    assert "version 1.1 was recorded on 2026-03-01, after 2026-02-01" in stderr
    assert not (root / "records" / "distribution.yaml").exists()
    assert (
        run_cli("copy", "issue", "C-1", "--at", "2026-02-01", "--version", "1.0", manual=root)[0]
        == 0
    )


def test_a_bad_date_is_a_usage_error(root: Path) -> None:
    code, _, stderr = run_cli("copy", "issue", "OPS-01", "--at", "yesterday", manual=root)
    assert code == 2 and "--at:" in stderr and stderr[-1] == "\n" and stderr.count("\n") == 1


def test_a_broken_record_is_refused_not_extended(root: Path) -> None:
    text = record(root).read_text(encoding="utf-8") + "- copy: OPS-01\n  action: lost\n"
    record(root).write_text(text, encoding="utf-8")
    code, _, stderr = run_cli("copy", "issue", "OPS-01", manual=root)
    assert code == 1 and "the distribution record has errors" in stderr
    assert record(root).read_text(encoding="utf-8") == text
    code, _, stderr = run_cli("copy", "list", manual=root)
    assert code == 1 and "cannot read the copies" in stderr


def _spawn(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "opsmanual", *args, "-m", str(root)],
        env={**os.environ, "OPSMANUAL_NOW": NOW},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_race_of_issues_and_loans_loses_nothing(root: Path) -> None:
    commands = [
        ("copy", "issue", "OPS-01", "--to", "liu-yang", "--note", "first"),
        ("loan", "out", "OPS-01", "--to", "wu-tao"),
        ("copy", "issue", "OPS-02", "--to", "sun-jing"),
        ("loan", "out", "OPS-02", "--to", "huang-min"),
        ("copy", "issue", "OPS-01", "--to", "liu-yang", "--note", "second"),
    ]
    procs = [_spawn(root, *c) for c in commands]
    results = [(*p.communicate(timeout=120), p.returncode) for p in procs]
    assert [code for _, _, code in results] == [0] * 5, results
    _code, stdout, _ = run_cli("copy", "list", "--format", "json", manual=root)
    copies = json.loads(stdout)["copies"]
    assert [(c["status"], c["borrower"]) for c in copies] == [
        ("current", "wu-tao"),
        ("current", "huang-min"),
    ]
    text = record(root).read_text(encoding="utf-8")
    assert text.count("  note: first\n") == 1 and text.count("  note: second\n") == 1
    assert text.count("- copy:") == 10 + 3
    assert findings(root) == []


# --- validate ------------------------------------------------------------------------------------


def test_distribution_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_manual(
        tmp_path,
        {
            "records/distribution.yaml": """\
- copy: C-1
  action: issue
  date: 2026-03-02
  version: "1.1"
  by: ann
- copy: C-2
  action: issue
  date: 2026-03-03
  version: "1.3"
  received_by: zed
- copy: C-1
  action: withdraw
  date: 2026-03-01
- copy: C-1
  action: update
  date: 2026-03-04
  version: "1.1"
- copy: C-1
  action: issue
  date: 2026-03-05
  version: "1.0"
- copy: C-1
  action: issue
  date: 2026-01-04
  version: "1.1"
""",
        },
    )
    assert findings(root) == [
        "ref-missing records/distribution.yaml:6: no controlled copy `C-2` exists; did you mean "
        "`C-1`?",
        "ref-missing records/distribution.yaml:9: no update record version `1.3` exists; did "
        "you mean `1.1` or `1.0`?",
        "ref-missing records/distribution.yaml:10: no person `zed` exists; known: `ann`, `bob`",
        "record-order records/distribution.yaml:13: date 2026-03-01 is before 2026-03-03, the "
        "date of the entry above it; entries are kept oldest first, new ones at the end",
        "record-order records/distribution.yaml:15: copy C-1 was withdrawn on 2026-03-01 (entry "
        "3); after a withdrawal only a new `issue` may follow",
        "copy-outdated records/distribution.yaml:21: copy C-1 holds version 1.0, but version 1.1 "
        "is in force since 2026-03-01; replace its changed pages (opsmanual render "
        "--changed-since 1.0 --copy C-1) and record it: opsmanual copy update C-1",
        "record-order records/distribution.yaml:24: date 2026-01-04 is before 2026-03-01, the "
        "date of the update record of version 1.1; a version cannot be handled before it exists",
        "record-order records/distribution.yaml:24: date 2026-01-04 is before 2026-03-05, the "
        "date of the entry above it; entries are kept oldest first, new ones at the end",
    ]


def test_an_empty_or_missing_version_is_a_schema_finding(tmp_path: Path) -> None:
    root = write_manual(
        tmp_path, {"records/distribution.yaml": "- {copy: C-1, action: update, date: 2026-03-02}\n"}
    )
    assert [f.split(":")[0] for f in findings(root)] == ["schema records/distribution.yaml"]


# --- any sequence -----------------------------------------------------------------------------

_OPS = st.lists(
    st.tuples(
        st.sampled_from(["issue", "update", "withdraw", "lend"]),
        st.sampled_from(["OPS-01", "OPS-02", "OPS-03"]),
        st.sampled_from([None, "1.0", "1.2", "1.3", "1.4"]),
        st.integers(min_value=0, max_value=3 * 24 * 60),
    ),
    max_size=6,
)


@settings(max_examples=12, deadline=None)
@given(ops=_OPS)
def test_any_sequence_of_commands_leaves_a_record_validate_accepts(
    ops: list[tuple[str, str, str | None, int]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "manual"
        shutil.copytree(EXAMPLE, root)
        start = datetime.fromisoformat(NOW)
        for action, copy, version, minutes in ops:
            start += timedelta(minutes=minutes)
            os.environ["OPSMANUAL_NOW"] = start.isoformat()
            try:
                if action == "lend":
                    args = ["loan", "out", copy, "--to", "wu-tao"]
                else:
                    given = ["--version", version] if version and action != "withdraw" else []
                    args = ["copy", action, copy, *given]
                before = record(root).read_bytes()
                code, _, stderr = run_cli(*args, manual=root)
            finally:
                del os.environ["OPSMANUAL_NOW"]
            assert code in (0, 1), stderr
            if code == 1 and action != "lend":
                assert record(root).read_bytes() == before
            report = validate(root, use_git=False, at=start)
            assert [f for f in report.findings if f.severity == "error"] == [], ops


# --- the handbook ------------------------------------------------------------------------------


def test_the_handbook_lists_the_edition_each_copy_holds(root: Path, tmp_path: Path) -> None:
    assert run_cli("copy", "withdraw", "OPS-02", "--destroyed", "全部", manual=root)[0] == 0
    out = tmp_path / "handbook.md"
    assert run_cli("render", "--format", "markdown", "-o", str(out), manual=root)[0] == 0
    lines = [line for line in out.read_text(encoding="utf-8").splitlines() if "| OPS-0" in line]
    assert lines[0].endswith("| 运营管理部办公室 A-3 文件柜 | 第 1.4 版（2026年11月17日） |")
    assert lines[1].endswith("| 项目管理组资料架第二层 | 已收回（2026年11月23日） |")


def test_without_a_record_the_handbook_has_no_edition_column(tmp_path: Path) -> None:
    root = write_manual(tmp_path / "m")
    assert run_cli("render", "-o", str(tmp_path / "site"), manual=root)[0] == 0
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "<th>Kept at</th></tr>" in html and "Edition held" not in html
    (root / "records" / "distribution.yaml").write_text("", encoding="utf-8")
    assert run_cli("render", "-o", str(tmp_path / "site"), manual=root)[0] == 0
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "<th>Edition held</th>" in html and "<td>not issued</td>" in html


def test_diff_shows_the_distribution_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gitrepo import example_repo

    repo = example_repo(tmp_path / "repo")
    assert run_cli("copy", "withdraw", "OPS-02", "--witness", "liu-yang", manual=repo.root)[0] == 0
    code, stdout, _ = run_cli("diff", manual=repo.root)
    assert code == 0
    assert "~ distribution changed" in stdout
    assert '"action": "withdraw"' in stdout
    # The record is a record: it needs no update record of its own.
    repo.commit("OPS-02 withdrawn")
    assert validate(repo.root).findings == []
