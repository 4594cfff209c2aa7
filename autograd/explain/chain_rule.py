"""The chain rule, one backward step at a time, in the notation of a derivation done by hand.

`ChainRule` follows `backward_steps()` and says what each step did, with the nodes' labels as
names and the numbers filled in::

    ∂Cost/∂w2[0] = ∂Cost/∂o · ∂o/∂w2[0] = 0.5262 × 0.5250 = 0.2763        ∂o/∂w2[0] = ĥ1

and, for a leaf reached along a single path, the whole chain from the root::

    = ∂Cost/∂ô · ∂ô/∂o · ∂o/∂w2[0] = 2.1107 × 0.2493 × 0.5250 = 0.2763

Unlabelled intermediate nodes are named by their expression (``log(1 − ô)``) and, in the whole
chain, folded into the factor of the labelled node above them, so the chain reads like the one
written by hand.  Every number is the engine's own: ``∂o/∂w2[0]`` is the edge's ``local_grad``,
``∂Cost/∂o`` the node's ``grad``, the product the edge's ``contribution``.

    >>> from autograd import Value, backward_steps
    >>> x, y = Value(2.0, label="x"), Value(3.0, label="y")
    >>> z = x * y
    >>> z.label = "z"
    >>> explainer = ChainRule(z, root_name="z")
    >>> for step in backward_steps(z):
    ...     print("\\n".join(explainer.explain(step).lines()))
    z = x·y = 6.0000        ∂z/∂z = 1.0000
        ∂z/∂x = y = 3.0000
        ∂z/∂y = x = 2.0000
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeAlias

from autograd.core import Value, topological_order
from autograd.explain.naming import (
    NOTATION,
    forward_formula,
    grouped,
    node_names,
    operand_names,
    short,
    tail_params,
)
from autograd.explain.steps import Step

__all__ = ["ChainRule", "Factor", "Link", "StepExplanation", "as_printed", "equals_or_approx", "number"]

def number(x: float) -> str:
    """How every number is printed: 4 decimals (the precision of the article's figures)."""
    if x != 0.0 and math.isfinite(x) and not 1e-4 <= abs(x) < 1e6:
        return f"{x:.4e}"
    text = f"{x:.4f}"
    return "0.0000" if text == "-0.0000" else text


def equals_or_approx(shown: float, result: float) -> str:
    """``=`` when the arithmetic on the numbers as printed gives the printed result, else ``≈``.

    ``shown`` is that arithmetic redone on the printed (rounded) numbers: a reader checking
    ``0.5262 × 0.4750`` gets 0.2499, so the line says ``≈ 0.2500`` (the exact values give 0.2500).
    """
    return "=" if number(shown) == number(result) else "≈"


def as_printed(x: float) -> float:
    """A number as the reader sees it: rounded as `number` prints it."""
    return float(number(x))


@dataclass(frozen=True)
class Factor:
    """One factor of a chain: ∂numerator/∂denominator = value."""

    numerator: str
    denominator: str
    value: float

    def __str__(self) -> str:
        return f"∂{self.numerator}/∂{self.denominator}"


# A chain from the root as a linked list: () at the root, else (the chain above, its last factor).
_Chain: TypeAlias = "tuple[()] | tuple[_Chain, Factor]"


@dataclass(frozen=True)
class Link:
    """One edge of a step in the chain rule's terms: ``∂root/∂child += upstream × local``.

    ``before`` and ``after`` are this pass's running sum for the child around this edge's
    contribution (from 0: a leaf that held a gradient before the pass has that on top); ``path``
    and ``paths`` say which of the child's incoming edges this is (1-based) and how many it has;
    ``chain`` is the whole chain from the root when the child is a leaf reached along one path
    only (None otherwise).
    """

    parent: str
    child: str
    upstream: float
    local_grad: float
    local_formula: str
    contribution: float
    before: float
    after: float
    path: int
    paths: int
    chain: tuple[Factor, ...] | None


@dataclass(frozen=True)
class StepExplanation:
    """A `Step` in words: the node, its forward formula, its gradient and its `Link` s."""

    step: Step
    root: str
    name: str
    formula: str
    links: tuple[Link, ...]

    @property
    def title(self) -> str:
        """The node's name, and its label where that differs (the root: ``Cost = loss``)."""
        label = self.step.node.label
        return f"{self.name} = {label}" if label and label != self.name else self.name

    def lines(self) -> list[str]:
        """The step as text: a header, one line per edge, the whole chain under each leaf."""
        node = self.step.node
        title = self.title
        header = f"{title} = {self.formula} = {number(node.data)}" if self.formula else title
        out = [f"{header}        ∂{self.root}/∂{self.name} = {number(self.step.grad)}"]
        for link in self.links:
            if self.name == self.root:  # from the root: the derivative of the cost itself
                out.append(f"    ∂{self.root}/∂{link.child} = {link.local_formula} = {number(link.after)}")
                continue
            out.append("    " + _link_line(self.root, link))
            if link.chain is not None and len(link.chain) > 2:
                factors = " · ".join(str(f) for f in link.chain)
                values = " × ".join(number(f.value) for f in link.chain)
                sign = equals_or_approx(math.prod(as_printed(f.value) for f in link.chain), link.after)
                out.append(f"        = {factors} = {values} {sign} {number(link.after)}")
        return out


def _link_line(root: str, link: Link) -> str:
    target = f"∂{root}/∂{link.child}"
    term = f"∂{root}/∂{link.parent} · ∂{link.parent}/∂{link.child}"
    values = f"{number(link.upstream)} × {number(link.local_grad)}"
    shown = as_printed(link.upstream) * as_printed(link.local_grad)
    if link.path > 1 or link.before != 0.0:
        term = f"{number(link.before)} + {term}"
        values = f"{number(link.before)} + {values}"
        shown = as_printed(link.before) + shown
    line = f"{target} = {term} = {values} {equals_or_approx(shown, link.after)} {number(link.after)}"
    line += f"        ∂{link.parent}/∂{link.child} = {link.local_formula}"
    if link.paths > 1:
        line += f"   (path {link.path} of {link.paths})"
    return line


class ChainRule:
    """Follows a backward pass of ``root`` step by step and explains each `Step`.

    Make one per pass, then call `explain` on each step of ``backward_steps(root)`` in order.
    ``before``/``after`` add up this pass's contributions from 0; a leaf that already held a
    gradient gets them on top of it, so its ``grad`` (and ``Edge.child_grad``) also include that
    earlier value, which the explanation leaves out.
    ``root_name`` is what the root is called in the formulas ("Cost" in the article).
    """

    def __init__(self, root: Value, *, root_name: str = "Cost") -> None:
        self.root = root
        self.root_name = root_name
        order = topological_order(root, leaves=True)
        self._names = node_names(root)  # distinct: x·y computed twice is x·y#1 and x·y#2
        self._formulas = {node: forward_formula(node, self._names) for node in order}
        self._paths: dict[Value, int] = {}
        for node in order:
            for child in node.children:
                self._paths[child] = self._paths.get(child, 0) + 1
        self._received: dict[Value, int] = {}
        self._running: dict[Value, float] = {}  # each child's gradient so far in this pass
        self._chains: dict[Value, _Chain | None] = {root: ()}

    def name(self, node: Value) -> str:
        """The node's name in the formulas: its label, else its expression (``log(1 − ô)``)."""
        return self.root_name if node is self.root else self._names[node]

    def explain(self, step: Step) -> StepExplanation:
        """What ``step`` did, edge by edge; call it on every step, in order."""
        node = step.node
        parent = self.name(node)
        links = []
        for k, edge in enumerate(step.edges):
            child = edge.child
            received = self._received.get(child, 0) + 1
            self._received[child] = received
            before = self._running.get(child, 0.0)
            after = before + edge.contribution  # propagate()'s addition, counted from 0 for this pass
            self._running[child] = after
            chain = self._extend_chain(node, child, edge.local_grad, received)
            links.append(
                Link(
                    parent=parent,
                    child=self.name(child),
                    upstream=step.grad,
                    local_grad=edge.local_grad,
                    local_formula=_local_formula(node, k, self._names),
                    contribution=edge.contribution,
                    before=before,
                    after=after,
                    path=received,
                    paths=self._paths[child],
                    chain=_factors(chain) if chain is not None and not child.children else None,
                )
            )
        return StepExplanation(step, self.root_name, parent, self._formulas[node], tuple(links))

    def _extend_chain(self, node: Value, child: Value, local_grad: float, received: int) -> _Chain | None:
        """The chain root -> child through node, with unlabelled nodes folded into the factor above.

        Kept as a linked list (earlier part, last factor), so each step costs O(1) however deep
        the graph; `_factors` spells one out.
        """
        base = self._chains.get(node)
        if received > 1 or self._paths[child] > 1 or base is None:
            self._chains[child] = None
            return None
        chain: _Chain
        if node is self.root or node.label or not base:
            chain = (base, Factor(self.name(node), self.name(child), local_grad))
        else:
            earlier, last = base
            chain = (earlier, Factor(last.numerator, self.name(child), last.value * local_grad))
        self._chains[child] = chain
        return chain


def _factors(chain: _Chain) -> tuple[Factor, ...]:
    """The factors of a linked chain, from the root down."""
    factors = []
    while chain:
        chain, factor = chain
        factors.append(factor)
    return tuple(reversed(factors))


# ---- formulas (the names and the forward formulas: `autograd.explain.naming`) -------------------------


def _local_formula(node: Value, k: int, names: dict[Value, str]) -> str:
    """∂node/∂(child k) written with the names: ``ô(1 − ô)`` for a sigmoid labelled ô.

    From the op's notation in `autograd.ops`; for a one-off node (no `Op`), the number.
    """
    op = node.op_def
    grad = node.local_grads[k]
    if op is None:
        return number(grad)
    operands = operand_names(node, names)
    position = [i for i, a in enumerate(node.operands) if isinstance(a, Value)][k]
    fields = {"out": names[node], "grad": short(grad)}
    if not op.lists:
        fields |= dict(zip(op.params, operands, strict=True))
        return NOTATION.format(op.derivative_formulas[op.params[position]], **fields)
    groups, n, tail = grouped(op, operands)
    fields["n"] = str(n)
    rule, i = divmod(position, n) if n else (len(op.lists), 0)
    if rule < len(op.lists):
        fields |= dict(zip(op.lists, groups[i], strict=True))
        return NOTATION.format(op.derivative_formulas[op.lists[rule]], **fields)
    fields |= dict(zip(tail_params(op), tail, strict=True))
    return NOTATION.format(op.derivative_formulas[tail_params(op)[position - len(op.lists) * n]], **fields)
