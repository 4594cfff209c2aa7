"""Tracing for `autograd.compile`: run ``f`` once on argument Values and record what it did.

The arguments of ``step(*args)`` are numbers or nested lists/tuples of numbers.  Each number
becomes an argument Value (`_Argument`, labelled by its place, ``x[0]``), so that the traced graph
says which leaves are arguments; the parameters are the caller's own Values; any other leaf is a
constant.  An argument Value answers every question Python asks of a number (``==``, ``bool``,
``hash``, ``isinstance``, ``int``, ``float``, its attributes, its arithmetic) as the engine's float
would, recording a *guard* the compiled code checks at every call, or refusing with a
`CompileError` naming the argument and the line (the argument is then baked in): see `_Argument`.

While ``f`` runs, the engine's tracing hook (`autograd.core.tracer`, set on the tracing thread
only) tells of the few ways a Value's number can leave the graph and steer Python: a comparison
(``a < b``, ``max(a, b)``) and ``round(v)`` become guards; ``float(v)`` and ``v.item()`` are
refused.  Python's profiler hook, on the tracing thread while ``f`` runs, tells of every node the
engine makes (one off the loss's path is computed by the step too, to raise where the engine
raises) and every error it raises (one that ``f`` catches is refused).  Reading ``v.data`` cannot
be seen: see docs/compile.md.
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from numbers import Real
from types import FrameType
from typing import Any

from autograd.core import GradientLostWarning, Op, Value, apply, describe, number, tracer

__all__ = ["CompileError", "Guard", "Trace", "flatten", "freeze", "is_python_op", "kinds", "normalize",
           "trace"]

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
    ints: frozenset[Value] = frozenset()  # the argument Values that are not floats (ints, NumPy's)
    made: tuple[Value, ...] = ()  # every node f made, in order: those off the loss's path are computed too
    kinds: tuple[type, ...] = ()  # every container's and number's type, in `kinds` order (checked each call)


_COMPARISONS = ("<", "<=", ">", ">=")


# ---- the arguments while f is traced: `_Argument` -----------------------------------------------
#
# In the engine an argument is a plain number, and so is whatever f computes from arguments alone
# (``x + 1``, ``y * 2``); a Value appears only when one meets a Value (a parameter, a node).  While
# f is traced each of those numbers is an `_Argument`: a Value (so that the compiled code can follow
# it into the graph) that answers every question Python can ask of a number either as a *guard*
# (its outcome recorded, checked by the compiled code at every call, retraced when it differs) or
# with a `CompileError` naming the argument and the line of f (the argument is then tried as a
# plain number, baked in and guarded by value).  Arithmetic among arguments and numbers is Python's
# own, as on the engine's floats (``x ** y`` overflowing raises), recorded as a node of an op of
# this module (`is_python_op`) so that the compiled code repeats it.


class _Context(threading.local):
    """The trace running on this thread: each argument Value's number as the engine has it (an int
    stays an int), and the guards so far."""

    raw: dict[int, Any] | None = None
    keep: list[Value] | None = None  # every node f makes (an argument's, the engine's), as it makes them
    raised: list[str] | None = None  # the errors raised in f's arithmetic (f may catch them)
    guards: list[Guard] | None = None
    names: dict[int, str] | None = None


_context = _Context()


def _raw(v: Value) -> Any:
    """The number the engine has where the trace has ``v`` (an int stays an int)."""
    raw = _context.raw
    return raw.get(id(v), v.data) if raw is not None else v.data


def _where() -> str:
    """The line of f (or of what f calls) that asked: the first frame outside the package."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back  # type: ignore[assignment]
    return "" if frame is None else f" at {frame.f_code.co_filename}:{frame.f_lineno}"


def _name(v: Value) -> str:
    names = _context.names or {}
    return f"argument {v.label}" if v.label else f"a number computed from the arguments{names.get(id(v), '')}"


def _refuse(v: Value, what: str) -> CompileError:
    return CompileError(
        f"compile: f takes {what} of {_name(v)}{_where()}: a number the compiled code cannot follow;"
        " the argument is tried as a plain number instead (baked in: one trace per value)"
    )


def _guard(kind: str, operands: tuple[Value | float, ...], outcome: Any) -> Any:
    if _context.guards is not None:
        _context.guards.append(Guard(kind, operands, (), outcome))
    return outcome


