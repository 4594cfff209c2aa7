"""Every operation of the engine, defined once: the table every part reads.

Each entry is an `Op`: its name, its forward computation on numbers, and for each operand, by
name, the rule for the local derivative d(out)/d(operand) (given the result ``out`` and every
operand) with how the chain-rule explainer writes it.  `Value`'s operators, the functions below,
the explainer, the pictures, the command line, `nn`, `gradcheck`'s blame and `autograd.compile`
all read this table, so a new operation is one entry.  The rules, at a glance:

    x + y       d/dx = 1                    d/dy = 1
    x - y       d/dx = 1                    d/dy = -1
    x * y       d/dx = y                    d/dy = x
    x / y       d/dx = 1/y                  d/dy = -x/y^2 = -out/y
    x ** y      d/dx = y x^(y-1)            d/dy = x^y ln x
    -x          d/dx = -1
    exp(x)      d/dx = exp(x) = out
    log(x)      d/dx = 1/x
    tanh(x)     d/dx = 1 - tanh(x)^2 = 1 - out^2
    sigmoid(x)  d/dx = s(x) (1 - s(x)) = out (1 - out)
    relu(x)     d/dx = 1 if x > 0 else 0            (relu'(0) = 0, as in PyTorch)
    abs(x)      d/dx = sign(x)                      (abs'(0) = 0, as in PyTorch)
    sin(x)      d/dx = cos(x)
    cos(x)      d/dx = -sin(x)
    sqrt(x)     d/dx = 1 / (2 sqrt(x)) = 0.5/out
    sum(x)      d/dx_i = 1
    mean(x)     d/dx_i = 1/n
    dot(w, x, b) = b + sum_i w_i x_i:   d/dw_i = x_i,   d/dx_i = w_i,   d/db = 1

A number among the operands (``x * 2``) is a constant: it stays in the node's ``operands`` and has
no edge.  At the edges of the domain the results follow PyTorch (IEEE 754) unless an error is
named: NaN and inf propagate, overflow gives +-inf; ``log`` and ``sqrt`` out of their domain,
division by zero, ``0 ** negative`` and a negative base with a non-integer exponent raise.

The rules use only arithmetic, comparisons and the helpers below, so they read like a calculus
table.  Define your own operation with `define_op`::

    >>> from autograd import Value
    >>> cube = define_op("cube", lambda x: x**3, lambda out, x: 3 * x**2, formula="{x}³")
    >>> x = Value(2.0, label="x")
    >>> y = cube(x)
    >>> y.backward()
    >>> y.data, x.grad
    (8.0, 12.0)
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from autograd.core import OPS, Op, Operand, Value, apply, number
from autograd.rule_source import formula_from_source

T = TypeVar("T")

__all__ = ["OPS", "Op", "cos", "define_op", "display", "dot", "entry", "exp", "log", "mean", "register",
           "relu",
           "sigmoid", "sin", "split", "sqrt", "sum", "tanh"]


# ---- forward helpers: where Python's floats and IEEE 754 (PyTorch) differ --------------------------


def _exp(x: float) -> float:
    """e^x, with overflow (x > ~709.78) giving inf as in PyTorch (Python raises)."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _log(x: float) -> float:
    """ln x, defined for x > 0 (PyTorch gives NaN or -inf; here it is an error naming the node)."""
    if x <= 0.0:
        raise ValueError("log needs a value > 0")
    return math.log(x)


def _sqrt(x: float) -> float:
    """sqrt x, defined for x >= 0."""
    if x < 0.0:
        raise ValueError("sqrt needs a value >= 0")
    return math.sqrt(x)


