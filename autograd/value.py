"""The `Value` node, and `Op`, the shape of every operation (the operations themselves: `autograd.ops`).

A `Value` holds one float (``data``), the gradient d(root)/d(self) (``grad``), and the edges to the
nodes it was computed from: ``children``, with ``local_grads``, the derivative of this node with
respect to each child, computed in the forward pass.  Backpropagation is then one plain loop (see
`autograd.backprop`): for every edge, ``child.grad += local_grad * node.grad``.

A node made by an operation also records which one (``op_def``, an `Op`; ``op``, its name) and all
of its ``operands``, numbers included: ``x * 2`` has operands ``(x, 2.0)``, one child and one edge.

    >>> x = Value(2.0, label="x")
    >>> y = x * 2
    >>> y.op, y.operands[1], y.local_grads
    ('*', 2.0, (2.0,))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, SupportsIndex, TypeVar, overload

from autograd import backprop
from autograd.errors import domain_error, iterable, number

__all__ = ["Op", "Operand", "Value", "apply"]

T = TypeVar("T")


class Value:
    """One scalar in a computation graph.

    ``Value(data, children=(), local_grads=(), op="", label="")`` makes a leaf, or, with children
    and their local derivatives, a one-off node of an operation that is not in the table::

        y = Value(math.sin(x.data), (x,), (math.cos(x.data),), "sin")

    (`autograd.define_op` makes a real operation: explained, drawn, compiled and checked.)
    ``grad`` starts at 0.0 and is filled in by `backward()`; ``None`` means the same as 0.0.
    Comparisons (``<``, ``<=``, ``>``, ``>=``), ``float()``, ``round()`` and f-string formats read
    ``data`` and build no graph; ``==`` is identity, so that a Value can be a dict key.
    """

    __slots__ = ("_data", "children", "grad", "label", "local_grads", "op", "op_def", "operands")

    grad: float
    children: tuple[Value, ...]
    local_grads: tuple[float, ...]
    op: str
    label: str
    op_def: Op | None  # the operation that made this node; None for a leaf or a one-off node
    operands: tuple[Value | float, ...]  # that operation's operands, numbers included

    def __init__(
        self,
        data: float,
        children: Iterable[Value] = (),
        local_grads: Iterable[float] = (),
        op: str = "",
        label: str = "",
    ) -> None:
        self.op, self.label, self.op_def, self.operands = op, label, None, ()
        self.children, self.local_grads, self.grad = (), (), 0.0  # so repr() works if a check below fails
        self.data = data  # checked by the property
        children = tuple(iterable(children, op, label, "children", "Values, e.g. (x,)"))
        grads = tuple(number(g, op or "Value", None, "an int or float") for g in iterable(
            local_grads, op, label, "local_grads", "numbers, e.g. (1.0,)"))  # fmt: skip
        if len(children) != len(grads):
            raise ValueError(
                f"Value(op={op!r}, label={label!r}): needs one local gradient per child;"
                f" got {len(children)} children and {len(grads)} local gradients"
            )
        for child in children:
            if not isinstance(child, Value):
                raise TypeError(
                    f"Value(op={op!r}, label={label!r}): every child must be a Value;"
                    f" got {child!r} (type {type(child).__name__})"
                )
        self.children, self.local_grads = children, grads

    @property
    def data(self) -> float:
        """The float this node holds."""
        return self._data

    @data.setter
    def data(self, value: float) -> None:
        if type(value) is not float:
            made = hasattr(self, "_data")  # Value(data) checks its data here too
            value = number(value, "data" if made else "Value", self if made else None, "an int or float")
        self._data = value

    def __repr__(self) -> str:
        fields = [f"{name}={getattr(self, name, None)!r}" for name in ("label", "op", "data", "grad")]
        return f"Value({', '.join(fields)})"

    def item(self) -> float:
        """``data``, under PyTorch's name (the seed prints ``loss.item()``)."""
        return self.data

    def backward(self, gradient: float = 1.0) -> None:
        """Fill in ``grad`` of every node of this graph with gradient * d(self)/d(node).

        Intermediate nodes are reset first, so they hold exactly that; leaves accumulate across
        calls, as in PyTorch.  See `autograd.backprop`.
        """
        backprop.backward(self, gradient)

    # ---- Python's number protocol, on data (no graph) --------------------------------------------

    def __float__(self) -> float:
        return self.data

    def __format__(self, spec: str) -> str:  # f"{loss:.4f}"
        return format(self.data, spec) if spec else repr(self)

    @overload
    def __round__(self, ndigits: None = None) -> int: ...
    @overload
    def __round__(self, ndigits: SupportsIndex) -> float: ...
    def __round__(self, ndigits: SupportsIndex | None = None) -> int | float:
        return round(self.data, ndigits)

    def __lt__(self, other: Operand) -> bool:
        return self.data < _data(other, "<")

    def __le__(self, other: Operand) -> bool:
        return self.data <= _data(other, "<=")

    def __gt__(self, other: Operand) -> bool:
        return self.data > _data(other, ">")

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _data(other, ">=")

    __hash__ = object.__hash__  # == stays identity: a Value is a dict key in the graph's bookkeeping

    # ---- the operators and methods: each is an entry of autograd.ops ---------------------------

    def __add__(self, other: Operand) -> Value:
        return apply(ops.ADD, (self, other))

    def __radd__(self, other: Operand) -> Value:  # other + self, as self + other (the same float)
        return apply(ops.ADD, (self, other))

    def __sub__(self, other: Operand) -> Value:
        return apply(ops.SUB, (self, other))

    def __rsub__(self, other: Operand) -> Value:  # other - self
        return apply(ops.SUB, (other, self))

    def __mul__(self, other: Operand) -> Value:
        return apply(ops.MUL, (self, other))

    def __rmul__(self, other: Operand) -> Value:  # other * self, as self * other (the same float)
        return apply(ops.MUL, (self, other))

    def __truediv__(self, other: Operand) -> Value:
        return apply(ops.DIV, (self, other))

    def __rtruediv__(self, other: Operand) -> Value:  # other / self
        return apply(ops.DIV, (other, self))

    def __pow__(self, other: Operand) -> Value:
        return apply(ops.POW, (self, other))

    def __rpow__(self, other: Operand) -> Value:  # other ** self
        return apply(ops.POW, (other, self))

    def __neg__(self) -> Value:
        return apply(ops.NEG, (self,))

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return apply(ops.ABS, (self,))

    def abs(self) -> Value:
        return apply(ops.ABS, (self,))

    def exp(self) -> Value:
        return apply(ops.EXP, (self,))

    def log(self) -> Value:
        return apply(ops.LOG, (self,))

    def tanh(self) -> Value:
        return apply(ops.TANH, (self,))

    def sigmoid(self) -> Value:
        return apply(ops.SIGMOID, (self,))

    def relu(self) -> Value:
        return apply(ops.RELU, (self,))

    def sin(self) -> Value:
        return apply(ops.SIN, (self,))

    def cos(self) -> Value:
        return apply(ops.COS, (self,))

    def sqrt(self) -> Value:
        return apply(ops.SQRT, (self,))


