"""Every operation of the engine, defined once: the table every part reads.

Each entry is an `Op`: its name, its forward computation on floats, one rule per operand for the
local derivative d(out)/d(operand), and how the chain-rule explainer writes both.  The engine
(`Value`'s operators and methods, the functions below), the explainer, the drawing, the command
line's whitelist, `nn`'s activations, `autograd.compile`, `gradcheck`'s blame and `make mutate`
all read this table, so a new operation is one entry.  The rules, at a glance (out: the result):

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
    sum(xs)     d/dx_i = 1
    mean(xs)    d/dx_i = 1/n
    dot(w, x, b) = b + sum_i w_i x_i:   d/dw_i = x_i,   d/dx_i = w_i,   d/db = 1

A number among the operands (``x * 2``) is a constant: it stays in the node's ``operands`` and has
no edge.  Semantics at the edges of the domain follow PyTorch (IEEE 754) unless an error is named:
NaN and inf propagate, overflow gives +-inf; ``log`` and ``sqrt`` of a value out of their domain,
division by zero, ``0 ** negative`` and a negative base with a non-integer exponent raise (see
the forward functions below).

The rules use only arithmetic, comparisons and `math`, so they read like a calculus table and
could be evaluated on Values too (for gradients of gradients: see `Op`).  Define your own
operation with `define_op`::

    >>> import math
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

from autograd.errors import iterable, number
from autograd.rule_source import formula_from_source
from autograd.value import Op, Operand, Value, _node, apply

__all__ = [
    "OPS",
    "Op",
    "cos",
    "define_op",
    "display",
    "dot",
    "exp",
    "log",
    "mean",
    "register",
    "relu",
    "sigmoid",
    "sin",
    "sqrt",
    "sum",
    "tanh",
]

_INF = math.inf
_NAN = math.nan


# ---- forward helpers: where Python's floats and IEEE 754 (PyTorch) differ --------------------------


def _exp(x: float) -> float:
    """e^x, with overflow (x > ~709.78) giving inf as in PyTorch (Python raises)."""
    try:
        return math.exp(x)
    except OverflowError:
        return _INF


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
    to 0 instead of e^-x overflowing.  One expression, so that `autograd.compile` inlines it."""
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0.0 else (e := math.exp(x)) / (1.0 + e)


def _periodic(f: Callable[[float], float]) -> Callable[[float], float]:
    """sin or cos as PyTorch computes them: NaN at +-inf (Python raises)."""

    def periodic(x: float) -> float:
        return f(x) if math.isfinite(x) else _NAN

    periodic.__name__ = f.__name__
    return periodic


_sin, _cos = _periodic(math.sin), _periodic(math.cos)


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
        return _INF
    except OverflowError:  # negative only for a negative base and an odd power
        return -_INF if x < 0.0 and y.is_integer() and y % 2.0 == 1.0 else _INF


def _power_slope(x: float, y: float) -> float:
    """d/dx x^y = y x^(y-1); 0 when y == 0, even at x = 0 (as PyTorch)."""
    return 0.0 if y == 0.0 else y * _float_pow(x, y - 1.0)


def _exponent_slope(out: float, x: float, y: float) -> float:
    """d/dy x^y = x^y ln x; at x = 0 it is 0 for y >= 0 (PyTorch's convention), NaN otherwise."""
    if x > 0.0:
        return out * math.log(x)
    return 0.0 if x == 0.0 and y >= 0.0 else _NAN


def _sign(x: float) -> float:
    """sign(x): 1, -1, 0 at 0 (abs'(0) = 0 as in PyTorch), NaN at NaN."""
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x == 0.0 else _NAN


def _sum(xs: Sequence[float]) -> float:
    total = 0.0
    for x in xs:
        total += x
    return total


def _dot(ws: Sequence[float], xs: Sequence[float], b: float) -> float:
    total = 0.0
    for w, x in zip(ws, xs):  # noqa: B905 (apply gives columns of one length)
        total += w * x
    return total + b


# ---- the table ---------------------------------------------------------------------------------------
#
# Op(name, params, forward, derivatives, formula, derivative formulas): in the formulas {x} is an
# operand's name, {x!p} the same in parentheses when it is compound, {out} the node's own name,
# {grad} the local derivative's value.

ADD = Op("+", ("x", "y"), lambda x, y: x + y,
         (lambda out, x, y: 1.0,
          lambda out, x, y: 1.0),
         "{x} + {y}", ("1", "1"))  # fmt: skip
