"""A small valid manual written file by file, for tests that break one thing at a time."""

from __future__ import annotations

from pathlib import Path

BASE: dict[str, str] = {
    "manual.yaml": """\
id: demo
title: Demo manual
language: en
version: "1.1"
owner: ops
approver: manager
copies:
  - id: C-1
    holder: ops
loan_days: 2
chapters:
  - title: Planning
    procedures: [plan]
""",
    "units/ops.yaml": """\
id: ops
name: Operations
head: manager
""",
    "units/team.yaml": """\
id: team
name: Team
parent: ops
""",
    "roles/manager.yaml": """\
id: manager
title: Manager
unit: ops
duties:
  - Run the department
""",
    "roles/clerk.yaml": """\
id: clerk
title: Clerk
unit: team
reports_to: manager
duties:
  - Keep the files
""",
    "procedures/plan.yaml": """\
id: plan
title: Plan the year
owner: manager
reviewed: 2026-10-01
steps:
  - id: draft
    actor: clerk
    action: Draft the plan
  - id: approve
    actor: manager
    action: Approve the plan
    approval: true
    next: [publish, draft]
  - id: publish
    actor: clerk
    action: Publish the plan
""",
    "staff/ann.yaml": """\
id: ann
name: Ann
email: ann@example.com
roles: [manager]
""",
    "staff/bob.yaml": """\
id: bob
name: Bob
email: bob@example.com
roles: [clerk]
""",
    "records/updates.yaml": """\
- version: "1.0"
  date: 2026-01-05
  method: reissue
  summary: First issue
  changes: []
- version: "1.1"
  date: 2026-03-01
  summary: Planning procedure revised
  changes: [procedures/plan]
  author: bob
  approved_by: ann
""",
    "records/loans.yaml": """\
- copy: C-1
  borrower: bob
  borrowed: 2026-03-02T09:00:00+08:00
  returned: 2026-03-02T17:00:00+08:00
""",
}

# The same table with its last record not yet approved: with `approver` set, a draft.
DRAFT_UPDATES = BASE["records/updates.yaml"].replace("  author: bob\n  approved_by: ann\n", "")

NOW = "2026-11-23T12:00:00+08:00"


def write_manual(root: Path, changes: dict[str, str | None] | None = None) -> Path:
    """Write BASE with `changes` applied (None deletes a file) and return the folder."""
    files = {**BASE, **(changes or {})}
    for rel, text in files.items():
        if text is None:
            continue
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