def _operand(other: object) -> Value | int | float | None:
    """``other`` as a guard or an arithmetic operand: an argument Value, an int or float (a bool as
    its int); None for anything else."""
    if isinstance(other, _Argument):
        return other
    if type(other) is float or type(other) is int:
        return other
    if type(other) is bool:
        return int(other)
    return None


def _compare(self: Value, how: str, other: object) -> Any:
    if _context.guards is None:  # after the trace (the compiler's own dicts): a Value's identity
        return self is other if how == "==" else self is not other
    o = _operand(other)
    if o is None:
        if isinstance(other, Value) or not isinstance(other, Real):
            return NotImplemented  # a float and a Value, or a string: never equal, as in the engine
        raise _refuse(self, f"{how} with {other!r} ({type(other).__name__})")
    a, b = _raw(self), _raw(o) if isinstance(o, Value) else o
    return _guard(how, (self, o), a == b if how == "==" else a != b)


def _python(name: str, fn: Callable[..., Any], arity: int) -> Op:
    never = lambda out, *operands: 0.0  # noqa: E731 (a node of arguments alone leads to no parameter)
    params = ("x", "y")[:arity]
    return Op(name=name, forward=fn, formula=name, derivatives=dict.fromkeys(params, never),
              derivative_formulas=dict.fromkeys(params, "0"))


