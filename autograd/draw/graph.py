"""Draw a computation graph with the gradient that flows along every edge.

    >>> from autograd import Value, draw
    >>> x, y = Value(2.0, label="x"), Value(3.0, label="y")
    >>> z = x * y + x.exp()
    >>> z.backward()
    >>> g = draw(z)
    >>> print(g.source.splitlines()[0])
    digraph autograd {
    >>> # g.save("z.svg"), g.save("z.png"); in Jupyter, `g` on its own shows the picture

Every node shows its label and op, its value (``data``) and ``grad`` = d(root)/d(node), to 4
significant digits (so 1e-06 does not read as 0).  Every edge child -> parent is labelled

    ×local → flow        local = d(parent)/d(child),  flow = local * parent.grad

``flow`` is exactly what backpropagation adds to the child's gradient along that edge, so after one
``root.backward()`` from zeroed gradients (a fresh graph, or after ``zero_grad``), every node's grad
but the root's is the sum of the flows on its outgoing edges.  Leaves accumulate, as in PyTorch:
after a second ``backward()``, or on a leaf that held a gradient before, a leaf's grad is more than
its flows.  An operand used twice (``x * x``) gives two edges.

Legend: orange = parameter (a leaf in ``params``, or, without ``params``, any labelled leaf),
grey = input or constant (any other leaf), blue = operation, green = the root (bold border).
In a graph of more than `SPLIT_SHARED_OVER` nodes, a value used n times is drawn again beside each
use as a dashed box ``x (k of n)`` (a leaf only there; a result also once, solid, where it is
computed), each showing the value's one grad, the sum of the flows along the edges of all n copies
(the picture's caption says so): Graphviz lays such a graph out in seconds instead of minutes.
A dashed edge carries zero gradient; pen width grows with |flow| (from 1 to 4, relative to the
largest flow); a red edge with a NaN/inf label means a non-finite gradient.  ``current=`` marks a
node being processed: a red border, and its edges (to its children) red, with their flow.

Stepping mode (``traversed=`` a collection of nodes, e.g. for one frame per backward step): edges
from a node in ``traversed`` to its children are drawn as above in blue; the other edges are grey
and show only ``×local``, since nothing has flowed along them yet.  The ``current=`` node's edges
are red with what flows along them, whether or not it is in ``traversed``.

The DOT text is deterministic: node ids ``n0, n1, ...`` follow `topological_order` (root first),
never ``id()``, so the same graph gives byte-identical text.  In a label or op a newline is a
line break, a tab or carriage return a space, and any other control character is drawn as the
escape you would type for it (a NUL as ``\\x00``): raw, Graphviz would fail on it or drop it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from autograd.core import Value, topological_order
from autograd.draw.render import BackendUnavailableError, RenderError, render
from autograd.files import check_writable, write_atomically
from autograd.ops import display

if TYPE_CHECKING:
    import graphviz

__all__ = [
    "DEFAULT_MAX_NODES",
    "NO_BACKWARD_CAPTION",
    "SPLIT_SHARED_OVER",
    "SUFFIXES",
    "Graph",
    "count_until",
    "draw",
    "record_field",
]

#: `draw` refuses graphs with more nodes than this unless ``max_nodes`` says otherwise.
DEFAULT_MAX_NODES = 2000

#: Past this many nodes `draw` draws each value used more than once beside each use, as dashed
#: copies (see `draw`): Graphviz lays out a value shared across the whole graph slowly (its long
#: edges cross every rank), minutes for a few hundred nodes.
SPLIT_SHARED_OVER = 100

#: The caption of a graph whose every grad is 0: drawn before any ``backward()``.
NO_BACKWARD_CAPTION = "no backward() yet: every grad is 0"

_SPLIT_CAPTION = (
    "dashed: a value used n times, drawn beside each use as x (k of n) (a result also once, solid, "
    "where it is computed); its grad, on each, is the sum of the flows from all n copies"
)

#: File suffixes `Graph.save` understands, and the format each one means.
SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot"}

_FILL = {"param": "#fde2b6", "input": "#e6e6e6", "op": "#dbeafe", "root": "#c9f2d0"}
_FLOW = "#1f5fbf"  # stepping mode: edges the gradient has flowed along
_PENDING = "#a8a8a8"  # stepping mode: edges not traversed yet
_CURRENT = "#d62728"  # the node being processed (either mode); also non-finite gradients
_MIN_PEN, _MAX_PEN = 1.0, 4.0

_RECORD_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "{": "\\{",
    "}": "\\}",
    "|": "\\|",
    "<": "\\<",
    ">": "\\>",
    "&": "&amp;",  # Graphviz reads entities such as &lt; in any label: keep '&' literal
    "\n": "\\n",
    "\r": " ",
    "\t": " ",
}
# Any other control character (C0, DEL, C1) as its Python escape, written out: a raw NUL ends the
# DOT string early (a syntax error) and Graphviz drops the others without a trace.  Lone surrogates
# likewise, since they cannot be written as UTF-8.
_RECORD_TABLE = {ord(ch): text for ch, text in _RECORD_ESCAPES.items()}
for _code in (*range(0x20), *range(0x7F, 0xA0)):
    _RECORD_TABLE.setdefault(_code, f"\\\\x{_code:02x}")  # backslash doubled: a literal \ in a record
for _code in range(0xD800, 0xE000):
    _RECORD_TABLE[_code] = f"\\\\u{_code:04x}"


def record_field(text: str) -> str:
    """`text` escaped for one field of a Graphviz record label inside a double-quoted DOT string.

    Braces, ``|``, ``<`` and ``>`` separate record fields and ``"`` ends the string, so each gets
    a backslash; a backslash becomes two; ``&`` becomes ``&amp;`` (Graphviz expands entities);
    a newline becomes a line break, a tab or carriage return a space; any other control character
    (and a lone surrogate) is written as its Python escape: a NUL shows as ``\\x00``.
    """
    return text.translate(_RECORD_TABLE)


def _num(x: float, digits: int) -> str:
    """`x` to `digits` significant digits: 0.0001234 -> '0.0001234', 1e-06 -> '1e-06', -0.0 -> '0'."""
    if x == 0.0:
        return "0"
    return format(x, f".{digits}g")


class Graph:
    """A drawn computation graph: its DOT text (`source`), savable as SVG, PNG, PDF or DOT.

    Made by `draw`.  `backend` is the one asked for there (``"auto"``, ``"dot"`` or ``"wasm"``).
    """

    __slots__ = ("backend", "edges", "nodes", "source")

    def __init__(self, source: str, backend: str = "auto", *, nodes: int = 0, edges: int = 0) -> None:
        self.source = source
        self.backend = backend
        self.nodes = nodes
        self.edges = edges

    def __repr__(self) -> str:
        return f"<Graph: {self.nodes} nodes, {self.edges} edges, backend={self.backend!r}>"

    def render(self, fmt: str = "svg") -> bytes:
        """The picture as bytes: ``"svg"``, ``"png"`` or ``"pdf"`` (see `autograd.draw.render`)."""
        return render(self.source, fmt, self.backend)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the picture to `path`, in the format its suffix names (.svg, .png, .pdf, .dot).

        Writes exactly that one file, atomically (`autograd.files.write_atomically`: a temporary
        file beside it, renamed over it when complete, so a failure leaves no partial or stray
        file; an existing file keeps its permissions).  Only a regular file or a new path: a
        directory, device, named pipe or socket at `path` is refused before rendering (an
        `OSError`, `autograd.files.NotARegularFileError`); a symlink is written through.  Returns
        the path.
        """
        target = Path(path)
        fmt = SUFFIXES.get(target.suffix.lower())
        if fmt is None:
            raise ValueError(
                f"save: cannot tell the format of {str(target)!r} from its suffix "
                f"{target.suffix!r}; use one of {', '.join(SUFFIXES)}"
            )
        check_writable(path)  # a device, pipe or directory (or "keep.dot/", which Path drops) is refused
        data = self.source.encode("utf-8") if fmt == "dot" else self.render(fmt)
        write_atomically(target, data)
        return target

    def to_graphviz(self) -> graphviz.Source:
        """This graph as a ``graphviz.Source`` of the same DOT text (the `graphviz` package).

        For what that package does well: ``.render("g", format="png")``, ``.view()``, ``.pipe()``,
        display in Jupyter.  Those run the ``dot`` executable without a time limit; `save` and
        `render` keep ours (`autograd.draw.render.RENDER_TIMEOUT`) and work without ``dot`` too.
        """
        import graphviz  # imported here: `import autograd` stays quick and needs no graphviz

        return graphviz.Source(self.source)

    def _repr_svg_(self) -> str | None:
        """The SVG text, or None (nothing to show as SVG) when no renderer can draw it: Jupyter
        then shows the text of `_repr_mimebundle_`, which says why, instead of a traceback."""
        try:
            return self.render("svg").decode("utf-8")
        except (BackendUnavailableError, RenderError):
            return None

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
    ) -> dict[str, str]:
        """What Jupyter displays: the SVG picture, or, if it cannot be rendered, why not."""
        try:
            bundle = {"image/svg+xml": self.render("svg").decode("utf-8"), "text/plain": repr(self)}
        except (BackendUnavailableError, RenderError) as exc:
            bundle = {"text/plain": f"{self!r}: {exc}"}
        if include is not None:
            bundle = {k: v for k, v in bundle.items() if k in set(include)}
        if exclude is not None:
            bundle = {k: v for k, v in bundle.items() if k not in set(exclude)}
        return bundle


