"""records/acks.yaml: loading, the shared record-list rules, who must acknowledge, ack-overdue."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from manualkit import write_manual
from opsmanual.acks import status
from opsmanual.checks.record_lists import in_force
from opsmanual.manual import load_manual
from opsmanual.model import parse_datetime
from opsmanual.source import FolderSource
from opsmanual.validate import validate

WITH_ACK_DAYS = {
    "manual.yaml": """\
id: demo
title: Demo manual
language: en
version: "1.1"
owner: ops
approver: manager
ack_days: 14
copies:
  - id: C-1
    holder: ops
loan_days: 2
chapters:
  - title: Planning
    procedures: [plan]
""",
}


def codes(root: Path, at: str = "2026-11-23T12:00:00+08:00") -> list[tuple[str, str, int | None]]:
    report = validate(root, use_git=False, at=parse_datetime(at))
    return [(f.code, f.file, f.line) for f in report.findings]


def test_acks_are_loaded_into_the_model(tmp_path: Path) -> None:
    acks = '- person: bob\n  version: "1.1"\n  date: 2026-03-02T09:00\n  method: signed\n'
    root = write_manual(tmp_path, {"records/acks.yaml": acks})
    manual, findings = load_manual(FolderSource(root))
    assert not findings
    assert [(a.person, a.version, a.method) for a in manual.acks] == [("bob", "1.1", "signed")]
    assert manual.acks_doc is not None and manual.acks_doc.path == "records/acks.yaml"


def test_a_comment_only_acks_file_is_an_empty_list(tmp_path: Path) -> None:
    root = write_manual(tmp_path, {"records/acks.yaml": "# nobody yet\n"})
    manual, findings = load_manual(FolderSource(root))
    assert not findings and manual.acks == [] and manual.acks_doc is not None


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        # unknown person, unknown version
        ('- person: zed\n  version: "1.1"\n  date: 2026-03-02\n', [("ref-missing", 1)]),
        ('- person: bob\n  version: "1.7"\n  date: 2026-03-02\n', [("ref-missing", 2)]),
        # out of date order: the second entry is flagged
        (
            '- person: bob\n  version: "1.1"\n  date: 2026-03-05\n'
            '- person: ann\n  version: "1.1"\n  date: 2026-03-02\n',
            [("record-order", 6)],
        ),
        # dated before the record of its version (1.1 is dated 2026-03-01)
        ('- person: bob\n  version: "1.1"\n  date: 2026-02-28T23:00\n', [("record-order", 3)]),
        # the same day as the record is fine
        ('- person: bob\n  version: "1.1"\n  date: 2026-03-01T08:00\n', []),
    ],
)
def test_acks_file_rules(tmp_path: Path, entries: str, expected: list[tuple[str, int]]) -> None:
    root = write_manual(tmp_path, {"records/acks.yaml": entries})
    found = [(c, line) for c, f, line in codes(root) if f == "records/acks.yaml"]
    assert found == expected


def test_ref_missing_suggests_the_close_id(tmp_path: Path) -> None:
    root = write_manual(
        tmp_path, {"records/acks.yaml": '- person: bobb\n  version: "1.1"\n  date: 2026-03-02\n'}
    )
    report = validate(root, use_git=False)
    assert any("did you mean `bob`" in f.message for f in report.findings)


def test_in_force_is_the_last_record_whose_effective_date_has_come(tmp_path: Path) -> None:
    updates = """\
- version: "1.0"
  date: 2026-01-05
  summary: First issue
  changes: []
- version: "1.1"
  date: 2026-03-01
  effective: 2026-03-15
  summary: Planning procedure revised
  changes: [procedures/plan]
"""
    manual, _ = load_manual(FolderSource(write_manual(tmp_path, {"records/updates.yaml": updates})))
    assert in_force(manual.updates, date(2026, 1, 4)) is None
    assert in_force(manual.updates, date(2026, 3, 14)).version == "1.0"  # type: ignore[union-attr]
    moment = parse_datetime("2026-03-15T00:00:00+08:00")
    assert in_force(manual.updates, moment).version == "1.1"  # type: ignore[union-attr]


def test_ack_overdue_is_reported_at_the_staff_file(tmp_path: Path) -> None:
    # 1.1 changed procedures/plan: owner manager (ann), actors clerk (bob) and manager.
    root = write_manual(
        tmp_path,
        {
            **WITH_ACK_DAYS,
            "records/acks.yaml": '- person: ann\n  version: "1.1"\n  date: 2026-03-02\n',
        },
    )
    found = [(c, f) for c, f, _ in codes(root) if c == "ack-overdue"]
    assert found == [("ack-overdue", "staff/bob.yaml")]
    # before the due date (2026-03-01 + 14 days) nobody is overdue
    assert not [c for c, _, _ in codes(root, "2026-03-15T23:00:00+08:00") if c == "ack-overdue"]
    assert [c for c, _, _ in codes(root, "2026-03-16T00:30:00+08:00") if c == "ack-overdue"]


def test_without_ack_days_nobody_is_overdue(tmp_path: Path) -> None:
    root = write_manual(tmp_path)
    assert not [c for c, _, _ in codes(root) if c == "ack-overdue"]


def test_status_json_and_the_joined_rule(tmp_path: Path) -> None:
    carol = "id: carol\nname: Carol\nroles: [clerk]\njoined: 2026-06-01\n"
    dave = "id: dave\nname: Dave\nactive: false\nroles: [clerk]\n"
    acks = '- person: ann\n  version: "1.1"\n  date: 2026-03-02T09:30\n  method: meeting\n'
    root = write_manual(
        tmp_path,
        {
            **WITH_ACK_DAYS,
            "staff/carol.yaml": carol,
            "staff/dave.yaml": dave,
            "records/acks.yaml": acks,
        },
    )
    manual, _ = load_manual(FolderSource(root))
    result = status(manual, None, parse_datetime("2026-06-10T12:00:00+08:00"))
    assert result.to_json() == {
        "version": "1.1",
        "due": "2026-03-15",
        "acknowledged": [
            {"id": "ann", "name": "Ann", "date": "2026-03-02T09:30", "method": "meeting"}
        ],
        "pending": [
            {"id": "bob", "name": "Bob", "due": "2026-03-15", "overdue": True},
            {"id": "carol", "name": "Carol", "due": "2026-06-15", "overdue": False},
        ],
    }


def test_a_later_version_covers_earlier_ones(tmp_path: Path) -> None:
    acks = '- person: bob\n  version: "1.1"\n  date: 2026-03-02\n'
    manual, _ = load_manual(FolderSource(write_manual(tmp_path, {"records/acks.yaml": acks})))
    earlier = status(manual, "1.0", parse_datetime("2026-11-23T12:00:00+08:00"))
    assert [a.id for a in earlier.acknowledged] == ["bob"]
    assert earlier.due is None  # no ack_days
    assert [p.id for p in earlier.pending] == ["ann"]  # the first issue reaches everyone
