"""Backpropagation: the topological order, `backward()`, and the stepper `backward_steps()`.

The chain rule on a graph: for every edge child -> node,

    d(root)/d(child) += d(node)/d(child) * d(root)/d(node)
                        \\_ local_grad _/   \\_ node.grad _/

summed over all the paths, which is what one pass over the nodes in reverse topological order
(every node before its children) computes.  `backward()` and `backward_steps()` share `_prepare`
(order, reset, seed) and `propagate` (one node's share), so they cannot drift apart.

Semantics: the root's gradient is 1.  Intermediate nodes (those with children) are reset to 0 at
the start of every pass, so after it they hold exactly d(root)/d(node).  Leaves are never reset:
they accumulate across passes, as in PyTorch.  `backward()` sums a leaf's contributions from zero
and adds that total to its grad at the end, as PyTorch does, so two calls give exactly twice a
leaf's gradient (adding each contribution onto the old total would give twice up to rounding for a
leaf with several edges).  `backward_steps()` adds each contribution to the leaf as it goes, so
that a paused pass holds nothing back: from zeroed leaves (the usual case) it gives `backward()`'s
gradients bit for bit.  Use `zero_grad(root)` (or an optimizer's ``zero_grad()``) to clear them.
"""

from __future__ import annotations

import gc
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from autograd.errors import describe

if TYPE_CHECKING:
    from autograd.value import Value

__all__ = ["Edge", "Step", "backward", "backward_steps", "propagate", "topological_order", "zero_grad"]


def topological_order(root: Value, *, leaves: bool = False) -> list[Value]:
    """The nodes of root's graph, each before all of its children (root first).

    Iterative (a depth-first post-order, reversed), so a graph of any depth works at the default
    recursion limit.  Deterministic: the order depends only on the graph's shape and operand order.
    Without ``leaves=True`` only the nodes that have children are listed: the ones that pass a
    gradient on.
    """
    order: list[Value] = []  # post-order: each node after all of its children
    visited = {root}
    path = [root]  # the nodes from the root down to the one being explored
    unexplored = [iter(root.children)]  # for each node on the path, its children not yet looked at
    collecting = gc.isenabled()
    gc.disable()  # collections mid-way would rescan the graph: 1.9x the time per node at 1e6 nodes
    try:
        while path:
            for child in unexplored[-1]:
                if (leaves or child.children) and child not in visited:
                    visited.add(child)  # go down to the child before the node's next children
                    path.append(child)
                    unexplored.append(iter(child.children))
                    break
            else:  # every child of the node at the end of the path is in `order`: the node follows
                unexplored.pop()
                order.append(path.pop())
    finally:
        if collecting:
            gc.enable()
    order.reverse()
    return order


def propagate(node: Value) -> None:
    """One node's share of the backward pass: pass node.grad to each child along its edge."""
    grad = node.grad
    for child, local_grad in zip(node.children, node.local_grads):  # noqa: B905 (one per child, by construction)
        child.grad += local_grad * grad


def _prepare(
    root: Value, gradient: float, *, hold_leaves: bool
) -> tuple[list[Value], list[tuple[Value, float]]]:
    """Order the graph, check and reset the gradients, seed the root with ``gradient``.

    Every leaf's ``grad`` must be a number (``None`` counts as 0, as in PyTorch).  With
    ``hold_leaves``, a leaf holding a gradient from earlier passes is set to 0 for this pass and
    listed in ``held`` with what it held, to be added back once the pass is done.
    """
    gradient = _gradient(gradient, root)
    order = topological_order(root)
    held: list[tuple[Value, float]] = []
    if not root.children:  # a lone leaf: accumulates like any leaf (never reset)
        root.grad = _leaf_gradient(root) + gradient
        return order, held
    try:
        for node in order:
            node.grad = 0.0
            for child in node.children:
                if not child.children:
                    earlier = child.grad
                    if type(earlier) is not float:  # None (no gradient yet), an int, or an error
                        child.grad = earlier = _leaf_gradient(child)
                    if hold_leaves and earlier:  # held once: it is 0 the next time it is seen
                        held.append((child, earlier))
                        child.grad = 0.0
    except TypeError:  # a leaf's grad is not a number: the leaves held so far get theirs back
        for leaf, earlier in held:
            leaf.grad = earlier
        raise
    root.grad = gradient
    return order, held


