"""Code generation for `autograd.compile`: one traced graph -> the Python source of its step.

The source is the forward block (one line per node, in an order where every node follows its
operands), then the backward block: the nodes in `topological_order` (the order `backward()`
uses), and for each edge to a node that leads to a parameter, one line

    d_child += ∂node/∂child · d_node        (the first one to a node: d_child = ...)

with the local derivative written from the op table's rule (see `autograd.compiler.rules`).  The
contributions reach every node and parameter in the order `backward()` adds them, so the
gradients are the engine's to the last bit.

**Batches.**  When the terms of a ``sum``/``mean`` node are the same subgraph over different
samples of an argument (``mean(loss(model(x), y) for x, y in zip(X, Y))``), share nothing but
leaves, and are visited one after another by the backward pass, their code is written once, as a
loop over the samples: a forward loop that keeps what the backward needs, and a backward loop in
the order `backward()` visits them.  A term may also read a parameter of its own (``sum(p * p for p
in params)``: term i reads parameter i, no other term reads it): the loop runs over the parameters'
data too, and as every edge to parameter i is in term i, the backward loop adds them to its
gradient in the engine's order, starting from its gradient so far (``0.0`` if it has none yet:
``0.0 + g``, as `backward()` after ``zero_grad()``), and puts it back in its variable after the loop.

**Chains.**  Python's ``sum(terms)`` builds no ``sum`` node but a chain of ``+`` nodes,
``((0 + t_1) + t_2) + ... + t_n``.  When its terms are such a batch, the chain is one too (`_chains`):
the forward loop adds each term as the engine does, ``acc = acc + t_k`` from the chain's own start
(``0 + t_1`` is ``t_1 + 0.0``: IEEE 754 addition is commutative, so ``acc = 0.0; acc = acc + t_1``
is that float, ``-0.0`` becoming ``0.0`` as in the engine), and every term's gradient is the top's:
``+``'s rule is d/dx = d/dy = 1.0, and ``1.0 · g`` is ``g`` to the bit, so each partial sum and each
term gets the top's gradient (up to the sign of a zero gradient, which no parameter's total can show:
it starts at ``0.0``, and ``0.0 + -0.0`` is ``0.0``).  `topological_order` visits such a chain as
``L_n, (t_n's nodes), L_{n-1}, (t_{n-1}'s nodes), ..., L_1, (t_1's nodes)``, the links between the
terms: the backward loop runs over the terms from the last to the first, as `backward()` does.
"""

from __future__ import annotations

import builtins
import functools
import itertools
import keyword
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd.compiler.rules import (
    Arg,
    Code,
    Namespace,
    call_code,
    column_rule_code,
    constant,
    raise_test,
    rule_code,
)
from autograd.compiler.trace import CompileError, Trace, is_python_op, place
from autograd.compiler.updates import state_lists, update_lines
from autograd.core import OPS, Op, Value, topological_order
from autograd.ops import split

__all__ = ["Generated", "generate"]

MIN_BATCH = 3  # fewer terms than this are written out
MAX_UNROLLED = 64  # a sum, mean or dot of more operands is a call of its forward on a list


@dataclass
class Generated:
    """A step's source and the objects it refers to."""

    source: str
    objects: dict[str, object]
    function: str
    labels: dict[str, str] = field(default_factory=dict)  # a variable -> the label of its Value
    parts: dict[str, Any] = field(default_factory=dict)  # the body's blocks, for `autograd.compiler.loop`


_Term = tuple[tuple[Any, ...], list[Value], list[Any], list[tuple[Value, int]]]
"""A term's shape, its nodes, its slots (leaves and numbers, in order) and where each slot is."""


@dataclass
class _Column:
    """A batch's column of parameters (term i reads parameter i): the step's variables for it."""

    var: str  # the loop's variable: term i's parameter's data
    grad: str  # the backward loop's variable: its gradient
    values: str  # the tuple of the parameters' data, for the forward loop
    grads_in: str  # the list of their gradients before the loop (in the order it visits them)
    grads_out: str  # the list of their gradients after it


@dataclass
class _Batch:
    node: Value  # the sum/mean node
    terms: list[Value]
    blocks: list[list[Value]]  # each term's nodes, in topological order (the backward's)
    slots: list[tuple[str, Any]]  # per slot: ("shared", obj) | ("arg", (a, rest)) | ("column", values)
    #   | ("params", parameters): term i reads parameter i (`_Generator._param_columns`)
    slot_of: dict[tuple[Value, int], int]  # (term 0's node, operand index) -> its slot
    reverse: bool  # the backward visits the last term first
    names: dict[int, str] = field(default_factory=dict)  # slot -> loop variable
    rows: str = ""  # the list of what the forward loop keeps for the backward loop
    terms_list: str = ""  # the list of the terms' values
    saved: list[str] = field(default_factory=list)
    links: list[Value] = field(default_factory=list)  # a chain of +: its nodes, bottom (t_1's) first
    columns: dict[tuple[Value, ...], _Column] = field(default_factory=dict)  # the columns of parameters
    start: Value | float = 0.0  # a chain's first addend: the number of its ``t_1 + c``, or a node


_Link = tuple[Value, Value | float | None]
"""A ``+`` node of a chain, by `_Generator._link`: its term, and the number added to it (the
chain's first link, ``t_1 + c``) or None (the partial sum below is its first operand)."""


@functools.lru_cache(maxsize=4096)
def _identifier(text: str) -> str:
    """A label as a Python name: NFKC, and every character a name cannot hold as ``_`` (``\\w``
    matches some that it cannot: ``a\\u0bf0``, a Tamil numeral, is no identifier)."""
    text = unicodedata.normalize("NFKC", text)
    out = "".join(c if ("_" + c).isidentifier() else "_" for c in re.sub(r"\W+", "_", text)).strip("_")
    if not out or not out.isidentifier():
        out = "v_" + out if out else "v"
    return out


_RESERVED = set(keyword.kwlist) | set(keyword.softkwlist) | set(dir(builtins))


class _Names:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, base: str) -> str:
        base = _identifier(base)
        name, k = base, 1
        while name in self.used or name in _RESERVED:
            k += 1
            name = f"{base}_{k}"
        self.used.add(name)
        return name


