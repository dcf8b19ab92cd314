"""Work shared out among forked workers gives exactly what one process gives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from manualkit import BASE, NOW, write_manual
from opsmanual import manual, parallel
from opsmanual.validate import validate


def test_ordered_map_keeps_order_and_reports_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    seen: list[int] = []

    def pids(start: int, end: int) -> list[tuple[int, int]]:
        return [(i, os.getpid()) for i in range(start, end)]

    out = parallel.ordered_map(pids, 10, chunk=3, minimum=1, progress=seen.append)
    assert [i for i, _ in out] == list(range(10))
    assert {pid for _, pid in out} != {os.getpid()}  # the work really ran in workers
    assert seen == [3, 6, 9, 10]


def test_small_runs_stay_in_this_process() -> None:
    out = parallel.ordered_map(lambda s, e: [os.getpid()] * (e - s), 5, chunk=2, minimum=100)
    assert out == [os.getpid()] * 5


def test_parallel_load_finds_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSMANUAL_NOW", NOW)
    write_manual(
        tmp_path,
        {
            "units/team.yaml": "id: team\nname: a\nname: b\n",
            "roles/clerk.yaml": BASE["roles/clerk.yaml"].replace("duties", "dutys"),
        },
    )
    serial = validate(tmp_path, use_git=False).findings
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    monkeypatch.setattr(manual, "PARALLEL_FROM", 1)
    monkeypatch.setattr(manual, "PARSE_CHUNK", 2)
    forked = validate(tmp_path, use_git=False).findings
    assert forked == serial and len(serial) == 2