def _leaf_gradient(leaf: Value) -> float:
    """What a leaf holds from earlier passes, as a float: ``None`` (no gradient yet) is 0."""
    return 0.0 if leaf.grad is None else _gradient(leaf.grad, leaf)


def _gradient(grad: object, node: Value) -> float:
    """A gradient as a float; a `TypeError` naming the node for anything but a number."""
    if type(grad) is float:
        return grad
    if isinstance(grad, (int, float)) and not isinstance(grad, bool):
        return float(grad)
    raise TypeError(
        f"backward: the gradient of {describe(node)} is {grad!r} (type {type(grad).__name__});"
        " it must be a number (or None for none yet)"
    )


def backward(root: Value, gradient: float = 1.0) -> None:
    """Fill in ``grad`` of every node of root's graph with gradient * d(root)/d(node) (see the module doc)."""
    order, held = _prepare(root, gradient, hold_leaves=True)
    for node in order:
        propagate(node)
    for leaf, earlier in held:  # as PyTorch, a pass's whole gradient is added: two passes give exactly 2x
        leaf.grad += earlier


@dataclass(frozen=True)
class Edge:
    """One edge of a backward step: ``contribution = local_grad * node.grad`` went to ``child``.

    ``child_grad`` is the child's ``grad`` once the step is done: what it has received so far in
    this pass, plus any gradient a leaf held before it (its final d(root)/d(child) only after
    every parent of the child has had its step).
    """

    child: Value
    local_grad: float
    contribution: float
    child_grad: float

    def __str__(self) -> str:
        """``x += 3  (local 3; x.grad now 10.39)``."""
        name = _short_name(self.child)
        now = f"{name}.grad now {self.child_grad:.4g}"
        return f"{name} += {self.contribution:.4g}  (local {self.local_grad:.4g}; {now})"


@dataclass(frozen=True)
class Step:
    """One node's share of the backward pass: its gradient ``grad`` = d(root)/d(node), final by
    the time of its step, and what it passed along each edge."""

    index: int
    node: Value
    edges: tuple[Edge, ...]
    grad: float

    def __str__(self) -> str:
        """The step in a few lines: the node, then each edge's chain-rule term."""
        node = self.node
        lines = [f"step {self.index}: {_short_name(node)} (data {node.data:.4g}, grad {self.grad:.4g})"]
        for e in self.edges:  # child.grad += local_grad × node.grad
            name = _short_name(e.child)
            lines.append(
                f"  {name} += {e.local_grad:.4g} × {self.grad:.4g} = {e.contribution:.4g}"
                f"  ({name}.grad now {e.child_grad:.4g})"
            )
        return "\n".join(lines)

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:  # IPython: the lines, not one long repr
        printer.text(str(self))  # type: ignore[attr-defined]


def _short_name(node: Value) -> str:
    """A node as the stepper's text names it: its label, else its op, else its data."""
    return node.label or (f"({node.op})" if node.op else f"{node.data:.4g}")


def backward_steps(root: Value) -> Generator[Step, None, None]:
    """`backward()` one node at a time: each ``next()`` propagates one node and returns its `Step`.

    Before a node's step its children have received nothing from it; once the generator is
    exhausted every gradient equals what `backward()` gives (bit for bit from zeroed leaves; a leaf
    that held a gradient before gets each contribution added as it comes, which may differ from
    `backward()`'s single addition in the last bit).  Plain numbers at every point, so a
    breakpoint in the loop (or ``python -m pdb``) shows the chain rule being applied.

    Nothing is held back or undone: stop early (``break``) and the gradients are those of the
    steps taken.  Gradients live on the nodes, so a `backward()` over a graph sharing nodes with a
    paused pass changes what that pass goes on to propagate.
    """
    order, _ = _prepare(root, 1.0, hold_leaves=False)
    for index, node in enumerate(order):
        propagate(node)
        grad = node.grad
        edges = tuple(
            Edge(child, local_grad, local_grad * grad, child.grad)
            for child, local_grad in zip(node.children, node.local_grads, strict=True)
        )
        yield Step(index, node, edges, grad)


def zero_grad(root: Value) -> None:
    """Set ``grad = 0.0`` on every node of root's graph, leaves included."""
    for node in topological_order(root, leaves=True):
        node.grad = 0.0
