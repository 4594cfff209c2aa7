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
from dataclasses import dataclass, field
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
    ``domain(*xs)``, for an op whose forward refuses some operands (a loss's target), raises what
    ``forward`` raises for them and returns nothing; ``forward`` calls it first, and
    `autograd.compile` calls it alone where the result is not needed (``return_loss=False``).

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
    domain: Callable[..., None] | None = None
    arity: int = field(init=False, repr=False)  # how many operands: len(params), or -1 if variadic

    def __post_init__(self) -> None:
        object.__setattr__(self, "arity", -1 if self.variadic else len(self.params))

    def __call__(self, *operands: Operand) -> Value:
        """The node for this operation on ``operands`` (numbers are constants: no edge)."""
        return apply(self, operands)

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    def columns(self, operands: list[T]) -> tuple[list[list[T]], list[T]]:
        """A variadic op's operands (or anything laid out as they are) as its columns, one list per
        param (``dot``: the weights, the inputs), and its tail (``dot``: the bias)."""
        width = len(self.params)
        n = (len(operands) - len(self.tail)) // width
        if n < 0 or n * width + len(self.tail) != len(operands):
            raise TypeError(f"{self.name}: {len(operands)} operands are not groups of {width}"
                            f" and {len(self.tail)} more")
        columns = []
        for j in range(width):  # a loop: a comprehension costs more than the slicing on CPython 3.11
            columns.append(operands[j * n : j * n + n])
        return columns, operands[width * n :]


def apply(op: Op, operands: Sequence[Operand]) -> Value:
    """The node for ``op`` on ``operands``: the result, and the local derivative d(result)/d(operand)
    along the edge to each operand that is a Value (a number is a constant: no edge).

    Almost every node is an op of one Value or of two operands: those cases are written out, with
    positional calls (a call with ``*args`` costs three times as much on CPython); `_general`
    does the rest (the variadic ops, ops of three or more operands, a number alone).
    """
    if type(operands) is not tuple:
        operands = tuple(operands)
    if op.arity == 1 and len(operands) == 1 and isinstance(operands[0], Value):
        x = operands[0]._data
        try:
            out = op.forward(x)
            local_grads: tuple[float, ...] = (op.derivatives[0](out, x),)
        except (ValueError, ZeroDivisionError) as error:  # out of the op's domain: say which operand
            raise _domain_error(op, error, operands) from None
        return _node(op, out, operands, local_grads, operands)  # type: ignore[arg-type]
    if op.arity == 2 and len(operands) == 2:
        a, b = operands
        x = a._data if isinstance(a, Value) else _constant(a, op, operands)
        y = b._data if isinstance(b, Value) else _constant(b, op, operands)
        d_x, d_y = op.derivatives  # the rules for d(out)/dx and d(out)/dy
        try:
            out = op.forward(x, y)
            if isinstance(a, Value) and isinstance(b, Value):
                local_grads = (d_x(out, x, y), d_y(out, x, y))
                return _node(op, out, operands, local_grads, operands)  # type: ignore[arg-type]
            if isinstance(a, Value):  # y is a constant: one edge
                return _node(op, out, (a,), (d_x(out, x, y),), (a, y))
            if isinstance(b, Value):  # x is a constant
                return _node(op, out, (b,), (d_y(out, x, y),), (x, b))
            return _node(op, out, (), (), (x, y))  # two numbers: a node with no edges
        except (ValueError, ZeroDivisionError) as error:
            raise _domain_error(op, error, _kept(operands, [x, y])) from None
    return _general(op, operands)


def _general(op: Op, operands: tuple[Operand, ...]) -> Value:
    """`apply` for the variadic ops and the ops of three or more operands."""
    xs: list[float] = []  # every operand as a float
    constants = False
    for a in operands:  # plain loops here: a comprehension costs more than its work on CPython 3.11
        if isinstance(a, Value):
            xs.append(a._data)
        else:
            xs.append(a if type(a) is float else _constant(a, op, operands))
            constants = True
    try:
        if op.variadic:
            out, derivatives = _variadic(op, xs)
        elif len(xs) != len(op.params):
            params = ", ".join(op.params)
            raise TypeError(f"{op.name}: takes {len(op.params)} operands ({params}); got {len(xs)}")
        else:
            out, derivatives = op.forward(*xs), []
            for rule, a in zip(op.derivatives, operands):  # noqa: B905 (lengths checked above)
                derivatives.append(rule(out, *xs) if isinstance(a, Value) else 0.0)  # 0.0: no edge
    except (ValueError, ZeroDivisionError) as error:
        raise _domain_error(op, error, _kept(operands, xs)) from None
    if not constants:  # one edge per operand: the operands are the children
        return _node(op, out, operands, tuple(derivatives), operands)  # type: ignore[arg-type]
    children: list[Value] = []
    local_grads: list[float] = []
    for a, d in zip(operands, derivatives):  # noqa: B905 (one derivative per operand)
        if isinstance(a, Value):
            children.append(a)
            local_grads.append(d)
    return _node(op, out, tuple(children), tuple(local_grads), _kept(operands, xs))


def _variadic(op: Op, xs: list[float]) -> tuple[float, list[float]]:
    """A variadic op's result and the derivative for every operand.

    Each param's rule gets the columns (``dot``'s d/dw: ``lambda out, w, x, n: x``) and gives one
    derivative per group (a list), or one number for every group (``sum``'s ``1.0``); a tail
    param's rule gets the tail and ``n``.
    """
    columns, tail = op.columns(xs)
    n, width = len(columns[0]), len(columns)
    out = op.forward(*columns, *tail)
    derivatives: list[float] = []
    for rule in op.derivatives[:width]:
        d: Any = rule(out, *columns, n)
        derivatives += d if type(d) is list else [d] * n
    for rule in op.derivatives[width:]:
        derivatives.append(rule(out, *tail, n))
    return out, derivatives


def _node(op: Op, out: float, children: tuple[Value, ...], local_grads: tuple[float, ...],
          operands: tuple[Operand, ...]) -> Value:
    """A node made by an operation.  `Value()` is for a user's own nodes: its checks of its
    arguments would cost more than all of ``x * y`` (about 1.9 us a node); these are checked."""
    node = Value.__new__(Value)
    node._data = out
    node.grad = 0.0
    node.children = children
    node.local_grads = local_grads
    node.op = op.name
    node.label = ""
    node.op_def = op
    node.operands = operands
    return node


def _domain_error(op: Op, error: Exception, operands: Sequence[Operand]) -> Exception:
    """The same kind of error, saying which operands were out of ``op``'s domain."""
    return type(error)(domain_error(op.name, error, operands))


def _kept(operands: Sequence[Operand], xs: list[float]) -> tuple[Operand, ...]:
    """The operands as a node keeps them: its Values, and its numbers as floats."""
    kept: list[Operand] = []
    for a, x in zip(operands, xs):  # noqa: B905 (one float per operand)
        kept.append(a if isinstance(a, Value) else x)
    return tuple(kept)


def _constant(a: object, op: Op, operands: Sequence[object]) -> float:
    """A number operand as a float; anything else a `TypeError` naming the op and its first Value."""
    return a if type(a) is float else number(a, op.name, _first_value(operands))


def _first_value(operands: Sequence[object]) -> Value | None:
    return next((a for a in operands if isinstance(a, Value)), None)


def _data(other: object, op: str) -> float:
    """The number a comparison compares with."""
    return other.data if isinstance(other, Value) else number(other, op, None)


from autograd import ops  # noqa: E402 (the table reads Value and Op above)
from autograd.ops import dot, exp, log, mean, relu, sigmoid, sum, tanh  # noqa: E402, F401, A004 (where they used to be)