class _Generator:
    def __init__(self, tr: Trace, params: Sequence[Value], argnames: Sequence[str], fname: str,
                 optimizer: Any, return_loss: bool) -> None:
        self.tr = tr
        self.return_loss = return_loss
        self.root = tr.root
        self.params = list(params)
        self.param_index = {p: k for k, p in enumerate(self.params)}
        self.argnames = list(argnames)
        self.fname = fname
        self.optimizer = optimizer
        self.ns = Namespace()
        self.names = _Names()
        self.var: dict[Value, str] = {}
        self.grad: dict[Value, str] = {}
        self.verified: set[Any] = set()
        self.probed: dict[tuple[Value, int], Any] = {}  # a list operand's rule on the traced numbers
        self.floats: set[str] = set()  # the variables sure to hold floats (`rules.zero_plus`)

    # ---- the graph ------------------------------------------------------------------------------

    def analyse(self) -> None:
        root = self.root
        if not root.children and not self.tr.guards:
            raise CompileError(f"compile: f returned a leaf ({root!r}), not a computation of the parameters")
        self.order = topological_order(root) if root.children else []  # a leaf: chosen by max(), say
        extra: list[Value] = []
        seen = set(self.order)
        others = [v for g in self.tr.guards for v in g.operands if isinstance(v, Value)]
        for node in [*others, *self.tr.made]:  # what guards read, then what f made off the loss's path
            if node.children and node not in seen:
                for u in reversed(topological_order(node)):
                    if u not in seen:
                        seen.add(u)
                        extra.append(u)
        self.forward = list(reversed(self.order)) + extra  # extra: nodes only guards read, or off the path
        self.leaves: list[Value] = [] if root.children else [root]
        leaf_seen: set[Value] = set(self.leaves)
        parents: dict[Value, int] = {}
        self.needs: set[Value] = set()  # the nodes with a path to a parameter
        needs, params = self.needs, self.param_index
        for node in self.forward:  # every node after its operands
            if node.op_def is None:
                raise CompileError(
                    f"compile: node {node.label or '(unlabelled)'!r} of op {node.op!r} was made by"
                    " Value(data, children, local_grads, op), whose forward the compiler cannot know;"
                    " define the op with autograd.define_op(...) to compile it"
                )
            for v in node.children:
                parents[v] = parents.get(v, 0) + 1
                if v in params or v in needs:
                    needs.add(node)
                if not v.children and v not in leaf_seen:
                    leaf_seen.add(v)
                    self.leaves.append(v)
        self.parents = parents
        for g in self.tr.guards:
            for operand in g.operands:
                if isinstance(operand, Value) and not operand.children and operand not in leaf_seen:
                    leaf_seen.add(operand)
                    self.leaves.append(operand)
        self.batches = [] if self.tr.guards else self._find_batches()

    # ---- batches --------------------------------------------------------------------------------

    def _find_batches(self) -> list[_Batch]:
        batches: list[_Batch] = []
        claimed: set[Value] = set()
        position = {node: k for k, node in enumerate(self.order)}
        walked: set[Value] = set()  # the + nodes already walked as part of a chain
        plain = self._plain_add()
        for node in self.order:
            op = node.op_def
            if plain and op is plain and node not in claimed and node not in walked:
                for chain in self._chains(node, position, walked):
                    batches.append(chain)
                    claimed.update(chain.links)
                    for block in chain.blocks:
                        claimed.update(block)
                continue
            if node in claimed or op is None or len(op.params) != 1 or op.lists != op.params:
                continue  # a batch is a sum or mean: one operand, a list
            terms = [t for t in node.operands if isinstance(t, Value) and t.children]
            if len(terms) < MIN_BATCH or len(terms) != len(node.operands):
                continue
            if len(set(terms)) != len(terms) or not self._itemwise(node):
                continue
            batch = self._batch(node, terms, position)
            if batch is not None:
                batches.append(batch)
                for block in batch.blocks:
                    claimed.update(block)
        return batches

    def _itemwise(self, node: Value) -> bool:
        """Whether the derivative of list op ``node`` for item i is written from item i alone (``dot``'s
        d/dw: x_i) or is one for all items (``sum``'s 1.0, ``mean``'s 1/n), as a batch's loop writes
        it for each term; a rule that is called on the whole list (a softmax, say: item i's derivative
        may read the others) is not, and the node is written out."""
        op = node.op_def
        assert op is not None
        rule = op.derivatives[op.params[0]]
        items = [f"x{k}_" for k in range(len(node.operands))]
        numbers = [v.data if isinstance(v, Value) else v for v in node.operands]
        try:
            code = column_rule_code(rule, "out_", [items], 0, Namespace(), "rule_",
                                    lambda: rule(node.data, *self.call_args(node, numbers)))
        except Exception:  # the rule raised on the traced numbers: written out, its error the engine's
            return False
        return "_rule_" not in code.text and not any(x in code.text for x in items[1:])

    def _term(self, t: Value) -> _Term | None:
        local = {t: 0}
        nodes = [t]
        shape: list[Any] = []
        slots: list[Any] = []
        keys: list[tuple[Value, int]] = []
        for node in nodes:  # breadth first (the list grows as it is read)
            op = node.op_def
            if op is None:
                return None
            desc: list[int] = []
            for j, v in enumerate(node.operands):
                if isinstance(v, Value) and v.children:
                    k = local.get(v)
                    if k is None:
                        k = local[v] = len(nodes)
                        nodes.append(v)
                    desc.append(k)
                else:  # a leaf or a number: slot -1, -2, ...
                    desc.append(~len(slots))
                    slots.append(v)
                    keys.append((node, j))
            shape.append((op, tuple(desc)))
        return tuple(shape), nodes, slots, keys

    def _plain_add(self) -> Op | None:
        """The table's ``+``, if its forward is ``x + y`` and both its rules are ``1.0`` (what a chain's
        loop relies on; a changed rule, a `make mutate` mutant say, leaves chains written out)."""
        op = OPS.get("+")
        if op is None or len(op.params) != 2 or op.lists:
            return None
        ns = Namespace()
        if rule_code(op.forward, ["x_", "y_"], ns, "add", symbolic=False).text != "x_ + y_":
            return None
        for rule in op.derivatives.values():
            if rule_code(rule, ["out_", "x_", "y_"], ns, "dadd", symbolic=False).text != "1.0":
                return None
        return op

    def _link(self, node: Value) -> _Link | None:
        """A ``+`` node as a link of a chain (see `_Link`), or None: its second operand is a term (a
        node), or one operand is a number (not NaN) and the other a node."""
        x, y = node.operands
        if isinstance(y, Value) and y.children and isinstance(x, Value):
            return y, None
        for term, c in ((x, y), (y, x)):
            if isinstance(term, Value) and term.children and not isinstance(c, Value):
                c = float(c)  # as the engine takes it (`autograd.core.number`)
                return (term, c) if not math.isnan(c) else None
        return None

    def _chains(self, top: Value, position: dict[Value, int], walked: set[Value]) -> list[_Batch]:
        """The batches of the chain of ``+`` from ``top`` down: ``L_k = L_{k-1} + t_k``, each partial
        sum ``L_{k-1}`` read by ``L_k`` alone, down to ``L_1 = t_1 + c`` or to a node (the chain's
        start, outside it).  Each run of terms of one shape is a batch (a loop) if it can be one."""
        plus = top.op_def
        links: list[Value] = []  # top first
        info: list[_Link] = []
        u: Value = top
        while True:
            link = self._link(u)
            if link is None:
                break
            links.append(u)
            info.append(link)
            walked.add(u)
            below = u.operands[0]
            if link[1] is not None or not (isinstance(below, Value) and below.op_def is plus
                                           and self.parents.get(below) == 1):
                break
            u = below
        if len(links) < MIN_BATCH:
            return []
        links.reverse()  # bottom first, as the terms are added
        info.reverse()
        shapes = [self._term(t) for t, _ in info]
        kinds = [d[0] if d is not None else None for d in shapes]
        out: list[_Batch] = []
        k = 0
        while k < len(links):  # runs of one shape
            shape = kinds[k]
            j = k + 1
            while j < len(links) and shape is not None and kinds[j] == shape:
                j += 1
            run = list(range(k, j))
            k = j
            c = info[run[0]][1]
            start: Value | float
            if c is not None:
                start = c
            else:
                below = links[run[0]].operands[0]
                assert isinstance(below, Value)
                start = below
                if not below.children:  # a leaf's edge would be in the loop's range: L_1 is written out
                    run = run[1:]
                    if run:
                        start = links[run[0] - 1]
            if len(run) < MIN_BATCH or shape is None:
                continue
            batch = self._batch(links[run[-1]], [info[i][0] for i in run], position,
                                [shapes[i] for i in run], [links[i] for i in run])
            if batch is not None:
                batch.start = start
                out.append(batch)
        return out

    def _batch(self, node: Value, terms: list[Value], position: dict[Value, int],
               described: list[_Term | None] | None = None,
               links: list[Value] | None = None) -> _Batch | None:
        """The batch of a sum or mean ``node`` of ``terms``, or of the chain of ``+`` ``links`` (its
        terms' ``described`` already), or None."""
        if described is None:
            one, two = self._term(terms[0]), self._term(terms[1])  # a quick look at two terms first
            if one is None or two is None or one[0] != two[0]:
                return None
            described = [one, two]
        one, two = described[0], described[1]
        if one is None or two is None or any(
            x is not y and (x in self.param_index) != (y in self.param_index)
            for x, y in zip(one[2], two[2], strict=True)
        ):
            return None
        if len(described) < len(terms):
            described += [self._term(t) for t in terms[2:]]
        if any(d is None for d in described):
            return None
        shapes = [d[0] for d in described if d is not None]
        if any(s != shapes[0] for s in shapes):
            return None
        node_lists = [d[1] for d in described if d is not None]
        slot_lists = [d[2] for d in described if d is not None]
        # the terms share nothing but leaves: every edge into a term's node comes from that term
        for t, nodes in zip(terms, node_lists, strict=True):
            inside = set(nodes)
            counts: dict[Value, int] = {}
            for u in nodes:
                for v in u.operands:
                    if isinstance(v, Value) and v in inside:
                        counts[v] = counts.get(v, 0) + 1
            if self.parents.get(t) != 1:
                return None
            if any(self.parents.get(u, 0) != counts.get(u, 0) for u in nodes if u is not t):
                return None
        # the backward visits each term's nodes in one run, the terms one after another (a chain's
        # link just before its term's run: L_n, t_n's nodes, L_{n-1}, t_{n-1}'s nodes, ...)
        blocks: list[list[Value]] = []
        starts: list[int] = []
        for nodes in node_lists:
            pos = sorted(position[u] for u in nodes)
            if pos[-1] - pos[0] != len(pos) - 1:
                return None
            starts.append(pos[0])
            blocks.append([self.order[p] for p in pos])
        size = len(node_lists[0])
        stride = size + 1 if links else size
        ascending = all(b - a == stride for a, b in itertools.pairwise(starts))
        descending = all(a - b == stride for a, b in itertools.pairwise(starts))
        if not (ascending or descending):
            return None
        if links and (ascending or any(position[u] != s - 1 for u, s in zip(links, starts, strict=True))):
            return None
        locals_ = [{u: k for k, u in enumerate(nodes)} for nodes in node_lists]
        sequence = [locals_[0][u] for u in blocks[0]]
        if any([loc[u] for u in block] != sequence for loc, block in zip(locals_, blocks, strict=True)):
            return None
        # each slot: shared by all terms, or one argument's sample i, or a column of constants
        slots: list[tuple[str, Any]] = []
        placeholders = self.tr.placeholders
        for s in range(len(slot_lists[0])):
            items = [sl[s] for sl in slot_lists]
            first = items[0]
            if all(x is first for x in items) or (
                not isinstance(first, Value)
                and all(not isinstance(x, Value) and same(x, first) for x in items)
            ):
                slots.append(("shared", first))
                continue
            if all(isinstance(x, Value) and x in placeholders for x in items):
                paths = [placeholders[x] for x in items]
                a, rest = paths[0][0], paths[0][2:]
                if all(len(p) >= 2 and (p[0], p[1], p[2:]) == (a, i, rest) for i, p in enumerate(paths)):
                    slots.append(("arg", (a, rest)))
                    continue
                return None
            if all(isinstance(x, Value) and x not in placeholders and x not in self.param_index
                   for x in items):
                slots.append(("column", tuple(x.data for x in items)))
                continue
            if all(not isinstance(x, Value) for x in items):
                slots.append(("column", tuple(float(x) for x in items)))
                continue
            if all(isinstance(x, Value) and x in self.param_index for x in items):
                slots.append(("params", tuple(items)))
                continue
            return None
        if not self._param_columns(slots):
            return None
        keys = described[0][3] if described[0] is not None else []
        for (u, _), (kind, _) in zip(keys, slots, strict=True):
            if kind == "column" and is_python_op(u.op_def):
                return None  # Python's arithmetic takes its numbers as they are (an int is no float)
        structure = self.tr.structure
        for kind, value in slots:
            if kind == "arg":
                a = value[0]
                sub = structure[a]
                if not isinstance(sub, tuple) or len(sub) != len(terms) or any(e != sub[0] for e in sub):
                    return None
                if any(self.kind_of((a, i, *value[1])) is not float for i in range(len(terms))):
                    return None  # a batch of floats only: each sample's numbers are checked in the loop
        return _Batch(node, terms, blocks, slots, {key: s for s, key in enumerate(keys)}, descending,
                      links=list(links or []))

    @staticmethod
    def _param_columns(slots: list[tuple[str, Any]]) -> bool:
        """Whether the batch's columns of parameters can be a loop's: each parameter in one column
        (in one term, then), read by no other term: term i's edges to its parameter are then the
        only ones the backward loop makes to it, in the engine's order (the term's), and its gradient
        goes in and out of the loop with the term's row."""
        columns = {value for kind, value in slots if kind == "params"}
        seen: set[Value] = {value for kind, value in slots if kind == "shared" and isinstance(value, Value)}
        for column in columns:
            if any(p in seen for p in column) or len(set(column)) != len(column):
                return False
            seen.update(column)
        return True

    # ---- naming ---------------------------------------------------------------------------------

    def name_everything(self) -> None:
        for name in self.argnames:
            self.names.used.add(name)
        in_batch: set[Value] = set()
        for b in self.batches:
            for block in b.blocks:
                in_batch.update(block)
            in_batch.update(b.links[:-1])  # a chain's partial sums: its top is the batch's node
        self.in_batch = in_batch
        self.leaf_kind: dict[Value, str] = {}
        placeholders = self.tr.placeholders
        for leaf in self.leaves:
            if leaf in self.param_index:
                self.leaf_kind[leaf] = "param"
                self.var[leaf] = self.names.take(leaf.label or f"p{self.param_index[leaf]}")
                self.floats.add(self.var[leaf])  # a parameter's data is a float
            elif leaf in placeholders:
                self.leaf_kind[leaf] = "arg"
            else:
                self.leaf_kind[leaf] = "constant"
                self.var[leaf] = self.names.take(leaf.label or "c")
        # argument numbers used outside any loop
        self.top_args: set[Value] = set()
        for node in self.forward:
            if node in in_batch:
                continue
            for v in node.operands:
                if isinstance(v, Value) and v in placeholders:
                    self.top_args.add(v)
        for g in self.tr.guards:
            self.top_args.update(v for v in g.operands if isinstance(v, Value) and v in placeholders)
        for b in self.batches:
            self.top_args.update(v for kind, v in b.slots if kind == "shared" and isinstance(v, Value)
                                 and v in placeholders)
        for leaf in self.leaves:
            if leaf in self.top_args:
                path = placeholders[leaf]
                self.var[leaf] = self.argnames[path[0]] if len(path) == 1 else self.names.take(
                    place(path, self.argnames))
        for b in self.batches:
            same: dict[Any, str] = {}  # one loop variable per argument place or column
            for s, (kind, value) in enumerate(b.slots):
                if kind == "shared":
                    continue
                if (kind, value) not in same:
                    if kind == "arg":
                        a, rest = value
                        base = self.argnames[a] + "_i" + "".join(f"_{i}" for i in rest)
                    elif kind == "params":
                        base = "p_i"
                    else:
                        base = f"c{len(same)}_i"
                    same[(kind, value)] = name = self.names.take(base)
                    if kind == "params":  # a parameter's data is a float
                        self.floats.add(name)
                        take = self.names.take
                        b.columns[value] = _Column(name, take("d_" + name), take(name + "_all"),
                                                   take(f"d_{name}_before"), take(f"d_{name}_after"))
                b.names[s] = same[(kind, value)]
        for k, node in enumerate(self.forward):
            if node in in_batch:
                continue
            self.var[node] = self.names.take(node.label or f"t{k}")
        for b in self.batches:
            labels = [[u.label for u in block] for block in b.blocks]
            for j, u in enumerate(b.blocks[0]):
                ls = [lab[j] for lab in labels]
                if all(x == ls[0] for x in ls):
                    base = ls[0] or f"t{len(self.var)}"
                else:
                    prefix = _common_prefix(ls)
                    base = (prefix.rstrip("[(_.") or "t") + "_i"
                self.var[u] = self.names.take(base)
            b.rows = self.names.take("rows")
            if not b.links:
                b.terms_list = self.names.take(self.var[b.terms[0]] + "_all")
        self.loss = self.var[self.root]

    def grad_name(self, v: Value) -> str:
        if v not in self.grad:
            self.grad[v] = self.names.take("d_" + self.var[v])
        return self.grad[v]

    # ---- code -----------------------------------------------------------------------------------

    def operand_args(self, node: Value) -> list[Arg]:
        """The node's operands as code arguments: variables for Values, the numbers themselves.
        An engine op takes each number as a float (`autograd.core.number`), an argument that is an
        int too; Python's arithmetic on arguments (`is_python_op`) takes them as they are."""
        if is_python_op(node.op_def):
            return [self.var[v] if isinstance(v, Value) else v for v in node.operands]
        return [self.number(v) if isinstance(v, Value) else float(v) for v in node.operands]

    def number(self, v: Value) -> str:
        """A Value's variable as an engine op takes it: an argument that is not a float (an int, a NumPy
        number), as its float (`autograd.core.number`)."""
        return f"float({self.var[v]})" if v in self.tr.ints else self.var[v]

    def call_args(self, node: Value, args: list[Arg]) -> list[Arg]:
        """How the op's forward and rules take the node's ``args``: one per operand, a list for
        each of ``op.lists`` (`autograd.ops.split`)."""
        op = node.op_def
        assert op is not None
        return split(op, args) if op.lists else list(args)

    def forward_lines(self, node: Value, args: list[Arg], *, batched: bool = False) -> list[str]:
        """The node's forward line."""
        op = node.op_def
        assert op is not None
        hint = _identifier(op.name) if _identifier(op.name) != "v" else "op"
        call_args = list(args) if batched else self.call_args(node, args)
        unroll = bool(op.lists) and not batched and len(node.operands) <= MAX_UNROLLED
        code = rule_code(op.forward, call_args, self.ns, hint, symbolic=unroll,
                         floats=self.floats.__contains__)
        if unroll:
            code = self._verified(node, op.forward, call_args, code, hint)
        if not code.floating and not _own(op):  # a define_op forward may give an int: the engine's float
            code = Code(f"float({code.text})", floating=True)
        if code.floating:
            self.floats.add(self.var[node])
        return [f"{self.var[node]} = {code.text}"]

    def _verified(self, node: Value, fn: Any, args: list[Arg], code: Code, hint: str) -> Code:
        """Code of a list op's forward (unrolled), kept only if it gives the rule's own result on the traced
        data (a rule that looks at its operands' types, say, must be called, not unrolled)."""
        if code.text.startswith(self.ns.alias(fn, hint) + "("):
            return code
        shape = (fn, tuple(tuple(isinstance(x, str) for x in a) if isinstance(a, list) else isinstance(a, str)
                           for a in args))
        if shape in self.verified:  # the same rule on the same shape of operands: the same code
            return code
        concrete = self.call_args(node, [v.data if isinstance(v, Value) else float(v) for v in node.operands])
        values: dict[str, float] = {}

        def bind(a: Arg, x: Any) -> None:
            if isinstance(a, list):
                for ai, xi in zip(a, x, strict=True):
                    bind(ai, xi)
            elif isinstance(a, str):
                values[a] = x

        try:
            for a, x in zip(args, concrete, strict=True):
                bind(a, x)
            expected = fn(*concrete)
            got = eval(code.text, {**self.ns.objects, "__builtins__": builtins}, values)
        except Exception:
            got, expected = None, 0.0
        if not same(got, expected):
            return call_code(fn, args, self.ns, hint)
        self.verified.add(shape)
        return code

    def local_code(self, node: Value, j: int, args: list[Arg]) -> Code:
        """The local derivative of the node with respect to its operand j, from the op's rule."""
        op = node.op_def
        assert op is not None
        floats = self.floats.__contains__
        if not op.lists:
            rule = op.derivatives[op.params[j]]
            return rule_code(rule, [self.var[node], *args], self.ns, self._hint(op, j), symbolic=False,
                             floats=floats)
        operands = self.call_args(node, args)
        k, i = _locate(op, len(node.operands), j)
        rule = op.derivatives[op.params[k]]
        if op.params[k] not in op.lists:  # dot's b: one derivative
            return rule_code(rule, [self.var[node], *operands], self.ns, self._hint(op, k), symbolic=False,
                             floats=floats)

        def probe() -> Any:  # the rule on the traced numbers: made only if the code needs to know
            key = (node, k)
            if key not in self.probed:
                numbers = [v.data if isinstance(v, Value) else v for v in node.operands]
                self.probed[key] = rule(node.data, *self.call_args(node, numbers))
            return self.probed[key]

        return column_rule_code(rule, self.var[node], operands, i, self.ns, self._hint(op, k), probe)

    @staticmethod
    def _hint(op: Op, k: int) -> str:
        return f"d{_identifier(op.name)}_d{op.params[k]}"

    def edge(self, node: Value, j: int, args: list[Arg], first: set[Value]) -> str:
        """One edge's line: ``d_child += local * d_node`` (``d_child = ...`` for its first)."""
        child = node.operands[j]
        assert isinstance(child, Value)
        local = self.local_code(node, j, args)
        if node is self.root:  # backward() adds local * 1.0: the local itself, and sure to be a float
            term = local.factor() if local.floating else f"{local.factor()} * 1.0"
        else:
            grad = self.grad_name(node)
            if local.text in ("1.0", "1"):
                term = grad  # 1.0 * g is g, to the bit
            elif local.text in ("(-1.0)", "(-1)"):
                term = f"-{grad}"
            else:
                term = f"{local.factor()} * {grad}"  # the chain rule on one edge
        target = self.grad_name(child)
        if child in first:
            return f"{target} += {term}"
        first.add(child)
        if child in self.param_index and self.optimizer is not None:
            return f"{target} = {term} or 0.0"  # after zero_grad(), backward() adds to 0.0 (see zero_plus)
        return f"{target} = {term}"

    def node_edges(self, node: Value, args: list[Arg], first: set[Value]) -> list[str]:
        return [
            self.edge(node, j, args, first)
            for j, v in enumerate(node.operands)
            if isinstance(v, Value) and (v in self.param_index or v in self.needs)
        ]

    def generate(self) -> Generated:
        self.analyse()
        self.name_everything()
        ns = self.ns
        args = ", ".join(self.argnames)
        n_nodes = len(self.forward)
        consts = [v for v in self.leaves if self.leaf_kind[v] == "constant"]
        params_used = [v for v in self.leaves if self.leaf_kind[v] == "param"]
        head = [f"# autograd.compile of {self.fname}: {n_nodes} nodes; {len(params_used)} of"
                f" {len(self.params)} parameters in the graph",
                f"def {self.fname}({args}):"]
        body: list[str] = []
        for p in params_used:
            body.append(f"{self.var[p]} = {ns.alias(p, f'P{self.param_index[p]}')}.data")
        reads = len(body)  # the rules' globals, read at each call, go here (known once the code is written)
        for c in consts:
            body.append(f"{self.var[c]} = {constant(c.data).text}  # a constant: this leaf is neither a"
                        " parameter nor an argument (its value when compiled)")
        recover = f"return _recover({args})"
        retrace = f"return _retrace({args})"
        fwd: list[str] = self._unpack_lines()
        unpacked = len(fwd)
        fwd.extend(self._type_checks(retrace))
        types = (unpacked, len(fwd))  # the type checks' lines, which step.run can do once per run
        for a in sorted(self.tr.baked):
            fwd.append(f"if _freeze({self.argnames[a]}) != _baked{a}:")
            fwd.append(f"    {retrace}  # baked in when compiled: another value is another graph")
        batch_of = {b.node: b for b in self.batches}
        for node in self.forward:
            if node in self.in_batch:
                continue
            if node in batch_of:
                b = batch_of[node]
                fwd.extend(self._batch_forward(b, retrace))
                if not b.links:  # a chain's loop adds the terms itself
                    fwd.extend(self.forward_lines(node, [b.terms_list], batched=True))
            else:
                fwd.extend(self.forward_lines(node, self.operand_args(node)))
            if node is self.root:
                root_line = len(fwd) - 1  # the loss's line
        guards = self._guard_lines(retrace)
        back: list[str] = []
        first: set[Value] = set()
        starts = {b.blocks[-1 if b.reverse else 0][0]: b for b in self.batches}
        for node in self.order:
            if node in starts:
                back.extend(self._batch_backward(starts[node], first))
            if node in self.in_batch or node not in self.needs or node in batch_of:
                continue  # a batch's nodes are in its loop, and so are a batched sum's edges
            back.extend(self.node_edges(node, self.operand_args(node), first))
        if not self.root.children and self.root in self.param_index:
            back.append(f"{self.grad_name(self.root)} = 1.0")
        write_back = self._write_back(params_used)
        if not self.return_loss and self.root.children and self.root not in batch_of:
            rest = [*fwd[:root_line], *fwd[root_line + 1 :], *guards, *back, *write_back]
            fwd[root_line] = self._unneeded_root(fwd[root_line], rest)
        body.append("try:")
        body.extend("    " + line for line in fwd or ["pass  # f returned a leaf (a guard chose it)"])
        body.append("except (ArithmeticError, TypeError, ValueError):")
        body.append(f"    {recover}  # another structure, or a domain error: the engine says which")
        body.extend(guards)
        body.append(f"# backward: d_v = d({self.loss})/d(v), every edge in backward()'s order")
        body.extend(_guarded(back, recover))
        body.extend(write_back)
        body.append(f"return {self.loss}" if self.return_loss else "return None")
        body[reads:reads] = ns.read_lines()
        source = "\n".join([*head, *("    " + line for line in body)]) + "\n"
        labels = {name: v.label for v, name in self.var.items() if v.label}
        parts = {"load": body[: body.index("try:")], "forward": fwd, "guards": guards, "backward": back,
                 "loss": self.loss if self.return_loss else None, "args": list(self.argnames),
                 "state": self._state(params_used), "types": types,
                 "nodes": n_nodes, "batches": len(self.batches)}
        return Generated(source, dict(ns.objects), self.fname, labels, parts)

    def _state(self, params_used: list[Value]) -> list[tuple[str, str | None, str | None]]:
        """What the step writes back, for `autograd.compiler.loop`: per parameter, its alias, the
        variable holding its data (None: not in the graph) and its gradient's (None: 0.0)."""
        ns = self.ns
        if self.optimizer is None:
            return [(ns.alias(p, "P"), self.var[p], self.grad[p]) for p in params_used if p in self.grad]
        return [(ns.alias(p, f"P{self.param_index[p]}"), self.var.get(p), self.grad.get(p))
                for p in self.optimizer.params]

    def _unneeded_root(self, line: str, rest: list[str]) -> str:
        """``return_loss=False``: the loss's line, unless the rest of the step reads the loss, becomes
        its op's domain check (a bad target still raises, and nothing else is computed)."""
        op = self.root.op_def
        assert op is not None
        if op.domain is None or self.loss in _names_read(rest):
            return line
        args = self.call_args(self.root, self.operand_args(self.root))
        hint = _identifier(op.name) + "_domain"
        check = call_code(op.domain, args, self.ns, hint).text
        test = raise_test(op.domain, args, self.ns)  # a check of `if c: raise` lines: called when c holds
        if test is not None:
            return f"if {test.text}: {check}  # raises: the loss is not computed, only its domain checked"
        return f"{check}  # the loss is not computed; its domain is checked"

    def _unpack_lines(self) -> list[str]:
        lines = []
        placeholders = self.tr.placeholders
        by_path = {placeholders[v]: self.var[v] for v in self.top_args}
        for a, sub in enumerate(self.tr.structure):
            if a in self.tr.baked:
                continue
            target = _target(sub, (a,), by_path)
            if target is not None and target != self.argnames[a]:
                lines.append(f"{target} = {self.argnames[a]}")
        return lines

    # ---- batches' code --------------------------------------------------------------------------

    def _loop_header(self, b: _Batch) -> str:
        per_arg: dict[int, dict[tuple[int, ...], str]] = {}
        targets: list[str] = []
        sources: list[str] = []
        columns: list[tuple[str, str]] = []
        for s, (kind, value) in enumerate(b.slots):
            if kind == "arg":
                a, rest = value
                per_arg.setdefault(a, {})[rest] = b.names[s]
            elif kind == "column" and all(c[0] != b.names[s] for c in columns):
                columns.append((b.names[s], self.ns.alias(value, f"column_{b.names[s]}")))
            elif kind == "params" and all(c[0] != b.names[s] for c in columns):
                columns.append((b.names[s], b.columns[value].values))
        for a in sorted(per_arg):
            targets.append(_target(self.tr.structure[a][0], (), per_arg[a]) or "_")
            sources.append(self.argnames[a])
        for name, alias in columns:
            targets.append(name)
            sources.append(alias)
        if not sources:
            return f"for _ in range({len(b.terms)}):"
        if len(sources) == 1:
            return f"for {targets[0]} in {sources[0]}:"
        return f"for {', '.join(targets)} in zip({', '.join(sources)}, strict=True):"

    def _body_args(self, b: _Batch, u: Value) -> list[Arg]:
        """A loop body node's operands: its term's nodes, loop variables, shared leaves, numbers."""
        out: list[Arg] = []
        for j, v in enumerate(u.operands):
            if isinstance(v, Value) and v.children:
                out.append(self.var[v])
                continue
            s = b.slot_of[(u, j)]
            kind, value = b.slots[s]
            if kind == "shared" and isinstance(value, Value):
                out.append(self.var[value])
            elif kind == "shared":  # a number: the engine's ops take it as a float, Python's as it is
                out.append(value if is_python_op(u.op_def) else float(value))
            else:
                out.append(b.names[s])
        return out

    def _batch_forward(self, b: _Batch, retrace: str) -> list[str]:
        n = len(b.terms)
        lines = []
        checks = [f"len({self.argnames[a]}) != {n}" for a in sorted({v[0] for k, v in b.slots if k == "arg"})]
        if checks:
            lines.append(f"if {' or '.join(checks)}:")
            lines.append(f"    {retrace}  # another batch size is another graph")
        lines.append(f"{b.rows} = []")
        for column, col in b.columns.items():  # term i's parameter: its data, as the step read it
            lines.append(f"{col.values} = ({', '.join(self.var[p] for p in column)},)")
        total = self.var[b.node]
        if b.links:  # the chain's sum, from its start: t_1 + c is c + t_1, the same float
            start = self.var[b.start] if isinstance(b.start, Value) else constant(b.start).text
            lines.append(f"{total} = {start}")
        else:
            lines.append(f"{b.terms_list} = []")
        lines.append(self._loop_header(b))
        body: list[str] = []
        loop_vars = dict.fromkeys(b.names[s] for s, (kind, _) in enumerate(b.slots) if kind == "arg")
        if loop_vars:
            body.append(f"if {' or '.join(f'type({name}) is not float' for name in loop_vars)}:")
            body.append(f"    {retrace}  # a sample's number of another type is another trace")
        for u in reversed(b.blocks[0]):
            body.extend(self.forward_lines(u, self._body_args(b, u)))
        back = self._batch_backward_body(b, set())  # to know what it reads
        defined = list(dict.fromkeys(b.names[s] for s in sorted(b.names)))
        defined += [self.var[u] for u in reversed(b.blocks[0])]
        read = _names_read(back)
        b.saved = [name for name in defined if name in read]
        if b.links:
            body.append(f"{total} = {total} + {self.var[b.terms[0]]}")  # the engine's L_k = L_(k-1) + t_k
            self.floats.add(total)
        else:
            body.append(f"{b.terms_list}.append({self.var[b.terms[0]]})")
        if back:
            body.append(f"{b.rows}.append(({', '.join(b.saved)}{',' if len(b.saved) == 1 else ''}))")
        lines.extend("    " + line for line in body)
        return lines

    def _batch_backward_body(self, b: _Batch, first: set[Value]) -> list[str]:
        """The backward loop's body: term 0's edges, written with the loop's variables.  A column's
        parameter's gradient is the loop's variable (holding its gradient so far: see `_batch_backward`)."""
        if not b.columns:
            return self._batch_backward_lines(b, first)
        grads = dict(self.grad)
        begun = {column[0] for column in b.columns if column[0] in first}
        try:
            for column, col in b.columns.items():
                self.grad[column[0]] = col.grad
                first.add(column[0])  # d_p_i holds the gradient so far: each edge adds to it
            return self._batch_backward_lines(b, first)
        finally:
            self.grad = grads
            first.difference_update(column[0] for column in b.columns if column[0] not in begun)

    def _batch_backward_lines(self, b: _Batch, first: set[Value]) -> list[str]:
        lines: list[str] = []
        t0 = b.terms[0]
        if t0 in self.needs and b.links:
            lines.append(self._chain_edge(b, t0, first))
        elif t0 in self.needs:
            # the sum's edge to this term (its rule for element i, with the term's value)
            group = [self.var[t0]] * len(b.terms)
            lines.append(self.edge(b.node, 0, group, first))
        for u in b.blocks[0]:
            if u in self.needs:
                lines.extend(self.node_edges(u, self._body_args(b, u), first))
        return lines

    def _batch_backward(self, b: _Batch, first: set[Value]) -> list[str]:
        lines: list[str] = []
        in_columns = {p for column in b.columns for p in column}
        for u in b.blocks[0]:
            for v in u.operands:
                if isinstance(v, Value) and v in self.param_index and v not in first and v not in in_columns:
                    lines.append(f"{self.grad_name(v)} = 0.0")  # then each sample adds its share
                    first.add(v)
        body = self._batch_backward_body(b, first)
        if body:
            target = ", ".join(b.saved) + ("," if len(b.saved) == 1 else "") or "_"
            rows = f"reversed({b.rows})" if b.reverse else b.rows
            after: list[str] = []
            if b.columns:
                # a column's parameters' gradients: each term's gradient so far in (0.0 if it has none
                # yet, as backward()'s after zero_grad(): 0.0 + g), out in a list, then in their variables
                ins = [col.grads_in for col in b.columns.values()]
                target = ", ".join([f"({target})", *(col.grad for col in b.columns.values())])
                rows = f"zip({rows}, {', '.join(ins)}, strict=True)"
                for column, col in b.columns.items():
                    visited = list(reversed(column)) if b.reverse else list(column)
                    before = [self.grad_name(p) if p in first else "0.0" for p in visited]
                    begun = any(p in first for p in visited)
                    lines.append(f"{col.grads_in} = [{', '.join(before)}]" if begun
                                 else f"{col.grads_in} = [0.0] * {len(visited)}")
                    lines.append(f"{col.grads_out} = []")
                    body.append(f"{col.grads_out}.append({col.grad})")
                    after.append(f"{', '.join(self.grad_name(p) for p in visited)}, = {col.grads_out}")
                    first.update(column)
            lines.append(f"for {target} in {rows}:")
            lines.extend("    " + line for line in body)
            lines.extend(after)
        if isinstance(b.start, Value) and b.start in self.needs:  # L_1's edge to the chain's start
            lines.append(self._chain_edge(b, b.start, first))
        return lines

    def _chain_edge(self, b: _Batch, child: Value, first: set[Value]) -> str:
        """A chain's edge to a term (or to its start): the top's gradient.  The edge from L_k is
        ``1.0 · d(L_k)`` and ``d(L_k)`` is ``1.0 · d(L_(k+1))`` (`_plain_add`): each is ``d(top)``, as
        ``1.0 · g`` is ``g`` to the bit (the engine's ``0.0 + g`` only turns a ``-0.0`` into ``0.0``,
        which no parameter's gradient can show).  At the root, ``d(top)`` is backward()'s 1.0."""
        term = "1.0" if b.node is self.root else self.grad_name(b.node)
        target = self.grad_name(child)
        if child in first:  # a start read elsewhere too, its gradient begun
            return f"{target} += {term}"
        first.add(child)
        return f"{target} = {term}"

    # ---- guards and the end ---------------------------------------------------------------------

    def _guard_lines(self, retrace: str) -> list[str]:
        lines = []
        for g in self.tr.guards:
            ops = [self.var[v] if isinstance(v, Value) else constant(v).text for v in g.operands]
            if g.kind in ("<", "<=", ">", ">=", "==", "!="):
                test = f"{ops[0]} {g.kind} {ops[1]}"
                cond = f"not ({test})" if g.outcome else test
            elif g.kind == "bool":
                cond = f"not {ops[0]}" if g.outcome else f"{ops[0]}"
            elif g.kind == "hash":
                cond = f"hash({ops[0]}) != {g.outcome!r}"
            elif g.kind == "type":  # Python's ** on arguments: the type of its result
                kind = g.outcome
                name = kind.__name__ if kind in (float, int) else self.ns.alias(kind, kind.__name__)
                cond = f"type({ops[0]}) is not {name}"
            else:
                extra = "".join(f", {e!r}" for e in g.extra)
                cond = f"round({ops[0]}{extra}) != {g.outcome!r}"
            lines.append(f"if {cond}:")
            lines.append(f"    {retrace}  # f decided on the data here when it was traced")
        return lines

    def kind_of(self, path: tuple[int, ...]) -> type:
        """The type the argument at ``path`` had when traced (`Trace.kinds`, depth first)."""
        if not hasattr(self, "_kinds"):
            found: dict[tuple[int, ...], type] = {}
            items = iter(self.tr.kinds)

            def walk(sub: Any, at: tuple[int, ...]) -> None:
                found[at] = next(items, float)
                for i, s in enumerate(sub or ()):
                    walk(s, (*at, i))

            for a, sub in enumerate(self.tr.structure):
                walk(sub, (a,))
            self._kinds = found
        return self._kinds.get(path, float)

    def type_name(self, path: tuple[int, ...]) -> str:
        kind = self.kind_of(path)
        return kind.__name__ if kind in (float, int, list, tuple) else self.ns.alias(kind, kind.__name__)

    def _type_checks(self, retrace: str) -> list[str]:
        """Each argument list and number the step reads, of the type it had when traced: a NumPy
        number, a bool, an int where a float was (``isinstance``, Python's arithmetic) is another
        trace, or the refusal the engine would make (see `autograd.compiler.trace.normalize`)."""
        tests = []
        for a, sub in enumerate(self.tr.structure):
            if a not in self.tr.baked and sub is not None:
                tests.append(f"type({self.argnames[a]}) is not {self.type_name((a,))}")
        placeholders = self.tr.placeholders
        looped = {value[0] for b in self.batches for kind, value in b.slots if kind == "arg"}  # in the loops
        for v, path in sorted(placeholders.items(), key=lambda item: item[1]):
            if v in self.top_args:
                number = self.var[v]
            elif path[0] in looped:
                continue
            else:  # not read by the step, but its type may steer f (isinstance): read for the check
                number = self.argnames[path[0]] + "".join(f"[{i}]" for i in path[1:])
            tests.append(f"type({number}) is not {self.type_name(path)}")
        if not tests:
            return []
        return [f"if {' or '.join(tests)}:", f"    {retrace}  # another type is another trace"]

    def _write_back(self, params_used: list[Value]) -> list[str]:
        ns = self.ns
        if self.optimizer is None:  # p.grad += d_p, each read before any is written
            adds = [(ns.alias(p, "P"), self.grad[p]) for p in params_used if p in self.grad]
            sums = [self.names.take(f"{d}_sum") for _, d in adds]
            return [
                "try:  # every p.grad + d_p first, so that a p.grad of None changes nothing",
                *(f"    {total} = {alias}.grad + {d}" for (alias, d), total in zip(adds, sums, strict=True)),
                "except TypeError:",
                f"    return _regrad({', '.join(self.argnames)})  # None counts as 0, as in backward()",
                *(f"{alias}.grad = {total}" for (alias, _), total in zip(adds, sums, strict=True)),
            ] if adds else []
        opt = self.optimizer
        lines = [f"_lr = {ns.alias(opt, 'optimizer')}.lr"]
        kept = state_lists(opt)
        if kept:  # nn.Adam, SGD with momentum: the update lines of step.run's loop, on the optimizer's lists
            lines += [f"_opt_{name} = {ns.alias(opt, 'optimizer')}.{name}" for name in kept]
            state = self._state(params_used)
            data = [w or f"{alias}.data" for alias, w, _ in state]
            slots = {name: [f"_opt_{name}[{k}]" for k in range(len(state))] for name in kept}
            lines += update_lines(state, data, [f"{alias}.grad" for alias, _, _ in state], opt, slots,
                                  math=ns.alias(math, "math"), first=True)
            return lines + [f"{alias}.data = {w}" for alias, w, _ in state if w is not None]
        decay = opt.weight_decay
        for p in opt.params:
            alias = ns.alias(p, f"P{self.param_index[p]}")
            g = self.grad.get(p, "0.0")
            w = self.var.get(p, f"{alias}.data")
            lines.append(f"{alias}.grad = {g}")
            if decay != 0.0:
                g = f"({g} + {decay!r} * {w})"  # weight decay: g + λ w, as nn.SGD
            lines.append(f"{alias}.data = {w} - _lr * {g}")  # nn.SGD's p.data -= lr * g
        return lines


