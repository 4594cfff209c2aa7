"""Names for the nodes of a graph: distinct, deterministic and short, as the step-by-step text and
the pictures' pages show them.

    >>> from autograd import Value
    >>> x, y = Value(2.0, label="x"), Value(3.0, label="y")
    >>> z = x * y + x * y
    >>> names = node_names(z)
    >>> first, second = z.children
    >>> names[first], names[second], names[z]   # #k: the product's box n2, n1 in the picture
    ('x·y#2', 'x·y#1', 'x·y#2 + x·y#1')

`node_names(root)` names every node of root's graph (leaves included), children before parents:

1. a labelled node: its label;
2. an unlabelled leaf (a constant): its value, ``2``, ``0.5``;
3. an unlabelled operation: its forward formula written with its operands' names (``x·y``,
   ``log(1 − ô)``, from the op's notation in `autograd.ops`), or, when that is longer than 32
   characters, ``op#k``;
4. names that would still be equal (``x*y`` computed twice, two leaves both labelled ``x``, two
   constants 2) each get ``#k``: ``x·y#1``, ``x·y#2``.

``k`` is the node's position in `topological_order` (root first, leaves included): the number of
its picture's node, ``n{k}`` in `autograd.draw`'s DOT text, so a name in the text points at one
box of the picture.  The same graph always gives the same names (nothing depends on ``id()``),
and a node's name is used in the formulas of the nodes above it, so ``x·y#1 + x·y#2`` says which
product is which.

`forward_formula` and the notation helpers below are what `autograd.explain.chain_rule` writes its
formulas with.
"""

from __future__ import annotations

import re
import string
from typing import Any

from autograd.core import Op, Value, topological_order
from autograd.ops import split

__all__ = [
    "LONGEST_EXPRESSION",
    "NOTATION",
    "forward_formula",
    "grouped",
    "listed",
    "node_names",
    "operand_names",
    "short",
    "tail_params",
    "wrap",
]

LONGEST_EXPRESSION = 32
"""An unlabelled node whose formula is longer than this is named ``op#k`` instead."""


def node_names(root: Value, *, root_name: str | None = None) -> dict[Value, str]:
    """Every node of root's graph (leaves included) -> a name no other node of it has.

    See the module doc for the rules.  ``root_name``: what to call the root (``"f"``, ``"Cost"``)
    instead of its own name; no other node is then given that name.  Every name is a non-empty
    string, and the same graph always gives the same names.
    """
    if root_name is not None and (not isinstance(root_name, str) or not root_name):
        raise ValueError(f"node_names: root_name must be a non-empty string or None, got {root_name!r}")
    order = topological_order(root, leaves=True)  # root first: k is the picture's n{k}
    position = {node: k for k, node in enumerate(order)}
    # Height above the leaves: a node's formula needs its children's final names, and equal names
    # are found among the nodes of one height (then against every name already given).
    height: dict[Value, int] = {}
    for node in reversed(order):  # children before their parents
        height[node] = 1 + max((height[c] for c in node.children), default=-1)
    levels: dict[int, list[Value]] = {}
    for node in reversed(order):
        levels.setdefault(height[node], []).append(node)
    names: dict[Value, str] = {}
    taken: set[str] = set() if root_name is None else {root_name}
    for h in sorted(levels):
        level = sorted(levels[h], key=position.__getitem__)
        bases = {node: _base_name(node, names, position[node]) for node in level}
        counts: dict[str, int] = {}
        for base in bases.values():
            counts[base] = counts.get(base, 0) + 1
        for node in level:
            if node is root and root_name is not None:
                names[node] = root_name
                continue
            base, k = bases[node], position[node]
            name = base if counts[base] == 1 and base not in taken else f"{base}#{k}"
            while name in taken:  # a label such as "x#3" beside a node renamed x#3
                name += "'"
            taken.add(name)
            names[node] = name
    return names


def _base_name(node: Value, names: dict[Value, str], k: int) -> str:
    """Rules 1-3 of the module doc, with the children's names in `names`."""
    if node.label:
        return node.label
    if not node.children:
        return f"{node.data:g}"
    formula = forward_formula(node, names)
    return formula if len(formula) <= LONGEST_EXPRESSION else f"{node.op}#{k}"


# ---- the notation: a node's formula from its operands' names ---------------------------------


def wrap(name: str) -> str:
    """Parenthesize a compound name used as an operand."""
    return f"({name})" if " " in name else name


class _Notation(string.Formatter):
    """`str.format` for the table's notation, where ``{x!p}`` puts a compound name in parentheses."""

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        return wrap(value) if conversion == "p" else super().convert_field(value, conversion)


NOTATION = _Notation()
# A variadic op's formula writes one group's term, then its joiner and "…": "mean({x}, …)".
_REPEATED = re.compile(r"^(?P<prefix>.*?)(?P<term>\{.*\})(?P<joiner>[^{}]*)…(?P<suffix>.*)$")


def operand_names(node: Value, names: dict[Value, str]) -> list[str]:
    """Each operand's name: a Value's name, a constant written short."""
    return [names[a] if isinstance(a, Value) else short(a) for a in node.operands]


def forward_formula(node: Value, names: dict[Value, str]) -> str:
    """The node's operation written with its operands' names (`names`): ``w2[0]·ĥ1 + w2[1]·ĥ2 + b2``;
    ``""`` for a leaf.

    From the op's notation in `autograd.ops`; a one-off node (no `Op`) is written ``op(a, b)``.
    """
    op = node.op_def
    if not node.children:
        return ""
    if op is None:
        return f"{node.op}({listed([names[c] for c in node.children], ', ')})"
    operands = operand_names(node, names)
    if not op.lists:
        return NOTATION.format(op.formula, **dict(zip(op.params, operands, strict=True)))
    parts = _REPEATED.match(op.formula)
    assert parts is not None, f"{op.name}: a variadic formula repeats one term: {op.formula!r}"
    groups, _, tail = grouped(op, operands)
    terms = [NOTATION.format(parts["term"], **dict(zip(op.lists, group, strict=True))) for group in groups]
    fields = dict(zip(tail_params(op), tail, strict=True))
    suffix = parts["suffix"] if terms else parts["suffix"].removeprefix(parts["joiner"])
    joined = listed(terms, parts["joiner"])
    return NOTATION.format(parts["prefix"], **fields) + joined + NOTATION.format(suffix, **fields)


def grouped(op: Op, operands: list[str]) -> tuple[list[tuple[str, ...]], int, list[str]]:
    """A variadic op's operand names as groups (one tuple per item of its lists: ``dot``'s
    ``(w_i, x_i)``), their count, and the rest (``dot``'s ``b``)."""
    parts = dict(zip(op.params, split(op, operands), strict=True))
    columns = [parts[p] for p in op.lists]
    return list(zip(*columns, strict=True)), len(columns[0]), [parts[p] for p in tail_params(op)]


def tail_params(op: Op) -> list[str]:
    """The params of a variadic op that are not lists (``dot``'s ``b``)."""
    return [p for p in op.params if p not in op.lists]


def listed(terms: list[str], joiner: str = " + ", most: int = 6) -> str:
    """Terms joined, or for more than ``most`` the first two, an ellipsis and the last one."""
    if len(terms) <= most:
        return joiner.join(terms)
    return joiner.join([*terms[:2], "…", terms[-1]]) + f" ({len(terms)} terms)"


def short(c: float) -> str:
    """A constant of an op, written short: 2, 0.5, -1."""
    return f"{c:g}"
