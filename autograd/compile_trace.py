"""Tracing for `autograd.compile`: run ``f`` once on placeholder Values and record what it did.

The arguments of ``step(*args)`` are numbers or nested lists/tuples of numbers.  Each number
becomes a placeholder leaf (labelled by its place, ``x[0]``), so that the traced graph says which
leaves are arguments; the parameters are the caller's own Values; any other leaf is a constant.

While ``f`` runs, the few ways a number can leave the graph and steer Python are watched (only on
the tracing thread): a comparison of Values (``a < b``, ``max(a, b)``), ``bool(v)`` and
``round(v)`` become *guards*, checked by the compiled code at every step (a different outcome
retraces); ``float(v)``, ``int(v)``, ``v.item()`` (a number the compiled code could not follow) are
refused with a `CompileError`.  Reading ``v.data`` cannot be seen: see docs/compile.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from numbers import Real
from typing import Any

from autograd.errors import describe, number
from autograd.value import Value

__all__ = ["CompileError", "Guard", "Trace", "flatten", "freeze", "trace"]

Path = tuple[int, ...]  # (argument index, index, index, ...)
Structure = Any  # None for a number, a tuple of Structures for a list or tuple


class CompileError(Exception):
    """`autograd.compile` cannot compile this function (said at compile time, naming the cause)."""


@dataclass(frozen=True)
class Guard:
    """A decision ``f`` took on the data while it was traced: ``kind`` (``"<"``, ``"<="``,
    ``">"``, ``">="``, ``"bool"``, ``"round"``), its operands (Values or numbers), extra arguments
    (round's ndigits) and the outcome seen."""

    kind: str
    operands: tuple[Value | float, ...]
    extra: tuple[Any, ...]
    outcome: Any


@dataclass
class Trace:
    """One run of ``f`` on placeholders."""

    root: Value
    placeholders: dict[Value, Path]
    guards: list[Guard]
    structure: Structure
    baked: frozenset[int]  # the arguments passed as plain numbers (baked in, guarded by value)


_COMPARISONS = {"__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">="}
_GUARDED = {**_COMPARISONS, "__bool__": "bool", "__round__": "round"}
_ESCAPES = {
    "__float__": "float(v)",
    "__int__": "int(v)",
    "__index__": "an index (operator.index(v))",
    "__trunc__": "math.trunc(v)",
    "__floor__": "math.floor(v)",
    "__ceil__": "math.ceil(v)",
    "__complex__": "complex(v)",
    "item": "v.item()",
}


class _State(threading.local):
    guards: list[Guard] | None = None


_state = _State()
_lock = threading.RLock()


def _watch(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def watched(self: Value, *rest: Any) -> Any:
        guards = _state.guards
        if guards is None:  # another thread, or not tracing
            return original(self, *rest)
        if name in _ESCAPES:
            raise CompileError(
                f"compile: f calls {_ESCAPES[name]} on {describe(self)} while it is traced: the number"
                " leaves the graph, so the compiled code could not follow it; keep it a Value (its"
                " operators and functions), or compute it outside f"
            )
        result = original(self, *rest)
        if result is NotImplemented:
            return result
        kind = _GUARDED[name]
        if kind in ("<", "<=", ">", ">="):
            other = rest[0]
            if not isinstance(other, (Value, int, float)) or isinstance(other, bool):
                raise CompileError(f"compile: f compares {describe(self)} with {other!r}; only numbers"
                                   " and Values can be guarded")
            operand = other if isinstance(other, Value) else float(other)
            guards.append(Guard(kind, (self, operand), (), result))
        else:
            guards.append(Guard(kind, (self,), tuple(rest), result))
        return result

    watched.__name__ = name
    return watched


@contextmanager
def _watching() -> Iterator[list[Guard]]:
    """Watch Value's data-reading methods (those `Value` defines) on this thread while tracing."""
    with _lock:
        originals = {n: Value.__dict__[n] for n in (*_GUARDED, *_ESCAPES) if n in Value.__dict__}
        guards: list[Guard] = []
        for n, fn in originals.items():
            setattr(Value, n, _watch(n, fn))
        _state.guards = guards
        try:
            yield guards
        finally:
            _state.guards = None
            for n, fn in originals.items():
                setattr(Value, n, fn)


def _is_number(x: object) -> bool:
    return isinstance(x, Real) and not isinstance(x, bool)


def flatten(args: Sequence[Any], names: Sequence[str]) -> tuple[Structure, list[tuple[Path, float]]]:
    """The structure of ``args`` and its numbers with their paths; a clear error for anything else."""
    numbers: list[tuple[Path, float]] = []

    def walk(x: object, path: Path) -> Structure:
        if type(x) is float:
            numbers.append((path, x))
            return None
        if _is_number(x):  # an int, say: as a float, or an OverflowError naming the argument
            numbers.append((path, number(x, f"compile: argument {place(path, names)}", None)))
            return None
        if isinstance(x, (list, tuple)):
            return tuple(walk(item, (*path, i)) for i, item in enumerate(x))
        raise CompileError(
            f"compile: argument {place(path, names)} is {x!r} ({type(x).__name__}); the arguments must"
            " be numbers or (nested) lists or tuples of numbers"
        )

    structure = tuple(walk(a, (i,)) for i, a in enumerate(args))
    return structure, numbers


def freeze(x: object) -> object:
    """A hashable copy of a baked argument, telling lists from tuples."""
    if isinstance(x, list):
        return ("list", tuple(freeze(i) for i in x))
    if isinstance(x, tuple):
        return ("tuple", tuple(freeze(i) for i in x))
    return float(x)  # type: ignore[arg-type]


def place(path: Path, names: Sequence[str]) -> str:
    """``x[0][1]``: how a user names the number at ``path``."""
    return names[path[0]] + "".join(f"[{i}]" for i in path[1:])


def trace(f: Callable[..., Any], args: Sequence[Any], names: Sequence[str], baked: frozenset[int]) -> Trace:
    """Run ``f`` once: numbers of the arguments not in ``baked`` as placeholder Values."""
    structure, numbers = flatten(args, names)
    placeholders: dict[Value, Path] = {}
    made: dict[Path, Value] = {}
    for path, x in numbers:
        if path[0] not in baked:
            v = Value(x, label=place(path, names))
            placeholders[v] = path
            made[path] = v

    def build(x: object, path: Path) -> object:
        if path in made:
            return made[path]
        if isinstance(x, (list, tuple)):
            items = [build(item, (*path, i)) for i, item in enumerate(x)]
            return tuple(items) if isinstance(x, tuple) else items
        return float(x)  # type: ignore[arg-type]

    traced_args = [a if i in baked else build(a, (i,)) for i, a in enumerate(args)]
    with _watching() as guards:
        root = f(*traced_args)
    if not isinstance(root, Value):
        raise CompileError(
            f"compile: f must return a Value (the loss); it returned {root!r} ({type(root).__name__})"
        )
    return Trace(root, placeholders, guards, structure, baked)