def _sigmoid(x: float) -> float:
    """1 / (1 + e^-x), stable for any float: for x < 0 it is e^x / (1 + e^x), where e^x underflows
    to 0 instead of e^-x overflowing."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sin(x: float) -> float:
    """sin x as PyTorch computes it: NaN at +-inf (Python raises)."""
    return math.sin(x) if math.isfinite(x) else math.nan


def _cos(x: float) -> float:
    """cos x as PyTorch computes it: NaN at +-inf (Python raises)."""
    return math.cos(x) if math.isfinite(x) else math.nan


def _divide(x: float, y: float) -> float:
    """x / y, defined for y != 0."""
    if y == 0.0:
        raise ZeroDivisionError("division by zero")
    return x / y


def _power(x: float, y: float) -> float:
    """x ** y as PyTorch computes it, with 0 ** negative and a negative base with a non-integer
    exponent refused, and overflow giving +-inf."""
    if x == 0.0 and y < 0.0:
        raise ZeroDivisionError("0 cannot be raised to a negative power")
    if x < 0.0 and math.isfinite(y) and not y.is_integer():
        raise ValueError("a negative base needs an integer exponent")
    return _float_pow(x, y)


def _float_pow(x: float, y: float) -> float:
    """x ** y as IEEE 754 defines it: 0 ** negative is inf, overflow is +-inf (Python raises)."""
    try:
        result: float = x**y
        return result
    except ZeroDivisionError:
        return math.inf
    except OverflowError:  # negative only for a negative base and an odd power
        return -math.inf if x < 0.0 and y.is_integer() and y % 2.0 == 1.0 else math.inf


def _data(x: Any) -> float:
    """x's number: ``x.data`` for a Value (a rule evaluated on Values, by `autograd.higher`), else x."""
    return x.data if isinstance(x, Value) else x


def _power_slope(x: Any, y: Any) -> Any:
    """d/dx x^y = y x^(y-1); 0 when y == 0, even at x = 0 (as PyTorch).  On Values, a node."""
    if isinstance(x, Value) or isinstance(y, Value):
        return 0.0 if _data(y) == 0.0 else y * x ** (y - 1.0)
    return 0.0 if y == 0.0 else y * _float_pow(x, y - 1.0)


def _exponent_slope(out: Any, x: Any, y: Any) -> Any:
    """d/dy x^y = x^y ln x; at x = 0 it is 0 for y >= 0 (PyTorch's convention), NaN otherwise."""
    if _data(x) > 0.0:
        return out * (apply(LOG, x) if isinstance(x, Value) else math.log(x))
    return 0.0 if _data(x) == 0.0 and _data(y) >= 0.0 else math.nan


def _sign(x: Any) -> float:
    """sign(x): 1, -1, 0 at 0 (abs'(0) = 0 as in PyTorch), NaN at NaN.  A number even for a
    Value: the slope of sign is 0 (abs''(x) = 0, as in PyTorch)."""
    x = _data(x)
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x == 0.0 else math.nan


def _sin_of(x: Any) -> Any:
    """sin x in a rule: a node of the table's sin for a Value, else `_sin`."""
    return apply(SIN, x) if isinstance(x, Value) else _sin(x)


def _cos_of(x: Any) -> Any:
    """cos x in a rule: a node of the table's cos for a Value, else `_cos`."""
    return apply(COS, x) if isinstance(x, Value) else _cos(x)


def _sum(x: Sequence[float]) -> float:
    """x_1 + ... + x_n, added from 0.0 left to right."""
    total = 0.0
    for item in x:
        total += item
    return total


def _dot(w: Sequence[float], x: Sequence[float], b: float) -> float:
    """w_1 x_1 + ... + w_n x_n + b, added from 0.0 left to right, then b."""
    total = 0.0
    for wi, xi in zip(w, x, strict=True):
        total += wi * xi
    return total + b


# ---- the table -------------------------------------------------------------------------------------
#
# entry(name=, forward=, formula=, <operand>=(rule, its formula), ...): one keyword per operand,
# named as forward names it; each rule is rule(out, <every operand>).  In the formulas {x} is an
# operand's name, {x!p} the same in parentheses when it is compound, {out} the node's own name,
# {grad} the local derivative's value, {n} the number of items of a list operand.


def register(op: Op) -> Op:
    """Add ``op`` to `OPS` (so the command line, `nn` and the docs know it); returns it."""
    if op.name in OPS and OPS[op.name] is not op:
        raise ValueError(f"register: an operation named {op.name!r} exists already")
    OPS[op.name] = op
    return op


def entry(*, name: str, forward: Callable[..., float], formula: str, lists: tuple[str, ...] = (),
          domain: Callable[..., None] | None = None, **rules: tuple[Callable[..., Any], str]) -> Op:
    """One entry of the table: an `Op` from its rules, each given with its formula, registered."""
    return register(Op(name=name, forward=forward, formula=formula, lists=lists, domain=domain,
                       derivatives={operand: rule for operand, (rule, _) in rules.items()},
                       derivative_formulas={operand: text for operand, (_, text) in rules.items()}))


ADD = entry(name="+", forward=lambda x, y: x + y, formula="{x} + {y}",
            x=(lambda out, x, y: 1.0, "1"),
            y=(lambda out, x, y: 1.0, "1"))
