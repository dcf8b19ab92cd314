"""`opsmanual ack` and `ack status` on copies of the bundled example, through the real CLI."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitrepo import EXAMPLES
from helpers import run_cli
from opsmanual.acks import acknowledge
from opsmanual.errors import OpsError, Refused
from opsmanual.model import parse_when
from opsmanual.validate import validate

EXAMPLE = EXAMPLES / "operations"
NOW = "2026-12-20T10:00:00+08:00"
pytestmark = pytest.mark.now(NOW)


def prepare(target: Path) -> Path:
    """The example with ack_days 14 and no acknowledgement yet (1.4 took effect 2026-12-01)."""
    shutil.copytree(EXAMPLE, target)
    (target / "records/acks.yaml").unlink(missing_ok=True)
    manual = target / "manual.yaml"
    text = re.sub(r"^ack_days: .*\n", "", manual.read_text(encoding="utf-8"), flags=re.M)
    manual.write_text(text.replace("\nowner:", "\nack_days: 14\nowner:", 1), encoding="utf-8")
    return target


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return prepare(tmp_path / "manual")


def acks_file(root: Path) -> Path:
    return root / "records" / "acks.yaml"


def status(root: Path, *args: str) -> dict[str, object]:
    code, stdout, stderr = run_cli("ack", "status", "--format", "json", *args, manual=root)
    assert code == 0, stderr
    result: dict[str, object] = json.loads(stdout)
    return result


def pending_ids(root: Path) -> list[str]:
    return [p["id"] for p in status(root)["pending"]]  # type: ignore[attr-defined]


def test_ack_records_people_and_validate_stops_reporting_them(root: Path) -> None:
    overdue = [f.file for f in validate(root, use_git=False).findings if f.code == "ack-overdue"]
    assert "staff/zhao-lei.yaml" in overdue and "staff/he-jun.yaml" not in overdue  # left
    code, stdout, _ = run_cli("ack", "zhao-lei", "li-qiang", "--method", "meeting", manual=root)
    assert code == 0, stdout
    assert "zhao-lei acknowledged version 1.4" in stdout
    text = acks_file(root).read_text(encoding="utf-8")
    assert '- person: zhao-lei\n  version: "1.4"\n' in text and "method: meeting" in text
    overdue = [f.file for f in validate(root, use_git=False).findings if f.code == "ack-overdue"]
    assert "staff/zhao-lei.yaml" not in overdue and "staff/li-qiang.yaml" not in overdue
    assert "staff/wu-tao.yaml" in overdue
    result = status(root)
    assert result["version"] == "1.4" and result["due"] == "2026-12-15"
    acknowledged = result["acknowledged"]
    assert acknowledged == [
        {
            "id": "zhao-lei",
            "name": "赵磊",
            "date": "2026-12-20T10:00:00+08:00",
            "method": "meeting",
        },
        {
            "id": "li-qiang",
            "name": "李强",
            "date": "2026-12-20T10:00:00+08:00",
            "method": "meeting",
        },
    ]
    assert {"id": "wu-tao", "name": "吴涛", "due": "2026-12-15", "overdue": True} in result[
        "pending"
    ]  # type: ignore[operator]


def test_an_earlier_version_is_covered_by_a_later_acknowledgement(root: Path) -> None:
    assert run_cli("ack", "wu-tao", manual=root)[0] == 0
    code, _, stderr = run_cli("ack", "wu-tao", "--version", "1.3", manual=root)
    assert code == 1 and "already acknowledged version 1.4" in stderr
    earlier = status(root, "--version", "1.3")
    assert [a["id"] for a in earlier["acknowledged"]] == ["wu-tao"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody"], "reader: no person `nobody` exists"),
        (["wu-tao", "--version", "9.9"], "no update record has it"),
        (["wu-tao", "--at", "2027-01-01"], "in the future"),
        (["wu-tao", "--at", "2026-11-10"], "before version 1.4 was issued"),
        (["wu-tao", "--method", " "], "one line"),
        (["wu-tao", "--note", "a\nb"], "one line"),
        (["wu-tao", "nobody"], "reader: no person `nobody` exists"),  # all or nothing
    ],
)
def test_refusals_exit_1_and_leave_the_file_untouched(
    root: Path, args: list[str], message: str
) -> None:
    acks_file(root).write_text("# 阅读确认记录\n", encoding="utf-8")
    assert run_cli("ack", "sun-jing", "--at", "2026-12-01T09:00", manual=root)[0] == 0
    before = acks_file(root).read_bytes()
    code, _, stderr = run_cli("ack", *args, manual=root)
    assert code == 1, stderr
    assert message in stderr
    assert acks_file(root).read_bytes() == before


def test_an_acknowledgement_older_than_the_last_entry_is_refused(root: Path) -> None:
    assert run_cli("ack", "sun-jing", "--at", "2026-11-20T09:00", manual=root)[0] == 0
    before = acks_file(root).read_bytes()
    code, _, stderr = run_cli("ack", "wu-tao", "--at", "2026-11-19", manual=root)
    assert code == 1 and "oldest first" in stderr
    assert acks_file(root).read_bytes() == before


def test_a_bad_at_is_a_usage_error_in_one_line(root: Path) -> None:
    code, _, stderr = run_cli("ack", "wu-tao", "--at", "yesterday", manual=root)
    assert code == 2 and stderr.count("\n") == 1 and "--at" in stderr


def test_comments_and_layout_are_kept(root: Path) -> None:
    head = (
        "# 阅读确认记录\n"
        "\n"
        "- person: sun-jing\n"
        '  version: "1.4"\n'
        '  date: "2026-11-20T09:00:00+08:00"   # 纸质签字\n'
        "  method: signed\n"
    )
    acks_file(root).write_text(head, encoding="utf-8")
    assert run_cli("ack", "wu-tao", "--note", "例会上确认", manual=root)[0] == 0
    text = acks_file(root).read_text(encoding="utf-8")
    assert text.startswith(head)
    assert text[len(head) :] == (
        '- person: wu-tao\n  version: "1.4"\n  date: "2026-12-20T10:00:00+08:00"\n'
        "  note: 例会上确认\n"
    )


def test_status_text_is_plain_when_piped(root: Path) -> None:
    assert run_cli("ack", "zhao-lei", manual=root)[0] == 0
    code, stdout, _ = run_cli("ack", "status", manual=root)
    assert code == 0
    lines = stdout.splitlines()
    assert lines[0].startswith("version 1.4 (effective 2026-12-01), due 2026-12-15: 1 acknowledged")
    assert "\x1b" not in stdout
    assert re.search(r"^赵磊 \(zhao-lei\) +acknowledged +2026-12-20T10:00:00\+08:00$", stdout, re.M)
    assert re.search(r"^吴涛 \(wu-tao\) +overdue +due 2026-12-15$", stdout, re.M)


def test_status_of_an_unknown_version_exits_2(root: Path) -> None:
    code, _, stderr = run_cli("ack", "status", "--version", "7", manual=root)
    assert code == 2 and "no update record has version 7" in stderr


def _spawn(root: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "OPSMANUAL_NOW": NOW}
    return subprocess.Popen(
        [sys.executable, "-m", "opsmanual", "ack", *args, "-m", str(root)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_race_of_processes_loses_no_acknowledgement(root: Path) -> None:
    people = ["wu-tao", "sun-jing", "liu-yang", "huang-min", "li-qiang", "wang-fang"]
    procs = [_spawn(root, person, "--method", "email") for person in people]
    procs += [_spawn(root, "wu-tao")]  # the same person twice: exactly one entry is kept
    results = [(*p.communicate(timeout=120), p.returncode) for p in procs]
    assert sorted(code for _, _, code in results) == [0, 0, 0, 0, 0, 0, 1], results
    acknowledged = status(root)["acknowledged"]
    assert sorted(a["id"] for a in acknowledged) == sorted(people)  # type: ignore[attr-defined]
    findings = validate(root, use_git=False).findings
    assert [f for f in findings if f.file.startswith("records/")] == []


_PEOPLE = ["wu-tao", "sun-jing", "he-jun", "nobody"]
_OPS = st.lists(
    st.tuples(
        st.lists(st.sampled_from(_PEOPLE), min_size=1, max_size=2),
        st.sampled_from([None, "1.0", "1.2", "1.4", "2.0"]),
        st.integers(min_value=0, max_value=3 * 24 * 60),  # minutes until this command
        st.one_of(st.none(), st.integers(min_value=-60 * 24 * 60, max_value=24 * 60)),
    ),
    max_size=8,
)


@settings(max_examples=25, deadline=None)
@given(ops=_OPS)
def test_any_sequence_of_commands_leaves_a_file_validate_accepts(
    ops: list[tuple[list[str], str | None, int, int | None]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = prepare(Path(folder) / "manual")
        now = parse_when(NOW)
        for people, version, wait, offset in ops:
            now += timedelta(minutes=wait)
            moment = None if offset is None else now + timedelta(minutes=offset)
            before = acks_file(root).read_bytes() if acks_file(root).exists() else None
            try:
                acknowledge(root, people, lambda at=now: at, version, moment, "signed")  # type: ignore[misc]
            except (Refused, OpsError):
                after = acks_file(root).read_bytes() if acks_file(root).exists() else None
                assert after == before
        report = validate(root, use_git=False, at=now)
        assert [f for f in report.findings if f.severity == "error"] == []


def test_notices_say_by_when_and_how_to_acknowledge(root: Path) -> None:
    code, stdout, _ = run_cli("changelog", "--format", "json", manual=root)
    assert code == 0 and json.loads(stdout)["updates"][0]["ack_due"] == "2026-12-15"
    markdown = run_cli("changelog", manual=root)[1]
    assert "- 确认期限：2026年12月15日前回复本通知或在阅读确认表上签字" in markdown
    email = run_cli("changelog", "--format", "email", manual=root)[1]
    assert email.count("请于2026年12月15日前确认已阅读并理解 1.4 版") == 11  # each active reader


def test_notices_without_ack_days_ask_for_nothing(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(EXAMPLE, plain)
    manual = plain / "manual.yaml"
    text = re.sub(r"^ack_days: .*\n", "", manual.read_text(encoding="utf-8"), flags=re.M)
    manual.write_text(text, encoding="utf-8")
    assert (
        json.loads(run_cli("changelog", "--format", "json", manual=plain)[1])["updates"][0][
            "ack_due"
        ]
        is None
    )
    assert "确认期限" not in run_cli("changelog", manual=plain)[1]
    assert "请于" not in run_cli("changelog", "--format", "email", manual=plain)[1]


def test_status_on_a_terminal_is_a_table_with_overdue_people_in_red(root: Path) -> None:
    import pty

    assert run_cli("ack", "zhao-lei", manual=root)[0] == 0
    env = {**os.environ, "OPSMANUAL_NOW": NOW, "COLUMNS": "120", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "opsmanual", "ack", "status", "-m", str(root)],
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert proc.wait(timeout=60) == 0
    os.close(leader)
    screen = b"".join(chunks).decode("utf-8")
    overdue = next(line for line in screen.splitlines() if "wu-tao" in line)
    confirmed = next(line for line in screen.splitlines() if "zhao-lei" in line)
    assert "\x1b[1;31m" in overdue and "overdue" in overdue  # bold red
    assert "\x1b[1;31m" not in confirmed


def test_the_handbook_shows_the_status_only_with_ack_days(root: Path, tmp_path: Path) -> None:
    assert run_cli("ack", "zhao-lei", "--method", "signed", manual=root)[0] == 0
    out = tmp_path / "book.md"
    assert run_cli("render", "--format", "markdown", "-o", str(out), manual=root)[0] == 0
    text = out.read_text(encoding="utf-8")
    assert "### 阅读确认（1.4 版）" in text
    assert "| [赵磊](#person-zhao-lei) | 已确认 | 2026年12月20日 10:00 | 签字 |" in text
    assert "| [吴涛](#person-wu-tao) | 待确认 | 2026年12月15日前 |" in text
    # Rendering later gives the same bytes: the handbook never says "overdue".
    again = tmp_path / "again.md"
    result = run_cli(
        "render",
        "--format",
        "markdown",
        "-o",
        str(again),
        manual=root,
        env={"OPSMANUAL_NOW": "2027-06-01T10:00:00+08:00"},
    )
    assert result.exit_code == 0 and again.read_bytes() == out.read_bytes()
    manual = root / "manual.yaml"
    manual.write_text(manual.read_text(encoding="utf-8").replace("ack_days: 14\n", ""), "utf-8")
    assert run_cli("render", "--format", "markdown", "-o", str(out), manual=root)[0] == 0
    assert '<a id="acks">' not in out.read_text(encoding="utf-8")


def test_diff_shows_new_acknowledgements(tmp_path: Path) -> None:
    from gitrepo import example_repo

    repo = example_repo(tmp_path / "repo")
    assert run_cli("ack", "sun-jing", "--method", "email", manual=repo.root)[0] == 0
    code, stdout, _ = run_cli("diff", manual=repo.root)
    assert code == 0
    assert "~ acks changed" in stdout
    assert '"person": "sun-jing", "version": "1.4"' in stdout
    # Acknowledgements are records: they need no update record of their own.
    repo.commit("sun-jing read 1.4")
    assert [f for f in validate(repo.root).findings if f.severity == "error"] == []
