"""cli/coercion.py: every option value becomes what typer's own (pydantic) coercion makes of it,
with the same error messages, and a command starts without importing pydantic."""

from __future__ import annotations

import subprocess
import sys
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer._coercion import build_runtime_param
from typer.core import _TyperParameter

from opsmanual.cli import app

ROOT = Path(__file__).resolve().parents[1]


def parameters() -> list[tuple[Any, _TyperParameter]]:
    """(command, parameter) for every parameter of every command, the root's included."""
    found: list[tuple[Any, _TyperParameter]] = []
    todo = [typer.main.get_command(app)]
    while todo:
        command = todo.pop()
        found += [(command, p) for p in command.params if isinstance(p, _TyperParameter)]
        todo += list(getattr(command, "commands", {}).values())
    return found


def samples(annotation: Any, tmp_path: Path) -> list[Any]:
    common: list[Any] = [None, "", "x", "a b", "-", "~/x", "dir/", "\x1b[31mred", "汉字"]
    if annotation is Path:
        return [*common, tmp_path, str(tmp_path), str(tmp_path / "missing"), Path("p")]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        values = [member.value for member in annotation]
        return [*common, *values, *list(annotation), values[0].upper(), f" {values[0]}"]
    if annotation is bool:
        return [None, True, False]
    return common


def outcome(runtime: Any, value: Any, param: _TyperParameter, ctx: Any) -> tuple[str, Any]:
    try:
        result = runtime.coerce(value, param=param, ctx=ctx)
    except Exception as exc:  # the error a user would see
        return type(exc).__name__, exc.format_message() if hasattr(exc, "format_message") else exc
    return type(result).__name__, result


def test_every_parameter_coerces_as_typer_does(tmp_path: Path) -> None:
    checked = 0
    for command, param in parameters():
        ctx = command.make_context(command.name, [], resilient_parsing=True)
        ours = param.get_runtime_param()
        theirs = build_runtime_param(param.type_descriptor)
        for value in samples(param.type_descriptor.annotation, tmp_path):
            assert outcome(ours, value, param, ctx) == outcome(theirs, value, param, ctx), (
                command.name,
                param.name,
                value,
            )
            checked += 1
    assert checked > 500


def test_plain_parameters_take_the_light_way() -> None:
    kinds = {
        type(param.get_runtime_param()).__name__: param.type_descriptor.annotation
        for _, param in parameters()
    }
    assert "PlainRuntimeParam" in kinds
    assert kinds.get("AdapterRuntimeParam") in (int, list[str])  # numbers, lists: typer's own


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "--no-git", "-m", "manuals/operations"],
        ["validate", "--no-git", "-m", "manuals/operations", "-f", "json", "--strict"],
        ["render", "--help"],
    ],
)
def test_commands_start_without_pydantic(args: list[str]) -> None:
    script = (
        "import sys\n"
        "from opsmanual.cli import app\n"
        "try:\n"
        f"    app({args!r}, prog_name='opsmanual')\n"
        "except SystemExit as done:\n"
        "    assert done.code in (0, None), done.code\n"
        "print('pydantic' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "False"


def test_a_wrong_choice_says_what_typer_says() -> None:
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["validate", "-f", "jsn"])
    assert result.exit_code == 2
    assert result.stderr == (
        "opsmanual: error: Invalid value for '--format' / '-f': Value error, 'jsn' is not one of "
        "'text', 'json', 'github', 'sarif'; see `opsmanual validate --help`\n"
    )
