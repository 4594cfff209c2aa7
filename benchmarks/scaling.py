"""Workload 3: how `backward()` scales with the graph's size, and how much memory a node takes.

The graph is a chain built by ``v = v * w`` repeated n times, from a leaf v and one shared leaf w:
n nodes of op ``*``, each with two edges (to the previous link and to w).  micrograd builds exactly
the same graph from the same code (one ``Value`` per link, children ``{v, w}``), so the memory
per node compares like for like.

- time: `backward()` on chains of 1e4 and 1e6 nodes, in nanoseconds per node; the garbage
  collector stays enabled (the topological sort pauses it, and the rest of a pass allocates
  floats, which it does not track), and the number of collections during the timed passes is
  reported;
- build and backward: ``z = z * y + x - y`` repeated (the three arithmetic ops of a lecture), built
  and then differentiated by `backward()`, on this engine and on micrograd, time per link;
- memory: `tracemalloc` bytes per node of the built graph (all it allocates), this engine and
  micrograd, on this chain and on the ``v = v + w`` chain (whose local gradients, (1, 1), are one
  shared tuple here); and this engine's peak during `backward()` (the order, the visited set, the
  path) per node.
"""

from __future__ import annotations

import gc
import operator
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

SIZES = (10_000, 1_000_000)
MEMORY_NODES = 100_000


def _chain(value: Callable[[float], Any], n: int, link: Callable[[Any, Any], Any]) -> Any:
    """``v = link(v, w)`` n times, from a leaf v and one shared leaf w: n nodes, two edges each."""
    v = value(1.0)
    w = value(1.0000001)
    for _ in range(n):
        v = link(v, w)
    return v


def engine_chain(n: int) -> Any:
    """``v * w * w * ... * w`` (n multiplications) on this engine: n ``*`` nodes."""
    from autograd import Value

    return _chain(Value, n, operator.mul)


def micrograd_chain(n: int) -> Any:
    """The same chain on micrograd: n ``*`` nodes."""
    from micrograd.engine import Value

    return _chain(Value, n, operator.mul)


def engine_add_chain(n: int) -> Any:
    """``v + w + w + ... + w`` on this engine: n ``+`` nodes (local gradients (1, 1), shared)."""
    from autograd import Value

    return _chain(Value, n, operator.add)


def micrograd_add_chain(n: int) -> Any:
    """The same ``+`` chain on micrograd."""
    from micrograd.engine import Value

    return _chain(Value, n, operator.add)


def backward_ns_per_node(sizes: tuple[int, ...], rounds: int) -> tuple[list[float], int]:
    """Best `backward()` time on a chain of each size, in ns per node; and the collections during them.

    The sizes take turns, round after round (the small chain ten passes a round, the others one),
    so that a burst of load on the machine falls on all of them alike.
    """
    roots = [engine_chain(n) for n in sizes]
    best = [float("inf")] * len(sizes)
    gc.collect()
    before = sum(s["collections"] for s in gc.get_stats())
    for _ in range(rounds):
        for i, root in enumerate(roots):
            for _ in range(10 if i == 0 else 1):
                start = time.perf_counter()
                root.backward()
                best[i] = min(best[i], time.perf_counter() - start)
    collections = sum(s["collections"] for s in gc.get_stats()) - before
    del roots
    gc.collect()
    return [t / n * 1e9 for t, n in zip(best, sizes, strict=True)], collections


MIXED_LINKS = 300  # micrograd's backward recurses once per node: 300 links need a recursion limit of 2,000


def mixed_chain(value: Callable[[float], Any], n: int = MIXED_LINKS) -> Any:
    """``z = z * y + x - y`` n times from leaves x, y: this engine 3 nodes a link, micrograd 4 (its
    ``a - b`` is ``a + (-b)``)."""
    x, y = value(0.5), value(1.5)
    z = x
    for _ in range(n):
        z = z * y + x - y
    return z


def mixed_ns_per_link(rounds: int) -> tuple[float, float]:
    """Best time to build the mixed chain and run its `backward()`, per link: (engine, micrograd),
    taking turns round after round."""
    from micrograd.engine import Value as MicrogradValue

    from autograd import Value

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * MIXED_LINKS))
    best = [float("inf"), float("inf")]
    try:
        for _ in range(rounds):
            for i, value in enumerate((Value, MicrogradValue)):
                start = time.perf_counter()
                mixed_chain(value).backward()
                best[i] = min(best[i], time.perf_counter() - start)
    finally:
        sys.setrecursionlimit(limit)
    return best[0] / MIXED_LINKS * 1e9, best[1] / MIXED_LINKS * 1e9


def traced_bytes(build: Callable[[], Any]) -> int:
    """Bytes allocated by ``build()`` and still held by what it returns (`tracemalloc`)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        kept = build()
        held = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    del kept
    gc.collect()
    return held


def graph_bytes_per_node(build: Callable[[int], Any], n: int = MEMORY_NODES) -> float:
    """Bytes allocated (and still held) per node by building an n-node chain with ``build``."""
    return traced_bytes(lambda: build(n)) / n


def backward_bytes_per_node(n: int = MEMORY_NODES) -> tuple[float, float]:
    """This engine: (bytes per node the gradients add after `backward()`, peak extra during it)."""
    root = engine_chain(n)
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        root.backward()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del root
    gc.collect()
    return (held - base) / n, (peak - base) / n
