"""The wheel alone gives a working `opsmanual`: schemas and templates travel inside it."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("opsmanual-*.whl")
    return built


def test_wheel_carries_schemas_and_templates(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    schemas = [n for n in names if n.startswith("opsmanual/schemas/") and n.endswith(".json")]
    assert len(schemas) == 9
    assert any(n.startswith("opsmanual/templates/") for n in names)
    assert "opsmanual/py.typed" in names
    assert "opsmanual/locale/zh_CN/LC_MESSAGES/opsmanual.mo" in names
    assert not [n for n in names if n.endswith(".po")]


def test_installed_wheel_runs_from_anywhere(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target), "OPSMANUAL_NOW": "2026-11-23T12:00:00"}
    run = [sys.executable, "-m", "opsmanual"]
    where = subprocess.run(
        [sys.executable, "-c", "import opsmanual; print(opsmanual.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(target))
    schemas = subprocess.run(
        [*run, "schema", "-o", str(tmp_path / "s")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert schemas.returncode == 0, schemas.stderr
    assert len(list((tmp_path / "s").glob("*.schema.json"))) == 9
    check = subprocess.run(
        [*run, "validate", "--no-git", "-m", str(ROOT / "manuals" / "operations")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    chinese = subprocess.run(
        [*run, "validate", "--no-git", "-m", str(tmp_path / "nowhere")],
        cwd=tmp_path,
        env={**env, "LANG": "zh_CN.UTF-8", "LANGUAGE": "", "LC_ALL": "", "OPSMANUAL_LANG": ""},
        capture_output=True,
        text=True,
    )
    assert chinese.returncode == 2
    assert "找不到" in chinese.stderr, chinese.stderr
