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

from autograd.backprop import Step, topological_order
from autograd.value import Value

__all__ = ["ChainRule", "Factor", "Link", "StepExplanation", "as_printed", "equals_or_approx", "number"]

_LONGEST_EXPRESSION = 32  # an unlabelled node with a longer expression is named "op#k" instead
_FUNCTIONS = {"exp": "exp", "log": "log", "tanh": "tanh", "sigmoid": "σ", "relu": "relu"}
# The one-node losses of `nn.losses` (y: the target, a plain number): forward, d/d(prediction)
_LOSSES = {
    "mse": ("({p} − y)²", "2({p} − y)"),
    "bce": ("−(y·log {p} + (1 − y)·log(1 − {p}))", "({p} − y)/({p}(1 − {p}))"),
    "hinge": ("max(0, 1 − y·{p})", "−y"),
}


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
        self._names: dict[Value, str] = {}
        self._formulas: dict[Value, str] = {}
        self._dots: dict[Value, _DotReading | None] = {}  # how each dot node's children were read
        for position, node in enumerate(reversed(order)):  # children before their parents
            if node.op == "dot":
                self._dots[node] = _read_dot(node)
            formula = _forward_formula(node, self._names, self._dots.get(node))
            self._formulas[node] = formula
            if node.label:
                self._names[node] = node.label
            elif not node.children:
                self._names[node] = f"{node.data:g}"
            elif len(formula) <= _LONGEST_EXPRESSION:
                self._names[node] = formula
            else:
                self._names[node] = f"{node.op}#{len(order) - 1 - position}"
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
                    local_formula=_local_formula(node, k, self._names, self._dots.get(node)),
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


# ---- names and formulas -----------------------------------------------------------------------


def _wrap(name: str) -> str:
    """Parenthesize a compound name used as an operand."""
    return f"({name})" if " " in name else name


def _constant(op: str) -> tuple[str, float, bool] | None:
    """Split an op with a plain-number operand ("*2", "1-", "**2") into (operator, c, c_on_left)."""
    for operator in ("**", "+", "-", "*", "/"):
        for on_left, text in ((False, op.removeprefix(operator)), (True, op.removesuffix(operator))):
            if text != op and text:
                try:
                    return operator, float(text), on_left
                except ValueError:
                    continue
    return None


@dataclass(frozen=True)
class _DotReading:
    """Which child of a dot node is which: the weights, their Value inputs and the bias.

    ``children[:weights]`` are the weights; ``partners`` maps a weight's index to its Value
    input's index and back (a weight missing from it had a plain-number input, its local
    gradient); ``bias``: the last child is a Value bias; ``constant``: a plain-number bias.
    """

    weights: int
    partners: dict[int, int]
    bias: bool
    constant: float


