"""The engine: a `Value` holds one number and the edges it was computed along; `backward()` is
the chain rule, applied once per edge.

When a node is built, it records along the edge to each child the *local* derivative
d(node)/d(child).  `backward()` then visits the nodes so that each comes before its children, and
passes its gradient down each edge:

    child.grad += local_grad * node.grad        d(root)/d(child) += d(node)/d(child) · d(root)/d(node)

Summed over every path from the root, that is the chain rule.  Read this file top to bottom: the
one number check, `Op` (the shape of an operation), `Value`, `apply` (how an operation builds a
node), then the backward pass.  The operations themselves, each with its derivative rules, are
the table in `autograd.ops`, which fills `OPS`.

    >>> import autograd
    >>> x, y = Value(2.0, label="x"), Value(3.0, label="y")
    >>> z = x * y
    >>> z.backward()
    >>> x.grad, y.grad                      # dz/dx = y, dz/dy = x
    (3.0, 2.0)
"""

from __future__ import annotations

import gc
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from numbers import Real
from typing import Any, SupportsIndex, TypeVar, overload

R = TypeVar("R")

__all__ = ["OPS", "GradientLostWarning", "Op", "Operand", "Value", "apply", "backward", "describe",
           "number", "propagate", "start_pass", "topological_order", "tracer", "zero_grad"]


# ---- errors: each names the operation, the operand and its label ---------------------------------


def describe(v: object) -> str:
    """An operand as an error names it: ``Value 'x' (op='*', data=4.0)``, or a number's repr."""
    if not isinstance(v, Value):
        return repr(v)
    name = f"Value {v.label!r}" if v.label else "unlabelled Value"
    return f"{name} ({f'op={v.op!r}, ' if v.op else ''}data={v.data!r})"


def number(x: object, op: str, node: Value | None = None, expected: str = "a Value, int or float") -> float:
    """``x`` as a float if it is a real number (an int, a float, NumPy's; not a bool), else a
    `TypeError` naming ``op`` (and ``node``).  The one check of a number every module uses."""
    if type(x) is float:
        return x
    if type(x) is int or (isinstance(x, Real) and not isinstance(x, bool)):
        try:
            return float(x)
        except OverflowError:  # an int from 2**1024 - 2**970 up (str(x) may be too long to make)
            size = f"an int of {x.bit_length()} bits" if isinstance(x, int) else repr(x)[:40]
            raise OverflowError(f"{op}: {size} is too large for a float (at most about 1.8e308)"
                                f"{' with ' + describe(node) if node else ''}") from None
    raise TypeError(f"{op}: cannot use {x!r} (type {type(x).__name__})"
                    f"{' with ' + describe(node) if node else ''}; expected {expected}")


# ---- an operation: what the table in `autograd.ops` is made of ---------------------------------------


@dataclass(frozen=True, eq=False, kw_only=True)
class Op:
    """One operation: how to compute it, and one derivative rule per operand.

    ``forward(x, y, ...)`` computes the result from the operands' numbers.  ``derivatives`` maps
    each operand's name (``forward``'s parameters, in order) to its rule: ``rule(out, x, y, ...)``
    is d(out)/d(that operand), given the result and every operand.  An operand named in ``lists``
    is a list (``sum``'s ``x``; ``dot``'s ``w`` and ``x``): ``forward`` and the rules get the
    list, and its rule gives one derivative per item (a list), or one for all of them (a number).
    ``formula`` and ``derivative_formulas`` are how the explainer writes them; ``domain``, if set,
    raises what ``forward`` raises for operands out of its domain (`autograd.compile` calls it alone).
    """

    name: str
    forward: Callable[..., float] = field(repr=False)  # the repr is Op(name='+')
    derivatives: dict[str, Callable[..., Any]] = field(repr=False)
    formula: str = field(repr=False)
    derivative_formulas: dict[str, str] = field(repr=False)
    lists: tuple[str, ...] = field(default=(), repr=False)
    domain: Callable[..., None] | None = field(default=None, repr=False)

    @property
    def params(self) -> tuple[str, ...]:
        """The operands' names, in order."""
        return tuple(self.derivatives)

    def __call__(self, *operands: Any) -> Value:
        """The node for this op on ``operands``: `apply`."""
        return apply(self, *operands)


OPS: dict[str, Op] = {}
"""Every operation by name: filled by `autograd.ops` (the built-ins, then `define_op`'s)."""


# ---- the node --------------------------------------------------------------------------------------


