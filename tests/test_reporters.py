"""Every `--format` a command offers has a reporter in its registry, and every reporter a format:
a new format is a function and a row in `reporters/<command>.py` (and its name in the enum)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path

import pytest

from manualkit import write_manual
from opsmanual.cli.ack import StatusFormat
from opsmanual.cli.audit import AuditFormat
from opsmanual.cli.history import ChangelogFormat, DiffFormat
from opsmanual.cli.loan import ListFormat
from opsmanual.cli.validate import ValidateFormat
from opsmanual.reporters import acks, audit, changelog, copies, diff, loans, validate

# `changelog --format email` writes or sends messages (notify.py), not one printed document.
NOT_PRINTED: dict[type[StrEnum], set[str]] = {ChangelogFormat: {"email"}}

CASES: dict[str, tuple[type[StrEnum], Mapping[str, object]]] = {
    "validate": (ValidateFormat, validate.REPORTERS),
    "diff": (DiffFormat, diff.REPORTERS),
    "changelog": (ChangelogFormat, changelog.REPORTERS),
    "audit": (AuditFormat, audit.REPORTERS),
    "loan list": (ListFormat, loans.REPORTERS),
    "copy list": (ListFormat, copies.REPORTERS),
    "ack status": (StatusFormat, acks.REPORTERS),
}


@pytest.mark.parametrize(("formats", "registry"), CASES.values(), ids=CASES.keys())
def test_every_format_has_one_reporter(
    formats: type[StrEnum], registry: Mapping[str, object]
) -> None:
    offered = {f.value for f in formats} - NOT_PRINTED.get(formats, set())
    assert offered == set(registry)
    assert list(registry) == [f.value for f in formats if f.value in registry]  # same order


def test_colour_reaches_a_terminal_and_manual_text_stays_inert(tmp_path: Path) -> None:
    """On a terminal the severity is coloured (real escape codes), while an escape sequence
    written in the manual is still shown as text: colour must not switch escaping off."""
    root = write_manual(
        tmp_path / "m",
        {"staff/bob.yaml": 'id: bob\nname: Bob\nemail: bob@example.com\nroles: ["\\e[2Jclerk"]\n'},
    )
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    done = subprocess.run(
        [sys.executable, "-m", "opsmanual", "validate", "--no-git", "-m", str(root)],
        stdin=subprocess.DEVNULL, stdout=follower, stderr=subprocess.PIPE, env=env, timeout=120,
    )  # fmt: skip
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal has no writer left
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    text = shown.decode()
    assert done.returncode == 1, (text, done.stderr)
    assert "\x1b[31m\x1b[1merror schema\x1b[0m" in text, text
    assert "\\u001b[2Jclerk" in text and "\x1b[2J" not in text, text


def test_colour_off_the_terminal_is_plain() -> None:
    from opsmanual.findings import Finding
    from opsmanual.model import Manual
    from opsmanual.validate import Report

    finding = Finding("staff/x.yaml", 3, 5, "ref-missing", "role `\x1b[2Jx` is unknown")
    report = Report(Path("m"), Manual(None), [finding])
    coloured = validate.as_text(report, colour=True)
    assert coloured.startswith("staff/x.yaml:3:5: \x1b[31m\x1b[1merror ref-missing\x1b[0m ")
    assert "\x1b[2J" not in coloured and "\\u001b[2Jx" in coloured
    assert "\x1b[31m" not in validate.as_text(report)  # the command escapes plain text