SUB = entry(name="-", forward=lambda x, y: x - y, formula="{x} − {y!p}",
            x=(lambda out, x, y: 1.0, "1"),
            y=(lambda out, x, y: -1.0, "−1"))
MUL = entry(name="*", forward=lambda x, y: x * y, formula="{x!p}·{y!p}",
            x=(lambda out, x, y: y, "{y}"),
            y=(lambda out, x, y: x, "{x}"))
DIV = entry(name="/", forward=_divide, formula="{x!p}/{y!p}",
            x=(lambda out, x, y: 1.0 / y, "1/{y!p}"),
            y=(lambda out, x, y: -out / y, "−{x!p}/{y!p}²"))  # -x/y^2 without y^2 underflowing
POW = entry(name="**", forward=_power, formula="{x!p}^{y!p}",
            x=(lambda out, x, y: _power_slope(x, y), "{y!p}·{x!p}^({y} − 1)"),
            y=(lambda out, x, y: _exponent_slope(out, x, y), "{x!p}^{y!p}·ln {x!p}"))
NEG = entry(name="neg", forward=lambda x: -x, formula="−{x!p}",
            x=(lambda out, x: -1.0, "−1"))
EXP = entry(name="exp", forward=_exp, formula="exp({x})",
            x=(lambda out, x: out, "{out}"))
LOG = entry(name="log", forward=_log, formula="log({x})",
            x=(lambda out, x: 1.0 / x, "1/{x!p}"))
TANH = entry(name="tanh", forward=math.tanh, formula="tanh({x})",
             x=(lambda out, x: 1.0 - out * out, "1 − {out!p}²"))
SIGMOID = entry(name="sigmoid", forward=_sigmoid, formula="σ({x})",
                x=(lambda out, x: out * (1.0 - out), "{out!p}(1 − {out})"))
RELU = entry(name="relu", forward=lambda x: 0.0 if x <= 0.0 else x, formula="relu({x})",  # NaN passes
             x=(lambda out, x: 0.0 if x <= 0.0 else 1.0, "{grad}"))
ABS = entry(name="abs", forward=abs, formula="|{x}|",
            x=(lambda out, x: _sign(x), "sign({x})"))
SIN = entry(name="sin", forward=_sin, formula="sin({x})",
            x=(lambda out, x: _cos_of(x), "cos({x})"))
COS = entry(name="cos", forward=_cos, formula="cos({x})",
            x=(lambda out, x: -_sin_of(x), "−sin({x})"))
SQRT = entry(name="sqrt", forward=_sqrt, formula="√{x!p}",
             x=(lambda out, x: 0.5 / out if _data(out) else math.inf, "1/(2{out!p})"))
SUM = entry(name="sum", forward=_sum, formula="{x} + …", lists=("x",),
            x=(lambda out, x: 1.0, "1"))
MEAN = entry(name="mean", forward=lambda x: _sum(x) / len(x), formula="mean({x}, …)", lists=("x",),
             x=(lambda out, x: 1.0 / len(x), "1/{n}"))
DOT = entry(name="dot", forward=_dot, formula="{w!p}·{x!p} + … + {b}", lists=("w", "x"),
            w=(lambda out, w, x, b: x, "{x}"),
            x=(lambda out, w, x, b: w, "{w}"),
            b=(lambda out, w, x, b: 1.0, "1"))


def display(node: Value) -> str:
    """The op as pictures show it: ``*``, ``exp``; with a constant operand ``*2`` or ``1-``."""
    if node.op_def is None or node.op.isidentifier() or len(node.operands) != 2:
        return node.op
    x, y = node.operands
    if not isinstance(y, Value):
        return f"{node.op}{y:g}"
    return node.op if isinstance(x, Value) else f"{x:g}{node.op}"


def split(op: Op, operands: Sequence[T]) -> list[Any]:
    """A node's ``operands`` (flat) as `apply` took them: a list for each param in ``op.lists``
    (all of one length), one operand for each other param.  ``split(DOT, (w1, w2, x1, x2, b))``
    is ``[[w1, w2], [x1, x2], b]``."""
    n = (len(operands) - len(op.params) + len(op.lists)) // max(len(op.lists), 1)
    parts: list[Any] = []
    k = 0
    for param in op.params:
        width = n if param in op.lists else 1
        parts.append(list(operands[k : k + width]) if param in op.lists else operands[k])
        k += width
    return parts