_PYTHON: dict[str, Op] = {
    "+": _python("+", lambda x, y: x + y, 2),
    "-": _python("-", lambda x, y: x - y, 2),
    "*": _python("*", lambda x, y: x * y, 2),
    "/": _python("/", lambda x, y: x / y, 2),
    "//": _python("//", lambda x, y: x // y, 2),
    "%": _python("%", lambda x, y: x % y, 2),
    "**": _python("**", lambda x, y: x ** y, 2),
    "neg": _python("neg", lambda x: -x, 1),
    "abs": _python("abs", lambda x: abs(x), 1),
}
_PYTHON_OPS = frozenset(_PYTHON.values())


def is_python_op(op: Op | None) -> bool:
    """Whether ``op`` is Python's arithmetic on arguments (not the engine's op of that name)."""
    return op in _PYTHON_OPS


def _arith(name: str, *operands: object) -> Any:
    """Python's ``name`` on argument Values and numbers, as the engine's floats do it: an argument
    Value for the result; NotImplemented when another Value takes part (its own method runs)."""
    ops = [_operand(x) for x in operands]
    if any(o is None for o in ops):
        return NotImplemented
    op = _PYTHON[name]
    raw = [_raw(o) if isinstance(o, Value) else o for o in ops]
    try:
        out = op.forward(*raw)  # raises what Python raises on the engine's numbers
    except (ArithmeticError, TypeError, ValueError) as e:
        if _context.raised is not None:
            _context.raised.append(f"{type(e).__name__} of {name}{_where()}")
        raise
    if not _is_number(out):
        first = next(o for o in ops if isinstance(o, Value))
        raise _refuse(first, f"{name} giving {out!r} ({type(out).__name__})")
    try:
        data = float(out)
    except OverflowError:
        first = next(o for o in ops if isinstance(o, Value))
        raise _refuse(first, f"{name} giving an int too large for a float") from None
    children = tuple(o for o in ops if isinstance(o, Value))
    node = _Argument(data, children, (0.0,) * len(children), name, "", op, tuple(ops))  # type: ignore[arg-type]
    if _context.raw is not None and _context.keep is not None:
        _context.raw[id(node)] = out
        _context.keep.append(node)
    if name == "**":  # 2 ** 1 is an int, 2 ** -1 a float, (-2.0) ** 0.5 a complex: its type is guarded
        _guard("type", (node,), type(out))
    return node


class _Argument(Value):
    """A number of f's arguments (or computed from them alone) while f is traced: see above."""

    __slots__ = ()

    def __eq__(self, other: object) -> Any:
        return _compare(self, "==", other)

    def __ne__(self, other: object) -> Any:
        return _compare(self, "!=", other)

    def __bool__(self) -> bool:  # if x:, x and y, not x
        return bool(_guard("bool", (self,), bool(_raw(self))))

    def __hash__(self) -> int:  # a set or dict key: its bucket is guarded, then its == with what is there
        if _context.guards is None:  # after the trace (the compiler's own dicts): a Value's identity
            return object.__hash__(self)
        if _raw(self) != _raw(self):  # a NaN's hash is its object's identity: no guard can repeat it
            raise _refuse(self, "hash() of a NaN")
        return int(_guard("hash", (self,), hash(_raw(self))))

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # isinstance(x, float), when type(x) is not: the engine's type
        return type(_raw(self))

    def __index__(self) -> int:
        raise _refuse(self, "an int (an index, range(x), operator.index)")

    def __int__(self) -> int:
        raise _refuse(self, "int()")

    def __float__(self) -> float:
        raise _refuse(self, "float() (math.sqrt(x), math.floor(x)...)")

    def __complex__(self) -> complex:
        raise _refuse(self, "complex()")

    def __trunc__(self) -> int:
        raise _refuse(self, "math.trunc()")

    def __floor__(self) -> int:
        raise _refuse(self, "math.floor()")

    def __ceil__(self) -> int:
        raise _refuse(self, "math.ceil()")

    def item(self) -> float:
        raise _refuse(self, ".item()")

    def __getattr__(self, name: str) -> Any:  # x.is_integer(), x.real, x.hex(): a float's, not a Value's
        if not hasattr(_raw(self), name):  # hasattr(x, "shape"): False, as of the engine's number
            raise AttributeError(f"{type(_raw(self)).__name__!r} object has no attribute {name!r}")
        raise _refuse(self, f".{name}")

    def __add__(self, other: Any) -> Any:
        return _arith("+", self, other)

    def __radd__(self, other: Any) -> Any:
        return _arith("+", other, self)

    def __sub__(self, other: Any) -> Any:
        return _arith("-", self, other)

    def __rsub__(self, other: Any) -> Any:
        return _arith("-", other, self)

    def __mul__(self, other: Any) -> Any:
        return _arith("*", self, other)

    def __rmul__(self, other: Any) -> Any:
        return _arith("*", other, self)

    def __truediv__(self, other: Any) -> Any:
        return _arith("/", self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return _arith("/", other, self)

    def __floordiv__(self, other: Any) -> Any:
        return _arith("//", self, other)

    def __rfloordiv__(self, other: Any) -> Any:
        return _arith("//", other, self)

    def __mod__(self, other: Any) -> Any:
        return _arith("%", self, other)

    def __rmod__(self, other: Any) -> Any:
        return _arith("%", other, self)

    def __pow__(self, other: Any) -> Any:
        return _arith("**", self, other)

    def __rpow__(self, other: Any) -> Any:
        return _arith("**", other, self)

    def __neg__(self) -> Any:
        return _arith("neg", self)

    def __abs__(self) -> Any:
        return _arith("abs", self)

    abs = __abs__


_PACKAGE = os.path.dirname(os.path.dirname(__file__)) + os.sep  # autograd/: the engine's frames are not f's
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


@contextmanager
def _making(made: list[Value], raised: list[str], params: frozenset[Value]) -> Iterator[None]:
    """Hear of every node the engine makes (`autograd.core.apply`'s return) on this thread while f
    runs, and of every error it raises: a node off the loss's path must still raise what the
    engine raises, and an error f catches is a path the compiled code cannot follow.  (The engine
    has no hook for this: Python's profiler hook, on this thread only, while f is traced.)"""
    code = apply.__code__
    previous = sys.getprofile()

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "return" and frame.f_code is code:
            if arg is not None:
                made.append(arg)
            elif _varies(frame.f_locals.get("operands", ()), params):  # an error leaves apply
                op = frame.f_locals.get("op")
                raised.append(f"error of {getattr(op, 'name', '?')}{_where()}")

    sys.setprofile(profile)
    try:
        yield
    finally:
        sys.setprofile(previous)


def _varies(operands: Any, params: frozenset[Value]) -> bool:
    """Whether an op's operands depend on an argument or a parameter (else they are constants, the
    same at every call with the same baked numbers: an error on them is no path to follow)."""
    stack = [v for a in operands for v in (a if type(a) is list else (a,)) if isinstance(v, Value)]
    seen: set[int] = set()
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        if type(v) is _Argument or any(v is p for p in params):
            return True
        stack.extend(v.children)
    return False


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
    """A hashable copy of a baked argument, to the bit: lists told from tuples, ints from floats,
    -0.0 from 0.0, and a NaN equal to a NaN."""
    if isinstance(x, list):
        return ("list", tuple(freeze(i) for i in x))
    if isinstance(x, tuple):
        return ("tuple", tuple(freeze(i) for i in x))
    if type(x) is float:
        return x.hex()  # a str: never equal to another type's freeze
    return (type(x).__name__, repr(x))


def place(path: Path, names: Sequence[str]) -> str:
    """``x[0][1]``: how a user names the number at ``path``."""
    return names[path[0]] + "".join(f"[{i}]" for i in path[1:])


def normalize(args: Sequence[Any], names: Sequence[str]) -> tuple[Any, ...]:
    """The arguments, checked: numbers (floats, ints, NumPy's scalars: each its own type, traced as
    the engine sees it) in lists and tuples; a bool, a NumPy array or anything else is a
    `TypeError` naming the argument."""

    def walk(x: Any, path: Path) -> Any:
        kind = type(x)
        if kind is float or kind is int:
            return x
        if kind is list or kind is tuple:
            items = [walk(item, (*path, i)) for i, item in enumerate(x)]
            return items if kind is list else tuple(items)
        where = f"compile: argument {place(path, names)}"
        if _is_number(x):  # a NumPy scalar: its own arithmetic in f, its float in the engine's ops
            return x
        if isinstance(x, bool):
            raise TypeError(f"{where} is {x!r}: a bool is not a number here (the engine refuses it too);"
                            " pass 1.0 or 0.0")
        hint = " (a NumPy array: pass .tolist(), the floats the engine takes from it)" * hasattr(x, "shape")
        raise TypeError(f"{where} is {x!r} ({type(x).__name__}); the arguments must be numbers or (nested)"
                        f" lists or tuples of numbers{hint}")

    return tuple(walk(a, (i,)) for i, a in enumerate(args))


def kinds(args: Sequence[Any]) -> tuple[type, ...]:
    """The type of every list, tuple and number of ``args``, depth first: the compiled code checks
    them at every call (an int is not a float to ``isinstance`` or to Python's arithmetic)."""
    out: list[type] = []

    def walk(x: Any) -> None:
        out.append(type(x))
        if type(x) is list or type(x) is tuple:
            for item in x:
                walk(item)

    for a in args:
        walk(a)
    return tuple(out)


def trace(f: Callable[..., Any], args: Sequence[Any], names: Sequence[str], baked: frozenset[int],
          params: frozenset[Value] = frozenset()) -> Trace:
    """Run ``f`` once: numbers of the arguments not in ``baked`` as argument Values (`_Argument`)."""
    structure, numbers = flatten(args, names)
    placeholders: dict[Value, Path] = {}
    made: dict[Path, Value] = {}
    raw: dict[int, Any] = {}
    keep: list[Value] = []
    ints: set[Value] = set()

    def build(x: object, path: Path) -> object:
        if path in made:
            return made[path]
        if isinstance(x, (list, tuple)):
            items = [build(item, (*path, i)) for i, item in enumerate(x)]
            return tuple(items) if isinstance(x, tuple) else items
        return x

    for path, x in numbers:
        if path[0] not in baked:
            v = _Argument(x, label=place(path, names))
            placeholders[v] = path
            made[path] = v
    traced_args = [a if i in baked else build(a, (i,)) for i, a in enumerate(args)]
    for path, placeholder in made.items():
        item: Any = args[path[0]]
        for i in path[1:]:
            item = item[i]
        raw[id(placeholder)] = placeholder.data if type(item) is float else item
        keep.append(placeholder)
    saved = (_context.raw, _context.keep, _context.guards, _context.raised)
    raised: list[str] = []
    with _watching() as guards, _making(keep, raised, params):
        _context.raw, _context.keep, _context.guards, _context.raised = raw, keep, guards, raised
        try:
            root = f(*traced_args)
        finally:
            _context.raw, _context.keep, _context.guards, _context.raised = saved
    if raised:  # f caught an error of its arithmetic: the compiled code could not take that path
        raise CompileError(f"compile: f catches the {raised[0]}: an error f handles is a path the compiled"
                           " code cannot follow; the arguments are tried as plain numbers instead (baked in)")
    if isinstance(root, _Argument) or not isinstance(root, Value):
        got = "a number computed from the arguments alone" if isinstance(root, _Argument) else (
            f"{root!r} ({type(root).__name__})")
        raise CompileError(f"compile: f must return a Value (the loss); it returned {got}")
    ints.update(v for v in keep if id(v) in raw and type(raw[id(v)]) is not float)
    made_nodes = tuple(v for v in keep if v.children)
    return Trace(root, placeholders, guards, structure, baked, ints=frozenset(ints), kinds=kinds(args),
                 made=made_nodes)
