"""`model`'s readers of the dates people type: `parse_day` (YYYY-MM-DD) and `parse_when`."""

from __future__ import annotations

from datetime import date

import pytest

from opsmanual.model import parse_day, parse_when


@pytest.mark.parametrize("text", ["2026-11-30", " 2026-11-30 ", "2026-11-30\n"])
def test_parse_day_reads_a_date_with_spaces_around(text: str) -> None:
    assert parse_day(text, "--at") == date(2026, 11, 30)


@pytest.mark.parametrize("text", ["20261130", "2026-02-30", "2026-11-30T10:00", "today", ""])
def test_parse_day_refuses_anything_else_naming_the_option(text: str) -> None:
    with pytest.raises(ValueError, match="is not a date YYYY-MM-DD") as refused:
        parse_day(text, "--date")
    assert str(refused.value) == f"--date {text!r} is not a date YYYY-MM-DD"


def test_parse_when_reads_a_bare_date_as_the_start_or_the_end_of_the_day() -> None:
    start = parse_when("2026-11-30T00:00:00+08:00")
    assert parse_when("2026-11-30").date() == start.date()
    assert parse_when("2026-11-30", end_of_day=True).hour == 23


def test_parse_when_refuses_an_impossible_moment() -> None:
    with pytest.raises(ValueError, match="not a real date or time"):
        parse_when("2026-02-30T10:00")