Operand = Value | int | float


@dataclass(frozen=True, eq=False)
class Op:
    """One operation: its forward computation, one derivative rule per operand, and its notation.

    ``forward(*xs)`` computes the result from the operands' floats; rule k,
    ``derivatives[k](out, *xs)``, gives d(out)/d(operand k).  A variadic op (``sum``, ``mean``,
    ``dot``) takes any number of groups of ``params`` (``dot``: pairs w, x), stored group-major
    (w_1..w_n, x_1..x_n), then its ``tail`` (``dot``'s bias): see `columns`.  Its ``forward`` gets
    the columns, one list per param, and then the tail; a param's rule gets the columns and ``n``
    and gives a list (one derivative per group) or one number for every group; a tail param's rule
    gets the tail and ``n``.
    ``formula`` and ``derivative_formulas`` are the explainer's notation (see `autograd.ops`).

    The rules use arithmetic, comparisons and `math` only, so the same rule evaluated with Values
    for its operands (and `math` bound to the engine's functions) would build the derivative's own
    graph: what gradients of gradients need.
    """

    name: str
    params: tuple[str, ...]
    forward: Callable[..., float]
    derivatives: tuple[Callable[..., float], ...]
    formula: str
    derivative_formulas: tuple[str, ...]
    tail: tuple[str, ...] = ()
    variadic: bool = False

    def __call__(self, *operands: Operand) -> Value:
        """The node for this operation on ``operands`` (numbers are constants: no edge)."""
        return apply(self, operands)

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    def columns(self, operands: list[T]) -> tuple[list[list[T]], list[T]]:
        """A variadic op's operands (or anything laid out as they are) as its columns, one list per
        param (``dot``: the weights, the inputs), and its tail (``dot``: the bias)."""
        width, tail = len(self.params), len(self.tail)
        n, extra = divmod(len(operands) - tail, width)
        if extra or n < 0:
            given = len(operands)
            raise TypeError(f"{self.name}: {given} operands are not groups of {width} and {tail} more")
        columns = []
        for j in range(width):  # a loop: a comprehension costs more than the slicing on CPython 3.11
            columns.append(operands[j * n : j * n + n])
        return columns, operands[width * n :]