def _own(op: Op) -> bool:
    """Whether ``op`` is the project's own (its forward gives floats), not a user's `define_op`."""
    module = getattr(op.forward, "__module__", None) or "math"  # math.tanh's is None
    return module.split(".")[0] in ("autograd", "nn", "math", "builtins")


def _guarded(back: list[str], recover: str) -> list[str]:
    """The backward block inside a ``try``: a derivative rule that raises (a `define_op` rule, say)
    is the engine's error, naming the node, as when `apply` calls it."""
    if not back:
        return back
    return ["try:", *("    " + line for line in back), "except (ArithmeticError, TypeError, ValueError):",
            f"    {recover}  # a derivative rule raised: the engine says which"]


def _locate(op: Op, size: int, j: int) -> tuple[int, int]:
    """Where a node's flat operand ``j`` (of ``size``) is in `split`'s layout: the operand's index
    k in ``op.params``, and its index in the list if ``op.params[k]`` is a list (else 0)."""
    n = (size - len(op.params) + len(op.lists)) // len(op.lists)
    for k, param in enumerate(op.params):
        width = n if param in op.lists else 1
        if j < width:
            return k, j
        j -= width
    raise IndexError(f"{op.name}: no operand #{j} of {size}")


def _names_read(lines: list[str]) -> set[str]:
    """The identifiers in ``lines`` of generated code (the variables they read, and more)."""
    return set(re.findall(r"[^\W\d]\w*", "\n".join(lines)))


