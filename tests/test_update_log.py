"""The update-log rule under git (format.md), on real repositories; and `source_at`."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitrepo import GitRepo
from opsmanual.checks.update_log import check_update_log
from opsmanual.errors import OpsError
from opsmanual.findings import Finding
from opsmanual.gitsource import source_at
from opsmanual.manual import load_manual
from opsmanual.validate import validate

PROC = "procedures/annual-planning.yaml"
OLD_ACTION = "action: 编写下一年度运营规划初稿"
NEW_ACTION = "action: 编写规划初稿"


pytestmark = pytest.mark.usefixtures("pinned_now")


def checked(root: Path) -> list[Finding]:
    """validate's findings, without `copy-outdated`: a version that takes effect outdates the
    example's controlled copies until they are updated (tests/test_distribution.py covers that)."""
    return [f for f in validate(root).findings if f.code != "copy-outdated"]


def codes(root: Path) -> list[tuple[str, str]]:
    return [(f.code, f.file) for f in checked(root)]


def test_import_in_one_commit_is_an_empty_span(repo: GitRepo) -> None:
    assert validate(repo.root).findings == []


def test_not_in_git_gives_no_history_findings(tmp_path: Path, repo: GitRepo) -> None:
    plain = tmp_path / "plain"
    import shutil

    shutil.copytree(repo.root, plain)
    report = validate(plain)
    assert check_update_log(plain, report.manual) == []
    assert report.findings == []


def test_uncommitted_change_needs_a_record(repo: GitRepo) -> None:
    repo.replace(PROC, OLD_ACTION, NEW_ACTION)
    findings = checked(repo.root)
    assert [(f.code, f.file, f.severity) for f in findings] == [("unlogged-change", PROC, "error")]
    assert "opsmanual record add" in findings[0].message
    assert (findings[0].line, findings[0].column) == (2, 5)  # at the id


def test_untracked_new_entity_needs_a_record(repo: GitRepo) -> None:
    text = repo.path("units/process-group.yaml").read_text(encoding="utf-8")
    repo.path("units/quality-group.yaml").write_text(
        text.replace("id: process-group", "id: quality-group"), encoding="utf-8"
    )
    assert codes(repo.root) == [("unlogged-change", "units/quality-group.yaml")]
    [finding] = checked(repo.root)
    assert finding.message.startswith("units/quality-group.yaml was added after the commit")


def test_change_committed_after_the_last_record(repo: GitRepo) -> None:
    repo.replace(PROC, OLD_ACTION, NEW_ACTION)
    repo.commit("edit a procedure")
    assert codes(repo.root) == [("unlogged-change", PROC)]


def test_record_in_the_same_commit_logs_the_change(repo: GitRepo) -> None:
    repo.replace(PROC, OLD_ACTION, NEW_ACTION)
    repo.append_record("1.5", ["procedures/annual-planning"])
    assert codes(repo.root) == []  # record and change uncommitted together
    repo.commit("edit a procedure, with its record")
    assert codes(repo.root) == []


def test_record_in_a_later_commit_logs_the_change(repo: GitRepo) -> None:
    repo.replace(PROC, OLD_ACTION, NEW_ACTION)
    repo.commit("edit a procedure")
    repo.append_record("1.5", ["procedures/annual-planning"])
    repo.commit("record it")
    assert codes(repo.root) == []


def test_change_inside_the_span_not_listed(repo: GitRepo) -> None:
    repo.replace(PROC, OLD_ACTION, NEW_ACTION)
    repo.replace("roles/ops-planner.yaml", "title: ", "title: 高级")
    repo.append_record("1.5", ["procedures/annual-planning"])
    repo.commit("two changes, one listed")
    findings = checked(repo.root)
    assert [(f.code, f.file) for f in findings] == [("unlogged-change", "roles/ops-planner.yaml")]
    assert "roles/ops-planner" in findings[0].message
    assert "changes" in findings[0].message


def test_deleted_entity_must_be_in_removed(repo: GitRepo) -> None:
    repo.path("procedures/training.yaml").unlink()
    repo.replace("manual.yaml", ", training]", "]")
    repo.append_record("1.5", ["manual"])
    repo.commit("drop the training procedure")
    findings = [f for f in checked(repo.root) if f.code == "unlogged-change"]
    assert [f.file for f in findings] == ["records/updates.yaml"]
    assert "removed" in findings[0].message


def test_deleted_entity_listed_in_removed_passes(repo: GitRepo) -> None:
    repo.path("procedures/training.yaml").unlink()
    repo.replace("manual.yaml", ", training]", "]")
    repo.append_record("1.5", ["manual"], removed=["procedures/training"])
    repo.commit("drop the training procedure")
    assert "unlogged-change" not in [c for c, _ in codes(repo.root)]


def test_deletion_after_the_last_record_points_at_the_table(repo: GitRepo) -> None:
    repo.path("staff/wu-tao.yaml").unlink()
    findings = checked(repo.root)
    assert ("unlogged-change", "records/updates.yaml") in [(f.code, f.file) for f in findings]


def test_version_and_effective_only_change_is_exempt(repo: GitRepo) -> None:
    repo.replace("manual.yaml", "effective: 2026-12-01", "effective: 2026-12-02")
    repo.commit("move the effective date")
    assert "unlogged-change" not in [c for c, _ in codes(repo.root)]


def test_other_manual_field_change_is_not_exempt(repo: GitRepo) -> None:
    repo.replace("manual.yaml", "title: ", "title: 新")
    assert codes(repo.root) == [("unlogged-change", "manual.yaml")]