def _read_dot(node: Value) -> _DotReading | None:
    """Read the children of a node made by ``dot(weights, inputs, bias)``; None if none fits.

    The node keeps only numbers.  Its children are the n weights, then the k inputs that are
    Values (in input order), then the bias if it is a Value; its local gradients are x_i for each
    weight, w_i for each Value input and 1 for a Value bias.  A reading (n, k, bias) fits when
    each Value input can be paired with a weight, in increasing order, such that each one's local
    gradient is the other's data, and when the sum dot() would have computed from it gives the
    node's data (a plain-number bias, having no edge, is whatever is left over).  So None only
    for a node no call to dot() could have made, such as a hand-made one whose sums overflow.

    Preferred, in order: a reading that needs no plain-number bias, the most Value inputs, a
    Value bias; so the neurons of `nn` read as they were built.  Within a reading, each Value
    input takes the first weight after the previous one that fits it.  That finds a pairing
    whenever one exists: by induction, the weight it picks for the j-th input is never later than
    the j-th input's weight in any pairing that fits, so a weight is always left for the next.

    When numbers coincide exactly (a weight equal to another input, say), several readings fit
    and the names may be paired differently from how the node was built; every formula printed
    from a reading is still numerically true, as all of them give the same numbers.
    """
    children, grads, data = node.children, node.local_grads, node.data
    m = len(children)
    sums = [0.0]  # sums[n] = w_1·x_1 + … + w_n·x_n, added up in dot()'s order
    for child, grad in zip(children, grads, strict=True):
        sums.append(sums[-1] + child.data * grad)
    readings = []
    for k in range(m // 2 + 1):
        for bias in (True, False):
            n = m - k - bias
            if n < k or (bias and grads[-1] != 1.0):
                continue
            total = sums[n] + children[-1].data if bias else sums[n]
            constant = 0.0 if _same(total, data) else data - total
            if (bias and constant != 0.0) or not _same(total + constant, data):
                continue
            readings.append((constant != 0.0, -k, not bias, n, constant))
    for _, minus_k, no_bias, n, constant in sorted(readings):
        partners = _pair_in_order(node, n, -minus_k)
        if partners is not None:
            return _DotReading(n, partners, not no_bias, constant)
    return None


def _pair_in_order(node: Value, n: int, k: int) -> dict[int, int] | None:
    """Pair the Value inputs ``children[n:n + k]`` with weights in increasing order (see `_read_dot`)."""
    children, grads = node.children, node.local_grads
    partners = {}
    i = 0  # the first weight not yet considered
    for j in range(n, n + k):
        while i < n and not (_same(grads[i], children[j].data) and _same(grads[j], children[i].data)):
            i += 1
        if i == n:
            return None
        partners[i], partners[j] = j, i
        i += 1
    return partners


def _same(a: float, b: float) -> bool:
    """Equal, with nan equal to nan (a nan in a dot's inputs makes its data nan)."""
    return a == b or (math.isnan(a) and math.isnan(b))


def _forward_formula(node: Value, names: dict[Value, str], dot: _DotReading | None = None) -> str:
    """The node's operation written with its children's names: ``w2[0]·ĥ1 + w2[1]·ĥ2 + b2``.

    ``dot`` is a dot node's `_read_dot`; None (no reading fits) lists its children: ``dot(w, x)``.
    """
    op, kids = node.op, [names[c] for c in node.children]
    if not node.children:
        return ""
    if op == "dot":
        if dot is None:
            return f"dot({_listed(kids, ', ')})"
        terms = [
            f"{_wrap(kids[i])}·{_wrap(kids[dot.partners[i]])}"
            if i in dot.partners
            else f"{_short(node.local_grads[i])}·{_wrap(kids[i])}"  # a plain-number input
            for i in range(dot.weights)
        ]
        terms += [kids[-1]] if dot.bias else []
        terms += [_short(dot.constant)] if dot.constant != 0.0 else []
        return _listed(terms)
    if op in ("+", "sum"):
        return _listed(kids)
    if op == "mean":
        return f"mean({_listed(kids, ', ')})"
    if op in _FUNCTIONS:
        return f"{_FUNCTIONS[op]}({kids[0]})"
    if op in _LOSSES and len(kids) == 1:
        return _LOSSES[op][0].format(p=kids[0])
    if op == "neg":
        return f"−{_wrap(kids[0])}"
    if op == "abs":
        return f"|{kids[0]}|"
    if op in ("-", "*", "/", "**") and len(kids) == 2:
        a, b = _wrap(kids[0]), _wrap(kids[1])
        return {"-": f"{kids[0]} − {b}", "*": f"{a}·{b}", "/": f"{a}/{b}", "**": f"{a}^{b}"}[op]
    split = _constant(op)
    if split is not None and len(kids) == 1:
        operator, c, on_left = split
        a, cs = _wrap(kids[0]), _short(c)
        if operator == "**":
            return f"{cs}^{a}" if on_left else (f"{a}²" if c == 2.0 else f"{a}^{cs}")
        if operator == "*":
            return f"{cs}·{a}"
        if operator == "/":
            return f"{cs}/{a}" if on_left else f"{a}/{cs}"
        symbol = {"+": "+", "-": "−"}[operator]
        return f"{cs} {symbol} {a}" if on_left else f"{kids[0]} {symbol} {cs}"
    return f"{op}({_listed(kids, ', ')})"


def _listed(terms: list[str], joiner: str = " + ", most: int = 6) -> str:
    """Terms joined, or for more than ``most`` the first two, an ellipsis and the last one."""
    if len(terms) <= most:
        return joiner.join(terms)
    return joiner.join([*terms[:2], "…", terms[-1]]) + f" ({len(terms)} terms)"


def _short(c: float) -> str:
    """A constant of an op, written short: 2, 0.5, -1."""
    return f"{c:g}"


def _local_formula(node: Value, k: int, names: dict[Value, str], dot: _DotReading | None = None) -> str:
    """∂node/∂(child k) written with the names: ``ô(1 − ô)`` for a sigmoid labelled ô.

    ``dot`` as in `_forward_formula`.
    """
    op, kids = node.op, node.children
    me = _wrap(names[node])
    grad = node.local_grads[k]
    if op in ("+", "sum"):
        return "1"
    if op == "mean":
        return f"1/{len(kids)}"
    if op == "sigmoid":
        return f"{me}(1 − {names[node]})"
    if op in _LOSSES and len(kids) == 1:
        return _LOSSES[op][1].format(p=names[kids[0]]) if grad != 0.0 else "0"
    if op == "tanh":
        return f"1 − {me}²"
    if op == "exp":
        return names[node]
    if op == "log":
        return f"1/{_wrap(names[kids[0]])}"
    if op == "neg":
        return "−1"
    if op == "relu":
        return _short(grad)
    if op == "abs":
        return f"sign({names[kids[0]]})"
    if op == "dot":
        if dot is not None and k in dot.partners:
            return names[kids[dot.partners[k]]]  # ∂/∂w_i = x_i, ∂/∂x_i = w_i
        return "1" if dot is not None and dot.bias and k == len(kids) - 1 else _short(grad)
    if op in ("-", "*", "/", "**") and len(kids) == 2:
        a, b = _wrap(names[kids[0]]), _wrap(names[kids[1]])
        table = {
            "-": ("1", "−1"),
            "*": (names[kids[1]], names[kids[0]]),
            "/": (f"1/{b}", f"−{a}/{b}²"),
            "**": (f"{b}·{a}^({names[kids[1]]} − 1)", f"{a}^{b}·ln {a}"),
        }
        return table[op][k]
    split = _constant(op)
    if split is not None and len(kids) == 1:
        operator, c, on_left = split
        a, cs = _wrap(names[kids[0]]), _short(c)
        if operator == "**":
            if on_left:
                return f"{cs}^{a}·ln {cs}"
            return f"{cs}{a}" if c == 2.0 else f"{cs}·{a}^{_short(c - 1.0)}"
        return {
            "+": "1",
            "-": "−1" if on_left else "1",
            "*": cs,
            "/": f"−{cs}/{a}²" if on_left else f"1/{cs}",
        }[operator]
    return number(grad)
