"""The `Value` node and its derivative table.

A `Value` holds one float (`data`), the gradient d(root)/d(self) (`grad`), and the edges to the
nodes it was computed from: `children`, in operand order, with `local_grads`, the derivative of
this node with respect to each child, computed in the forward pass.  Backpropagation is then one
plain loop (see `autograd.backprop`): for every edge, ``child.grad += local_grad * node.grad``.

Every operation below has the same shape: compute the result, name the children, give the local
derivatives.  The derivative table, at a glance (x, y: Value operands; c: a plain number):

    x + y       d/dx = 1                d/dy = 1
    x - y       d/dx = 1                d/dy = -1
    x * y       d/dx = y                d/dy = x
    x / y       d/dx = 1/y              d/dy = -x/y^2
    x ** c      d/dx = c x^(c-1)
    x ** y      d/dx = y x^(y-1)        d/dy = x^y ln x
    c ** x      d/dx = c^x ln c
    -x          d/dx = -1
    exp(x)      d/dx = exp(x)
    log(x)      d/dx = 1/x
    tanh(x)     d/dx = 1 - tanh(x)^2
    sigmoid(x)  d/dx = sigmoid(x) (1 - sigmoid(x))
    relu(x)     d/dx = 1 if x > 0 else 0            (relu'(0) = 0, as in PyTorch)
    abs(x)      d/dx = sign(x)                      (abs'(0) = 0, as in PyTorch)
    sum(xs)     d/dx_i = 1
    dot(w, x, b) = b + sum_i w_i x_i:  d/dw_i = x_i,  d/dx_i = w_i,  d/db = 1

A plain number on either side of an operator is not wrapped in a node: it becomes part of the
op's name (``x * 2`` is one node with op ``"*2"`` and one edge), since its derivative is never
needed.  Semantics at the edges of the domain, as in PyTorch (IEEE 754) unless an error is named:
NaN and inf propagate; ``exp`` and ``**`` return ``inf`` on overflow; ``log`` of a value <= 0 raises
`ValueError`; division by zero and ``0 ** negative`` raise `ZeroDivisionError`; a negative base
with a non-integer exponent raises `ValueError`; ``0 ** 0 == 1`` with derivative 0.

In detail (each case is a test in tests/test_hard_inputs.py, and matches PyTorch float64 in
tests/test_torch_parity.py): a NaN operand gives NaN data, and the gradient PyTorch gives (relu
passes NaN with slope 1) except ``abs``, whose slope at NaN is NaN where PyTorch's is 0;
``inf * 0`` is NaN; ``x / inf`` is 0; ``exp(-inf) = 0``; ``log(inf) = inf``.  A result that
overflows (``exp(1000)``, ``1e200 * 1e200``, ``10 ** 400``) is +-inf, and so is a local derivative
that overflows (``1 / 1e-200`` has slope ``-inf``: it is computed as ``-(c/x)/x``, so no ``x*x``
underflows to 0); a tiny or subnormal operand keeps its exact gradient.  ``sigmoid`` and ``tanh``
never overflow: at +-1000 they give 0/1 and -1/1 with gradient 0.  A negative base with an
integer exponent works (``(-2) ** 3 == -8``, slope 12); with a Value exponent its d/dy is NaN,
since ln of a negative base is undefined.  At a zero base, d/dy of ``0 ** y`` is 0 for ``y >= 0``
and NaN for a NaN ``y``, as in PyTorch.  ``0 ** c`` for ``0 < c < 1`` has slope inf.

`Value` cannot be subclassed (a `TypeError` when the subclass is defined): the operators check
``type(other) is Value`` for speed, so a subclass would be refused as an operand.  A new operation
is a function that builds a node, ``Value(data, children, local_grads, op)`` (see `Value`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Real
from typing import final

from autograd import backprop

__all__ = ["Operand", "Value", "dot", "exp", "log", "mean", "relu", "sigmoid", "sum", "tanh"]

_INF = math.inf
_NAN = math.nan


@final
class Value:
    """One scalar in a computation graph.

    ``Value(data, children=(), local_grads=(), op="", label="")`` makes a leaf, or, with children
    and their local derivatives, a node of an operation the engine does not have::

        def sin(x: Value) -> Value:
            return Value(math.sin(x.data), (x,), (math.cos(x.data),), "sin")

    `grad` starts at 0.0 and is filled in by `backward()`.  `Value` cannot be subclassed (see
    `__init_subclass__`): write a function like ``sin`` above instead.
    """

    __slots__ = ("data", "grad", "children", "local_grads", "op", "label")  # noqa: RUF023 (documented order)

    data: float
    grad: float
    children: tuple[Value, ...]
    local_grads: tuple[float, ...]
    op: str
    label: str

    def __init__(
        self,
        data: float,
        children: Iterable[Value] = (),
        local_grads: Iterable[float] = (),
        op: str = "",
        label: str = "",
    ) -> None:
        if type(data) is not float:
            data = _number(data, "Value", None, "an int or float")
        if type(children) is not tuple:
            try:
                children = tuple(children)
            except TypeError:  # (x) for (x,), say: checked only on failure, so it costs nothing
                _require_iterable(children, op, label, "children", "Values, e.g. (x,)")
                raise
        try:
            local_grads = tuple(
                g if type(g) is float else _number(g, op or "Value", None, "an int or float")
                for g in local_grads
            )
        except TypeError:
            _require_iterable(local_grads, op, label, "local_grads", "numbers, e.g. (1.0,)")
            raise
        if len(children) != len(local_grads):
            raise ValueError(
                f"Value(op={op!r}, label={label!r}): needs one local gradient per child;"
                f" got {len(children)} children and {len(local_grads)} local gradients"
            )
        for child in children:
            if not isinstance(child, Value):
                raise TypeError(
                    f"Value(op={op!r}, label={label!r}): every child must be a Value;"
                    f" got {child!r} (type {type(child).__name__})"
                )
        self.data = data
        self.grad = 0.0
        self.children = children
        self.local_grads = local_grads
        self.op = op
        self.label = label

    def __init_subclass__(cls, **kwargs: object) -> None:
        """Refuse subclasses up front, rather than let them fail later as operands."""
        raise TypeError(
            f"class {cls.__name__}(Value): Value cannot be subclassed: the engine's fast paths check"
            " `type(x) is Value`, so a subclass would be refused as an operand. For a new operation,"
            " write a function that builds a node, Value(data, children, local_grads, op), e.g."
            " `def sin(x): return Value(math.sin(x.data), (x,), (math.cos(x.data),), 'sin')`;"
            " to mark parameters, give them a label or keep them in a list"
        )

    def __repr__(self) -> str:
        return f"Value(label={self.label!r}, op={self.op!r}, data={self.data!r}, grad={self.grad!r})"

    def item(self) -> float:
        """The float this node holds, ``data``, under PyTorch's name (the seed prints ``loss.item()``)."""
        return self.data

    def backward(self) -> None:
        """Fill in ``grad`` of every node of this graph with d(self)/d(node).

        The root's gradient is 1.  Intermediate nodes are reset first, so they always hold
        d(self)/d(node); leaves accumulate across calls, as in PyTorch.  See `autograd.backprop`.
        """
        backprop.backward(self)

    # ---- binary operators: Value (op) Value, Value (op) number, number (op) Value --------------

    def __add__(self, other: Operand) -> Value:
        if type(other) is Value:
            return _node(self.data + other.data, (self, other), (1.0, 1.0), "+")
        c = _number(other, "+", self)
        return _node(self.data + c, (self,), (1.0,), f"+{c:g}")

    def __radd__(self, other: Operand) -> Value:  # other + self
        return self.__add__(other)

    def __sub__(self, other: Operand) -> Value:
        if type(other) is Value:
            return _node(self.data - other.data, (self, other), (1.0, -1.0), "-")
        c = _number(other, "-", self)
        return _node(self.data - c, (self,), (1.0,), f"-{c:g}")

    def __rsub__(self, other: Operand) -> Value:  # other - self
        c = _number(other, "-", self)
        return _node(c - self.data, (self,), (-1.0,), f"{c:g}-")

    def __mul__(self, other: Operand) -> Value:
        if type(other) is Value:
            return _node(self.data * other.data, (self, other), (other.data, self.data), "*")
        c = _number(other, "*", self)
        return _node(self.data * c, (self,), (c,), f"*{c:g}")

    def __rmul__(self, other: Operand) -> Value:  # other * self
        return self.__mul__(other)

    def __truediv__(self, other: Operand) -> Value:
        if type(other) is Value:
            y = other.data
            if y == 0.0:
                raise ZeroDivisionError(f"/: division by zero: {_describe(self)} / {_describe(other)}")
            q = self.data / y  # -q / y, not -x / y^2: y^2 underflows to 0 for |y| < 1e-162
            return _node(q, (self, other), (1.0 / y, -q / y), "/")
        c = _number(other, "/", self)
        if c == 0.0:
            raise ZeroDivisionError(f"/: division by zero: {_describe(self)} / {c!r}")
        return _node(self.data / c, (self,), (1.0 / c,), f"/{c:g}")

    def __rtruediv__(self, other: Operand) -> Value:  # other / self
        c = _number(other, "/", self)
        x = self.data
        if x == 0.0:
            raise ZeroDivisionError(f"/: division by zero: {c!r} / {_describe(self)}")
        q = c / x
        return _node(q, (self,), (-q / x,), f"{c:g}/")  # -q / x: x^2 may underflow

    def __pow__(self, other: Operand) -> Value:
        x = self.data
        if type(other) is Value:
            y = other.data
            out = _power(x, y, self, other)
            return _node(out, (self, other), (_power_slope(x, y), _exponent_slope(x, y, out)), "**")
        c = _number(other, "**", self)
        return _node(_power(x, c, self, c), (self,), (_power_slope(x, c),), f"**{c:g}")

    def __rpow__(self, other: Operand) -> Value:  # other ** self
        c = _number(other, "**", self)
        y = self.data
        out = _power(c, y, c, self)
        return _node(out, (self,), (_exponent_slope(c, y, out),), f"{c:g}**")

    def __neg__(self) -> Value:
        return _node(-self.data, (self,), (-1.0,), "neg")

    def __pos__(self) -> Value:
        return self

    # ---- functions -----------------------------------------------------------------------------

    def exp(self) -> Value:
        """e^x; d/dx = e^x.  Overflow (x > ~709.78) gives inf, as in PyTorch."""
        try:
            out = math.exp(self.data)
        except OverflowError:
            out = _INF
        return _node(out, (self,), (out,), "exp")

    def log(self) -> Value:
        """ln x; d/dx = 1/x.  Raises `ValueError` for x <= 0."""
        x = self.data
        if x <= 0.0:
            raise ValueError(f"log: undefined for {_describe(self)}; log needs a value > 0")
        return _node(math.log(x), (self,), (1.0 / x,), "log")

    def tanh(self) -> Value:
        """tanh x; d/dx = 1 - tanh(x)^2.  Stable for any float."""
        t = math.tanh(self.data)
        return _node(t, (self,), (1.0 - t * t,), "tanh")

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x); d/dx = s (1 - s).  Stable for any float (no overflow at +-1000)."""
        x = self.data
        if x >= 0.0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:  # e^x / (1 + e^x): e^x underflows to 0 instead of e^-x overflowing
            e = math.exp(x)
            s = e / (1.0 + e)
        return _node(s, (self,), (s * (1.0 - s),), "sigmoid")

    def relu(self) -> Value:
        """max(0, x); d/dx = 1 if x > 0 else 0 (so relu'(0) = 0, as in PyTorch)."""
        x = self.data
        if x <= 0.0:
            return _node(0.0, (self,), (0.0,), "relu")
        return _node(x, (self,), (1.0,), "relu")  # also NaN -> NaN with slope 1, as in PyTorch

    def abs(self) -> Value:
        """|x|; d/dx = sign(x) (so abs'(0) = 0, as in PyTorch)."""
        x = self.data
        sign = 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x == 0.0 else _NAN
        return _node(abs(x), (self,), (sign,), "abs")

    def __abs__(self) -> Value:
        return self.abs()


Operand = Value | int | float

_new = object.__new__


def _node(data: float, children: tuple[Value, ...], local_grads: tuple[float, ...], op: str) -> Value:
    """Make an operation's result (the fast path of `Value.__init__`: operands already checked)."""
    v: Value = _new(Value)
    v.data = data
    v.grad = 0.0
    v.children = children
    v.local_grads = local_grads
    v.op = op
    v.label = ""
    return v


def _describe(v: Value | float) -> str:
    """How an error message names an operand: its label, op and data."""
    if type(v) is not Value:
        return repr(v)
    name = f"Value {v.label!r}" if v.label else "unlabelled Value"
    fields = f"op={v.op!r}, data={v.data!r}" if v.op else f"data={v.data!r}"
    return f"{name} ({fields})"


def _require_iterable(items: object, op: str, label: str | None, name: str, expected: str) -> None:
    """A `TypeError` naming the op (and, for a `Value(...)` call, its label) if `items` is not
    iterable at all, as ``(x)`` for ``(x,)``.  Returns if it is: the caller re-raises its own error."""
    try:
        iter(items)  # type: ignore[call-overload]
    except TypeError:
        where = op if label is None else f"Value(op={op!r}, label={label!r})"
        single = label is not None and isinstance(items, (Value, int, float))  # (x) meant as (x,)
        comma = " (one item in parentheses needs a comma to be a tuple)" if single else ""
        raise TypeError(
            f"{where}: {name} must be an iterable of {expected}; got {items!r}"
            f" (type {type(items).__name__}){comma}"
        ) from None


def _number(other: object, op: str, node: Value | None, expected: str = "a Value, int or float") -> float:
    """Coerce a plain-number operand to float; anything else is a `TypeError` naming its type."""
    if type(other) is float:
        return other
    if type(other) is int:
        return float(other)
    if isinstance(other, Real) and not isinstance(other, bool):
        return float(other)
    side = f" with {_describe(node)}" if node is not None else ""
    raise TypeError(f"{op}: cannot use {other!r} (type {type(other).__name__}){side}; expected {expected}")


def _power(x: float, c: float, base: Value | float, exponent: Value | float) -> float:
    """x ** c for floats, with the domain errors named and overflow giving inf."""
    if x == 0.0 and c < 0.0:
        raise ZeroDivisionError(
            f"**: 0 cannot be raised to a negative power: {_describe(base)} ** {_describe(exponent)}"
        )
    if x < 0.0 and math.isfinite(c) and not c.is_integer():
        raise ValueError(
            f"**: a negative base needs an integer exponent: {_describe(base)} ** {_describe(exponent)}"
        )
    return _float_pow(x, c)


def _float_pow(x: float, c: float) -> float:
    """x ** c as IEEE 754 (and PyTorch) define it: 0 ** negative and overflow give inf."""
    try:
        result: float = x**c
        return result
    except ZeroDivisionError:  # 0 ** negative
        return _INF
    except OverflowError:  # |x ** c| too large: negative only for a negative base and an odd power
        odd = c.is_integer() and c % 2.0 == 1.0
        return -_INF if x < 0.0 and odd else _INF


def _power_slope(x: float, c: float) -> float:
    """d/dx x^c = c x^(c-1); 0 when c == 0 (so d/dx x^0 = 0 even at x = 0, as in PyTorch)."""
    if c == 0.0:
        return 0.0
    return c * _float_pow(x, c - 1.0)


def _exponent_slope(x: float, y: float, out: float) -> float:
    """d/dy x^y = x^y ln x; 0 for x == 0 and y >= 0 (PyTorch's convention), else NaN (undefined)."""
    if x > 0.0:
        return out * math.log(x)
    if x == 0.0 and y >= 0.0:  # not for y = NaN: 0 ** NaN is NaN, and so is its slope in PyTorch
        return 0.0
    return _NAN


# ---- n-ary nodes and functions --------------------------------------------------------------------


_TERMS = "Values and numbers, e.g. [x, y, 1.0]"


def sum(values: Iterable[Operand], start: Operand = 0.0) -> Value:  # noqa: A001 (mirrors torch.sum)
    """One node for ``start + v_1 + ... + v_n``: d/dv_i = 1.  Numbers fold into the data."""
    try:
        terms = [start, *values]
    except TypeError:
        _require_iterable(values, "sum", None, "values", _TERMS)
        raise  # raised while iterating, e.g. by an operator in a generator: its own message
    total, children = _terms(terms, "sum")
    return _node(total, children, (1.0,) * len(children), "sum")


def mean(values: Iterable[Operand]) -> Value:
    """One node for ``(v_1 + ... + v_n) / n``: d/dv_i = 1/n.  `values`: a list, or any iterable."""
    if type(values) is not list and type(values) is not tuple:
        try:
            values = list(values)  # a generator, say: counted once listed
        except TypeError:
            _require_iterable(values, "mean", None, "values", _TERMS)
            raise
    n = len(values)
    if n == 0:
        raise ValueError("mean: needs at least one value; got an empty sequence")
    total, children = _terms(values, "mean")
    return _node(total / n, children, (1.0 / n,) * len(children), "mean")


def _terms(values: Iterable[Operand], op: str) -> tuple[float, tuple[Value, ...]]:
    """The sum of ``values`` (its numbers first, then its Values, in order) and its Values."""
    total = 0.0
    children: list[Value] = []
    for v in values:
        if type(v) is Value:
            children.append(v)
        else:
            total += _number(v, op, None)
    for v in children:
        total += v.data
    return total, tuple(children)


def dot(weights: Sequence[Value], inputs: Sequence[Operand], bias: Operand = 0.0) -> Value:
    """One node for a neuron's weighted sum, ``b + sum_i w_i x_i``.

    d/dw_i = x_i, d/dx_i = w_i, d/db = 1.  Children, in order: the weights, then the inputs that
    are Values, then the bias if it is a Value; a plain-number input or bias has no edge.
    """
    if len(weights) != len(inputs):
        raise ValueError(f"dot: {len(weights)} weights but {len(inputs)} inputs; they must match")
    b = bias.data if type(bias) is Value else _number(bias, "dot", None)
    children: list[Value] = list(weights)  # then the inputs that are Values, then the bias
    local_grads: list[float] = []  # d/dw_i = x_i
    input_grads: list[float] = []  # d/dx_i = w_i, for each input that is a Value
    total = 0.0
    try:
        for w, x in zip(weights, inputs):  # noqa: B905 (lengths checked above; strict= costs ~150 ns)
            if type(x) is Value:
                xd = x.data
                children.append(x)
                input_grads.append(w.data)
            else:
                xd = x if type(x) is float else _number(x, "dot", w)
            total += w.data * xd
            local_grads.append(xd)
    except AttributeError:  # a weight without .data (the check costs nothing until it fails)
        bad = next((k, w) for k, w in enumerate(weights) if not isinstance(w, Value))
        raise TypeError(
            f"dot: weight #{bad[0]} is {bad[1]!r} (type {type(bad[1]).__name__}); weights must be"
            " Values (the parameters being learned)"
        ) from None
    if type(bias) is Value:
        children.append(bias)
        input_grads.append(1.0)  # d/db = 1
    return _node(total + b, tuple(children), (*local_grads, *input_grads), "dot")


def _lift(x: Operand, op: str) -> Value:
    return x if type(x) is Value else Value(_number(x, op, None))


def exp(x: Operand) -> Value:
    """e^x as a node (a number is lifted to a leaf first)."""
    return _lift(x, "exp").exp()


def log(x: Operand) -> Value:
    """ln x as a node."""
    return _lift(x, "log").log()


def tanh(x: Operand) -> Value:
    """tanh x as a node."""
    return _lift(x, "tanh").tanh()


def sigmoid(x: Operand) -> Value:
    """1 / (1 + e^-x) as a node."""
    return _lift(x, "sigmoid").sigmoid()


def relu(x: Operand) -> Value:
    """max(0, x) as a node."""
    return _lift(x, "relu").relu()