def test_records_folder_is_exempt(repo: GitRepo) -> None:
    repo.replace(
        "records/loans.yaml",
        "#",
        "# a note\n#",
    )
    assert codes(repo.root) == []


def test_only_the_last_span_is_checked(repo: GitRepo) -> None:
    repo.replace(PROC, OLD_ACTION, NEW_ACTION)
    repo.replace("roles/ops-planner.yaml", "title: ", "title: 高级")
    repo.append_record("1.5", ["procedures/annual-planning"])
    repo.commit("one unlisted change in 1.5")
    repo.replace("roles/ops-planner.yaml", "title: 高级", "title: ")
    repo.append_record("1.6", ["roles/ops-planner"])
    repo.commit("1.6 reverts it, listed")
    assert codes(repo.root) == []  # 1.5's omission is settled history


def test_changes_on_a_merged_branch_count(repo: GitRepo) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    repo.replace(PROC, OLD_ACTION, NEW_ACTION)
    repo.commit("on a branch")
    repo.git("checkout", "-q", "main")
    repo.replace("roles/ops-planner.yaml", "title: ", "title: 高级")
    repo.append_record("1.5", ["roles/ops-planner"])
    repo.commit("1.5 on main")
    repo.git("merge", "-q", "--no-edit", "feature")
    assert codes(repo.root) == [("unlogged-change", PROC)]


def test_shallow_clone_warns_instead_of_guessing(tmp_path: Path, repo: GitRepo) -> None:
    repo.replace(PROC, OLD_ACTION, NEW_ACTION)
    repo.append_record("1.5", ["procedures/annual-planning"])
    repo.commit("1.5")
    clone = tmp_path / "clone"
    repo.git("clone", "-q", "--depth", "1", f"file://{repo.top}", str(clone))
    findings = checked(clone / "manuals/operations")
    assert [(f.code, f.severity, f.file) for f in findings] == [
        ("history-unavailable", "warning", "records/updates.yaml")
    ]
    assert "fetch-depth: 0" in findings[0].message
    assert "git fetch --unshallow" in findings[0].message


def test_deep_enough_shallow_clone_checks(tmp_path: Path, repo: GitRepo) -> None:
    repo.append_record("1.5", ["manual"])
    repo.replace("manual.yaml", "title: ", "title: 新")
    repo.commit("1.5")
    repo.replace(PROC, OLD_ACTION, NEW_ACTION)
    repo.commit("unlogged")
    clone = tmp_path / "clone"
    repo.git("clone", "-q", "--depth", "2", f"file://{repo.top}", str(clone))
    root = clone / "manuals/operations"
    # Depth 2 holds 1.5's commit but not 1.4's: still too shallow to know 1.5's span.
    assert [f.code for f in checked(root)] == ["history-unavailable"]
    GitRepo(clone).git("fetch", "-q", "--unshallow")
    assert [(f.code, f.file) for f in checked(root)] == [("unlogged-change", PROC)]


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_the_shallow_warning_names_the_record_whose_commit_is_missing(
    tmp_path: Path, repo: GitRepo, depth: int
) -> None:
    # Commits: ..., 1.4 (the fixture's last), 1.5, then an unrelated one.
    repo.append_record("1.5", ["manual"])
    repo.replace("manual.yaml", "title: ", "title: 新")
    repo.commit("1.5")
    repo.replace(PROC, OLD_ACTION, NEW_ACTION)
    repo.commit("unlogged")
    clone = tmp_path / "clone"
    repo.git("clone", "-q", "--depth", str(depth), f"file://{repo.top}", str(clone))
    [finding] = checked(clone / "manuals/operations")
    assert finding.code == "history-unavailable"
    # At depth 2, 1.5's commit is the boundary: whether 1.5 was added there is unknown too.
    # At depth 3 that commit's parent is here, so only 1.4's adding commit is missing.
    missing = "1.5" if depth <= 2 else "1.4"
    assert f"the commit that added record {missing} is not in this clone" in finding.message
    table = (clone / "manuals/operations/records/updates.yaml").read_text(encoding="utf-8")
    assert finding.line is not None
    line = table.splitlines()[finding.line - 1]
    assert f'version: "{missing}"' in line, line


def test_repository_without_commits(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "new")
    repo.top.mkdir()
    repo.git("init", "-q", "-b", "main")
    import shutil

    shutil.copytree(Path(__file__).parent.parent / "manuals/operations", repo.root)
    assert checked(repo.root) == []


def test_source_at_reads_an_old_revision(repo: GitRepo) -> None:
    first = repo.git("rev-parse", "HEAD").strip()
    repo.replace(PROC, OLD_ACTION, NEW_ACTION)
    repo.append_record("1.5", ["procedures/annual-planning"])
    repo.commit("1.5")
    old, findings = load_manual(source_at(repo.root, first))
    assert findings == []
    assert old.info is not None and old.info.version == "1.4"
    assert old.procedures["annual-planning"].steps[1].action == "编写下一年度运营规划初稿"
    new, _ = load_manual(source_at(repo.root, "HEAD"))
    assert new.info is not None and new.info.version == "1.5"


def test_source_at_errors(tmp_path: Path, repo: GitRepo) -> None:
    with pytest.raises(OpsError, match="unknown revision"):
        source_at(repo.root, "no-such-tag")
    moved = repo.top / "manuals/ops2"
    repo.root.rename(moved)
    repo.commit("move the manual")
    with pytest.raises(OpsError, match="did not exist"):
        source_at(moved, "HEAD~1")
    import shutil

    plain = tmp_path / "plain"
    shutil.copytree(moved, plain)
    with pytest.raises(OpsError, match="not inside a git repository"):
        source_at(plain, "HEAD")
