"""Tracing for `autograd.compile`: run ``f`` once on placeholder Values and record what it did.

The arguments of ``step(*args)`` are numbers or nested lists/tuples of numbers.  Each number
becomes a placeholder leaf (labelled by its place, ``x[0]``), so that the traced graph says which
leaves are arguments; the parameters are the caller's own Values; any other leaf is a constant.

While ``f`` runs, the engine's tracing hook (`autograd.core.tracer`, set on the tracing thread
only) tells of the few ways a number can leave the graph and steer Python: a comparison of Values
(``a < b``, ``max(a, b)``) and ``round(v)`` become *guards*, checked by the compiled code at every
step (a different outcome retraces); ``float(v)`` and ``v.item()`` (a number the compiled code
could not follow) are refused with a `CompileError` (``int(v)`` is Python's `TypeError`: a Value
has no ``__int__``).  Reading ``v.data`` cannot be seen: see docs/compile.md.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from numbers import Real
from typing import Any

from autograd.core import GradientLostWarning, Value, describe, number, tracer

__all__ = ["CompileError", "Guard", "Trace", "flatten", "freeze", "trace"]

Path = tuple[int, ...]  # (argument index, index, index, ...)
Structure = Any  # None for a number, a tuple of Structures for a list or tuple


class CompileError(Exception):
    """`autograd.compile` cannot compile this function (said at compile time, naming the cause)."""


@dataclass(frozen=True)
class Guard:
    """A decision ``f`` took on the data while it was traced: ``kind`` (``"<"``, ``"<="``,
    ``">"``, ``">="``, ``"round"``), its operands (Values or numbers), extra arguments
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


_COMPARISONS = ("<", "<=", ">", ">=")
_ESCAPES = {"float": "float(v)", "item": "v.item()"}  # int(v), math.floor(v)...: Value has none


_lock = threading.RLock()  # the warnings filters are the process's: one trace changes them at a time


def _hook(guards: list[Guard]) -> Callable[[Value, str, object, object], None]:
    """What `autograd.core.tracer` calls while ``f`` is traced: a comparison or ``round()`` of a
    Value becomes a guard; ``float(v)`` or ``v.item()``, a number leaving the graph, is refused."""

    def seen(v: Value, how: str, operand: object, result: object) -> None:
        if how in _ESCAPES:
            raise CompileError(
                f"compile: f calls {_ESCAPES[how]} on {describe(v)} while it is traced: the number"
                " leaves the graph, so the compiled code could not follow it; keep it a Value (its"
                " operators and functions), or compute it outside f"
            )
        if how in _COMPARISONS:
            if isinstance(operand, Value):
                other: Value | float = operand
            elif _is_number(operand):  # compared as the engine compares it: as a float
                other = number(operand, f"compile: {how}", v)
            else:
                raise CompileError(f"compile: f compares {describe(v)} with {operand!r}; only numbers"
                                   " and Values can be guarded")
            guards.append(Guard(how, (v, other), (), result))
        elif how == "round":
            guards.append(Guard("round", (v,), () if operand is None else (operand,), result))

    return seen


@contextmanager
def _watching() -> Iterator[list[Guard]]:
    """Hear of every decision on a Value's number on this thread while ``f`` is traced (through
    the engine's hook, `autograd.core.tracer`).

    ``float(v)`` warns (`GradientLostWarning`) before the hook refuses it: the warning is not
    shown, since the refusal says more (a refused trace is often retried with the argument baked
    in, ``math.sqrt(x)``).  Python's warnings filters are the process's, so while a trace runs a
    `GradientLostWarning` of another thread is not shown either."""
    guards: list[Guard] = []
    previous = tracer.seen
    with _lock, warnings.catch_warnings():
        warnings.simplefilter("ignore", GradientLostWarning)
        tracer.seen = _hook(guards)
        try:
            yield guards
        finally:
            tracer.seen = previous


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
