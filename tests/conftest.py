"""Shared fixtures: every test renders with its own, empty fragment cache."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _own_render_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """No test reads a cache another test (or the person running the tests) filled."""
    folder = tmp_path_factory.mktemp("render-cache")
    monkeypatch.setenv("OPSMANUAL_CACHE_DIR", str(folder))
    return folder