def define_op(
    name: str,
    forward: Callable[..., float],
    *derivatives: Callable[..., float],
    formula: str | None = None,
    derivative_formulas: Sequence[str] | None = None,
    method: bool = False,
    domain: Callable[..., None] | None = None,
) -> Op:
    """Make and register a new operation from its forward function and one rule per operand.

    ``forward(x, ...)`` computes the result from the operands' numbers; rule k is
    ``lambda out, x, ...: d(out)/d(operand k)``.  The operand names are ``forward``'s parameters.
    ``formula`` (``"sin({x})"``) and ``derivative_formulas`` (``("cos({x})",)``) are how the
    chain-rule explainer writes them; without them it writes ``name(x)`` and each rule's own
    expression, read from its source.  With ``method=True`` the op is also a `Value` method
    (``x.name()``; for type checkers, call the returned `Op` instead).  ``domain(x, ...)``, if
    ``forward`` refuses some operands, raises what it raises for them (``forward`` should call it):
    `autograd.compile` runs it alone where the result is not needed.  The `Op` is callable:
    ``op(x)`` builds the node; numbers among the operands are constants.
    """
    params = tuple(inspect.signature(forward).parameters)
    if len(derivatives) != len(params):
        raise ValueError(
            f"define_op({name!r}): {len(params)} operands ({', '.join(params)}) need {len(params)} derivative"
            f" rules, one per operand; got {len(derivatives)}"
        )
    if formula is None:
        formula = f"{name}({', '.join('{' + p + '}' for p in params)})"
    if derivative_formulas is None:
        derivative_formulas = tuple(formula_from_source(rule, params) for rule in derivatives)
    op = register(Op(name=name, forward=forward, formula=formula, domain=domain,
                     derivatives=dict(zip(params, derivatives, strict=True)),
                     derivative_formulas=dict(zip(params, derivative_formulas, strict=True))))
    if method:
        if hasattr(Value, name):
            raise ValueError(f"define_op({name!r}): Value already has an attribute {name!r}")
        setattr(Value, name, lambda self, *others: op(self, *others))
    return op


# ---- functions: the same operations as functions of Values or numbers --------------------------------


def _function(op: Op) -> Callable[[Operand], Value]:
    """The op as a function of a Value or a number (lifted to a leaf: ``exp(2.0)`` is a node too)."""

    def function(x: Operand) -> Value:
        return apply(op, x if isinstance(x, Value) else Value(number(x, op.name)))

    function.__name__ = function.__qualname__ = op.name
    function.__doc__ = f"{op.name}(x) as a node (a number is lifted to a leaf first)."
    return function


exp, log, tanh, sigmoid, relu, sin, cos, sqrt = map(
    _function, (EXP, LOG, TANH, SIGMOID, RELU, SIN, COS, SQRT))


def _terms(values: Iterable[Operand], op: str) -> list[Operand]:
    if not isinstance(values, Iterable):
        raise TypeError(f"{op}: values must be an iterable of Values and numbers, e.g. [x, y, 1.0];"
                        f" got {values!r} (type {type(values).__name__})")
    return list(values)


def sum(values: Iterable[Operand], start: Operand = 0.0) -> Value:  # noqa: A001 (mirrors torch.sum)
    """One node for ``start + v_1 + ... + v_n``: d/dv_i = 1.  Numbers are constants (no edge)."""
    terms = _terms(values, "sum")
    if isinstance(start, Value) or start != 0:
        terms.insert(0, start)
    return apply(SUM, terms)


def mean(values: Iterable[Operand]) -> Value:
    """One node for ``(v_1 + ... + v_n) / n``: d/dv_i = 1/n.  `values`: a list, or any iterable."""
    terms = _terms(values, "mean")
    if not terms:
        raise ValueError("mean: needs at least one value; got an empty sequence")
    return apply(MEAN, terms)


def dot(weights: Sequence[Value], inputs: Sequence[Operand], bias: Operand = 0.0) -> Value:
    """One node for a neuron's weighted sum, ``b + sum_i w_i x_i``: d/dw_i = x_i, d/dx_i = w_i,
    d/db = 1.  Its operands are the weights, the inputs, then the bias; the weights must be Values."""
    if len(inputs) != len(weights):
        raise ValueError(f"dot: {len(weights)} weights but {len(inputs)} inputs; they must match")
    for k, w in enumerate(weights):
        if not isinstance(w, Value):
            raise TypeError(f"dot: weight #{k} is {w!r} (type {type(w).__name__}); weights must be"
                            " Values (the parameters being learned)")
    return apply(DOT, list(weights), list(inputs), bias)
