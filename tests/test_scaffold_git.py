"""`opsmanual init --git`: the new manual in its first commit, ready for the update-log rule."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from helpers import run_cli


@pytest.fixture
def git_env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return {
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Zhang San",
        "GIT_AUTHOR_EMAIL": "zhang.san@example.com",
        "GIT_COMMITTER_NAME": "Zhang San",
        "GIT_COMMITTER_EMAIL": "zhang.san@example.com",
        "OPSMANUAL_LANG": "en",
    }


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_init_git_starts_a_repository_with_one_commit(
    tmp_path: Path, git_env: dict[str, str]
) -> None:
    dest = tmp_path / "manual"
    result = run_cli("init", str(dest), "--git", env=git_env)
    assert result.exit_code == 0, result.stderr
    assert git(dest, "log", "--format=%s").splitlines() == ["首次发布。"]
    assert git(dest, "status", "--porcelain") == ""
    assert f"committed the new manual in the git repository {dest}" in result.stderr
    # the update-log rule has its history: validate with git is clean
    checked = run_cli("validate", manual=dest, env=git_env)
    assert checked.exit_code == 0, checked.stdout


def test_init_git_inside_a_repository_commits_only_the_new_folder(
    tmp_path: Path, git_env: dict[str, str]
) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "notes.txt").write_text("staged, not ours\n")
    git(tmp_path, "add", "notes.txt")
    dest = tmp_path / "manuals" / "ops"
    result = run_cli("init", str(dest), "--git", "-l", "en", env=git_env)
    assert result.exit_code == 0, result.stderr
    assert not (dest / ".git").exists()
    assert git(tmp_path, "log", "--format=%s").splitlines() == ["First issue."]
    committed = git(tmp_path, "show", "--name-only", "--format=", "HEAD").split()
    assert committed and all(p.startswith("manuals/ops/") for p in committed)
    assert git(tmp_path, "status", "--porcelain").splitlines() == ["A  notes.txt"]


def test_init_git_without_git_says_so_and_keeps_the_manual(
    tmp_path: Path, git_env: dict[str, str]
) -> None:
    dest = tmp_path / "manual"
    empty = tmp_path / "bin"
    empty.mkdir()
    result = run_cli("init", str(dest), "--git", env={**git_env, "PATH": str(empty)})
    assert result.exit_code == 2
    assert "git is not installed" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2  # created ..., then the one error
    assert (dest / "manual.yaml").is_file()


def test_init_git_reports_a_failed_commit_in_one_line(
    tmp_path: Path, git_env: dict[str, str]
) -> None:
    git(tmp_path, "init", "-q")
    hook = tmp_path / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'commits are frozen' >&2\nexit 1\n")
    hook.chmod(0o755)
    result = run_cli("init", str(tmp_path / "m"), "--git", env=git_env)
    assert result.exit_code == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last == (
        "opsmanual: error: git commit failed: commits are frozen; "
        "the manual was created, commit it yourself"
    )


def test_init_git_speaks_chinese(tmp_path: Path, git_env: dict[str, str]) -> None:
    dest = tmp_path / "manual"
    env = {**git_env, "OPSMANUAL_LANG": "zh-CN", "PATH": str(tmp_path)}
    result = run_cli("init", str(dest), "--git", env=env)
    assert result.exit_code == 2
    assert "未安装 git" in result.stderr