def apply(op: Op, operands: Sequence[Operand]) -> Value:
    """Compute ``op`` on ``operands``: the result, and the local derivative along each edge."""
    xs: list[float] = []  # every operand as a float
    values: list[Value] = []  # the operands that are Values: the node's children, one edge each
    converted = False  # an int operand is kept as a float
    for a in operands:
        if isinstance(a, Value):
            xs.append(a._data)
            values.append(a)
        elif type(a) is float:
            xs.append(a)
        else:
            xs.append(number(a, op.name, _first_value(operands)))
            converted = True
    constants = len(values) != len(xs)  # a number is a constant: no edge
    kept = _kept(operands, xs) if converted else tuple(operands)  # the node keeps its operands
    children = tuple(values) if constants else kept
    try:
        if op.variadic:
            out, derivatives = _variadic(op, xs)
            if constants:  # a constant has no edge, so no local gradient
                every, derivatives = derivatives, []
                for a, d in zip(operands, every):  # noqa: B905 (one derivative per operand)
                    if isinstance(a, Value):
                        derivatives.append(d)
        else:
            out, derivatives = _fixed(op, xs, operands)
    except (ValueError, ZeroDivisionError) as error:  # a domain error: say which operands
        raise type(error)(domain_error(op.name, error, kept)) from None
    # The second path that builds a node: Value()'s checks of a user's arguments would cost about
    # 1.9 us a node, more than all of x * y here (1.1 us); these operands are checked above.
    node = Value.__new__(Value)
    node._data, node.grad, node.op, node.label = out, 0.0, op.name, ""
    node.children, node.local_grads = children, tuple(derivatives)  # type: ignore[assignment]
    node.op_def, node.operands = op, kept
    return node


def _fixed(op: Op, xs: list[float], operands: Sequence[Operand]) -> tuple[float, list[float]]:
    """The result of an op of fixed arity, and the local derivative along each edge."""
    local_grads = []
    if len(xs) == 1 == len(op.params):  # one and two operands by position: f(*args) is 3x slower
        (x,) = xs
        out = op.forward(x)
        if isinstance(operands[0], Value):
            local_grads.append(op.derivatives[0](out, x))
    elif len(xs) == 2 == len(op.params):
        x, y = xs
        out = op.forward(x, y)
        for rule, operand in zip(op.derivatives, operands):  # noqa: B905 (two of each)
            if isinstance(operand, Value):  # a number is a constant: no edge
                local_grads.append(rule(out, x, y))
    else:
        if len(xs) != len(op.params):
            params = ", ".join(op.params)
            raise TypeError(f"{op.name}: takes {len(op.params)} operands ({params}); got {len(xs)}")
        out = op.forward(*xs)
        for rule, operand in zip(op.derivatives, operands):  # noqa: B905 (lengths checked above)
            if isinstance(operand, Value):
                local_grads.append(rule(out, *xs))
    return out, local_grads


def _variadic(op: Op, xs: list[float]) -> tuple[float, list[float]]:
    """A variadic op's result and the derivative for every operand.

    Each param's rule gets the columns (``dot``'s d/dw: ``lambda out, w, x, n: x``) and gives one
    derivative per group (a list), or one number for every group (``sum``'s ``1.0``).
    """
    columns, tail = op.columns(xs)
    n, width = len(columns[0]), len(columns)
    out = op.forward(*columns, *tail)
    derivatives: list[float] = []
    group_args, tail_args = (out, *columns, n), (out, *tail, n)
    for rule in op.derivatives[:width]:
        d: Any = rule(*group_args)
        derivatives += d if type(d) is list else [d] * n
    for rule in op.derivatives[width:]:
        derivatives.append(rule(*tail_args))
    return out, derivatives


def _kept(operands: Sequence[Operand], xs: list[float]) -> tuple[Operand, ...]:
    """The operands as a node keeps them: its Values, and its numbers as floats."""
    return tuple([a if isinstance(a, Value) else x for a, x in zip(operands, xs, strict=True)])


def _first_value(operands: Sequence[object]) -> Value | None:
    return next((a for a in operands if isinstance(a, Value)), None)


def _data(other: object, op: str) -> float:
    """The number a comparison compares with."""
    return other.data if isinstance(other, Value) else number(other, op, None)


from autograd import ops  # noqa: E402 (the table reads Value and Op above)
from autograd.ops import dot, exp, log, mean, relu, sigmoid, sum, tanh  # noqa: E402, F401, A004 (where they used to be)