class Value:
    """One number in a computation graph, with the edges it was computed along.

    ``Value(2.0, label="x")`` is a leaf; ``Value(data, children, local_grads, op)`` a node of your
    own, one local derivative per child.  An operation builds its node with `apply`, which also
    records the `Op` (``op_def``) and all of its ``operands``, numbers included.  ``grad`` starts at
    0.0 and is filled in by `backward()` (None counts as 0.0).  Comparisons, ``round()`` and
    formats read ``data`` and build no graph; ``==`` is identity, so a Value can be a dict key.
    """

    __slots__ = ("children", "data", "grad", "label", "local_grads", "op", "op_def", "operands")

    def __init__(self, data: float, children: Iterable[Value] = (), local_grads: Iterable[float] = (),
                 op: str = "", label: str = "", op_def: Op | None = None,
                 operands: tuple[Operand, ...] = ()) -> None:
        self.data = data if type(data) is float else number(data, op or "Value", None, "an int or float")
        self.grad: float = 0.0
        self.children, self.local_grads = _edges(children, local_grads, op, label) if op_def is None else (
            tuple(children), tuple(local_grads))  # apply's are right as built: checking costs 25% of x * y
        self.op, self.label, self.op_def, self.operands = op, label, op_def, operands

    def __repr__(self) -> str:
        return f"Value(label={self.label!r}, op={self.op!r}, data={self.data!r}, grad={self.grad!r})"

    def backward(self, gradient: float = 1.0, *, create_graph: bool = False) -> None:
        """Fill in ``grad`` of every node of this graph with gradient · d(self)/d(node): numbers.
        For gradients that are Values, to differentiate again: `autograd.grad` (`autograd.higher`)."""
        if create_graph:  # .grad holds numbers; gradients that are Values, to differentiate again:
            raise TypeError("backward(create_graph=True): use autograd.grad(y, inputs, create_graph=True)")
        backward(self, gradient)

    # Each operator and method builds a node of the table's op of that name.
    def __add__(self, other: Operand) -> Value:
        return apply(OPS["+"], self, other)

    def __radd__(self, other: Operand) -> Value:  # other + self, as self + other: the same float
        return apply(OPS["+"], self, other)

    def __sub__(self, other: Operand) -> Value:
        return apply(OPS["-"], self, other)

    def __rsub__(self, other: Operand) -> Value:  # other - self
        return apply(OPS["-"], other, self)

    def __mul__(self, other: Operand) -> Value:
        return apply(OPS["*"], self, other)

    def __rmul__(self, other: Operand) -> Value:  # other * self, as self * other: the same float
        return apply(OPS["*"], self, other)

    def __truediv__(self, other: Operand) -> Value:
        return apply(OPS["/"], self, other)

    def __rtruediv__(self, other: Operand) -> Value:  # other / self
        return apply(OPS["/"], other, self)

    def __pow__(self, other: Operand) -> Value:
        return apply(OPS["**"], self, other)

    def __rpow__(self, other: Operand) -> Value:  # other ** self
        return apply(OPS["**"], other, self)

    def __neg__(self) -> Value:
        return apply(OPS["neg"], self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return apply(OPS["abs"], self)

    abs = __abs__  # v.abs(), as abs(v)

    def exp(self) -> Value:
        return apply(OPS["exp"], self)

    def log(self) -> Value:
        return apply(OPS["log"], self)

    def tanh(self) -> Value:
        return apply(OPS["tanh"], self)

    def sigmoid(self) -> Value:
        return apply(OPS["sigmoid"], self)

    def relu(self) -> Value:
        return apply(OPS["relu"], self)

    def sin(self) -> Value:
        return apply(OPS["sin"], self)

    def cos(self) -> Value:
        return apply(OPS["cos"], self)

    def sqrt(self) -> Value:
        return apply(OPS["sqrt"], self)

    # Reading the number: no graph.  A tracer (`autograd.compile`) hears of each: see `tracer`.
    def __lt__(self, other: Operand) -> bool:
        return _seen(self, "<", other, self.data < (other.data if isinstance(other, Value) else other))

    def __le__(self, other: Operand) -> bool:
        return _seen(self, "<=", other, self.data <= (other.data if isinstance(other, Value) else other))

    def __gt__(self, other: Operand) -> bool:
        return _seen(self, ">", other, self.data > (other.data if isinstance(other, Value) else other))

    def __ge__(self, other: Operand) -> bool:
        return _seen(self, ">=", other, self.data >= (other.data if isinstance(other, Value) else other))

    @overload
    def __round__(self, ndigits: None = None) -> int: ...
    @overload
    def __round__(self, ndigits: SupportsIndex) -> float: ...
    def __round__(self, ndigits: SupportsIndex | None = None) -> int | float:
        return _seen(self, "round", ndigits, round(self.data, ndigits))

    def __float__(self) -> float:  # math.exp(v) calls it: the result is a number with no graph
        warnings.warn(f"float() of {describe(self)}: what is computed from the number has no gradient;"
                      " use the Value's own functions (v.exp(), autograd.exp(v)) to keep the graph,"
                      " or v.data to say you mean the number", GradientLostWarning, stacklevel=2)
        return _seen(self, "float", None, self.data)

    def item(self) -> float:
        """``data``, under PyTorch's name (the seed prints ``loss.item()``)."""
        return _seen(self, "item", None, self.data)

    def __format__(self, spec: str) -> str:  # f"{loss:.4f}"
        return format(self.data, spec) if spec else repr(self)

    __hash__ = object.__hash__  # == is identity: nodes are keys of the backward pass's bookkeeping



Operand = Value | int | float


class GradientLostWarning(UserWarning):
    """``float(v)`` of a Value (``math.exp(v)`` calls it): what follows has no gradient."""


class _Tracer(threading.local):
    """The tracing hook: `autograd.compile`, while it runs ``f`` once to see what it computes, sets
    ``seen`` on its own thread and hears of every comparison, ``round()``, ``float()`` and
    ``item()`` of a Value, with the operand and what it gave."""

    seen: Callable[[Value, str, object, object], None] | None = None


tracer = _Tracer()


def _seen(v: Value, how: str, operand: object, result: R) -> R:
    if tracer.seen is not None:
        tracer.seen(v, how, operand, result)
    return result


def _edges(children: Iterable[Value], grads: Iterable[float], op: str,
           label: str) -> tuple[tuple[Value, ...], tuple[float, ...]]:
    """A node's children and local derivatives, checked: one number per child, each a Value."""
    where = f"Value(op={op!r}, label={label!r})"
    for name, items, of in (("children", children, "Values, e.g. (x,)"), ("local_grads", grads, "numbers")):
        if not isinstance(items, Iterable):
            comma = " (one item in parentheses needs a comma to be a tuple)" * isinstance(items, Value | Real)
            raise TypeError(f"{where}: {name} must be an iterable of {of}; got {items!r}"
                            f" (type {type(items).__name__}){comma}")
    children, grads = tuple(children), tuple(grads)
    if len(children) != len(grads):
        raise ValueError(f"{where}: needs one local gradient per child; got {len(children)} children"
                         f" and {len(grads)} local gradients")
    for child in children:
        if not isinstance(child, Value):
            raise TypeError(f"{where}: every child must be a Value; got {child!r} ({type(child).__name__})")
    return children, tuple(number(g, op or "Value", None, "an int or float") for g in grads)


# ---- building a node: the result, and the local derivative along each edge -----------------------


def apply(op: Op, *operands: Any) -> Value:
    """The node for ``op`` on ``operands``, one per param (a list for a param in ``op.lists``).

    The result is ``op.forward`` of the operands' numbers.  Each operand that is a Value gets an
    edge, with the local derivative d(result)/d(operand) from its rule; a number is a constant
    (no edge, and its rule is not called).
    """
    args: list[Any] = []  # what forward and the rules get: each operand's number (a list's: a list)
    for a in operands:
        if isinstance(a, Value):
            args.append(a.data)
        elif type(a) is list and op.lists:
            args.append([v.data if isinstance(v, Value) else _constant(v, op, operands) for v in a])
        else:
            args.append(_constant(a, op, operands))
    children, local_grads = [], []  # the edges: to each operand that is a Value, its local derivative
    try:
        out = op.forward(*args)
        for a, rule in zip(operands, op.derivatives.values()):
            if isinstance(a, Value):
                children.append(a)
                local_grads.append(rule(out, *args))
            elif type(a) is list and any(isinstance(v, Value) for v in a):  # a slope per item, or one for all
                slopes = rule(out, *args)
                for v, slope in zip(a, slopes if type(slopes) is list else [slopes] * len(a)):
                    if isinstance(v, Value):
                        children.append(v)
                        local_grads.append(slope)
    except (TypeError, ValueError, ZeroDivisionError) as error:  # out of the domain: name the operands
        if len(operands) != len(op.derivatives):
            raise TypeError(f"{op.name}: takes {len(op.derivatives)} operands ({', '.join(op.derivatives)});"
                            f" got {len(operands)}") from None
        raise type(error)(_domain_error(op.name, error, _kept(operands, args))) from None
    if len(children) == len(operands) and not op.lists:  # no constant: the operands are the children
        return Value(out, operands, tuple(local_grads), op.name, "", op, operands)  # one tuple: 56 B less
    return Value(out, tuple(children), tuple(local_grads), op.name, "", op, _kept(operands, args))


def _constant(a: object, op: Op, operands: Sequence[Any]) -> float:
    """A number among the operands, as a float (an error names it and the op's first Value)."""
    if type(a) is float:
        return a
    values = (v for b in operands for v in (b if type(b) is list else (b,)) if isinstance(v, Value))
    return number(a, op.name, next(values, None))


def _kept(operands: Sequence[Any], args: list[Any]) -> tuple[Value | float, ...]:
    """The operands as the node keeps them, lists laid end to end: the Values, numbers as floats."""
    kept: list[Value | float] = []
    for a, x in zip(operands, args):
        for v, number in zip(a, x) if type(a) is list else ((a, x),):
            kept.append(v if isinstance(v, Value) else number)
    return tuple(kept)


def _domain_error(op: str, error: Exception, operands: Sequence[Value | float]) -> str:
    """``/: division by zero: Value 'x' (data=1.0) / 0.0``; ``log: undefined for Value 'x' (...); why``
    (a TypeError too: a ``data`` set to something that is not a number, say)."""
    if len(operands) == 2 and not op.isidentifier():
        return f"{op}: {error}: {describe(operands[0])} {op} {describe(operands[1])}"
    return f"{op}: undefined for {', '.join(describe(a) for a in operands)}; {error}"


# ---- the backward pass ----------------------------------------------------------------------------


def topological_order(root: Value, *, leaves: bool = False) -> list[Value]:
    """The nodes of root's graph, each before all of its children (root first); without
    ``leaves=True``, only those with children (the ones that pass a gradient on).

    A depth-first search without recursion (any depth works), so the order depends only on the
    graph's shape and the operands' order.
    """
    order: list[Value] = []  # each node after all of its children; reversed at the end
    visited = {root}
    path = [root]  # from the root down to the node being explored
    unexplored = [iter(root.children)]  # for each node on the path, its children not yet seen
    collecting = gc.isenabled()
    gc.disable()  # else collections rescan the new nodes: 1.9x as long per node at 10**6 nodes
    try:
        while path:
            for child in unexplored[-1]:
                if (leaves or child.children) and child not in visited:
                    visited.add(child)
                    path.append(child)
                    unexplored.append(iter(child.children))
                    break
            else:  # all of the node's children are in `order`: the node follows them
                unexplored.pop()
                order.append(path.pop())
    finally:
        if collecting:
            gc.enable()
    order.reverse()
    return order


def propagate(node: Value) -> None:
    """One node's share of the backward pass: its gradient, passed down each edge."""
    for child, local_grad in zip(node.children, node.local_grads):
        child.grad += local_grad * node.grad


def backward(root: Value, gradient: float = 1.0) -> None:
    """Fill in ``grad`` of every node of root's graph with gradient · d(root)/d(node).

    Every node with children is reset first, so it holds exactly that; a leaf adds it to what it
    held (as in PyTorch: clear it with ``zero_grad``).
    """
    order = topological_order(root)
    held = start_pass(root, order, gradient)
    for node in order:
        propagate(node)
    for leaf, earlier in held:
        leaf.grad += earlier


def start_pass(root: Value, order: list[Value], gradient: float = 1.0, *,
               hold_leaves: bool = True) -> list[tuple[Value, float]]:
    """Reset the nodes in ``order`` to 0 and seed the root with ``gradient``.  A leaf's earlier
    gradient must be a number (None is 0); with ``hold_leaves`` it is set aside (`_hold`)."""
    gradient = _gradient(gradient, root)
    if not root.children:  # a lone leaf: accumulates, like any leaf
        root.grad = _gradient(root.grad, root) + gradient
        return []
    held = _hold(order, hold_leaves)
    for node in order:
        node.grad = 0.0
    root.grad = gradient
    return held


def _hold(order: list[Value], hold: bool) -> list[tuple[Value, float]]:
    """PyTorch parity, not the chain rule: each leaf's earlier gradient is set to 0 for the pass and
    added back after it, so that two passes give exactly twice the gradient (adding each edge's
    share onto the old total would round differently)."""
    earlier = {c: _gradient(c.grad, c) for node in order for c in node.children if not c.children}
    for leaf, grad in earlier.items():  # each leaf's grad checked above, before any is changed
        leaf.grad = 0.0 if hold else grad
    return [(leaf, grad) for leaf, grad in earlier.items() if hold and grad]


def _gradient(grad: object, node: Value) -> float:  # None: no gradient yet (as PyTorch's None)
    return 0.0 if grad is None else number(grad, "backward: gradient", node, "a number (or None)")


def zero_grad(root: Value) -> None:
    """Set ``grad = 0.0`` on every node of root's graph, leaves included."""
    for node in topological_order(root, leaves=True):
        node.grad = 0.0
