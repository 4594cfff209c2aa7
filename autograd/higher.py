"""Gradients of gradients: `grad` (torch.autograd.grad for scalars) and `hessian`.

`backward()` passes numbers down the edges: each edge's local derivative was computed as a float
when its node was built.  To differentiate a derivative again, the derivative itself must be a
graph.  So `grad(..., create_graph=True)` does the same backward pass, but on Values: for each
node it evaluates its op's rules again, on the node and its operands themselves,

    local = rule(node, *operands)          a Value: d(node)/d(operand), as a graph of the table's ops
    d(root)/d(operand) += local * d(root)/d(node)

so every product and sum of the chain rule is a node too, and the result is a `Value` whose graph
can be differentiated again, to any order.  The rules are the table's own (`autograd.ops`): they
use arithmetic, comparisons and the table's helpers, which build nodes when given Values.  A
comparison in a rule (relu's ``0.0 if x <= 0.0 else 1.0``) reads the number and gives a constant:
relu''(x) = 0 and abs''(x) = 0, PyTorch's conventions.

    >>> from autograd import Value, grad
    >>> x = Value(3.0, label="x")
    >>> y = x ** 3
    >>> dx, = grad(y, [x], create_graph=True)     # 3 x^2, a Value
    >>> dx.data, dx.label
    (27.0, '∂y/∂x')
    >>> grad(dx, [x])                             # 6 x, a float
    (18.0,)

Without ``create_graph`` the gradients are floats, the same floats `backward()` leaves in ``.grad``
(the local derivatives recorded when the graph was built, added in the same order).  `grad` never
touches any ``.grad``.  An input the output does not depend on gets 0.0 (PyTorch's
``allow_unused=True, materialize_grads=True``; PyTorch's default raises instead).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd.core import Value, describe, number, topological_order, tracer
from autograd.ops import split

__all__ = ["grad", "hessian"]

Gradient = Any  # a float, or with create_graph a Value


def grad(outputs: Value, inputs: Sequence[Value], create_graph: bool = False) -> tuple[Any, ...]:
    """d(outputs)/d(input) for each of ``inputs``: a tuple, in their order; no ``.grad`` changes.

    ``outputs`` is one scalar `Value` (torch.autograd.grad's ``outputs`` for one scalar);
    ``inputs`` are leaves of its graph (Values built by you, not by an operation).  Without
    ``create_graph`` each gradient is a float; with it, a `Value` labelled ``∂y/∂x`` whose graph
    can be differentiated again (a constant one, a leaf, when the gradient does not depend on any
    Value).  An input that ``outputs`` does not depend on gets 0.0.
    """
    root = _check(outputs, inputs, create_graph)
    wanted = _needed(root, inputs)
    grads: dict[Value, Gradient] = {root: 1.0}
    order = topological_order(root)
    for node in order:
        g = grads.get(node)
        if g is None or node not in wanted or not node.children:
            continue
        for child, local in _edges(node, wanted, create_graph):
            contribution = g if _is_one(local) else local if _is_one(g) else local * g
            grads[child] = contribution if child not in grads else grads[child] + contribution
    taken = set(order) if create_graph else set()  # the graph's own nodes: a gradient is never one
    return tuple(_result(root, x, grads.get(x, 0.0), create_graph, taken) for x in inputs)


def hessian(f: Callable[..., Value], xs: Sequence[float]) -> list[list[float]]:
    """The n x n matrix of d²f / dx_i dx_j at ``xs`` (torch.autograd.functional.hessian for
    scalars): ``f`` takes one Value per number and returns a Value.  Row i is the gradient of
    d f / d x_i, itself computed with ``create_graph=True``."""
    leaves = [Value(number(x, "hessian"), label=f"x{k}") for k, x in enumerate(xs)]
    y = f(*leaves)
    if not isinstance(y, Value):
        raise TypeError(f"hessian: f must return a Value (one number with its graph); got {y!r}"
                        f" (type {type(y).__name__})")
    return [list(grad(g, leaves)) for g in grad(y, leaves, create_graph=True)]


# ---- the pass, edge by edge ------------------------------------------------------------------------


def _needed(root: Value, inputs: Sequence[Value]) -> set[Value]:
    """The nodes of root's graph on a path to one of ``inputs``: only their edges are followed."""
    needed = set(inputs)
    for node in reversed(topological_order(root)):  # children before parents
        if any(child in needed for child in node.children):
            needed.add(node)
    return needed


def _edges(node: Value, wanted: set[Value], create_graph: bool) -> list[tuple[Value, Gradient]]:
    """(child, d node / d child) for each edge of ``node`` to a wanted child: the float recorded
    when the node was built, or with ``create_graph`` its op's rule evaluated on Values."""
    if not create_graph:
        return [(c, d) for c, d in zip(node.children, node.local_grads, strict=True) if c in wanted]
    op = node.op_def
    if op is None:
        raise TypeError(f"grad(create_graph=True): {describe(node)} was built as Value(data, children,"
                        " local_grads): its local derivatives are numbers, so they cannot be"
                        " differentiated again; make its operation with autograd.define_op")
    edges = []
    operands = split(op, node.operands)
    for part, rule in zip(operands, op.derivatives.values(), strict=True):
        if isinstance(part, Value) and part in wanted:
            edges.append((part, rule(node, *operands)))
        elif type(part) is list and any(isinstance(v, Value) and v in wanted for v in part):
            slopes = rule(node, *operands)
            for v, slope in zip(part, slopes if type(slopes) is list else [slopes] * len(part), strict=True):
                if isinstance(v, Value) and v in wanted:
                    edges.append((v, slope))
    return edges


def _is_one(d: Gradient) -> bool:
    """Whether ``d`` is the number 1 (a product with it is left out: the graph stays readable)."""
    return type(d) is float and d == 1.0


def _result(root: Value, x: Value, g: Gradient, create_graph: bool, taken: set[Value]) -> Any:
    """The gradient for input ``x``: a float, or with ``create_graph`` a Value of its own labelled
    ``∂y/∂x`` (where it is a node of y's graph, a leaf, or another input's gradient: ``1 * g``)."""
    if not create_graph:
        return g if isinstance(g, float) else number(g, "grad")
    if not isinstance(g, Value):
        g = Value(g)
    elif g in taken or g.label or not g.children:
        g = 1.0 * g  # a node of its own, so that its label can be set
    taken.add(g)
    g.label = _name(root.label or "y", x.label or "x")
    return g


def _name(y: str, x: str) -> str:
    """d y / d x as a label: ``∂y/∂x``; of a first derivative ``∂²y/∂x²`` or ``∂²y/∂x∂w``."""
    first = y.startswith("∂") and y.count("∂") == 2 and "/" in y and "(" not in y and "²" not in y
    if not first:
        return f"∂{y}/∂{x}" if y.isidentifier() else f"∂({y})/∂{x}"
    top, by = y[1:].split("/∂", 1)
    return f"∂²{top}/∂{x}²" if by == x else f"∂²{top}/∂{x}∂{by}"


def _check(outputs: object, inputs: object, create_graph: object) -> Value:
    """The one output, checked: a Value; the inputs: Values that are leaves; a bool."""
    if tracer.seen is not None:
        raise TypeError("grad: cannot be called inside autograd.compile: the compiler traces one"
                        " backward pass of numbers and cannot compile a gradient of a gradient;"
                        " call the function without autograd.compile")
    if not isinstance(outputs, Value):
        kind = "a sequence" if isinstance(outputs, list | tuple) else f"type {type(outputs).__name__}"
        raise TypeError(f"grad: outputs must be one scalar Value (e.g. a loss); got {outputs!r} ({kind})"
                        + ("; pass one output at a time" if isinstance(outputs, list | tuple) else ""))
    if isinstance(inputs, Value) or not isinstance(inputs, Sequence):
        raise TypeError(f"grad: inputs must be a list of Values, e.g. [x, y]; got {inputs!r}"
                        f" (type {type(inputs).__name__})")
    for k, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: input #{k} is {x!r} (type {type(x).__name__}); inputs must be Values")
        if x.children:
            raise ValueError(f"grad: input #{k} is {describe(x)}, a node built by an operation; inputs"
                             " must be leaves (Values you made, e.g. Value(2.0, label='x'))")
    if not isinstance(create_graph, bool):
        raise TypeError(f"grad: create_graph must be True or False; got {create_graph!r}")
    return outputs
