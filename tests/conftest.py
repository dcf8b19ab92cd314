"""Fixtures shared by the tests: one pinned clock, one real git repository of the example, and
an own, empty render cache for every test."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from gitrepo import GitRepo, example_repo

# The moment the commands believe it is (OPSMANUAL_NOW), so that dates in output never drift.
NOW = "2026-11-23T10:00:00+08:00"


def pytest_configure(config: pytest.Config) -> None:
    """Module- and session-scoped fixtures run before each test's own cache below: they too get
    a cache folder of this run's own, never the user's ~/.cache."""
    folder = tempfile.mkdtemp(prefix="opsmanual-test-cache-")
    os.environ["OPSMANUAL_CACHE_DIR"] = folder
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


@pytest.fixture
def pinned_now(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("OPSMANUAL_NOW", NOW)
    return NOW


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """The Chinese example manual, committed in a fresh git repository (`tests/gitrepo.py`)."""
    return example_repo(tmp_path / "repo")


@pytest.fixture(autouse=True)
def _own_render_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """No test reads a cache another test (or the person running the tests) filled."""
    folder = tmp_path_factory.mktemp("render-cache")
    monkeypatch.setenv("OPSMANUAL_CACHE_DIR", str(folder))
    return folder
