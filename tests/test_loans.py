"""`opsmanual loan out / back / list` on copies of the bundled example manual."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitrepo import EXAMPLES
from helpers import NOW, run_cli
from opsmanual import atomic
from opsmanual.errors import Refused
from opsmanual.loans import lend, take_back
from opsmanual.model import parse_when
from opsmanual.validate import validate

EXAMPLE = EXAMPLES / "operations"
pytestmark = pytest.mark.usefixtures("pinned_now")


@pytest.fixture
def shanghai(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This machine's local time zone is UTC+8 for the test."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def register(root: Path) -> Path:
    return root / "records" / "loans.yaml"


def loan_findings(root: Path, at: datetime | None = None) -> list[str]:
    report = validate(root, use_git=False, at=at)
    return [f"{f.code}: {f.message}" for f in report.findings if f.code.startswith("loan-")]


def test_out_appends_one_entry_and_keeps_every_byte_before_it(root: Path) -> None:
    before = register(root).read_text(encoding="utf-8")
    code, stdout, _ = run_cli(
        "loan",
        "out",
        "OPS-01",
        "--to",
        "wu-tao",
        "--purpose",
        "查阅培训流程",
        "--by",
        "zheng-li",
        manual=root,
    )
    assert code == 0
    assert stdout == "lent copy OPS-01 to 吴涛 (wu-tao), due back 2026-11-26T23:59:59+08:00\n"
    after = register(root).read_text(encoding="utf-8")
    assert after.startswith(before)
    assert after[len(before) :] == (
        "- copy: OPS-01\n"
        "  borrower: wu-tao\n"
        '  borrowed: "2026-11-23T10:00:00+08:00"\n'
        '  due: "2026-11-26T23:59:59+08:00"\n'
        "  purpose: 查阅培训流程\n"
        "  issued_by: zheng-li\n"
    )
    report = validate(root, use_git=False)
    assert report.findings == []


def test_due_given_as_a_date_means_the_end_of_that_day(root: Path) -> None:
    code, stdout, _ = run_cli(
        "loan", "out", "OPS-02", "--to", "sun-jing", "--due", "2026-11-24", manual=root
    )
    assert code == 0, stdout
    assert "due back 2026-11-24T23:59:59" in stdout
    assert '  due: "2026-11-24T23:59:59' in register(root).read_text(encoding="utf-8")


@pytest.mark.usefixtures("shanghai")
def test_naive_times_are_local_and_written_with_their_offset(root: Path) -> None:
    assert (
        run_cli(
            "loan", "out", "OPS-02", "--to", "sun-jing", "--due", "2026-11-25T18:00", manual=root
        )[0]
        == 0
    )
    assert (
        run_cli("loan", "back", "OPS-02", "--at", "2026-11-23T09:59", manual=root)[0] == 1
    )  # before loan
    assert run_cli("loan", "back", "OPS-02", "--at", "2026-11-23T10:00", manual=root)[0] == 0
    text = register(root).read_text(encoding="utf-8")
    assert 'due: "2026-11-25T18:00:00+08:00"' in text
    assert 'returned: "2026-11-23T10:00:00+08:00"' in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--due", "tomorrow"), "is not a date-time"),
        (("--due", "2026-02-30"), "is not a real date"),
        (("--due", "2026-11-24 18:00"), "is not a date-time"),
    ],
)
def test_bad_date_time_is_a_usage_error(root: Path, args: tuple[str, str], message: str) -> None:
    before = register(root).read_bytes()
    code, _, stderr = run_cli("loan", "out", "OPS-01", "--to", "wu-tao", *args, manual=root)
    assert code == 2
    assert message in stderr
    assert stderr.startswith(f"opsmanual: error: {args[0]}: ")
    assert len(stderr.strip().splitlines()) == 1
    assert register(root).read_bytes() == before


def _lent(root: Path, copy: str = "OPS-01", to: str = "wu-tao") -> None:
    assert run_cli("loan", "out", copy, "--to", to, manual=root)[0] == 0


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (
            _lent,
            ("out", "OPS-01", "--to", "sun-jing"),
            "copy OPS-01 is already out to 吴涛 (wu-tao) since 2026-11-23T10:00:00+08:00; "
            "record its return first: opsmanual loan back OPS-01",
        ),
        (
            None,
            ("out", "OPS-9", "--to", "wu-tao"),
            "there is no copy OPS-9; the controlled copies are OPS-01, OPS-02",
        ),
        (
            None,
            ("out", "OPS-01", "--to", "wu-tai"),
            "no person `wu-tai` exists; did you mean `wu-tao`",
        ),
        (None, ("out", "OPS-01", "--to", "he-jun"), "何军 (he-jun) is not active"),
        (None, ("out", "OPS-01", "--to", "wu-tao", "--by", "zheng-lee"), "did you mean `zheng-li`"),
        (None, ("out", "OPS-01", "--to", "wu-tao", "--by", "he-jun"), "cannot be the issuer"),
        (
            None,
            ("out", "OPS-01", "--to", "wu-tao", "--due", "2026-11-23T09:00:00+08:00"),
            "the due date 2026-11-23T09:00:00+08:00 is before the loan (2026-11-23T10:00:00+08:00)",
        ),
        (None, ("out", "OPS-01", "--to", "wu-tao", "--purpose", "a\nb"), "one line"),
        (
            None,
            ("back", "OPS-01"),
            "copy OPS-01 is not out (last returned 2026-10-15T09:45:00+08:00 by 黄敏 (huang-min))",
        ),
        (None, ("back", "OPS-7"), "there is no copy OPS-7"),
        (
            _lent,
            ("back", "OPS-01", "--at", "2026-11-23T09:00:00+08:00"),
            "the return 2026-11-23T09:00:00+08:00 is before the loan of copy OPS-01 to 吴涛",
        ),
        (_lent, ("back", "OPS-01", "--at", "2026-11-24T09:00:00+08:00"), "is in the future"),
    ],
)
def test_refusals_exit_1_and_leave_the_file_untouched(
    root: Path, setup: object, args: tuple[str, ...], message: str
) -> None:
    if callable(setup):
        setup(root)
    before = register(root).read_bytes()
    code, stdout, stderr = run_cli("loan", *args, manual=root)
    assert code == 1
    assert stdout == ""
    assert stderr.startswith("opsmanual: refused: ")
    assert stderr.count("\n") == 1
    assert message in stderr
    assert register(root).read_bytes() == before


def test_a_register_with_errors_is_not_edited(root: Path) -> None:
    path = register(root)
    path.write_text(path.read_text(encoding="utf-8") + "- copy: OPS-01\n  borrower: wu-tao\n")
    before = path.read_bytes()
    code, _, stderr = run_cli("loan", "out", "OPS-02", "--to", "sun-jing", manual=root)
    assert code == 1
    assert "the borrowing register has errors: records/loans.yaml:" in stderr
    assert "opsmanual validate" in stderr
    assert path.read_bytes() == before


def test_a_register_that_is_not_yaml_is_not_edited_and_not_listed(root: Path) -> None:
    path = register(root)
    path.write_text("- copy: [OPS-01\n", encoding="utf-8")
    before = path.read_bytes()
    assert run_cli("loan", "out", "OPS-02", "--to", "sun-jing", manual=root)[0] == 1
    code, stdout, stderr = run_cli("loan", "list", manual=root)
    assert code == 1
    assert stdout == ""
    assert "cannot read the borrowing register: records/loans.yaml:" in stderr
    assert path.read_bytes() == before


def test_a_manual_without_copies_lends_nothing(root: Path) -> None:
    manual = root / "manual.yaml"
    text = manual.read_text(encoding="utf-8")
    start, end = text.index("copies:"), text.index("loan_days:")
    manual.write_text(text[:start] + text[end:], encoding="utf-8")
    code, _, stderr = run_cli("loan", "out", "OPS-01", "--to", "wu-tao", manual=root)
    assert code == 1
    assert "no controlled copy `OPS-01` exists" in stderr  # the old entries now name no copy
    register(root).unlink()
    code, _, stderr = run_cli("loan", "out", "OPS-01", "--to", "wu-tao", manual=root)
    assert code == 1
    assert "manual.yaml lists no controlled copies" in stderr
    assert not register(root).exists()


def test_first_loan_creates_the_register(root: Path) -> None:
    register(root).unlink()
    assert run_cli("loan", "out", "OPS-01", "--to", "wu-tao", manual=root)[0] == 0
    assert register(root).read_text(encoding="utf-8").startswith("- copy: OPS-01\n")
    assert loan_findings(root) == []


def test_back_edits_only_the_open_loan_of_that_copy(root: Path) -> None:
    _lent(root, "OPS-01", "wu-tao")
    _lent(root, "OPS-02", "sun-jing")
    before = register(root).read_text(encoding="utf-8").splitlines(keepends=True)
    code, stdout, _ = run_cli("loan", "back", "OPS-01", manual=root)
    assert code == 0
    assert stdout == "copy OPS-01 returned by 吴涛 (wu-tao) at 2026-11-23T10:00:00+08:00\n"
    after = register(root).read_text(encoding="utf-8").splitlines(keepends=True)
    # one line added, at the end of the OPS-01 entry; the OPS-02 entry after it untouched
    where = len(before) - 4
    assert after == [*before[:where], '  returned: "2026-11-23T10:00:00+08:00"\n', *before[where:]]
    assert before[where] == "- copy: OPS-02\n"


def test_back_clears_an_inactive_persons_open_loan(root: Path) -> None:
    path = register(root)
    path.write_text(
        path.read_text(encoding="utf-8")
        + '- copy: OPS-02\n  borrower: he-jun\n  borrowed: "2026-08-20T09:00:00+08:00"\n',
        encoding="utf-8",
    )
    assert any(f.startswith("loan-dates") for f in loan_findings(root))
    assert (
        run_cli("loan", "out", "OPS-01", "--to", "wu-tao", manual=root)[0] == 1
    )  # register has errors
    code, stdout, _ = run_cli(
        "loan", "back", "OPS-02", "--at", "2026-08-29T17:00:00+08:00", manual=root
    )
    assert code == 0, stdout
    assert loan_findings(root) == []


def test_list_text_json_and_filters(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_cli(
        "loan", "out", "OPS-01", "--to", "wu-tao", "--due", "2026-11-24T18:00:00+08:00", manual=root
    )
    _lent(root, "OPS-02", "sun-jing")
    monkeypatch.setenv("OPSMANUAL_NOW", "2026-11-25T09:00:00+08:00")

    code, stdout, _ = run_cli("loan", "list", manual=root)
    assert code == 0
    lines = stdout.splitlines()
    assert lines[0].split() == ["copy", "holder", "borrower", "since", "due", "returned", "status"]
    assert len(lines) == 8
    assert lines[1].split()[:3] == ["OPS-01", "运营管理部", "刘洋"]
    assert lines[6].split() == [
        "OPS-01", "运营管理部", "吴涛", "(wu-tao)", "2026-11-23", "10:00", "2026-11-24", "18:00",
        "overdue",
    ]  # fmt: skip
    assert lines[7].endswith("open")
    assert len({line.index("status") if "status" in line else None for line in lines[:1]}) == 1

    code, stdout, _ = run_cli("loan", "list", "--open", manual=root)
    assert [line.split()[0] for line in stdout.splitlines()[1:]] == ["OPS-01", "OPS-02"]
    code, stdout, _ = run_cli("loan", "list", "--overdue", "--format", "json", manual=root)
    assert code == 0
    assert json.loads(stdout) == {
        "loans": [
            {
                "copy": "OPS-01",
                "borrower": "wu-tao",
                "borrowed": "2026-11-23T10:00:00+08:00",
                "due": "2026-11-24T18:00:00+08:00",
                "status": "overdue",
            }
        ]
    }
    code, stdout, _ = run_cli("loan", "list", "--format", "json", manual=root)
    loans = json.loads(stdout)["loans"]
    assert [x["status"] for x in loans] == ["returned"] * 5 + ["overdue", "open"]
    assert loans[0]["returned"] == "2026-06-10T17:20:00+08:00"


def test_list_ignores_findings_elsewhere_and_says_when_empty(root: Path) -> None:
    (root / "procedures" / "training.yaml").write_text("id: training\n", encoding="utf-8")
    code, stdout, _ = run_cli("loan", "list", "--open", manual=root)
    assert (code, stdout) == (0, "no open loans\n")


def test_a_crash_before_the_rename_keeps_the_old_register(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = register(root).read_bytes()

    def crash(tmp: Path, target: Path) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(atomic, "_replace", crash)
    code, _, stderr = run_cli("loan", "out", "OPS-01", "--to", "wu-tao", manual=root)
    assert code == 2
    assert "cannot write" in stderr
    assert register(root).read_bytes() == before
    assert sorted(p.name for p in register(root).parent.iterdir() if p.name.endswith(".tmp")) == []


def _spawn(root: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "OPSMANUAL_NOW": NOW}
    return subprocess.Popen(
        [sys.executable, "-m", "opsmanual", "loan", *args, "-m", str(root)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_six_processes_race_for_one_copy_and_exactly_one_wins(root: Path) -> None:
    people = ["wu-tao", "sun-jing", "liu-yang", "huang-min", "li-qiang", "wang-fang"]
    procs = [_spawn(root, "out", "OPS-01", "--to", person) for person in people]
    results = [(*p.communicate(timeout=120), p.returncode) for p in procs]
    codes = sorted(code for _, _, code in results)
    assert codes == [0, 1, 1, 1, 1, 1], results
    assert all("already out to" in err for _, err, code in results if code == 1)
    assert loan_findings(root) == []
    loans = json.loads(run_cli("loan", "list", "--open", "--format", "json", manual=root)[1])[
        "loans"
    ]
    winner = next(out for out, _, code in results if code == 0)
    assert len(loans) == 1 and f"({loans[0]['borrower']})" in winner


def test_concurrent_loans_of_two_copies_are_both_kept(root: Path) -> None:
    procs = [
        _spawn(root, "out", "OPS-01", "--to", "wu-tao"),
        _spawn(root, "out", "OPS-02", "--to", "sun-jing"),
    ]
    results = [(p.communicate(timeout=120), p.returncode) for p in procs]
    assert [code for _, code in results] == [0, 0], results
    loans = json.loads(run_cli("loan", "list", "--open", "--format", "json", manual=root)[1])[
        "loans"
    ]
    assert sorted(x["copy"] for x in loans) == ["OPS-01", "OPS-02"]


_OPS = st.lists(
    st.tuples(
        st.sampled_from(["out", "back"]),
        st.sampled_from(["OPS-01", "OPS-02", "OPS-03"]),
        st.sampled_from(["wu-tao", "sun-jing", "he-jun", "nobody"]),
        st.integers(min_value=0, max_value=5 * 24 * 60),  # minutes until this command
        st.one_of(st.none(), st.integers(min_value=-2 * 24 * 60, max_value=6 * 24 * 60)),
    ),
    max_size=8,
)


@settings(max_examples=25, deadline=None)
@given(ops=_OPS)
def test_any_sequence_of_commands_leaves_a_register_validate_accepts(
    ops: list[tuple[str, str, str, int, int | None]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "manual"
        shutil.copytree(EXAMPLE, root)
        now = parse_when(NOW)
        for op, copy, person, wait, offset in ops:
            now += timedelta(minutes=wait)
            moment = None if offset is None else now + timedelta(minutes=offset)
            before = register(root).read_bytes()
            try:
                if op == "out":
                    lend(root, copy, person, now, due=moment)
                else:
                    take_back(root, copy, now, at=moment)
            except Refused:
                assert register(root).read_bytes() == before
        errors = [f for f in loan_findings(root, at=now) if not f.startswith("loan-overdue")]
        assert errors == []


def test_back_puts_returned_above_the_comment_about_the_next_entry(root: Path) -> None:
    head = (
        "# 借阅登记表\n"
        "- copy: OPS-02\n"
        "  borrower: wu-tao\n"
        '  borrowed: "2026-11-01T09:00:00+08:00"\n'
        "  purpose: 查阅   # 行尾\n"
    )
    tail = '\n# 下一条\n- copy: OPS-01\n  borrower: sun-jing\n  borrowed: "2026-11-02T09:00:00+08:00"\n'
    register(root).write_text(head + tail, encoding="utf-8")
    assert (
        run_cli("loan", "back", "OPS-02", "--at", "2026-11-03T10:00:00+08:00", manual=root)[0] == 0
    )
    returned = '  returned: "2026-11-03T10:00:00+08:00"\n'
    assert register(root).read_text(encoding="utf-8") == head + returned + tail
