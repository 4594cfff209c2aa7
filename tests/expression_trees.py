"""Random expression trees over every engine op, for the property and PyTorch-parity tests.

A tree is nested tuples: ``("x", i)`` is input i; ``(op, a)`` a unary op; ``(op, a, b)`` a binary
op of two trees; ``(op, a, c)`` / ``(op, c, a)`` a binary op with a plain number ``c`` on the side
the name shows (``"*c"``: tree * c, ``"c*"``: c * tree); ``("sum" | "mean", (a, ...))`` and
``("dot", (w, ...), (x or c, ...), b or c)`` the n-ary nodes.  `evaluate` runs a tree on any
backend (Values or torch tensors) through a table of functions; with ``guard=True`` it raises
`Unsuitable` when a node is too close to a kink, a pole or the edge of a domain for finite
differences to be trusted there (the hypothesis test then rejects the example).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st

import autograd
from autograd import Value

Tree = tuple[Any, ...]
N_INPUTS = 3

UNARY = ("neg", "exp", "log", "tanh", "sigmoid", "relu", "abs", "sin", "cos", "sqrt")
BINARY = ("+", "-", "*", "/", "**")
WITH_CONSTANT = ("+c", "c+", "-c", "c-", "*c", "c*", "/c", "c/", "**c", "c**")
EXPONENTS = (-2.0, -1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0)  # for tree ** c
BASES = (0.5, 2.0, math.e, 3.0)  # for c ** tree


class Unsuitable(Exception):  # noqa: N818 (a signal, not an error)
    """The example sits where finite differences cannot be trusted (a kink, a pole, a huge value)."""


def trees(max_leaves: int = 8) -> st.SearchStrategy[Tree]:
    """Expression trees over inputs x0..x2 using every op, numbers on either side, n-ary nodes."""
    leaf = st.builds(lambda i: ("x", i), st.integers(0, N_INPUTS - 1))
    constant = st.floats(-3.0, 3.0, allow_nan=False).map(lambda c: round(c, 3))

    def extend(sub: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
        return st.one_of(
            st.tuples(st.sampled_from(UNARY), sub),
            st.tuples(st.sampled_from(BINARY), sub, sub),
            st.tuples(st.sampled_from(("+c", "-c", "*c", "/c")), sub, constant),
            st.tuples(st.sampled_from(("c+", "c-", "c*", "c/")), constant, sub),
            st.tuples(st.just("**c"), sub, st.sampled_from(EXPONENTS)),
            st.tuples(st.just("c**"), st.sampled_from(BASES), sub),
            st.tuples(st.sampled_from(("sum", "mean")), st.lists(sub, min_size=1, max_size=3).map(tuple)),
            st.lists(st.tuples(sub, st.one_of(sub, constant)), min_size=1, max_size=3).flatmap(
                lambda pairs: st.tuples(
                    st.just("dot"),
                    st.just(tuple(w for w, _ in pairs)),
                    st.just(tuple(x for _, x in pairs)),
                    st.one_of(sub, constant),
                )
            ),
        )

    return st.recursive(leaf, extend, max_leaves=max_leaves)


def inputs() -> st.SearchStrategy[list[float]]:
    """Values for x0..x2: moderate floats, rounded so that failures shrink to readable numbers."""
    return st.lists(
        st.floats(-3.0, 3.0, allow_nan=False).map(lambda v: round(v, 4)),
        min_size=N_INPUTS,
        max_size=N_INPUTS,
    )


def describe(tree: Tree | float) -> str:
    """The tree as an infix formula, for failure messages."""
    if not isinstance(tree, tuple):
        return repr(tree)
    op = tree[0]
    if op == "x":
        return f"x{tree[1]}"
    if op in UNARY:
        return f"{op}({describe(tree[1])})"
    if op in ("sum", "mean"):
        return f"{op}({', '.join(describe(t) for t in tree[1])})"
    if op == "dot":
        terms = " + ".join(f"{describe(w)}*{describe(x)}" for w, x in zip(tree[1], tree[2], strict=True))
        return f"dot({terms} + {describe(tree[3])})"
    symbol = op.replace("c", "")
    return f"({describe(tree[1])} {symbol} {describe(tree[2])})"


# ---- backends --------------------------------------------------------------------------------------


def _value_sum(items: Sequence[Any]) -> Any:
    return autograd.sum(items)


def _value_mean(items: Sequence[Any]) -> Any:
    return autograd.mean(items)


def _value_dot(weights: Sequence[Any], xs: Sequence[Any], bias: Any) -> Any:
    return autograd.dot(weights, xs, bias)


VALUE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "neg": lambda a: -a,
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "abs": lambda a: abs(a),
    "sin": lambda a: a.sin(),
    "cos": lambda a: a.cos(),
    "sqrt": lambda a: a.sqrt(),
    "sum": _value_sum,
    "mean": _value_mean,
    "dot": _value_dot,
}


def torch_functions() -> dict[str, Callable[..., Any]]:
    """The same table for PyTorch float64 tensors (imported lazily: PyTorch is optional)."""
    import torch

    def dot(weights: Sequence[Any], xs: Sequence[Any], bias: Any) -> Any:
        total = weights[0] * xs[0]
        for w, x in zip(weights[1:], xs[1:], strict=True):
            total = total + w * x
        return total + bias

    def add_all(items: Sequence[Any]) -> Any:
        total = items[0]
        for item in items[1:]:
            total = total + item
        return total

    return {
        "neg": lambda a: -a,
        "exp": torch.exp,
        "log": torch.log,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "relu": torch.relu,
        "abs": torch.abs,
        "sin": torch.sin,
        "cos": torch.cos,
        "sqrt": torch.sqrt,
        "sum": add_all,
        "mean": lambda items: add_all(items) / len(items),
        "dot": dot,
    }


def _data(v: Any) -> float:
    return float(v.data) if isinstance(v, Value) else float(v.item()) if hasattr(v, "item") else float(v)


def evaluate(
    tree: Tree, xs: Sequence[Any], functions: dict[str, Callable[..., Any]], guard: bool = False
) -> Any:
    """Run the tree on inputs ``xs`` (Values or tensors), every op through ``functions`` or Python's
    operators.  ``guard=True`` raises `Unsuitable` near kinks, poles, domain edges and huge values."""

    def check(ok: bool) -> None:
        if guard and not ok:
            raise Unsuitable

    def run(t: Tree) -> Any:
        op = t[0]
        if op == "x":
            return xs[t[1]]
        out: Any
        if op in UNARY:
            a = run(t[1])
            ad = _data(a)
            check(not (op in ("log", "sqrt") and ad < 0.2))
            check(not (op == "exp" and ad > 15.0))
            check(not (op in ("relu", "abs") and abs(ad) < 1e-2))
            out = functions[op](a)
        elif op in BINARY:
            a, b = run(t[1]), run(t[2])
            ad, bd = _data(a), _data(b)
            check(not (op == "/" and abs(bd) < 0.2))
            check(not (op == "**" and (ad < 0.2 or abs(bd) > 4.0)))
            out = _binary(op, a, b)
        elif op in ("+c", "-c", "*c", "/c", "**c"):
            a, c = run(t[1]), float(t[2])
            ad = _data(a)
            check(not (op == "/c" and abs(c) < 0.2))
            if op == "**c" and not c.is_integer():
                check(ad >= 0.2)
            if op == "**c" and c < 0.0:
                check(abs(ad) >= 0.2)
            out = _binary(op[:-1], a, c)
        elif op in ("c+", "c-", "c*", "c/", "c**"):
            c, b = float(t[1]), run(t[2])
            bd = _data(b)
            check(not (op == "c/" and abs(bd) < 0.2))
            check(not (op == "c**" and abs(bd) > 15.0))
            out = _binary(op[1:], c, b)
        elif op in ("sum", "mean"):
            out = functions[op]([run(s) for s in t[1]])
        elif op == "dot":
            weights = [run(w) for w in t[1]]
            xs_ = [run(x) if isinstance(x, tuple) else float(x) for x in t[2]]
            bias = run(t[3]) if isinstance(t[3], tuple) else float(t[3])
            out = functions["dot"](weights, xs_, bias)
        else:
            raise AssertionError(f"unknown op {op!r}")
        d = _data(out)
        check(math.isfinite(d) and abs(d) <= 1e5)
        return out

    return run(tree)


def _binary(op: str, a: Any, b: Any) -> Any:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    if op == "**":
        return a**b
    raise AssertionError(f"unknown op {op!r}")