def count_until(root: Value, limit: int) -> int:
    """The number of nodes in root's graph, or limit + 1 as soon as there are more than `limit`."""
    seen = {root}
    stack = [root]
    while stack:
        for child in stack.pop().children:
            if child not in seen:
                seen.add(child)
                if len(seen) > limit:
                    return limit + 1
                stack.append(child)
    return len(seen)


def draw(
    root: Value,
    *,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    backend: str = "auto",
    traversed: Collection[Value] | None = None,
    current: Value | None = None,
    params: Iterable[Value] | None = None,
    digits: int = 4,
    split_shared: bool | None = None,
) -> Graph:
    """The computation graph of `root` as a `Graph` (DOT text; ``.save("g.svg")`` renders it).

    Call it after ``root.backward()`` to see the gradients (before, every grad shows 0).

    - ``max_nodes``: refuse graphs with more nodes (a `ValueError` naming the limit) rather than
      make a picture nobody can read or Graphviz cannot lay out; ``None`` for no limit.
    - ``backend``: ``"auto"``, ``"dot"`` or ``"wasm"``, used when the graph is rendered.
    - ``traversed``: stepping mode (see the module doc): which nodes have passed their gradient
      on so far.  ``traversed=None`` draws the finished backward pass, a flow on every edge.
    - ``current``: the node being processed, drawn with a red border and its edges red with their
      flow, in either mode.
    - ``params``: the leaves to draw as parameters (e.g. ``model.parameters()``); by default
      every labelled leaf is one.
    - ``digits``: significant digits of every number shown.
    - ``split_shared``: draw each value used more than once again beside each use, as a dashed
      copy ``x (k of n)`` (a leaf only there; a result also once where it is computed, solid, with
      its inputs), every copy showing the value's one grad, the sum of the flows from all its
      copies.  ``None`` (the default): only in graphs of more than `SPLIT_SHARED_OVER` nodes,
      which Graphviz then lays out in a second or two instead of minutes.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw: root must be a Value, got {type(root).__name__}")
    if max_nodes is not None:
        if type(max_nodes) is not int or max_nodes < 1:
            raise ValueError(f"draw: max_nodes must be a positive int or None, got {max_nodes!r}")
        count = count_until(root, max_nodes)
        if count > max_nodes:
            raise ValueError(
                f"draw: the graph of {_name(root)} has more than max_nodes={max_nodes} nodes; "
                f"draw a smaller part of it, or pass a larger max_nodes (None for no limit)"
            )
    if type(digits) is not int or not 1 <= digits <= 17:
        raise ValueError(f"draw: digits must be an int from 1 to 17, got {digits!r}")
    order = topological_order(root, leaves=True)
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    if current is not None and current not in ids:
        raise ValueError(f"draw: current={_name(current)} is not a node of the graph of {_name(root)}")
    done = None if traversed is None else set(traversed)
    param_set = None if params is None else set(params)
    if split_shared is None:
        split_shared = len(order) > SPLIT_SHARED_OVER
    elif not isinstance(split_shared, bool):
        raise TypeError(f"draw: split_shared must be True, False or None, got {split_shared!r}")
    uses = _shared(order) if split_shared else {}
    lines = [
        "digraph autograd {",
        '\tgraph [rankdir=LR, nodesep=0.25, ranksep=0.5, fontname="Helvetica"];',
        '\tnode [shape=Mrecord, style=filled, fontname="Helvetica", fontsize=11];',
        '\tedge [fontname="Helvetica", fontsize=10, arrowsize=0.7];',
    ]
    captions = [NO_BACKWARD_CAPTION] if all(node.grad == 0.0 for node in order) else []
    if uses:
        captions.append(_SPLIT_CAPTION)
    if captions:
        caption = "".join(f"{text}\\l" for text in captions)  # \l: a left-aligned line
        lines.append(f'\tgraph [label="{caption}", labelloc=t, labeljust=l, fontsize=12];')
    # Nodes are listed leaves first: Graphviz then stacks the leaves in the order the model made
    # them (w1[0][0] above w1[1][0], h1 above h2).  Their ids still count from the root.
    for node in reversed(order):
        kind = _kind(node, node is root, param_set)
        if node in uses:
            n = uses[node]
            if node.children:  # where it is computed, from its inputs
                lines.append(_node_line(node, ids[node], kind, node is current, digits, (0, n)))
            lines += [_node_line(node, f"{ids[node]}_{k}", kind, False, digits, (k, n))
                      for k in range(1, n + 1)]
        else:
            lines.append(_node_line(node, ids[node], kind, node is current, digits))
    gmax = _largest_flow(order) if done is None else 0.0
    edges = 0
    copies_drawn = dict.fromkeys(uses, 0)
    for parent in order:
        for child, local in zip(parent.children, parent.local_grads, strict=True):
            source = ids[child]
            if child in copies_drawn:
                copies_drawn[child] += 1
                source += f"_{copies_drawn[child]}"
            edge = f"\t{source} -> {ids[parent]}"
            lines.append(edge + _edge_attrs(parent, local, done, parent is current, gmax, digits))
            edges += 1
    lines.append("}")
    return Graph("\n".join(lines) + "\n", backend, nodes=len(order), edges=edges)


def _shared(order: list[Value]) -> dict[Value, int]:
    """Every node used more than once (as an operand, counting repeats), with its number of uses."""
    uses: dict[Value, int] = {}
    for parent in order:
        for child in parent.children:
            uses[child] = uses.get(child, 0) + 1
    return {node: n for node, n in uses.items() if n > 1}


def _name(node: Value) -> str:
    label = f"Value {node.label!r}" if node.label else "an unlabelled Value"
    return f"{label} (op={node.op!r})" if node.op else label


def _kind(node: Value, is_root: bool, params: Collection[Value] | None) -> str:
    if is_root:
        return "root"
    if node.children:
        return "op"
    is_param = node in params if params is not None else bool(node.label)
    return "param" if is_param else "input"


def _node_line(
    node: Value, nid: str, kind: str, is_current: bool, digits: int, copy: tuple[int, int] | None = None
) -> str:
    """The node statement.  ``copy=(k, n)`` for a node used n times: the k-th of its dashed copies,
    or (k = 0) the node itself where it is computed."""
    op = display(node)
    title = f"{node.label} ({op})" if node.label and op else node.label or op
    grad = f"grad {_num(node.grad, digits)}"
    if copy is not None:
        k, n = copy
        if k:
            title = f"{title} ({k} of {n})" if title else f"{k} of {n}"
        grad += f" (all {n} uses)"
    fields = [f"data {_num(node.data, digits)}", grad]
    if title:
        fields.insert(0, title)
    label = "|".join(record_field(f) for f in fields)
    attrs = f'label="{label}", fillcolor="{_FILL[kind]}"'
    if copy is not None and copy[0]:
        attrs += ', style="filled,dashed"'
    if is_current:
        attrs += f', color="{_CURRENT}", penwidth=3'
    elif kind == "root":
        attrs += ", penwidth=2"
    return f"\t{nid} [{attrs}];"


def _largest_flow(order: list[Value]) -> float:
    largest = 0.0
    for parent in order:
        g = parent.grad
        for local in parent.local_grads:
            flow = abs(local * g)
            if flow > largest and math.isfinite(flow):
                largest = flow
    return largest


# Every edge label ends with an empty line: Graphviz sets a label's box against its edge, so in a
# left-to-right layout the text sat on the edge (on a thick one, under it); the empty line below the
# text keeps it clear above.  (DOT's \n ends a centred line: "text\n\n" is the text, then nothing.)
_CLEAR = "\\n\\n"


def _edge_attrs(
    parent: Value, local: float, done: Collection[Value] | None, is_current: bool, gmax: float, digits: int
) -> str:
    if done is not None and parent not in done and not is_current:  # current: flowing now
        return f' [label="×{_num(local, digits)}{_CLEAR}", color="{_PENDING}", fontcolor="{_PENDING}"];'
    flow = local * parent.grad
    attrs: list[str] = [f'label="×{_num(local, digits)} → {_num(flow, digits)}{_CLEAR}"']
    if not math.isfinite(flow):
        attrs += [f'color="{_CURRENT}"', f'fontcolor="{_CURRENT}"', f"penwidth={_MAX_PEN:g}"]
        return " [" + ", ".join(attrs) + "];"
    if flow == 0.0:
        attrs.append("style=dashed")
    elif done is None and gmax > 0.0:
        width = _MIN_PEN + (_MAX_PEN - _MIN_PEN) * math.sqrt(min(1.0, abs(flow) / gmax))
        attrs.append(f"penwidth={width:.2f}")
    if is_current or done is not None:  # the current node's edges are red in either mode
        colour = _CURRENT if is_current else _FLOW
        attrs += [f'color="{colour}"', f'fontcolor="{colour}"']
    if done is not None:
        attrs.append("penwidth=2")
    return " [" + ", ".join(attrs) + "];"