SUB = Op("-", ("x", "y"), lambda x, y: x - y,
         (lambda out, x, y: 1.0,
          lambda out, x, y: -1.0),
         "{x} − {y!p}", ("1", "−1"))  # fmt: skip
MUL = Op("*", ("x", "y"), lambda x, y: x * y,
         (lambda out, x, y: y,
          lambda out, x, y: x),
         "{x!p}·{y!p}", ("{y}", "{x}"))  # fmt: skip
DIV = Op("/", ("x", "y"), _divide,
         (lambda out, x, y: 1.0 / y,
          lambda out, x, y: -out / y),  # -x/y^2, without y^2 underflowing to 0 for |y| < 1e-162
         "{x!p}/{y!p}", ("1/{y!p}", "−{x!p}/{y!p}²"))  # fmt: skip
POW = Op("**", ("x", "y"), _power,
         (lambda out, x, y: _power_slope(x, y),       # y x^(y-1)
          lambda out, x, y: _exponent_slope(out, x, y)),  # x^y ln x
         "{x!p}^{y!p}", ("{y!p}·{x!p}^({y} − 1)", "{x!p}^{y!p}·ln {x!p}"))  # fmt: skip
NEG = Op("neg", ("x",), lambda x: -x, (lambda out, x: -1.0,), "−{x!p}", ("−1",))
EXP = Op("exp", ("x",), _exp, (lambda out, x: out,), "exp({x})", ("{out}",))
LOG = Op("log", ("x",), _log, (lambda out, x: 1.0 / x,), "log({x})", ("1/{x!p}",))
TANH = Op("tanh", ("x",), math.tanh, (lambda out, x: 1.0 - out * out,), "tanh({x})", ("1 − {out!p}²",))
SIGMOID = Op("sigmoid", ("x",), _sigmoid, (lambda out, x: out * (1.0 - out),),
             "σ({x})", ("{out!p}(1 − {out})",))  # fmt: skip
RELU = Op("relu", ("x",), lambda x: 0.0 if x <= 0.0 else x,  # NaN passes with slope 1, as in PyTorch
          (lambda out, x: 0.0 if x <= 0.0 else 1.0,), "relu({x})", ("{grad}",))  # fmt: skip
ABS = Op("abs", ("x",), abs, (lambda out, x: _sign(x),), "|{x}|", ("sign({x})",))
SIN = Op("sin", ("x",), _sin, (lambda out, x: _cos(x),), "sin({x})", ("cos({x})",))
COS = Op("cos", ("x",), _cos, (lambda out, x: -_sin(x),), "cos({x})", ("−sin({x})",))
SQRT = Op("sqrt", ("x",), _sqrt, (lambda out, x: 0.5 / out if out else _INF,), "√{x!p}", ("1/(2{out!p})",))
SUM = Op("sum", ("x",), _sum, (lambda out, x, n: 1.0,), "{x} + …", ("1",), variadic=True)
MEAN = Op("mean", ("x",), lambda xs: _sum(xs) / len(xs), (lambda out, x, n: 1.0 / n,), "mean({x}, …)",
          ("1/{n}",), variadic=True)  # fmt: skip
DOT = Op("dot", ("w", "x"), _dot,
         (lambda out, w, x, n: x,
          lambda out, w, x, n: w,
          lambda out, b, n: 1.0),
         "{w!p}·{x!p} + … + {b}", ("{x}", "{w}", "1"), tail=("b",), variadic=True)  # fmt: skip

OPS: dict[str, Op] = {}
"""Every operation by name: the built-ins, then those added by `register` / `define_op`."""


def register(op: Op) -> Op:
    """Add ``op`` to `OPS` (so the command line, `nn` and the docs know it); returns it."""
    if op.name in OPS and OPS[op.name] is not op:
        raise ValueError(f"register: an operation named {op.name!r} exists already")
    OPS[op.name] = op
    return op


for _op in (ADD, SUB, MUL, DIV, POW, NEG, EXP, LOG, TANH, SIGMOID, RELU, ABS, SIN, COS, SQRT, SUM, MEAN, DOT):
    register(_op)


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

    ``forward(x, ...)`` computes the result from the operands' floats; rule k is
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
    op = register(Op(name, params, forward, tuple(derivatives), formula, tuple(derivative_formulas),
                     domain=domain))
    if method:
        if hasattr(Value, name):
            raise ValueError(f"define_op({name!r}): Value already has an attribute {name!r}")
        setattr(Value, name, lambda self, *others: op(self, *others))
    return op


