"""The controlled-document marks in the render context (cli.md 1.1): one object every output reads."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from manualkit import BASE, write_manual
from opsmanual.manual import load_manual
from opsmanual.render.context import build
from opsmanual.render.i18n import load_words
from opsmanual.source import FolderSource

SIGNED = """\
- version: "1.0"
  date: 2026-01-05
  method: reissue
  summary: First issue
  changes: []
- version: "1.1"
  date: 2026-03-01
  effective: 2026-03-10
  summary: Planning procedure revised
  changes: [procedures/plan]
  author: bob
  approved_by: ann
  approved: 2026-03-02
"""


def marks(root: Path, copy: str | None = None):  # type: ignore[no-untyped-def]
    manual, _ = load_manual(FolderSource(root))
    assert manual.info is not None
    return build(manual, load_words(manual.info.language), copy).marks


def test_marks_come_from_manual_yaml_and_the_last_record(tmp_path: Path) -> None:
    extra = "number: QH-YY-ZD-001\nclassification: Internal\neffective: 2026-03-10\n"
    root = write_manual(
        tmp_path,
        {
            "manual.yaml": BASE["manual.yaml"] + extra,
            "records/updates.yaml": SIGNED,
            "procedures/plan.yaml": BASE["procedures/plan.yaml"] + "number: QH-YY-LC-003\n",
        },
    )
    m = marks(root, "C-1")
    assert (m.number, m.classification, m.version) == ("QH-YY-ZD-001", "Internal", "1.1")
    assert m.issued_date == date(2026, 3, 1) and m.issued == "1 March 2026"
    assert m.effective_date == date(2026, 3, 10) and m.effective == "10 March 2026"
    assert (m.prepared_by, m.reviewed_by, m.approved_by) == ("Bob", "", "Ann")
    assert m.approved_on == "2 March 2026"
    assert not m.draft and m.draft_label == ""
    assert m.copy == "C-1"
    assert m.procedures["plan"].number == "QH-YY-LC-003"
    assert m.procedures["plan"].changed_in == "1.1"


def test_an_unapproved_version_is_a_draft_and_unlisted_procedures_date_from_the_first(
    tmp_path: Path,
) -> None:
    root = write_manual(
        tmp_path,
        {
            "records/updates.yaml": SIGNED.replace("changes: [procedures/plan]", "changes: []")
            .replace("  approved_by: ann\n", "")
            .replace("  approved: 2026-03-02\n", "")
        },
    )
    m = marks(root)
    assert m.draft and m.draft_label == "DRAFT — NOT APPROVED"
    assert m.approved_by == "" and m.approved_on == ""
    assert m.procedures["plan"] == type(m.procedures["plan"])("", "1.0")
    assert m.copy is None
