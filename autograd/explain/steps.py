"""`backward()` one node at a time: `backward_steps` and the `Step` each ``next()`` gives.

It runs the very pass `autograd.core.backward` runs (`start_pass`, then `propagate` for each node
in order), pausing after each node, so a debugger or a notebook sees the chain rule being applied
with plain numbers at every point.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

from autograd.core import Value, propagate, start_pass, topological_order
from autograd.explain.naming import node_names

__all__ = ["Edge", "Step", "backward_steps"]


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
    child_name: str = field(default="", compare=False)  # as `backward_steps` names it; else its label

    def __str__(self) -> str:
        """``x += 3  (local 3; x.grad now 10.39)``."""
        name = self.child_name or _short_name(self.child)
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
    name: str = field(default="", compare=False)  # as `backward_steps` names it; else its label

    def __str__(self) -> str:
        """The step in a few lines: the node, then each edge's chain-rule term."""
        node = self.node
        name = self.name or _short_name(node)
        lines = [f"step {self.index}: {name} (data {node.data:.4g}, grad {self.grad:.4g})"]
        for e in self.edges:  # child.grad += local_grad × node.grad
            name = e.child_name or _short_name(e.child)
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
    order = topological_order(root)
    names = node_names(root)  # every node a name of its own, as the pictures and the explainer give
    start_pass(root, order, 1.0, hold_leaves=False)
    for index, node in enumerate(order):
        propagate(node)
        grad = node.grad
        edges = tuple(
            Edge(child, local_grad, local_grad * grad, child.grad, names[child])
            for child, local_grad in zip(node.children, node.local_grads, strict=True)
        )
        yield Step(index, node, edges, grad, names[node])