def display(node: Value) -> str:
    """The op as a picture shows it: ``*``, ``exp``; an operator with a constant shows it (``*2``, ``1-``)."""
    if node.op_def is None or node.op.isidentifier() or len(node.operands) != 2:
        return node.op
    x, y = node.operands
    if not isinstance(y, Value):
        return f"{node.op}{y:g}"
    if not isinstance(x, Value):
        return f"{x:g}{node.op}"
    return node.op


# ---- functions: the same operations as functions of Values or numbers --------------------------------

_TERMS = "Values and numbers, e.g. [x, y, 1.0]"


def _function(op: Op) -> Callable[[Operand], Value]:
    """The op as a function of a Value or a number (lifted to a leaf: ``exp(2.0)`` is a node too)."""

    def function(x: Operand) -> Value:
        return op(x if isinstance(x, Value) else Value(number(x, op.name, None)))

    function.__name__ = function.__qualname__ = op.name
    function.__doc__ = f"{op.name}(x) as a node (a number is lifted to a leaf first)."
    return function


exp, log, tanh, sigmoid, relu, sin, cos, sqrt = map(
    _function, (EXP, LOG, TANH, SIGMOID, RELU, SIN, COS, SQRT)
)


def sum(values: Iterable[Operand], start: Operand = 0.0) -> Value:  # noqa: A001 (mirrors torch.sum)
    """One node for ``start + v_1 + ... + v_n``: d/dv_i = 1.  Numbers are constants (no edge)."""
    terms = [*iterable(values, "sum", None, "values", _TERMS)]
    if isinstance(start, Value) or start != 0:
        terms.insert(0, start)
    return SUM(*terms)


def mean(values: Iterable[Operand]) -> Value:
    """One node for ``(v_1 + ... + v_n) / n``: d/dv_i = 1/n.  `values`: a list, or any iterable."""
    terms = [*iterable(values, "mean", None, "values", _TERMS)]
    if not terms:
        raise ValueError("mean: needs at least one value; got an empty sequence")
    return MEAN(*terms)


def dot(weights: Sequence[Value], inputs: Sequence[Operand], bias: Operand = 0.0) -> Value:
    """One node for a neuron's weighted sum, ``b + sum_i w_i x_i``.

    d/dw_i = x_i, d/dx_i = w_i, d/db = 1 (`DOT`'s rules).  Its operands are the weights, the
    inputs, then the bias; its children, in that order, those that are Values (a number has no
    edge).  The node is every neuron's, so this sorts its operands in one pass (the general
    ``apply(DOT, ...)``, which gives the same node, takes twice as long or more).
    """
    n = len(weights)
    if len(inputs) != n:
        raise ValueError(f"dot: {n} weights but {len(inputs)} inputs; they must match")
    ws: list[float] = []
    xs: list[float] = []
    values: list[Value] = []  # the inputs that are Values
    for w, x in zip(weights, inputs):  # noqa: B905 (lengths checked above)
        if not isinstance(w, Value):
            k = list(weights).index(w)
            raise TypeError(
                f"dot: weight #{k} is {w!r} (type {type(w).__name__}); weights must be"
                " Values (the parameters being learned)"
            )
        ws.append(w._data)
        if isinstance(x, Value):
            xs.append(x._data)
            values.append(x)
        else:
            xs.append(x if type(x) is float else number(x, "dot", w))
    if not isinstance(bias, Value) or (values and len(values) != n):  # a number bias, or inputs of both kinds
        return apply(DOT, (*weights, *inputs, bias))
    b = bias._data
    out = DOT.forward(ws, xs, b)
    d_weights, d_inputs, d_bias = DOT.derivatives  # x, w (a list each: one per group) and 1
    if values:  # the inputs are Values too: edges to the weights, the inputs and the bias
        children = (*weights, *values, bias)
        local_grads = (*d_weights(out, ws, xs, n), *d_inputs(out, ws, xs, n), d_bias(out, b, n))  # type: ignore[misc]
        return _node(DOT, out, children, local_grads, children)
    local_grads = (*d_weights(out, ws, xs, n), d_bias(out, b, n))  # type: ignore[misc]  # inputs: constants
    return _node(DOT, out, (*weights, bias), local_grads, (*weights, *xs, bias))
