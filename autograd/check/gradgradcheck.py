"""Check second derivatives against finite differences of the first: `gradgradcheck`.

`gradcheck` compares d f / d x_j with finite differences of f.  `gradgradcheck` does the same one
order up: for each input x_i, the first derivative g_i = d f / d x_i is itself a function of the
inputs, computed by `autograd.grad(f, xs, create_graph=True)` as a Value with its own graph, so

    analytic  = d g_i / d x_j           (backward() through g_i's graph: a second derivative)
    numeric   = (g_i(x + h e_j) - g_i(x - h e_j)) / (2h)

and `gradcheck` itself, run on g_i, compares them (with its tolerances, kinks and rounding noise).
The rows of the table are named ``∂²f/∂x_j∂x_i``.

The classic mistake it catches is a derivative rule that is right at first order and flat at
second: one that reads ``.data`` or calls ``float()`` (``math.cos(x)`` on a Value does) builds a
constant where the derivative's graph should go on.  On a mismatch the blame checks each node of
f's graph, one rule at a time: the rule for d(node)/d(x_k), evaluated on Values, differentiated
again with respect to each operand x_m, against the central difference of the same rule evaluated
on numbers.  The report names the op and the rule that is flat (or wrong).

    >>> from autograd.check.gradgradcheck import gradgradcheck
    >>> bool(gradgradcheck(lambda x, y: (x * y).sin() + y.exp(), [0.4, 0.9]))
    True
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from autograd.check.blame import Blame, LocalCheck, _close, _count, _grouped, _noise, _operand_names
from autograd.check.gradcheck import GradcheckError, GradcheckResult, InputCheck, gradcheck
from autograd.core import GradientLostWarning, Op, Value, apply, topological_order
from autograd.higher import grad
from autograd.ops import split

__all__ = ["GradgradcheckResult", "SecondOrderBlame", "gradgradcheck", "second_order_blame"]


@dataclass(frozen=True)
class GradgradcheckResult(GradcheckResult):
    """What `gradgradcheck` found: `GradcheckResult`'s table, one row per pair (x_i, x_j)."""

    def __str__(self) -> str:
        lines = super().__str__().split("\n")
        return "\n".join(line.replace("gradcheck:", "gradgradcheck:", 1) for line in lines)


@dataclass(frozen=True)
class SecondOrderBlame(Blame):
    """The rules of f's ops, each differentiated again, against the central difference of the rule."""

    def lines(self) -> list[str]:
        out = []
        for group in _grouped(self.wrong, lambda c: (c.op, c.operand)):
            c, more = group[0], len(group) - 1
            rule, by = c.operand.split(" by ")
            flat = " (the rule is flat: does it read .data or call float()?)" if c.found == 0.0 else ""
            out.append(
                f"blame: {c.where}: the rule for d/d{rule} of {c.op!r}, evaluated on Values, changes by"
                f" {c.found:.9g} per unit of {by}, but its central difference at ({', '.join(c.operands)})"
                f" is {c.expected:.9g}{flat}" + (f" (and {_count(more, 'more such node')})" if more else "")
            )
        unchecked = [c for c in self.checks if c.status in ("fails", "unknown")]
        out += [f"blame: {c.where}: not checked: {c.note}" for c in unchecked]
        checked = sum(c.status not in ("unknown", "fails") for c in self.checks)
        wrong = f", {len(self.wrong)} wrong" if self.wrong else ""
        out.append(f"blame: {_count(checked, 'second derivative')} of the ops' rules checked{wrong}")
        return out


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float | Value] | Mapping[str, float | Value],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    random_points: int = 0,
    within: tuple[float, float] = (-2.0, 2.0),
    seed: int = 0,
) -> GradgradcheckResult:
    """Compare each second derivative d²f / dx_j dx_i (from `autograd.grad` with
    ``create_graph=True``, then `backward()`) with central differences of d f / d x_i.

    Takes what `gradcheck` takes (a list of numbers or Values, or a mapping by f's parameter
    names) and returns a truthy result; on a failure raises `GradcheckError` (an `AssertionError`,
    so pytest shows the message), whose message says which second derivative disagrees, names the
    op whose rule is flat or wrong (see the module doc), and ends with the table.
    """
    __tracebackhide__ = True
    names = list(inputs) if isinstance(inputs, Mapping) else None
    given = list(inputs.values()) if isinstance(inputs, Mapping) else list(inputs)
    labels = names or [x.label if isinstance(x, Value) and x.label else f"x{i}" for i, x in enumerate(given)]
    n = len(given)
    checks: list[InputCheck] = []
    first: GradcheckResult | None = None
    for i in range(n):
        result = gradcheck(_derivative(f, i), inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=False,
                           random_points=random_points, within=within, seed=seed)
        first = first or result
        checks += [replace(c, index=i * n + c.index, label=f"∂²f/∂{labels[c.index]}∂{labels[i]}")
                   for c in result.checks]
    assert first is not None  # gradcheck refuses no inputs
    combined = GradgradcheckResult(tuple(checks), eps, atol, rtol, first.points, tuple(labels), first.seed,
                                   first.within)
    worst = next((c for c in sorted(checks, key=lambda c: -c.abs_error) if c.status == "mismatch"), None)
    if worst is not None:
        at = combined.points[worst.point]
        leaves = [Value(x, label=name) for x, name in zip(at, labels, strict=True)]
        out = f(*leaves) if names is None else f(**dict(zip(names, leaves, strict=True)))
        combined = replace(combined, blame=second_order_blame(out, eps=eps, atol=atol, rtol=rtol),
                           blame_point=worst.point)
    if raise_exception and not combined.ok:
        raise GradcheckError(combined)
    return combined


