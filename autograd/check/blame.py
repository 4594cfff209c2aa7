"""Blame the op: check every node's local derivatives against its own operation.

`gradcheck` compares d f / d x_i for the inputs, so a wrong rule deep inside f shows up as wrong
inputs.  `blame` looks at each node instead.  A node made by an op of the op table records the op
(``node.op_def``, whose ``forward`` maps the operands' floats to the node's float) and its operands
(``node.operands``: Values and constants).  For each operand x_k that is a Value, with a step
h = eps * max(1, |x_k|) and every other operand fixed:

    expected  = (forward(.., x_k + h, ..) - forward(.., x_k - h, ..)) / (2h)
    found     = node.local_grads[j]          (j: that operand's position among the children)

A local derivative is WRONG when |found - expected| > atol + rtol |expected| + noise, where
noise = 4 eps_machine (|out| + h |slope|) / h is what rounding in one op can do to the quotient.
Where the op's one-sided slopes disagree (relu or abs at 0) any rule between them is accepted
(KINK), as PyTorch picks one side.  A one-off ``Value(data, children, local_grads, op)`` node has
no forward to perturb: it is listed as not checked ("forward unknown"), never guessed at.

Variadic ops (sum, mean, dot) store their operands group-major then the tail, and their forward
takes one list per group then the tail floats: ``forward(xs)``, ``forward(ws, xs, b)``.

    >>> from autograd import Value
    >>> from autograd.check.blame import blame
    >>> a, b = Value(0.4, label="a"), Value(0.9, label="b")
    >>> bool(blame((a * b).tanh() + a))
    True
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from autograd.core import Op, Value, topological_order
from autograd.ops import split

__all__ = ["Blame", "LocalCheck", "blame"]

C = TypeVar("C")


@dataclass(frozen=True)
class LocalCheck:
    """One local derivative of one node: ``found`` (its local_grads entry) against ``expected``
    (the central difference of the node's op).  ``node`` is its position in
    ``topological_order(root, leaves=True)``, root first: the ``n<node>`` ids of `draw`'s DOT text."""

    node: int
    op: str
    label: str
    operand: str  # the parameter's name in the op table ("x", "y"; "w2", "b" for dot); "" when unknown
    operands: tuple[str, ...]  # every operand as "name=value" (a child's label too), for the report
    found: float
    expected: float
    status: str  # "ok", "wrong", "kink", "unknown" (forward unknown) or "fails" (forward raised)
    note: str = ""

    @property
    def where(self) -> str:
        """How the report names the node: ``node n3 '*' 'ab'``."""
        label = f" {self.label!r}" if self.label else " (unlabelled)"
        return f"node n{self.node} {self.op!r}{label}"


@dataclass(frozen=True)
class Blame:
    """What `blame` found: truthy when no checked local derivative is wrong."""

    checks: tuple[LocalCheck, ...]

    @property
    def wrong(self) -> tuple[LocalCheck, ...]:
        """The local derivatives that disagree with their op's central difference."""
        return tuple(c for c in self.checks if c.status == "wrong")

    @property
    def unchecked(self) -> tuple[LocalCheck, ...]:
        """Nodes whose forward is unknown (one-off Values) or failed within the step."""
        return tuple(c for c in self.checks if c.status in ("unknown", "fails"))

    def __bool__(self) -> bool:
        return not self.wrong

    def lines(self) -> list[str]:
        """The report, one line per wrong rule (an op and operand: its first node, and how many more
        nodes have it wrong) and per op not checked; then how many were checked."""
        out = []
        for group in _grouped(self.wrong, lambda c: (c.op, c.operand)):
            c, more = group[0], _more(group)
            out.append(
                f"blame: {c.where}: d/d{c.operand} is {c.found:.9g} in local_grads, but the central"
                f" difference of {c.op!r} at ({', '.join(c.operands)}) is {c.expected:.9g}{more}"
            )
        unknown = [c for c in self.checks if c.status == "unknown"]
        if unknown:
            nodes = ", ".join(f"n{c.node} {c.op!r}" for c in unknown[:8])
            etc = ", ..." if len(unknown) > 8 else ""
            out.append(f"blame: {_count(len(unknown), 'node')} not checked ({nodes}{etc}): {_UNKNOWN}")
        out += [f"blame: {c.where}: not checked: {c.note}" for c in self.checks if c.status == "fails"]
        checked = sum(c.status not in ("unknown", "fails") for c in self.checks)
        wrong = f", {len(self.wrong)} wrong" if self.wrong else ""
        out.append(f"blame: {_count(checked, 'local derivative')} checked, each against its node's op{wrong}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _grouped(checks: Sequence[C], key: Callable[[C], object]) -> list[list[C]]:
    """``checks`` grouped by ``key``, in order of first appearance."""
    groups: dict[object, list[C]] = {}
    for c in checks:
        groups.setdefault(key(c), []).append(c)
    return list(groups.values())


def _more(group: list[LocalCheck]) -> str:
    nodes = sorted({c.node for c in group[1:]} - {group[0].node})
    if not nodes:
        return ""
    etc = ", ..." if len(nodes) > 5 else ""
    return f" (and {_count(len(nodes), 'more such node')}: {', '.join(f'n{n}' for n in nodes[:5])}{etc})"


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


_UNKNOWN = (
    "one-off Value(data, children, local_grads, op) nodes, whose forward is unknown (define the op"
    " with autograd.define_op to have it checked)"
)


def blame(root: Value, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3) -> Blame:
    """Check every op node of root's graph: each local derivative against the central difference
    of the node's own op at its operands (see the module doc).  Returns a `Blame`, falsy when a
    local derivative is wrong; ``str()`` names each such node, op, label, operand, expected and found."""
    checks: list[LocalCheck] = []
    for position, node in enumerate(topological_order(root, leaves=True)):
        if not node.children:
            continue  # a leaf: nothing to check
        if node.op_def is None:  # a one-off Value(data, children, local_grads, op): no forward to move
            checks.append(LocalCheck(position, node.op, node.label, "", (), math.nan, math.nan, "unknown"))
            continue
        checks += _check_node(position, node, node.op_def, node.operands, eps, atol, rtol)
    return Blame(tuple(checks))


def _check_node(
    position: int,
    node: Value,
    op_def: Op,
    operands: Sequence[Value | float],
    eps: float,
    atol: float,
    rtol: float,
) -> list[LocalCheck]:
    """The local derivative of ``node`` for each of its Value operands."""
    floats = [x.data if isinstance(x, Value) else float(x) for x in operands]
    names = _operand_names(op_def, len(operands))
    call = _forward(op_def)
    shown = tuple(
        f"{n}={x.label}={f:.6g}" if isinstance(x, Value) and x.label not in ("", n) else f"{n}={f:.6g}"
        for n, x, f in zip(names, operands, floats, strict=True)
    )
    checks = []
    child = 0
    for k, operand in enumerate(operands):
        if not isinstance(operand, Value):
            continue  # a constant: no edge, no local derivative
        found = node.local_grads[child]
        child += 1
        made = (position, node.op, node.label, names[k], shown, found)
        try:
            h, (left, right) = _step_and_slopes(call, floats, k, eps)
        except (ArithmeticError, ValueError) as e:
            h = eps * abs(floats[k])
            note = f"its forward fails within the step h = {h:.2g} of {names[k]} ({type(e).__name__}: {e})"
            checks.append(LocalCheck(*made, math.nan, "fails", note))
            continue
        if not (math.isfinite(left) and math.isfinite(right)):  # inf would pass as "close" to anything
            note = f"its forward overflows (or is NaN) within the step h = {h:.2g} of {names[k]}"
            checks.append(LocalCheck(*made, math.nan, "fails", note))
            continue
        expected = (left + right) / 2.0
        tolerance = atol + _noise(abs(node.data), left, right, h)
        if _close(found, expected, tolerance, rtol):
            status = "ok"
        elif _close(found, left, tolerance, rtol) or _close(found, right, tolerance, rtol) or (
            min(left, right) <= found <= max(left, right)
        ):
            status = "kink"  # one-sided slopes disagree and the rule picks one of them (or between)
        else:
            status = "wrong"
        checks.append(LocalCheck(*made, expected, status))
    return checks


def _noise(scale: float, left: float, right: float, h: float) -> float:
    """How far rounding in f may move a difference quotient with step h: ~4 eps_machine S / h, S
    the rounding scale of f's graph (see `autograd.check.gradcheck`'s module doc; the slope term: rounding
    in x +- h)."""
    return 4.0 * sys.float_info.epsilon * (scale + h * max(abs(left), abs(right))) / h


def _close(a: float, b: float, atol: float, rtol: float) -> bool:
    if a == b:  # also equal infinities
        return True
    if not (math.isfinite(a) and math.isfinite(b)):  # inf <= inf would pass any finite a
        return False
    return abs(a - b) <= atol + rtol * abs(b)


def _step_and_slopes(
    call: Callable[[list[float]], float], floats: list[float], k: int, eps: float
) -> tuple[float, tuple[float, float]]:
    """The step h = eps * max(1, |x_k|) and the slopes with it; where that step leaves the op's
    domain (log at 1e-7), the relative step eps * |x_k| instead."""
    h = eps * max(1.0, abs(floats[k]))
    try:
        return h, _slopes(call, floats, k, h)
    except (ArithmeticError, ValueError):
        small = eps * abs(floats[k])
        if not 0.0 < small < h:
            raise
        return small, _slopes(call, floats, k, small)


def _slopes(
    call: Callable[[list[float]], float], floats: list[float], k: int, h: float
) -> tuple[float, float]:
    """The one-sided slopes of the op in operand k: (f(x) - f(x_k - h)) / h, (f(x_k + h) - f(x)) / h."""

    def at(delta: float) -> float:
        moved = list(floats)
        moved[k] += delta
        return call(moved)

    out = at(0.0)
    return (out - at(-h)) / h, (at(h) - out) / h


def _forward(op_def: Op) -> Callable[[list[float]], float]:
    """The op's forward as a function of the flat operand list (as its columns for a variadic op)."""
    forward = op_def.forward
    if not op_def.lists:
        return lambda floats: float(forward(*floats))
    return lambda floats: float(forward(*split(op_def, floats)))  # a list for each param in op.lists


def _operand_names(op_def: Op, count: int) -> list[str]:
    """The operands' names from the op's params: x, y; or x1..xn for a list (dot: w1..wn, x1..xn, b)."""
    params = op_def.params
    if not op_def.lists:
        return [params[k] if k < len(params) else f"#{k}" for k in range(count)]
    n = (count - len(params) + len(op_def.lists)) // len(op_def.lists)  # items per list
    return [name for p in params
            for name in ([f"{p}{i + 1}" for i in range(n)] if p in op_def.lists else [p])]
