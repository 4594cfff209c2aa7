"""How the engine words its errors: each names the operation, the operand and its label.

Raised from one place each: a number that is not one (`number`), an argument that is not
iterable (`iterable`), a value out of an operation's domain (`domain_error`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from numbers import Real
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autograd.value import Value

__all__ = ["describe", "domain_error", "iterable", "number"]


def describe(v: object) -> str:
    """An operand as an error message names it: ``Value 'x' (op='*2', data=4.0)``, or a number."""
    from autograd.ops import display
    from autograd.value import Value

    if not isinstance(v, Value):
        return repr(v)
    name = f"Value {v.label!r}" if v.label else "unlabelled Value"
    fields = f"op={display(v)!r}, data={v.data!r}" if v.op else f"data={v.data!r}"
    return f"{name} ({fields})"


def domain_error(op: str, error: Exception, operands: Sequence[Value | float]) -> str:
    """``/: division by zero: Value 'x' (data=1.0) / 0.0``; ``log: undefined for Value 'x' (...); <why>``."""
    if len(operands) == 2 and not op.isidentifier():
        return f"{op}: {error}: {describe(operands[0])} {op} {describe(operands[1])}"
    return f"{op}: undefined for {', '.join(describe(a) for a in operands)}; {error}"


def number(other: object, op: str, node: Value | None, expected: str = "a Value, int or float") -> float:
    """A plain-number operand as a float; anything else is a `TypeError` naming op and operand."""
    if type(other) is float:
        return other
    if type(other) is int or (isinstance(other, Real) and not isinstance(other, bool)):
        try:
            return float(other)
        except OverflowError:  # ints from 2**1024 - 2**970 up: they round to 2**1024
            side = f" with {describe(node)}" if node is not None else ""
            raise OverflowError(
                f"{op}: {short_repr(other)} is too large for a float (at most about 1.8e308){side}"
            ) from None
    side = f" with {describe(node)}" if node is not None else ""
    raise TypeError(f"{op}: cannot use {other!r} (type {type(other).__name__}){side}; expected {expected}")


def short_repr(value: object) -> str:
    """A long number's repr, shortened: ``1000000000...000000 (401 digits)``."""
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:10]}...{text[-6:]} ({len(text)} digits)"


def iterable(items: object, op: str, label: str | None, name: str, expected: str) -> Iterator[Any]:
    """An iterator over ``items``, else a `TypeError` naming ``op``, or, with a ``label``, the call
    ``Value(op, label)`` (where ``(x)`` was likely meant as ``(x,)``).  An error raised later, while
    iterating (by a generator, say), is the iterator's own."""
    try:
        return iter(items)  # type: ignore[call-overload,no-any-return]
    except TypeError:
        where = op if label is None else f"Value(op={op!r}, label={label!r})"
        single = label is not None and (isinstance(items, (int, float)) or hasattr(items, "local_grads"))
        comma = " (one item in parentheses needs a comma to be a tuple)" if single else ""
        raise TypeError(
            f"{where}: {name} must be an iterable of {expected};"
            f" got {items!r} (type {type(items).__name__}){comma}"
        ) from None
