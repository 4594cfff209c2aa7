"""How every benchmark times a workload: the best of several repeats, garbage collector left on.

The best (minimum) of several repeats is the figure least disturbed by other processes; the
collector stays enabled (as in a user's program) but is run to completion before each repeat, so
one repeat does not pay for the garbage of the previous one.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def best_of(repeats: int, work: Callable[[], T]) -> tuple[float, T]:
    """Run ``work()`` `repeats` times; return the shortest wall time in seconds and the last result."""
    best = float("inf")
    result: T
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - start
        best = min(best, elapsed)
    return best, result