def _derivative(f: Callable[..., Value], i: int) -> Callable[..., Value]:
    """x -> d f / d x_i at x, as a Value with its graph (``f`` called as gradcheck calls it)."""

    def derivative(*args: Value, **kwargs: Value) -> Value:
        out = f(*args, **kwargs)
        if not isinstance(out, Value):
            raise TypeError(f"gradgradcheck: f must return a Value; it returned {type(out).__name__}")
        gradient: Value = grad(out, [*args, *kwargs.values()], create_graph=True)[i]
        return gradient

    return derivative


# ---- the blame: each rule of each op node, differentiated again ----------------------------------


def second_order_blame(root: Value, *, eps: float = 1e-6, atol: float = 1e-5,
                       rtol: float = 1e-3) -> SecondOrderBlame:
    """For every op node of root's graph and every pair of its Value operands (x_k, x_m): the rule
    for d(node)/d(x_k), evaluated on Values and differentiated with respect to x_m, against the
    central difference of the same rule evaluated on numbers."""
    checks: list[LocalCheck] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GradientLostWarning)  # the flat rule is what is reported
        for position, node in enumerate(topological_order(root, leaves=True)):
            if not node.children:
                continue
            if node.op_def is None:
                note = "a one-off Value(data, children, local_grads, op): its rules are unknown"
                checks.append(LocalCheck(position, node.op, node.label, "", (), math.nan, math.nan, "unknown",
                                         note))
                continue
            checks += _check_rules(position, node, node.op_def, eps, atol, rtol)
    return SecondOrderBlame(tuple(checks))


def _check_rules(position: int, node: Value, op: Op, eps: float, atol: float,
                 rtol: float) -> list[LocalCheck]:
    """Each rule of ``node``'s op, differentiated again in each Value operand, against its central
    difference."""
    operands = node.operands
    floats = [x.data if isinstance(x, Value) else float(x) for x in operands]
    names = _operand_names(op, len(operands))
    shown = tuple(f"{name}={x:.6g}" for name, x in zip(names, floats, strict=True))
    fresh: list[Any] = [Value(x, label=name) if isinstance(v, Value) else x
                        for v, x, name in zip(operands, floats, names, strict=True)]
    rules = list(op.derivatives.values())
    local = _rule_on(op, rules, fresh, apply(op, *split(op, fresh)))
    values = [(m, v) for m, v in enumerate(fresh) if isinstance(v, Value)]
    checks = []
    for k, _ in values:
        d = local(k)
        found = grad(d, [v for _, v in values]) if isinstance(d, Value) else (0.0,) * len(values)
        for (m, _), slope in zip(values, found, strict=True):
            made = (position, node.op, node.label, f"{names[k]} by {names[m]}", shown, slope)
            h = eps * max(1.0, abs(floats[m]))
            try:
                left, right = _slopes(op, rules, floats, k, m, h)
            except (ArithmeticError, ValueError) as e:
                checks.append(LocalCheck(*made, math.nan, "fails", f"the rule fails within the step ({e})"))
                continue
            expected = (left + right) / 2.0
            tolerance = atol + _noise(abs(_at(op, rules, floats, k)), left, right, h)
            if _close(slope, expected, tolerance, rtol):
                status = "ok"
            elif min(left, right) <= slope <= max(left, right) or _jumps(op, rules, floats, (k, m), h,
                                                                         expected):
                status = "kink"  # the rule jumps there (relu's and abs's at 0): any slope is accepted
            else:
                status = "wrong"
            checks.append(LocalCheck(*made, expected, status))
    return checks


def _rule_on(op: Op, rules: list[Callable[..., Any]], operands: list[Any], out: Any) -> Callable[[int], Any]:
    """k -> the local derivative d out / d (flat operand k), from its rule on ``operands``."""
    parts = split(op, operands)
    where = split(op, list(range(len(operands))))  # each flat operand's param, and item in its list

    def local(k: int) -> Any:
        for p, positions in enumerate(where):
            if positions == k:
                return rules[p](out, *parts)
            if type(positions) is list and k in positions:
                slopes = rules[p](out, *parts)
                return slopes[positions.index(k)] if type(slopes) is list else slopes
        raise AssertionError(k)

    return local


def _at(op: Op, rules: list[Callable[..., Any]], floats: list[float], k: int) -> float:
    """The rule for flat operand k evaluated on numbers."""
    parts = split(op, floats)
    return float(_rule_on(op, rules, floats, op.forward(*parts))(k))


def _slopes(op: Op, rules: list[Callable[..., Any]], floats: list[float], k: int, m: int,
            h: float) -> tuple[float, float]:
    """The one-sided slopes, in operand m, of the rule for operand k evaluated on numbers."""

    def moved(delta: float) -> float:
        at = list(floats)
        at[m] += delta
        return _at(op, rules, at, k)

    middle = moved(0.0)
    return (middle - moved(-h)) / h, (moved(h) - middle) / h


def _jumps(op: Op, rules: list[Callable[..., Any]], floats: list[float], pair: tuple[int, int], h: float,
           expected: float) -> bool:
    """Whether the rule is discontinuous within h: its difference quotient grows as the step shrinks
    (a jump J gives J / 2h; a smooth rule's stays put)."""
    if not math.isfinite(expected):
        return True
    try:
        left, right = _slopes(op, rules, floats, *pair, h / 10.0)
    except (ArithmeticError, ValueError):
        return False
    return abs(left + right) / 2.0 > 5.0 * abs(expected)
