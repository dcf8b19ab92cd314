"""Every `--format` a command offers has a reporter in its registry, and every reporter a format:
a new format is a function and a row in `reporters/<command>.py` (and its name in the enum)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

import pytest

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
