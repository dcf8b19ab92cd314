"""Fixtures shared by the tests: one pinned clock, one real git repository of the example, and
an own, empty render cache for every test. Helpers that are not fixtures (`run_cli`, `NOW`) are
in `helpers.py`."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from gitrepo import EXAMPLES, GitRepo, example_repo
from helpers import NOW


def pytest_configure(config: pytest.Config) -> None:
    """Module- and session-scoped fixtures run before each test's own cache below: they too get
    a cache folder of this run's own, never the user's ~/.cache."""
    folder = tempfile.mkdtemp(prefix="opsmanual-test-cache-")
    os.environ["OPSMANUAL_CACHE_DIR"] = folder
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


@pytest.fixture
def pinned_now(monkeypatch: pytest.MonkeyPatch) -> str:
    """The commands believe it is `helpers.NOW`."""
    monkeypatch.setenv("OPSMANUAL_NOW", NOW)
    return NOW


@pytest.fixture(autouse=True)
def _now_marker(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """`@pytest.mark.now(MOMENT)` on a test (or `pytestmark` of a module): the commands
    believe it is MOMENT."""
    marker = request.node.get_closest_marker("now")
    if marker is not None:
        monkeypatch.setenv("OPSMANUAL_NOW", marker.args[0])


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of the Chinese example manual (manuals/operations) in a plain folder."""
    target = tmp_path / "manual"
    shutil.copytree(EXAMPLES / "operations", target)
    return target


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
