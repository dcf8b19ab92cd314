"""`people.require_person`: the one refusal of a staff id every editing command names."""

from __future__ import annotations

from pathlib import Path

import pytest

from manualkit import write_manual
from opsmanual.errors import Refused
from opsmanual.i18n import N_
from opsmanual.manual import load_manual
from opsmanual.model import Manual
from opsmanual.people import label, require_person
from opsmanual.source import FolderSource

LEFT = "id: cat\nname: Cat\nroles: [clerk]\nactive: false\n"


def manual(tmp_path: Path, changes: dict[str, str | None] | None = None) -> Manual:
    loaded, _findings = load_manual(FolderSource(write_manual(tmp_path / "m", changes)))
    return loaded


def test_a_known_active_person_is_returned(tmp_path: Path) -> None:
    assert require_person(manual(tmp_path), "bob", N_("borrower")).name == "Bob"


@pytest.mark.parametrize(
    ("changes", "person_id", "active", "message"),
    [
        ({}, "bobb", True, "borrower: no person `bobb` exists; did you mean `bob`?"),
        (
            {"staff/bob.yaml": "id: bob\nname: [not, a, name]\n"},
            "bob",
            True,
            "staff/bob.yaml has errors, so bob cannot be the borrower; see `opsmanual validate`",
        ),
        (
            {"staff/cat.yaml": LEFT},
            "cat",
            True,
            "Cat (cat) is not active (staff/cat.yaml says `active: false`), "
            "so cannot be the borrower",
        ),
    ],
)
def test_refusals_say_why_in_one_wording(
    tmp_path: Path,
    changes: dict[str, str | None],
    person_id: str,
    active: bool,
    message: str,
) -> None:
    with pytest.raises(Refused) as refused:
        require_person(manual(tmp_path, changes), person_id, N_("borrower"), active=active)
    assert str(refused.value) == message


def test_someone_who_left_may_be_named_where_activity_does_not_matter(tmp_path: Path) -> None:
    loaded = manual(tmp_path, {"staff/cat.yaml": LEFT})
    assert require_person(loaded, "cat", N_("author"), active=False).id == "cat"


def test_label_names_known_people_and_shows_unknown_ids_bare(tmp_path: Path) -> None:
    loaded = manual(tmp_path)
    assert (label(loaded, "ann"), label(loaded, "zed")) == ("Ann (ann)", "zed")