def _target(sub: Any, path: tuple[int, ...], by_path: dict[tuple[int, ...], str]) -> str | None:
    """An unpacking target for an argument of structure ``sub`` (None: none of it is used)."""
    if sub is None:
        return by_path.get(path)
    parts = [_target(s, (*path, i), by_path) for i, s in enumerate(sub)]
    if parts and all(p is None for p in parts):
        return None
    inner = ", ".join(p or "_" for p in parts)
    return f"({inner},)" if len(parts) == 1 else f"({inner})"


def _common_prefix(items: list[str]) -> str:
    first = items[0]
    k = 0
    while k < len(first) and all(len(s) > k and s[k] == first[k] for s in items):
        k += 1
    return first[:k]


def same(a: Any, b: Any) -> bool:
    """Equal to the bit: floats with the same sign of zero, NaN equal to NaN; else of one type and ==."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) and math.isnan(b):
            return True
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return type(a) is type(b) and a == b


def generate(tr: Trace, params: Sequence[Value], argnames: Sequence[str], fname: str,
             optimizer: Any = None, return_loss: bool = True) -> Generated:
    """The source of the step of trace ``tr`` (see the module doc); with ``return_loss=False`` the
    step returns None and does not compute the loss (its op's domain check still runs)."""
    return _Generator(tr, params, argnames, fname, optimizer, return_loss).generate()
