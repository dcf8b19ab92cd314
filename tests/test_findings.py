"""Every finding code of format.md (git ones aside) from one broken file, at its exact place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import run_cli
from manualkit import BASE, NOW, write_manual

ROLE_WITH_TYPO = BASE["roles/clerk.yaml"].replace("duties:", "dutys:")

CASES: list[tuple[str, dict[str, str | None], tuple[str, int | None, int | None, str]]] = [
    (
        "unclosed flow list",
        {"units/team.yaml": "id: team\nname: [Team\n"},
        ("units/team.yaml", 3, 1, "yaml-syntax"),
    ),
    (
        "tab indentation",
        {"units/team.yaml": "id: team\nname: Team\nduties:\n\t- x\n"},
        ("units/team.yaml", 4, 1, "yaml-syntax"),
    ),
    (
        "python tag",
        {"units/team.yaml": "id: team\nname: !!python/object:os.system x\n"},
        ("units/team.yaml", 2, 7, "yaml-syntax"),
    ),
    (
        "not utf-8",
        {"units/team.yaml": "id: team\nname: caf\udce9\n"},
        ("units/team.yaml", 2, 10, "yaml-syntax"),
    ),
    (
        "two documents",
        {"units/team.yaml": "id: team\nname: Team\n---\nid: x\n"},
        ("units/team.yaml", 3, 1, "yaml-syntax"),
    ),
    (
        "duplicate key",
        {"units/team.yaml": "id: team\nname: Team\nparent: ops\nname: Again\n"},
        ("units/team.yaml", 4, 1, "yaml-duplicate-key"),
    ),
    (
        "nested duplicate key",
        {
            "procedures/plan.yaml": BASE["procedures/plan.yaml"].replace(
                "    action: Draft the plan\n", "    action: Draft the plan\n    actor: manager\n"
            )
        },
        ("procedures/plan.yaml", 9, 5, "yaml-duplicate-key"),
    ),
    (
        "deep nesting",
        {"units/team.yaml": "id: team\nname: Team\nx-deep: " + "[" * 5000 + "]" * 5000},
        ("units/team.yaml", 3, 108, "yaml-limits"),
    ),
    ("typo'd field", {"roles/clerk.yaml": ROLE_WITH_TYPO}, ("roles/clerk.yaml", 5, 1, "schema")),
    (
        "unquoted version",
        {"manual.yaml": BASE["manual.yaml"].replace('"1.1"', "1.10")},
        ("manual.yaml", 4, 10, "schema"),
    ),
    (
        "name read as boolean",
        {"staff/bob.yaml": BASE["staff/bob.yaml"].replace("Bob", "NO")},
        ("staff/bob.yaml", 2, 7, "schema"),
    ),
    (
        "bad email",
        {"staff/bob.yaml": BASE["staff/bob.yaml"].replace("bob@example.com", "bob")},
        ("staff/bob.yaml", 3, 8, "schema"),
    ),
    (
        "impossible date",
        {"procedures/plan.yaml": BASE["procedures/plan.yaml"].replace("2026-10-01", "2026-02-30")},
        ("procedures/plan.yaml", 4, 11, "schema"),
    ),
    (
        "impossible time",
        {"records/loans.yaml": BASE["records/loans.yaml"].replace("T17:00", "T25:00")},
        ("records/loans.yaml", 4, 13, "schema"),
    ),
    (
        "a list, not a mapping",
        {"units/team.yaml": "- id: team\n  name: Team\n"},
        ("units/team.yaml", 1, 1, "schema"),
    ),
    ("empty file", {"units/team.yaml": "# nothing yet\n"}, ("units/team.yaml", 1, 1, "schema")),
    (
        "id-mismatch",
        {"units/team.yaml": "id: teams\nname: Team\nparent: ops\n"},
        ("units/team.yaml", 1, 5, "id-mismatch"),
    ),
    (
        "duplicate-id",
        {"units/team.yml": "id: team\nname: Team\nparent: ops\n"},
        ("units/team.yml", 1, 1, "duplicate-id"),
    ),
    (
        "ref-missing",
        {
            "roles/clerk.yaml": BASE["roles/clerk.yaml"].replace(
                "reports_to: manager", "reports_to: manger"
            )
        },
        ("roles/clerk.yaml", 4, 13, "ref-missing"),
    ),
    (
        "ref-missing step",
        {
            "procedures/plan.yaml": BASE["procedures/plan.yaml"].replace(
                "next: [publish, draft]", "next: [publish, drafts]"
            )
        },
        ("procedures/plan.yaml", 13, 21, "ref-missing"),
    ),
    (
        "cycle",
        {
            "units/ops.yaml": "id: ops\nname: Operations\nparent: team\n",
            "units/root.yaml": "id: root\nname: Root\n",
        },
        ("units/ops.yaml", 3, 9, "cycle"),
    ),
    (
        "no-root",
        {"units/ops.yaml": "id: ops\nname: Operations\nparent: team\n"},
        ("units/ops.yaml", 3, 9, "no-root"),
    ),
    (
        "step-unreachable",
        {
            "procedures/plan.yaml": BASE["procedures/plan.yaml"].replace(
                "next: [publish, draft]", "next: [draft]"
            )
        },
        ("procedures/plan.yaml", 14, 9, "step-unreachable"),
    ),
    (
        "decision-exits",
        {
            "procedures/plan.yaml": BASE["procedures/plan.yaml"].replace(
                "next: [publish, draft]", "next: [publish]"
            )
        },
        ("procedures/plan.yaml", 13, 11, "decision-exits"),
    ),
    (
        "version-order",
        {
            "records/updates.yaml": BASE["records/updates.yaml"].replace(
                "date: 2026-03-01", "date: 2025-12-31"
            )
        },
        ("records/updates.yaml", 7, 9, "version-order"),
    ),
    (
        "version-mismatch",
        {"manual.yaml": BASE["manual.yaml"].replace('"1.1"', '"1.2"')},
        ("manual.yaml", 4, 10, "version-mismatch"),
    ),
    (
        "loan-overlap",
        {
            "records/loans.yaml": BASE["records/loans.yaml"]
            + (
                "- copy: C-1\n  borrower: ann\n  borrowed: 2026-03-02T12:00:00+08:00\n"
                "  returned: 2026-03-03T12:00:00+08:00\n"
            )
        },
        ("records/loans.yaml", 7, 13, "loan-overlap"),
    ),
    (
        "loan-dates",
        {
            "records/loans.yaml": BASE["records/loans.yaml"].replace(
                "returned: 2026-03-02T17:00", "returned: 2026-03-01T17:00"
            )
        },
        ("records/loans.yaml", 4, 13, "loan-dates"),
    ),
    (
        "inactive borrower",
        {
            "records/loans.yaml": "- copy: C-1\n  borrower: bob\n  borrowed: 2026-11-23T09:00\n",
            "staff/bob.yaml": BASE["staff/bob.yaml"] + "active: false\n",
            "staff/cy.yaml": "id: cy\nname: Cy\nroles: [clerk]\n",
        },
        ("records/loans.yaml", 2, 13, "loan-dates"),
    ),
    (
        "loan-overdue",
        {
            "records/loans.yaml": (
                "- copy: C-1\n  borrower: bob\n  borrowed: 2026-11-01T09:00:00+08:00\n"
            )
        },
        ("records/loans.yaml", 3, 13, "loan-overdue"),
    ),
    (
        "record-order",
        {
            "records/acks.yaml": (
                '- person: bob\n  version: "1.1"\n  date: 2026-02-27T09:00:00+08:00\n'
            )
        },
        ("records/acks.yaml", 3, 9, "record-order"),
    ),
    (
        "copy-outdated",
        {
            "records/distribution.yaml": (
                '- copy: C-1\n  action: issue\n  date: 2026-01-06\n  version: "1.0"\n'
            )
        },
        ("records/distribution.yaml", 4, 12, "copy-outdated"),
    ),
    (
        "record-order after a withdrawal",
        {
            "records/distribution.yaml": (
                '- {copy: C-1, action: issue, date: 2026-03-01, version: "1.1"}\n'
                "- {copy: C-1, action: withdraw, date: 2026-03-02}\n"
                '- {copy: C-1, action: update, date: 2026-03-03, version: "1.1"}\n'
            )
        },
        ("records/distribution.yaml", 3, 23, "record-order"),
    ),
    (
        "effective-mismatch manual",
        {
            "manual.yaml": BASE["manual.yaml"].replace(
                "owner: ops", "owner: ops\neffective: 2026-03-02"
            )
        },
        ("manual.yaml", 6, 12, "effective-mismatch"),
    ),
    (
        "effective-mismatch record",
        {
            "records/updates.yaml": BASE["records/updates.yaml"].replace(
                "  author: bob", "  effective: 2026-02-28\n  author: bob"
            )
        },
        ("records/updates.yaml", 10, 14, "effective-mismatch"),
    ),
    (
        "approval-missing",
        {"records/updates.yaml": BASE["records/updates.yaml"].replace("  approved_by: ann\n", "")},
        ("records/updates.yaml", 6, 12, "approval-missing"),
    ),
    (
        "approval-authority",
        {
            "records/updates.yaml": BASE["records/updates.yaml"].replace(
                "approved_by: ann", "approved_by: bob"
            )
        },
        ("records/updates.yaml", 11, 16, "approval-authority"),
    ),
    (
        "ack-overdue",
        {
            "manual.yaml": BASE["manual.yaml"].replace("loan_days: 2", "loan_days: 2\nack_days: 7"),
            "records/acks.yaml": '- person: ann\n  version: "1.1"\n  date: 2026-03-02\n',
        },
        ("staff/bob.yaml", 1, 5, "ack-overdue"),
    ),
    (
        "review-overdue",
        {
            "procedures/plan.yaml": BASE["procedures/plan.yaml"].replace(
                "reviewed: 2026-10-01", "reviewed: 2025-10-01"
            )
        },
        ("procedures/plan.yaml", 4, 11, "review-overdue"),
    ),
    (
        "role-vacant",
        {"staff/bob.yaml": BASE["staff/bob.yaml"].replace("[clerk]", "[]")},
        ("roles/clerk.yaml", 1, 5, "role-vacant"),
    ),
    (
        "chapter-missing",
        {"procedures/extra.yaml": BASE["procedures/plan.yaml"].replace("id: plan", "id: extra")},
        ("manual.yaml", 11, 1, "chapter-missing"),
    ),
    (
        "stray-file",
        {"procedures/notes.txt": "remember to review\n"},
        ("procedures/notes.txt", None, None, "stray-file"),
    ),
]


def run_json(root: Path, *extra: str) -> tuple[int, dict[str, object]]:
    result = run_cli(
        "validate", "--no-git", "--format", "json", *extra, manual=root, env={"OPSMANUAL_NOW": NOW}
    )
    return result.exit_code, json.loads(result.stdout)


def test_base_manual_is_clean(tmp_path: Path) -> None:
    code, report = run_json(write_manual(tmp_path))
    assert report["findings"] == []
    assert (code, report["valid"], report["manual"]) == (0, True, "demo")


# The cases whose change causes more than its one finding: every finding, in the report's order.
EXACT: dict[str, list[tuple[str, int | None, int | None, str]]] = {
    "empty file": [("roles/clerk.yaml", 3, 7, "ref-missing"), ("units/team.yaml", 1, 1, "schema")],
    "no-root": [("units/ops.yaml", 3, 9, "cycle"), ("units/ops.yaml", 3, 9, "no-root")],
    # Cutting the decision's way to `publish` leaves it one way out, and `publish` unreachable.
    "step-unreachable": [
        ("procedures/plan.yaml", 13, 11, "decision-exits"),
        ("procedures/plan.yaml", 14, 9, "step-unreachable"),
    ],
}


@pytest.mark.parametrize(("name", "changes", "expected"), CASES, ids=[c[0] for c in CASES])
def test_finding_at_its_place(
    tmp_path: Path,
    name: str,
    changes: dict[str, str | None],
    expected: tuple[str, int | None, int | None, str],
) -> None:
    if (changes.get("units/team.yaml") or "").endswith("caf\udce9\n"):
        write_manual(tmp_path, {k: v for k, v in changes.items() if k != "units/team.yaml"})
        (tmp_path / "units/team.yaml").write_bytes(b"id: team\nname: caf\xe9\n")
    else:
        write_manual(tmp_path, changes)
    code, report = run_json(tmp_path)
    found = [
        (f["file"], f.get("line"), f.get("column"), f["code"])
        for f in report["findings"]  # type: ignore[attr-defined]
    ]
    assert expected in EXACT.get(name, [expected])
    assert found == EXACT.get(name, [expected]), json.dumps(
        report["findings"], ensure_ascii=False, indent=1
    )
    errors = report["errors"]
    assert code == (1 if errors else 0)


def test_id_mismatch_never_suggests_an_invalid_id(tmp_path: Path) -> None:
    write_manual(
        tmp_path,
        {
            "units/Team.yaml": "id: team\nname: Team\n",
            "units/bad.yaml": "id: Bad Team\nname: Bad\n",
        },
    )
    _, report = run_json(tmp_path)
    by_file = {
        f["file"]: (f["code"], f["message"])
        for f in report["findings"]  # type: ignore[attr-defined]
    }
    code, message = by_file["units/Team.yaml"]
    assert code == "id-mismatch"
    assert message.endswith("rename the file to team.yaml")
    # One root cause, one finding: the schema says what an id may hold.
    assert by_file["units/bad.yaml"][0] == "schema"
    assert [f["file"] for f in report["findings"]].count("units/bad.yaml") == 1  # type: ignore


def test_empty_update_table_is_one_finding(tmp_path: Path) -> None:
    write_manual(tmp_path, {"records/updates.yaml": "[]\n"})
    code, report = run_json(tmp_path)
    assert code == 1
    findings = report["findings"]
    assert [(f["file"], f["code"]) for f in findings] == [  # type: ignore
        ("records/updates.yaml", "schema")
    ]
    assert "first issue" in findings[0]["message"]  # type: ignore


def test_type_messages_suggest_a_fix_that_works(tmp_path: Path) -> None:
    plan = BASE["procedures/plan.yaml"]
    plan = plan.replace("reviewed: 2026-10-01", "reviewed: yes")
    plan = plan.replace("next: [publish, draft]", "next: publish")
    write_manual(tmp_path, {"procedures/plan.yaml": plan})
    _, report = run_json(tmp_path)
    messages = [f["message"] for f in report["findings"]]  # type: ignore
    # Quoting `yes` would only trade this finding for a pattern one: say what the field holds.
    assert any("reviewed" in m and "YYYY-MM-DD" in m and "quote" not in m for m in messages)
    assert any(m.endswith("write next: [publish]") for m in messages), messages


def test_every_code_is_covered() -> None:
    from opsmanual.findings import SEVERITY

    covered = {c[2][3] for c in CASES}
    assert set(SEVERITY) - covered == {"unlogged-change", "history-unavailable"}
