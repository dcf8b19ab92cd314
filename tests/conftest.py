"""Fixtures shared by the tests: one pinned clock and one real git repository of the example."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitrepo import GitRepo, example_repo

# The moment the commands believe it is (OPSMANUAL_NOW), so that dates in output never drift.
NOW = "2026-11-23T10:00:00+08:00"


@pytest.fixture
def pinned_now(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("OPSMANUAL_NOW", NOW)
    return NOW


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """The Chinese example manual, committed in a fresh git repository (`tests/gitrepo.py`)."""
    return example_repo(tmp_path / "repo")
