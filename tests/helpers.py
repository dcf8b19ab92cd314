"""What the tests share that is not a fixture: the pinned moment, and the one way to run the
command line in-process (`run_cli`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from typer.testing import CliRunner

from opsmanual.cli import app

# The moment the commands believe it is (OPSMANUAL_NOW, set by the `pinned_now` fixture), so
# that dates in output never drift.
NOW = "2026-11-23T10:00:00+08:00"


class Ran(NamedTuple):
    """How a command ended: its exit code and what it wrote to each stream."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Both streams, for a failing assert's message and for "nothing but one line"."""
        return self.stdout + self.stderr


def run_cli(
    *args: str | Path, manual: str | Path | None = None, env: Mapping[str, str] | None = None
) -> Ran:
    """`opsmanual ARGS... [-m MANUAL]` through typer's runner; an exception that escapes the
    command's own handling fails the test with its traceback."""
    argv = [str(a) for a in args] + (["-m", str(manual)] if manual is not None else [])
    result = CliRunner().invoke(app, argv, env=dict(env or {}), catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)
