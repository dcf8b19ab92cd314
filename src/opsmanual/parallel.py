"""Speed for large manuals: work shared among forked processes (docs/architecture.md, "Speed").

`ordered_map` shares a long run of independent items among forked workers, keeping their order.
It is used where a large manual spends seconds on work item by item (parsing files, drawing
procedures). Workers are forked, so they inherit the data instead of receiving it pickled, and
send back only their results. A small run, a single core, or a platform without fork stays in
this process.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

# The work of the running `ordered_map`: a forked worker inherits it, so a closure over the loaded
# manual needs no pickling. Set only for the length of one parallel map.
_work: Callable[[int, int], list[Any]] | None = None


def _run(bounds: tuple[int, int]) -> list[Any]:
    assert _work is not None
    return _work(*bounds)


def cores() -> int:
    return min(os.cpu_count() or 1, 8)


def ordered_map(
    work: Callable[[int, int], list[T]],
    count: int,
    *,
    chunk: int,
    minimum: int,
    progress: Callable[[int], None] | None = None,
) -> list[T]:
    """`work(start, end)` over consecutive ranges of `range(count)`, results joined in order."""
    global _work
    ranges = [(start, min(start + chunk, count)) for start in range(0, count, chunk)]
    results: list[T] = []
    if count < minimum or cores() < 2 or _work is not None or not _forkable():
        for bounds in ranges:
            results += work(*bounds)
            if progress is not None:
                progress(len(results))
        return results
    import multiprocessing

    _work = work
    try:
        with multiprocessing.get_context("fork").Pool(cores()) as pool:
            for part in pool.imap(_run, ranges):
                results += part
                if progress is not None:
                    progress(len(results))
    finally:
        _work = None
    return results


def _forkable() -> bool:
    # imported only when a run is long enough to share out: a small run (a warm load, a small
    # manual) starts up without multiprocessing
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()
