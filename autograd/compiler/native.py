"""``autograd.compile(..., backend="numba")``: the same generated loop, compiled to machine code.

numba (an optional extra: ``pip install scalar-autograd[fast]``) compiles the loop of
`autograd.compiler.loop` with ``njit``: the same lines, with what numba needs changed around
them (`numba_source`):

- the parameters and their gradients come in and go out as two float64 arrays, ``_W`` and ``_G``,
  and the optimizer's state as one each (Adam's ``_M``, ``_V``, ``_T``; the momentum buffers'
  ``_B``), stored after every update (with the number of updates done, ``_done[0]``): whatever
  stops the loop, the arrays hold the state after the last whole update.  Adam's step counts are
  floats in ``_T``: numba's ``float ** int`` multiplies, where CPython's calls ``pow``, which
  numba's ``float ** float`` calls too;
- the learning rate is update k's ``_LR[_run_k]``, a float64 array of the run's rates (``lr=``), or
  the optimizer's ``lr`` in each cell (read once per run, as the Python loop reads it; numba's
  per-call step: once per call): one load per update, and the module's text the same whatever the
  rates (numba's cache);
- the samples are the rows of a float64 array (each sample's numbers in order), put back into the
  structure of the step's arguments (``x = (_row[0], _row[1])``) for its own unpacking lines;
- the op helpers the lines call (``_bce``, ``_bce_domain``...) are compiled too, each ``raise``
  kept but without its message (`_numba_function`): the message is the engine's, below;
- a walrus (``(_e := exp(z)) / (1.0 + _e)``, which numba does not type) becomes an ``if``
  statement, and ``x or 0.0`` is ``x + 0.0`` (`_OrZero`: the same float, without a branch);
- a batch's loops (`_Batches`): the forward loop over an index, each sample's numbers read from the
  row; the backward loop over the kept rows by index from the end (numba has no ``reversed``);
- each variable of an update is assigned once (`_Single`): numba's SSA pass takes time in the
  number of variables assigned more than once times the function's length (minutes for
  micrograd's moons step otherwise); a variable a batch's loop carries is a cell of an array;
- an update's lists (`_Arrays`: the rows a batch's forward loop keeps for its backward loop, its
  terms, a column's gradients) are float64 arrays allocated once, before the loop over updates
  (numba's lists grow on the heap at each ``append``), and a column of the parameters is read
  from ``_W``: the same numbers, read and summed in the same order.

No line raises inside a ``try``: what raises leaves the numba function, and `NumbaLoop` has the
Python step redo that update (the arrays hold the state after the last whole update).

A loop numba cannot compile (an op's helper calling what numba does not know, ``math.fsum`` say)
runs as the Python backend's loop, the same results, with a ``RuntimeWarning`` naming numba's
reason, once (`NumbaLoop.failed`).

``step(*args)`` of a step with a batch's loop or of `NATIVE_NODES` nodes or more is `native_step`:
one update of the numba loop, or the Python step's where the loop stops.

**Errors.**  Where CPython's ``math`` raises (``log(-1)``, ``exp(1000)``, ``0.0 ** -1``), numba
may return a NaN or an infinity instead.  So after each update's forward lines, the loop checks
that every value it computed is finite (``v * 0.0 == 0.0`` for each); if one is not, or any line
raised, the loop stops *before* that update, and the update is the Python step's own
(`autograd.compiler.loop.Run`): it raises the engine's error naming the node, or (an infinity
that is no error in Python) computes the update as Python does; then the numba loop goes on.

Bit identity with the Python backend: the arithmetic is the same IEEE operations in the same
order (numba does not reassociate nor fuse without ``fastmath``); ``math.exp``, ``log``, ``tanh``
and ``log1p`` call the same C library as CPython's ``math``.  tests/compiler/test_native.py checks
it on the seed and on random networks with every activation and loss.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import importlib.util
import inspect
import math
import os
import re
import sys
import textwrap
import time
import types
import warnings
from collections.abc import Callable, Sequence
from itertools import chain, count
from pathlib import Path
from typing import Any, cast

from autograd.compiler.codegen import Generated, _names_read
from autograd.compiler.trace import CompileError
from autograd.compiler.updates import ARRAYS, buffers_ready, math_name, state_lists, update_lines
from autograd.core import Value

__all__ = ["NumbaLoop", "native_step", "numba_source", "require_numba"]

_files = count(1)
LARGE = 1000
LARGE_OPT = 1
"""A loop of more than `LARGE` lines (micrograd's moons step: 4000) is compiled at LLVM's -O1, not
numba's default -O3 (unless ``NUMBA_OPT`` is set): on the moons step, 70 s instead of 175 s,
and its code as fast (32 us an update, against 39: measured on this machine).  The arithmetic is
the same IEEE operations at every level (no fastmath), so the results are too, to the bit."""
EXTRA = "pip install scalar-autograd[fast]  (or: pip install numba)"


def require_numba() -> Any:
    """The numba module, or a `CompileError` naming the extra that installs it."""
    try:
        import numba  # optional: imported only for backend="numba"
    except ImportError as e:
        raise CompileError(f"compile: backend='numba' needs numba, an optional extra: {EXTRA}") from e
    return numba


def numba_source(generated: Generated, optimizer: Any, structure: Any) -> tuple[str, str]:
    """The loop of ``generated`` for numba (see the module doc) and its function's name; the
    samples have the ``structure`` of `_structure`."""
    parts = generated.parts
    if any("_freeze(" in line for line in parts["forward"]):
        raise CompileError("compile: backend='numba' does not compile a step with an argument baked in"
                           " (a number f takes only as a number, range(n) say); use the Python backend")
    name = f"{generated.function}_numba"
    args = parts["args"]
    state: list[tuple[str, str | None, str | None]] = parts["state"]
    index = {alias: k for k, (alias, _, _) in enumerate(state)}
    kept = state_lists(optimizer)  # the optimizer's state: one array each, in and out as _W and _G
    arrays = "".join(f"{ARRAYS[n]}, " for n in kept)
    lines = [f"def {name}(_W, _G, {arrays}_samples, _start, _total, _LR, _losses, _done):"]
    loads: list[str] = []  # at the top of each update: every variable is assigned once in it
    if optimizer is not None:  # update k's learning rate (a run without lr=: the optimizer's, in each)
        loads.append("_lr = _LR[_run_k]")
    for line in parts["load"]:
        m = re.fullmatch(r"(\S+) = (_P\d*)\.data", line)
        loads.append(f"{m.group(1)} = _W[{index[m.group(2)]}]" if m else line)
    data = [w or f"_run_w{k}" for k, (_, w, _) in enumerate(state)]
    grads = [f"_run_g{k}" for k in range(len(state))]
    for k, (_, w, _) in enumerate(state):
        if w is None:
            loads.append(f"{data[k]} = _W[{k}]")
        loads.append(f"{grads[k]} = _G[{k}]")
    slots = {n: [f"_run_{n}{k}" for k in range(len(state))] for n in kept}
    loads += [f"{slots[n][k]} = {ARRAYS[n]}[{k}]" for n in kept for k in range(len(state))]  # _T: floats
    # the Python loop's update lines, to the letter
    update = update_lines(state, data, grads, optimizer, slots, math=math_name(generated.objects))
    for k in range(len(state)):
        update.append(f"_W[{k}] = {data[k]}")
        update.append(f"_G[{k}] = {grads[k]}")
        update += [f"{ARRAYS[n]}[{k}] = {slots[n][k]}" for n in kept]
    if parts["loss"] is not None:
        update.append(f"_losses[_run_k] = {parts['loss']}")
    update.append("_done[0] = _run_k + 1")
    batches = _Batches(args, structure, generated.objects)
    forward, computed = batches.forward([_stop(line) for line in _untyped(parts["forward"])])
    backward = batches.backward(parts["backward"], _lists(parts["forward"] + parts["backward"]))
    guards = [_stop(line) for line in parts["guards"]]
    read = _names_read([*forward, *guards, *backward, *update])
    leaves = count()
    unpack = []  # the row, as the step's arguments (those read whole: a batch's loop reads the row)
    for a, sub in enumerate(structure):
        arg = _rebuilt(sub, leaves)
        if args[a] in read:
            unpack.append(f"{args[a]} = {arg}  # the row, as the step's argument")
    inner = ["_row = _samples[_run_k % _samples.shape[0]]", *loads, *unpack, *forward,
             *_finite(computed, "a NaN or an infinity: where CPython's math may have raised"),
             *guards, *backward, *update]
    body = ["_S = np.zeros(_SCRATCH)  # the variables a batch's loop carries (see _Single)",
            "for _run_k in range(_start, _total):"]
    body += ["    " + line for line in inner]
    body.append("return -1")
    return "\n".join([*lines, *("    " + line for line in body)]) + "\n", name


class _Batches:
    """A batch's loops (`autograd.compiler.codegen`), as numba takes them: the forward loop over an
    argument's samples (``for (xs_i_0, xs_i_1), ys_i in zip(xs, ys, strict=True):``) runs over an
    index, each sample's numbers read from the row (``xs_i_0 = _row[0 + _i * 2 + 0]``), a column
    of constants indexed the same way; the backward loop over the kept rows in reverse
    (``reversed(rows)``, which numba does not know) indexes the list from its end.  The finite
    check of a loop's values is at the end of its body, for every sample."""

    def __init__(self, args: list[str], structure: Any, objects: dict[str, object]) -> None:
        self.args = args
        self.structure = structure
        self.objects = objects
        self.loops = count(1)
        self.offsets: list[int] = []
        at = 0
        for sub in structure:
            self.offsets.append(at)
            at += _count(sub)

    def forward(self, lines: list[str]) -> tuple[list[str], list[str]]:
        """The forward lines for numba, and the variables computed outside any loop (to check)."""
        out: list[str] = []
        top: list[str] = []
        loops: list[tuple[int, list[str]]] = []  # (indent of the for, the body's variables)
        lists: set[str] = set()

        def close() -> None:
            indent, computed = loops.pop()
            pad = " " * (indent + 4)
            out.extend(pad + line for line in _finite(computed, "a NaN or an infinity in a sample's terms"))

        for line in lines:
            stripped = line.lstrip()
            indent = len(line) - len(stripped)
            while loops and indent <= loops[-1][0]:
                close()
            if stripped.startswith("for ") and stripped.endswith(":"):
                header, assigns = self._header(stripped)
                out.append(" " * indent + header)
                out += [" " * (indent + 4) + a for a in assigns]
                loops.append((indent, []))
                continue
            out.append(line)
            if _sequence(stripped):  # rows = [], p_i_all = (w1_0_0, ...): not a number to check
                lists.add(stripped.split()[0])
                continue
            names = [v for v in _assigned(stripped) if v not in lists]
            if loops and indent == loops[-1][0] + 4:
                loops[-1][1].extend(names)
            elif not loops and indent == 0:
                top.extend(names)
        while loops:
            close()
        return out, top

    def _header(self, header: str) -> tuple[str, list[str]]:
        """A loop's header over an index, and the lines that assign its targets from it: an
        argument's samples from the row, ``reversed(rows)`` from the end, a list, a tuple or a
        column of constants by the index (``zip``'s ``strict=`` is not numba's)."""
        loop = ast.parse(header + "\n    pass").body[0]
        assert isinstance(loop, ast.For)
        it = loop.iter
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "zip":
            sources = it.args
            targets = loop.target.elts if isinstance(loop.target, ast.Tuple) else []
        else:
            sources, targets = [it], [loop.target]
        if len(sources) != len(targets) or not all(isinstance(_listed_name(s), str) for s in sources):
            return header, []  # range(n), say: numba takes it as it is
        sizes: list[str] = []
        assigns: list[str] = []
        i = f"_run_i{next(self.loops)}"  # a name of each loop's own: assigned once
        for source, target in zip(sources, targets, strict=True):
            name = _listed_name(source)
            assert name is not None
            if isinstance(source, ast.Call):  # reversed(rows): from the end
                element = f"{name}[len({name}) - 1 - {i}]"
                sizes.append(f"len({name})")
            elif name in self.args:
                a = self.args.index(name)
                sub = self.structure[a]
                if not sub:
                    raise CompileError(f"compile: backend='numba' cannot loop over {name}")
                width = _count(sub[0])
                offset = self.offsets[a]
                element = _rebuilt(sub[0], count(), f"_row[{offset} + {i} * {width} + {{}}]".format)
                sizes.append(str(len(sub)))
            else:  # a column of constants, or a list or tuple of the step's
                column = self.objects.get(name)
                element = f"{name}[{i}]"
                sizes.append(str(len(column)) if isinstance(column, tuple) else f"len({name})")
            assigns.append(f"{ast.unparse(target)} = {element}")
        return f"for {i} in range({sizes[0]}):", assigns

    def backward(self, lines: list[str], lists: set[str]) -> list[str]:
        """The backward lines for numba: each loop over an index (`_header`), and a list unpacked
        into variables (``d_b3, d_w3_15, ... = d_p_i_after``, which numba cannot) one by one."""
        out: list[str] = []
        for line in lines:
            stripped = line.lstrip()
            pad = line[: len(line) - len(stripped)]
            if stripped.startswith("for ") and stripped.endswith(":"):
                header, assigns = self._header(stripped)
                out.append(pad + header)
                out += [pad + "    " + a for a in assigns]
                continue
            unpacked = _unpacked(stripped, lists)
            out += [pad + u for u in unpacked] if unpacked else [line]
        return out


def _listed_name(node: ast.expr) -> str | None:
    """``rows`` for ``rows`` or ``reversed(rows)``; None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "reversed"
            and len(node.args) == 1 and isinstance(node.args[0], ast.Name)):
        return node.args[0].id
    return None


def _sequence(line: str) -> bool:
    """Whether ``line`` makes a list or a tuple (``rows = []``, ``d = [0.0] * 337``, ``t = (a, b)``)."""
    try:
        tree = ast.parse(line)
    except SyntaxError:
        return False
    stmt = tree.body[0] if len(tree.body) == 1 else None
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)):
        return False
    value = stmt.value
    return isinstance(value, (ast.List, ast.Tuple)) or (
        isinstance(value, ast.BinOp) and isinstance(value.left, ast.List))


def _lists(lines: list[str]) -> set[str]:
    """The variables the lines make lists or tuples (`_sequence`)."""
    return {line.strip().split()[0] for line in lines if _sequence(line.strip())}


def _unpacked(line: str, lists: set[str]) -> list[str]:
    """``a, b = rows`` of a list ``rows``: ``a = rows[0]``, ``b = rows[1]``; else []."""
    m = re.fullmatch(r"(.+) = (\w+)", line)
    if not m or m.group(2) not in lists or "," not in m.group(1):
        return []
    try:
        target = ast.parse(m.group(1), mode="eval").body
    except SyntaxError:
        return []
    if not isinstance(target, ast.Tuple) or not all(isinstance(e, ast.Name) for e in target.elts):
        return []
    return [f"{ast.unparse(e)} = {m.group(2)}[{k}]" for k, e in enumerate(target.elts)]


def _finite(names: list[str], why: str) -> list[str]:
    """Lines that stop the loop before this update (``return _run_k``) unless every one of ``names``
    is finite: ``v * 0.0`` is 0.0 for a finite v, NaN for a NaN or an infinity; their sum is
    summed a few at a time (one expression of thousands of terms is too deep to compile)."""
    if not names:
        return []
    chunks = [names[k : k + 32] for k in range(0, len(names), 32)]
    lines = []
    for k, chunk in enumerate(chunks):
        terms = " + ".join(f"{v} * 0.0" for v in chunk)
        lines.append(f"_run_f = {terms}" if k == 0 else f"_run_f += {terms}")
    return [*lines, "if not _run_f == 0.0:", f"    return _run_k  # {why}"]


class _Single(ast.NodeTransformer):
    """Each variable of an update assigned once (numba's SSA pass takes time in the number of
    variables assigned more than once times the function's size: minutes for micrograd's moons
    step).  In the body of the loop over updates (``for _run_k ...``):

    - a variable assigned again (``d_b += ...``; the update's ``w = w - _lr * d_w``) is a new
      variable from there on (``d_b = ...`` / ``d_b_v2 = d_b + ...``: ``x += y`` is ``x = x + y``
      on floats, bit for bit), in the update's straight code and in each loop's body;
    - a variable a loop carries from one sample to the next (a gradient summed over the samples),
      or assigned in a loop or an ``if`` and read elsewhere, is a cell of the array ``_S``
      (``_S[3] += ...``), which numba's SSA pass does not track."""

    def __init__(self) -> None:
        self.cells: dict[str, int] = {}

    def visit_For(self, node: ast.For) -> Any:
        if not (isinstance(node.target, ast.Name) and node.target.id == "_run_k"):
            return node
        keep = _across_updates(node.body)
        cells = _carried(node.body) - keep
        self.cells = {name: k for k, name in enumerate(sorted(cells))}
        node.body = _Renamer(self.cells, keep).block(node.body)
        return node


def _across_updates(body: list[ast.stmt]) -> set[str]:
    """The variables an update reads before it assigns them (carried from one update to the next in
    a local, an optimizer's state, say): kept as they are, neither renamed nor cells (their value
    before the loop over updates is the local's)."""
    assigned = {t for stmt in body for n in ast.walk(stmt) if isinstance(n, ast.stmt) for t in _targets(n)}
    seen: set[str] = set()
    keep: set[str] = set()

    def read(node: ast.AST) -> None:
        keep.update(name for name in _reads(node) if name in assigned and name not in seen)

    def walk(stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            if isinstance(stmt, ast.For):
                read(stmt.iter)
                seen.update(_targets(stmt))
                walk(stmt.body)
            elif isinstance(stmt, ast.If):
                read(stmt.test)
                walk(stmt.body)
                walk(stmt.orelse)
            else:
                read(stmt)
                if isinstance(stmt, ast.AugAssign):
                    keep.update(t for t in _targets(stmt) if t not in seen)
                seen.update(_targets(stmt))

    walk(body)
    return keep


def _targets(stmt: ast.stmt) -> list[str]:
    """The names a simple statement assigns (an augmented assignment's target too)."""
    found: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        found = list(stmt.targets)
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign, ast.For)):
        found = [stmt.target]
    return [n.id for t in found for n in ast.walk(t) if isinstance(n, ast.Name)]


def _reads(node: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]


def _carried(body: list[ast.stmt]) -> set[str]:
    """The variables of one update to keep in cells: carried by a loop from one sample to the next,
    assigned in a loop and read outside it, or assigned in an ``if`` or a nested block."""
    cells: set[str] = set()
    region: dict[str, int] = {}  # a variable -> the region (0: the update's straight code) assigning it last
    for r, stmt in enumerate(body, start=1):
        if isinstance(stmt, ast.For):
            assigned = {t for s in stmt.body for n in ast.walk(s) if isinstance(n, ast.stmt)
                        for t in _targets(n)}
            seen: set[str] = set()
            for name in _reads(stmt.iter):
                if region.get(name, 0) != 0:
                    cells.add(name)
            for s in stmt.body:
                if not isinstance(s, (ast.Assign, ast.AugAssign, ast.Expr, ast.Return, ast.Pass, ast.If)):
                    cells.update(t for n in ast.walk(s) if isinstance(n, ast.stmt) for t in _targets(n))
                    continue
                cells.update(_nested_targets(s))
                for name in _uses(s):
                    if name in assigned and name not in seen:
                        cells.add(name)  # read before this sample assigns it: carried
                    elif name not in assigned and region.get(name, 0) not in (0, r):
                        cells.add(name)  # assigned in another loop
                if isinstance(s, ast.Assign):
                    seen.update(_targets(s))
            for name in assigned:
                region[name] = r
            for name in _targets(stmt):
                region[name] = r
            continue
        cells.update(_nested_targets(stmt))
        for name in _uses(stmt):
            if region.get(name, 0) != 0:
                cells.add(name)  # assigned in a loop, read after it
        for name in _targets(stmt):
            region[name] = 0
    return cells


def _nested_targets(stmt: ast.stmt) -> list[str]:
    """The names the statements inside ``stmt`` (an ``if``'s branches) assign."""
    return [t for n in ast.walk(stmt) if isinstance(n, ast.stmt) and n is not stmt for t in _targets(n)]


def _uses(stmt: ast.stmt) -> list[str]:
    """The names ``stmt`` reads (``x += y`` reads x too)."""
    return _reads(stmt) + (_targets(stmt) if isinstance(stmt, ast.AugAssign) else [])


class _Renamer:
    """`_Single`'s renaming: each assignment of a variable after its first is a new variable."""

    def __init__(self, cells: dict[str, int], keep: set[str]) -> None:
        self.cells = cells
        self.keep = keep  # assigned under their own names (`_across_updates`)
        self.versions: dict[str, int] = {}

    def cell(self, name: str, ctx: ast.expr_context) -> ast.expr:
        return ast.Subscript(ast.Name("_S", ast.Load()), ast.Constant(self.cells[name]), ctx)

    def read(self, node: ast.expr, current: dict[str, str]) -> ast.expr:
        renamer = self

        class Reads(ast.NodeTransformer):
            def visit_Name(self, n: ast.Name) -> Any:
                if n.id in renamer.cells:
                    return ast.copy_location(renamer.cell(n.id, n.ctx), n)
                if isinstance(n.ctx, ast.Load) and n.id in current:
                    return ast.copy_location(ast.Name(current[n.id], ast.Load()), n)
                return n

        return cast(ast.expr, Reads().visit(node))

    def fresh(self, name: str, current: dict[str, str]) -> str:
        if name in self.keep:
            return name
        k = self.versions.get(name, 0) + 1
        self.versions[name] = k
        new = name if k == 1 else f"{name}_v{k}"
        current[name] = new
        return new

    def store(self, target: ast.expr, current: dict[str, str]) -> ast.expr:
        if isinstance(target, ast.Name):
            if target.id in self.cells:
                return self.cell(target.id, ast.Store())
            return ast.Name(self.fresh(target.id, current), ast.Store())
        if isinstance(target, (ast.Tuple, ast.List)):
            target.elts = [self.store(e, current) for e in target.elts]
            return target
        return self.read(target, current)  # a subscript: _W[0] = ...

    def block(self, body: list[ast.stmt], current: dict[str, str] | None = None) -> list[ast.stmt]:
        current = {} if current is None else current
        out: list[ast.stmt] = []
        for stmt in body:
            if isinstance(stmt, ast.Assign):
                value = self.read(stmt.value, current)
                stmt.targets = [self.store(t, current) for t in stmt.targets]
                stmt.value = value
                out.append(stmt)
            elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name) \
                    and stmt.target.id not in self.cells and stmt.target.id not in self.keep:
                old = self.read(ast.Name(stmt.target.id, ast.Load()), current)
                value = ast.BinOp(old, stmt.op, self.read(stmt.value, current))
                out.append(ast.copy_location(ast.Assign([self.store(stmt.target, current)], value), stmt))
            elif isinstance(stmt, ast.For):
                stmt.iter = self.read(stmt.iter, current)
                inner = dict(current)
                stmt.target = self.store(stmt.target, inner)
                stmt.body = self.block(stmt.body, inner)
                out.append(stmt)
            elif isinstance(stmt, ast.If):
                stmt.test = self.read(stmt.test, current)
                stmt.body = self.block(stmt.body, dict(current))
                stmt.orelse = self.block(stmt.orelse, dict(current))
                out.append(stmt)
            else:
                out.append(cast(ast.stmt, self.read(cast(ast.expr, stmt), current)))  # a return, a call
        return out


_Listed = tuple[str, int | None, int, list[ast.expr]]
"""A list or tuple `_Arrays` makes an array: ("grown" by ``append``, or "fixed"), its length (None:
not known yet), its rows' width (0: a 1-D array) and the items it is made of (a fixed one's)."""
_Made = dict[str, _Listed]


class _Arrays:
    """An update's lists as float64 arrays allocated once, before the loop over updates (numba's
    lists are on the heap and grow at each ``append``: an allocation and a copy in the hot loop).
    After `_Single`, in the body of ``for _run_k ...``:

    - a list a loop of a known number of samples (``range(100)``, ``range(len(p_i_all))``) fills,
      one ``append`` each (``loss_i_all.append(loss_i)``, ``rows_2.append((ys_i, xs_i_0, ...))``),
      is a 1-D or a 2-D array written at the loop's index (``rows_2[_run_i1, 0] = ys_i``); a row
      read back (``ys_i_v2, xs_i_0_v2, ... = rows_2[99 - _run_i4]``) is read number by number;
    - a column of the update's parameters (``p_i_all = (w1_0_0, w1_0_1, ...)``, each loaded from
      ``_W`` in order) is read from ``_W`` itself (the update writes ``_W`` only after its last
      read); a list of zeros (``d_p_i_before = [0.0] * 337``) is an array of zeros, allocated
      once; any other list or tuple of numbers, an array written in place at each update;
    - ``len`` of any of them is its length, a number.

    Each update writes an item before it reads it (as the list's ``append`` comes before its
    read), so what an earlier update left in an array is never read.  The sums stay the same
    floats: ``_sum`` adds an array's items from 0.0 left to right, as the list's.  A list used in
    any other way stays a list."""

    def __init__(self) -> None:
        self.allocated: list[ast.stmt] = []  # before the loop over updates

    def visit(self, tree: ast.Module) -> ast.Module:
        for function in tree.body:
            if not isinstance(function, ast.FunctionDef):
                continue
            for at, stmt in enumerate(function.body):
                if isinstance(stmt, ast.For) and ast.unparse(stmt.target) == "_run_k":
                    self.allocated = []
                    stmt.body = self.block(stmt.body)
                    function.body[at:at] = self.allocated
                    break
        return tree

    def block(self, body: list[ast.stmt]) -> list[ast.stmt]:
        stores: dict[str, int] = {}
        for n in ast.walk(ast.Module(body, [])):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                stores[n.id] = stores.get(n.id, 0) + 1
        loaded: dict[str, int] = {}  # a parameter's variable -> its index in _W
        for stmt in body:
            name = _assigned_once(stmt, stores)
            k = _w_index(stmt.value) if name is not None and isinstance(stmt, ast.Assign) else None
            if name is not None and k is not None:
                loaded[name] = k
        # the lists and tuples each update makes once, at its top level: name -> (kind, length, width, items)
        made: _Made = {}
        for stmt in body:
            name = _assigned_once(stmt, stores)
            if name is None or not isinstance(stmt, ast.Assign):
                continue
            value = stmt.value
            if isinstance(value, ast.List) and not value.elts:
                made[name] = ("grown", None, 0, [])
            elif isinstance(value, (ast.List, ast.Tuple)) and value.elts and not any(
                    isinstance(e, ast.Starred) for e in value.elts):
                made[name] = ("fixed", len(value.elts), 0, list(value.elts))
            elif (isinstance(value, ast.BinOp) and isinstance(value.op, ast.Mult)
                  and isinstance(value.left, ast.List) and len(value.left.elts) == 1
                  and isinstance(value.right, ast.Constant)
                  and type(value.right.value) is int and value.right.value > 0):
                made[name] = ("fixed", value.right.value, 0, value.left.elts * value.right.value)
        # each grown list: its loop's index and number of samples, and the width of what it appends
        appends: dict[str, list[int]] = {}  # a grown list -> the loops (their places in the body) filling it
        for at, stmt in enumerate(body):
            if not isinstance(stmt, ast.For) or any(isinstance(n, (ast.Break, ast.Continue))
                                                    for n in ast.walk(stmt)):
                continue  # (each sample appends once: none skipped)
            size = self.size(stmt.iter, made)
            for s in stmt.body:
                listed = _appended(s)
                if listed in made and size is not None and isinstance(stmt.target, ast.Name):
                    appends.setdefault(listed, []).append(at)
                    kind, length, _, items = made[listed]
                    if kind == "grown" and length is None:
                        item = cast(ast.Call, cast(ast.Expr, s).value).args[0]
                        width = len(item.elts) if isinstance(item, ast.Tuple) else 0
                        made[listed] = (kind, size, width, items)
        everywhere = [_appended(n) for n in ast.walk(ast.Module(body, []))]
        for listed, (kind, length, _, _) in list(made.items()):
            once = len(appends.get(listed, [])) == 1 and everywhere.count(listed) == 1
            grown_badly = kind == "grown" and (length is None or not once)
            if grown_badly or (kind == "fixed" and listed in everywhere):  # a fixed one appended to: a list
                del made[listed]
        for listed in [n for n in made if not self.uses_known(n, made[n], body, appends.get(n, [-1])[0])]:
            del made[listed]
        if not made:
            return body
        # where each one's items come from, and the rewriting
        last_read: dict[str, int] = {}
        for k, stmt in enumerate(body):
            for n in ast.walk(stmt):
                if isinstance(n, ast.Name) and n.id in made:
                    last_read[n.id] = k
        first_w_store = min((k for k, stmt in enumerate(body) if _stores_w(stmt)), default=len(body))
        sources: dict[str, str] = {}  # name -> "_W" plus an offset, for a column of parameters
        out: list[ast.stmt] = []
        for stmt in body:
            target = stmt.targets[0].id if isinstance(stmt, ast.Assign) and isinstance(
                stmt.targets[0], ast.Name) else None
            if target in made:
                kind, length, width, items = made[target]
                assert length is not None
                if kind == "grown":
                    shape = f"({length}, {width})" if width else str(length)
                    self.allocated.append(_statement(f"{target} = np.empty({shape})"))
                    continue
                if all(isinstance(e, ast.Constant) and type(e.value) is float and e.value == 0.0
                       and math.copysign(1.0, e.value) > 0 for e in items):
                    self.allocated.append(_statement(f"{target} = np.zeros({length})"))
                    continue
                indices = [loaded.get(e.id) if isinstance(e, ast.Name) else None for e in items]
                first = indices[0]
                if first is not None and indices == list(range(first, first + length)) \
                        and last_read[target] < first_w_store:
                    sources[target] = str(first)
                    continue
                self.allocated.append(_statement(f"{target} = np.empty({length})"))
                out += [_statement(f"{target}[{j}] = {ast.unparse(e)}") for j, e in enumerate(items)]
                continue
            out.append(stmt)
        rewrite = _ArrayReads(made, sources)
        return [ast.fix_missing_locations(s) for stmt in out for s in rewrite.statement(stmt)]

    @staticmethod
    def size(it: ast.expr, made: _Made) -> int | None:
        """The number of samples of a loop ``for i in range(n)`` (a number, or ``len`` of a list
        whose length is known), or None."""
        if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"
                and len(it.args) == 1):
            return None
        n = it.args[0]
        if isinstance(n, ast.Constant) and type(n.value) is int:
            return n.value
        listed = _len_of(n)
        return made[listed][1] if listed in made else None

    @staticmethod
    def uses_known(name: str, entry: _Listed, body: list[ast.stmt], filled: int) -> bool:
        """Whether every use of ``name`` is one `_ArrayReads` rewrites: its making, its ``append``,
        and after the loop that fills it (at ``filled`` in ``body``; -1: a fixed one), ``len``, an
        item read (a 2-D array's row: unpacked into as many variables as it has numbers), a 1-D
        array passed to a function of the step's (``_sum(loss_i_all)``).  A fixed one's items are
        numbers: variables of the update, cells or floats."""
        kind, _, width, items = entry
        if kind == "fixed" and not all(
                (isinstance(e, ast.Constant) and type(e.value) is float) or isinstance(e, ast.Name)
                or (isinstance(e, ast.Subscript) and ast.unparse(e.value) == "_S") for e in items):
            return False
        allowed: set[int] = set()  # ids of the Name nodes used in a known way
        found: list[ast.Name] = []
        for at, stmt in enumerate(body):
            for n in ast.walk(stmt):
                if isinstance(n, ast.Name) and n.id == name:
                    found.append(n)
                if n is stmt and isinstance(n, ast.Assign) and _assigned_once(n, {name: 1}) == name:
                    allowed.add(id(n.targets[0]))  # its making
                elif isinstance(n, ast.Expr) and _appended(n) == name and kind == "grown":
                    allowed.add(id(cast(ast.Attribute, cast(ast.Call, n.value).func).value))
                elif at <= filled:
                    continue  # read while it is filled
                elif _len_of(n) == name:
                    allowed.add(id(cast(ast.Call, n).args[0]))
                elif isinstance(n, ast.Assign) and width and isinstance(n.value, ast.Subscript) \
                        and isinstance(n.value.value, ast.Name) and n.value.value.id == name:
                    t = n.targets[0] if len(n.targets) == 1 else None
                    if isinstance(t, ast.Tuple) and len(t.elts) == width \
                            and all(isinstance(e, (ast.Name, ast.Subscript)) for e in t.elts):
                        allowed.add(id(n.value.value))
                elif isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) and n.value.id == name \
                        and isinstance(n.ctx, ast.Load) and not width:
                    allowed.add(id(n.value))
                elif isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and not width \
                        and kind == "grown" and not hasattr(builtins, n.func.id):
                    allowed.update(id(a) for a in n.args if isinstance(a, ast.Name) and a.id == name)
        return all(id(n) in allowed for n in found)


def _assigned_once(stmt: ast.stmt, stores: dict[str, int]) -> str | None:
    """The variable ``stmt`` assigns, if it is ``name = ...`` and the only assignment of it."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        name = stmt.targets[0].id
        return name if stores.get(name) == 1 else None
    return None


def _w_index(node: ast.expr) -> int | None:
    """k for ``_W[k]``, else None."""
    if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "_W"
            and isinstance(node.slice, ast.Constant) and type(node.slice.value) is int):
        return node.slice.value
    return None


def _stores_w(stmt: ast.stmt) -> bool:
    return any(isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store) and isinstance(n.value, ast.Name)
               and n.value.id == "_W" for n in ast.walk(stmt))


def _appended(stmt: ast.AST) -> str | None:
    """``rows`` for ``rows.append(x)``, else None."""
    if (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and len(stmt.value.args) == 1
            and not stmt.value.keywords and isinstance(stmt.value.func, ast.Attribute)
            and stmt.value.func.attr == "append" and isinstance(stmt.value.func.value, ast.Name)):
        return stmt.value.func.value.id
    return None


def _len_of(node: ast.AST) -> str | None:
    """``rows`` for ``len(rows)``, else None."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len"
            and len(node.args) == 1 and isinstance(node.args[0], ast.Name)):
        return node.args[0].id
    return None


def _statement(text: str) -> ast.stmt:
    return ast.parse(text).body[0]


class _ArrayReads(ast.NodeTransformer):
    """`_Arrays`'s rewriting of the uses of the lists it makes arrays."""

    def __init__(self, made: _Made, sources: dict[str, str]) -> None:
        self.made = made
        self.sources = sources  # a column of parameters: read from _W at this offset
        self.index: str | None = None  # the index of the loop the statements are in

    def statement(self, stmt: ast.stmt) -> list[ast.stmt]:
        name = _appended(stmt)
        if name in self.made:  # rows.append(x) in a loop over i: rows[i] = x
            loop_index = self.index
            assert loop_index is not None
            item = cast(ast.Call, cast(ast.Expr, stmt).value).args[0]
            item = cast(ast.expr, self.visit(item))
            width = self.made[name][2]
            if width:
                return [_statement(f"{name}[{loop_index}, {j}] = {ast.unparse(e)}")
                        for j, e in enumerate(cast(ast.Tuple, item).elts)]
            return [_statement(f"{name}[{loop_index}] = {ast.unparse(item)}")]
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Subscript) \
                and isinstance(stmt.value.value, ast.Name) and stmt.value.value.id in self.made \
                and self.made[stmt.value.value.id][2]:  # a, b = rows[i]: a = rows[i, 0]; b = rows[i, 1]
            name = stmt.value.value.id
            at = ast.unparse(cast(ast.expr, self.visit(stmt.value.slice)))
            return [_statement(f"{ast.unparse(e)} = {name}[{at}, {j}]")
                    for j, e in enumerate(cast(ast.Tuple, stmt.targets[0]).elts)]
        if isinstance(stmt, ast.For):
            stmt.iter = cast(ast.expr, self.visit(stmt.iter))
            outer, self.index = self.index, ast.unparse(stmt.target)
            stmt.body = [s for inner in stmt.body for s in self.statement(inner)]
            self.index = outer
            return [stmt]
        if isinstance(stmt, ast.If):
            stmt.test = cast(ast.expr, self.visit(stmt.test))
            stmt.body = [s for inner in stmt.body for s in self.statement(inner)]
            stmt.orelse = [s for inner in stmt.orelse for s in self.statement(inner)]
            return [stmt]
        return [cast(ast.stmt, self.visit(stmt))]

    def visit_Call(self, node: ast.Call) -> Any:
        name = _len_of(node)
        if name in self.made:
            return ast.copy_location(ast.Constant(self.made[name][1]), node)
        self.generic_visit(node)
        return node

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        self.generic_visit(node)
        if isinstance(node.value, ast.Name) and node.value.id in self.sources:
            offset = self.sources[node.value.id]
            at = node.slice if offset == "0" else ast.BinOp(ast.Constant(int(offset)), ast.Add(), node.slice)
            return ast.copy_location(ast.Subscript(ast.Name("_W", ast.Load()), at, node.ctx), node)
        return node


def _count(structure: Any) -> int:
    """The number of numbers in a sample of ``structure``."""
    return 1 if structure is None else sum(_count(s) for s in structure)


def _rebuilt(structure: Any, leaves: Any, leaf: Callable[[int], str] = "_row[{}]".format) -> str:
    """Code that builds a sample of ``structure`` from the numbers of ``_row``, in order (the number
    ``j`` as ``leaf(j)``)."""
    if structure is None:
        return leaf(next(leaves))
    parts = [_rebuilt(s, leaves, leaf) for s in structure]
    return f"({', '.join(parts)}{',' if len(parts) == 1 else ''})"


def _structure(x: Any) -> Any:
    """A sample's structure: None for a number, a tuple of its items' for a list or tuple."""
    if isinstance(x, (list, tuple)):
        return tuple(_structure(i) for i in x)
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"not a number: {x!r}")
    return None


def _untyped(lines: list[str]) -> list[str]:
    """The forward lines without the step's check of its arguments' types (``if type(x) is not
    float ...: return _retrace(...)``) and of a batch's size (``if len(xs) != 100 ...``): numba
    has no ``type()``, and `NumbaLoop` checks every sample's types and sizes against the traced
    ones before the run (another: the Python loop)."""
    kept: list[str] = []
    skip = False
    for line in lines:
        if line.lstrip().startswith(("if type(", "if len(")):
            skip = True
        elif skip and line.lstrip().startswith("return _retrace("):
            skip = False
        else:
            skip = False
            kept.append(line)
    return kept


def _kinds(x: Any) -> Any:
    """A sample's exact types, nested: what the step's type checks compare (an int is not a float)."""
    return (type(x), tuple(_kinds(i) for i in x)) if isinstance(x, (list, tuple)) else type(x)


def _stop(line: str) -> str:
    for exit_ in ("return _recover(", "return _retrace("):
        at = line.find(exit_)
        if at >= 0:
            return line[:at] + "return _run_k  # the Python step on this sample goes on from here"
    return line


def _assigned(line: str) -> list[str]:
    """The variables a forward line assigns (its targets)."""
    try:
        tree = ast.parse(line.strip())
    except SyntaxError:
        return []
    out: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                out += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    return out


class _Globals(ast.NodeTransformer):
    """``_globals_m['NAME']`` (a rule's module global, which the Python step reads at every call)
    -> its number now, recorded in ``read`` as (the module's globals, the name, the value): the
    loop checks them at each run, and a changed one sends the run to the Python loop."""

    def __init__(self, objects: dict[str, Any], module: _Module) -> None:
        self.objects = objects
        self.module = module
        self.read: list[tuple[dict[str, Any], str, Any]] = []

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        self.generic_visit(node)
        table, key = node.value, node.slice
        if not (isinstance(table, ast.Name) and table.id.startswith("_globals_")
                and isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return node
        module_globals = self.objects[table.id]
        value = module_globals.get(key.value)
        self.read.append((module_globals, key.value, value))
        if isinstance(value, types.FunctionType):  # a helper the rule calls: its numba form
            return ast.copy_location(ast.Name(self.module.function(value), ast.Load()), node)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise CompileError(f"compile: backend='numba' cannot take {key.value} = {value!r} (a rule's"
                               " module global) into compiled code")
        return ast.copy_location(_expression(_number(value)), node)


class _FloatPath(ast.NodeTransformer):
    """A helper written for floats and Values (``p.log() if isinstance(p, Value) else math.log(p)``,
    for gradients of gradients) as numba sees it, where every number is a float: ``isinstance(x,
    Value)`` is False, and what it decides is folded away (numba would type the Value branch too)."""

    def __init__(self, values: set[str]) -> None:
        self.values = values

    def visit_Call(self, node: ast.Call) -> Any:
        self.generic_visit(node)
        if (isinstance(node.func, ast.Name) and node.func.id == "isinstance" and len(node.args) == 2
                and isinstance(node.args[1], ast.Name) and node.args[1].id in self.values):
            return ast.copy_location(ast.Constant(False), node)
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> Any:
        self.generic_visit(node)
        falses = [v for v in node.values if isinstance(v, ast.Constant) and v.value is False]
        if isinstance(node.op, ast.And) and falses:
            return ast.copy_location(ast.Constant(False), node)
        rest = [v for v in node.values if v not in falses]
        if not rest:
            return ast.copy_location(ast.Constant(False), node)
        return rest[0] if len(rest) == 1 else ast.copy_location(ast.BoolOp(node.op, rest), node)

    def visit_IfExp(self, node: ast.IfExp) -> Any:
        self.generic_visit(node)
        if isinstance(node.test, ast.Constant) and node.test.value is False:
            return node.orelse
        return node

    def visit_If(self, node: ast.If) -> Any:
        self.generic_visit(node)
        if isinstance(node.test, ast.Constant) and node.test.value is False:
            return node.orelse or None
        return node


class _NoWalrus(ast.NodeTransformer):
    """``x = a if c else (_e := f(z)) / (1.0 + _e)`` -> ``if c: x = a`` / ``else: _e = f(z); x = _e / ...``
    (numba does not type an assignment expression)."""

    def visit_Assign(self, node: ast.Assign) -> Any:
        if not any(isinstance(n, ast.NamedExpr) for n in ast.walk(node.value)):
            return node
        return self._assign(node.targets, node.value, node)

    def _assign(self, targets: list[ast.expr], value: ast.expr, where: ast.AST) -> list[ast.stmt] | ast.stmt:
        if isinstance(value, ast.IfExp):
            stmt = ast.If(test=value.test, body=_listed(self._assign(targets, value.body, where)),
                          orelse=_listed(self._assign(targets, value.orelse, where)))
            return ast.copy_location(stmt, where)
        hoisted: list[ast.stmt] = []

        class Hoist(ast.NodeTransformer):
            def visit_NamedExpr(self, n: ast.NamedExpr) -> Any:
                self.generic_visit(n)
                hoisted.append(ast.Assign(targets=[ast.Name(n.target.id, ast.Store())], value=n.value))
                return ast.Name(n.target.id, ast.Load())

        value = Hoist().visit(value)
        return [*hoisted, ast.Assign(targets=targets, value=value)]


def _listed(x: list[ast.stmt] | ast.stmt) -> list[ast.stmt]:
    return x if isinstance(x, list) else [x]


class _OrZero(ast.NodeTransformer):
    """``x or 0.0`` (a float's -0.0 as 0.0, `autograd.compiler.rules.zero_plus`) -> ``x + 0.0``:
    the same float to the bit (-0.0 + 0.0 is 0.0 in IEEE arithmetic, and x + 0.0 is x for every
    other float, NaN included; numba folds neither without fastmath), and no branch: numba's passes
    take time in the number of branches and of the variables they assign."""

    def visit_BoolOp(self, node: ast.BoolOp) -> Any:
        self.generic_visit(node)
        last = node.values[-1]
        if isinstance(node.op, ast.Or) and len(node.values) == 2 and isinstance(last, ast.Constant) \
                and type(last.value) is float and last.value == 0.0 and math.copysign(1.0, last.value) > 0:
            return ast.copy_location(ast.BinOp(node.values[0], ast.Add(), ast.Constant(0.0)), node)
        return node


class _NoMessage(ast.NodeTransformer):
    """``raise ValueError(f"... {x!r}")`` -> ``raise ValueError``: numba cannot format the message,
    and the message shown is the engine's (the update is redone by the Python step).
    ``y.is_integer()``, which numba does not know, is ``(math.isfinite(y) and y == math.floor(y))``;
    ``zip(..., strict=True)``, whose keyword numba does not type, is ``zip(...)`` (a helper's
    sequences have the lengths of the trace, which the Python step checked)."""

    def visit_Try(self, node: ast.Try) -> Any:
        """``try: ... except ZeroDivisionError: ...``: numba catches only ``Exception``; without the
        handlers, what the body raises reaches the loop, which has the Python step redo the update."""
        self.generic_visit(node)
        if all(h.type is not None and not (isinstance(h.type, ast.Name) and h.type.id == "Exception")
               for h in node.handlers):
            return [*node.body, *node.orelse, *node.finalbody]
        return node

    def visit_Call(self, node: ast.Call) -> Any:
        self.generic_visit(node)
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr == "is_integer" and not node.args:
            y = f.value
            finite = ast.Call(ast.Attribute(ast.Name("math", ast.Load()), "isfinite", ast.Load()), [y], [])
            floor = ast.Call(ast.Attribute(ast.Name("math", ast.Load()), "floor", ast.Load()), [y], [])
            whole = ast.Compare(y, [ast.Eq()], [floor])
            return ast.copy_location(ast.BoolOp(ast.And(), [finite, whole]), node)
        if isinstance(f, ast.Name) and f.id == "zip":
            node.keywords = [k for k in node.keywords if k.arg != "strict"]
        return node

    def visit_Raise(self, node: ast.Raise) -> Any:
        if isinstance(node.exc, ast.Call):
            node.exc = node.exc.func
        node.cause = None
        return node


class _Module:
    """The loop and every helper it calls, as the text of one module for numba: each helper under a
    name of its own (``_nb1__bce``...), the numbers it reads from its module written in, so that
    the text alone is the program (numba's on-disk cache keys on the file it was read from)."""

    def __init__(self) -> None:
        self.lines = ["# autograd.compile, backend='numba': a step's loop and the op helpers it calls",
                      "import math", "import numpy as np", "from numba import njit", ""]
        self.names: dict[int, str] = {}

    def value(self, obj: Any, name: str) -> str:
        """``name = <obj>`` for the module (a function: its numba form); what the loop may call it."""
        if isinstance(obj, types.FunctionType):
            return self.function(obj)
        if isinstance(obj, types.ModuleType) and obj is math:
            self.lines.append(f"{name} = math")
        elif _math_function(obj):
            self.lines.append(f"{name} = math.{obj.__name__}")
        elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
            self.lines.append(f"{name} = {_number(obj)}")
        elif isinstance(obj, tuple) and obj and all(type(x) is float for x in obj):  # a batch's column
            self.lines.append(f"{name} = ({', '.join(_number(x) for x in obj)},)")
        else:
            raise CompileError(f"compile: backend='numba' cannot take {obj!r} ({name}) into compiled code")
        return name

    def function(self, fn: types.FunctionType) -> str:
        if id(fn) in self.names:
            return self.names[id(fn)]
        name = self.names[id(fn)] = f"_nb{len(self.names) + 1}_{fn.__name__}"
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
        except (OSError, TypeError, SyntaxError) as e:
            raise CompileError(f"compile: backend='numba' cannot read the source of {fn!r}") from e
        definition = tree.body[0]
        if not isinstance(definition, ast.FunctionDef):
            raise CompileError(f"compile: backend='numba' compiles functions defined by def; {fn!r} is not")
        definition.decorator_list = []
        definition.returns = None
        for a in [*definition.args.args, *definition.args.kwonlyargs]:
            a.annotation = None
        definition.name = name
        values = {k for k, v in fn.__globals__.items() if v is Value}  # the names Value goes by there
        definition = _FloatPath(values).visit(definition)
        tree.body[0] = definition
        local = {a.arg for a in definition.args.args} | {
            n.id for n in ast.walk(definition) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        renames: dict[str, ast.expr] = {}
        for n in ast.walk(definition):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in local | set(renames):
                obj = fn.__globals__.get(n.id, getattr(builtins, n.id, None))
                if obj is getattr(builtins, n.id, None):
                    continue  # max, min, abs, float...
                if isinstance(obj, types.FunctionType):
                    renames[n.id] = ast.Name(self.function(obj), ast.Load())
                elif obj is math:
                    renames[n.id] = ast.Name("math", ast.Load())
                elif _math_function(obj):
                    renames[n.id] = _expression(f"math.{getattr(obj, '__name__', '')}")
                elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
                    renames[n.id] = _expression(_number(obj))
                else:
                    raise CompileError(f"compile: backend='numba' cannot take {n.id} = {obj!r} (read by"
                                       f" {fn.__qualname__}) into compiled code")

        class Rename(ast.NodeTransformer):
            def visit_Name(self, n: ast.Name) -> Any:
                return renames.get(n.id, n) if isinstance(n.ctx, ast.Load) else n

        tree = ast.fix_missing_locations(_NoWalrus().visit(_NoMessage().visit(Rename().visit(tree))))
        self.lines += ["", "@njit(cache=_CACHE)", ast.unparse(tree), ""]
        return name


def _expression(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def _math_function(obj: Any) -> bool:
    """A function of the math module (``math.tanh``), which numba compiles itself."""
    return isinstance(obj, types.BuiltinFunctionType) and getattr(math, obj.__name__, None) is obj


def _number(x: float) -> str:
    if math.isfinite(x):
        return repr(x)
    return "math.nan" if math.isnan(x) else ("math.inf" if x > 0 else "-math.inf")


def _cache_dir() -> Path | None:
    """Where the loops' modules are written, for numba's on-disk cache (None: not cached):
    ``$AUTOGRAD_CACHE``, else ``~/.cache/scalar-autograd``, in a ``numba`` folder; ``AUTOGRAD_CACHE=off``:
    none."""
    root = os.environ.get("AUTOGRAD_CACHE", "")
    if root.lower() in ("off", "0", "no", "false"):
        return None
    base = Path(root) if root else Path.home() / ".cache" / "scalar-autograd"
    folder = base / "numba"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def _load(text: str, name: str) -> tuple[Any, bool]:
    """The function ``name`` of module ``text``: from a file in the cache folder (numba caches its
    machine code beside it: a second process loads it, not compiles it), or, without a folder,
    from the text itself (compiled in each process).  Also whether it is cached."""
    folder = _cache_dir()
    if folder is not None:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
        path = folder / f"loop_{digest}.py"
        try:
            if not path.exists():  # the name is the text's hash: an existing file is this text
                tmp = path.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_text(text.replace("_CACHE", "True"), encoding="utf-8")
                os.replace(tmp, path)
            spec = importlib.util.spec_from_file_location(f"_autograd_numba_{digest}", path)
            if spec is not None and spec.loader is not None:
                module = sys.modules.get(spec.name) or importlib.util.module_from_spec(spec)
                sys.modules[spec.name] = module  # numba's cache finds the module by its name
                spec.loader.exec_module(module)
                return getattr(module, name), True
        except OSError:
            pass
    namespace: dict[str, Any] = {}
    exec(builtins.compile(text.replace("_CACHE", "False"), f"<autograd.compile numba {name}>", "exec"),
         namespace)
    return namespace[name], False


class NumbaLoop:
    """The numba loop of one variant: called like the Python loop, ``loop(samples, epochs, start,
    append)``, it returns the index of the update it stopped before, or -1 when done."""

    def __init__(self, generated: Generated, program: Any, python: Callable[..., int], sample: Any) -> None:
        numba = require_numba()
        self.python = python  # the Python loop: for samples numba cannot take
        started = time.perf_counter()
        self.params = program.params
        self.optimizer = program.optimizer
        self.return_loss = program.return_loss
        self.structure = _structure(tuple(sample))
        self.kinds = _kinds(tuple(sample))
        self.flatten = _flattener(self.structure, self.kinds)
        self.source, name = numba_source(generated, program.optimizer, self.structure)
        module = _Module()
        read = _Globals(generated.objects, module)
        self.source = ast.unparse(ast.fix_missing_locations(read.visit(ast.parse(self.source))))
        self.globals_read = read.read
        aliases = [alias for alias, _, _ in generated.parts["state"]]
        self.values: list[Value] = [cast(Value, generated.objects[a]) for a in aliases]
        for key in sorted(_names_read(self.source.splitlines())):
            if key in generated.objects:
                alias = module.value(generated.objects[key], key)
                if alias != key:
                    module.lines.append(f"{key} = {alias}")
        tree = ast.fix_missing_locations(_OrZero().visit(_NoWalrus().visit(ast.parse(self.source))))
        single = _Single()
        tree = ast.fix_missing_locations(single.visit(tree))
        tree = ast.fix_missing_locations(_Arrays().visit(tree))
        module.lines += ["", f"_SCRATCH = {max(len(single.cells), 1)}", "", "@njit(cache=_CACHE)",
                         ast.unparse(tree), ""]
        self.module = "\n".join(module.lines)
        self.function, self.cached = _load(self.module, name)
        self.numba = numba
        self.first = True
        self.failed: str | None = None  # why numba could not compile the loop (then: the Python loop)
        self.name = generated.function
        self.compile_seconds = time.perf_counter() - started  # and numba's own, on the first run (below)

    def rows(self, samples: Sequence[Any]) -> Any:
        """The samples as the rows of a float64 array, or None if one is not of the traced structure
        and types (the step's type checks: an int where a float was is another trace)."""
        import numpy as np  # numba's own dependency

        flat: list[float] = []
        flatten = self.flatten
        for sample in samples:
            if not isinstance(sample, (list, tuple)) or not flatten(sample, flat):
                return None
        return np.array(flat, dtype=np.float64).reshape(len(samples), -1)

    def __call__(self, samples: Sequence[Any], epochs: int, start: int, append: Callable[[Any], None],
                 rates: Sequence[float] | None = None) -> int:
        rows = self.rows(samples)
        if rows is None:  # another structure or type: the Python loop (it stops; the step retraces)
            return self.python(samples, epochs, start, append, rates)
        return self.run(rows, samples, epochs, start, append, rates)

    def run(self, rows: Any, samples: Sequence[Any], epochs: int, start: int,
            append: Callable[[Any], None], rates: Sequence[float] | None = None) -> int:
        """`__call__` on the samples' `rows`; ``rates``: update k's learning rate ``rates[k]`` (the
        optimizer's ``lr`` is then left at the last whole update's), else the optimizer's, read once."""
        import numpy as np  # numba's own dependency

        changed = any(table.get(key) is not value for table, key, value in self.globals_read)
        if self.failed is not None or changed:  # numba could not compile it, or a global changed:
            return self.python(samples, epochs, start, append, rates)  # the Python loop (it reads it)
        values = self.values
        w = np.array([v.data for v in values], dtype=np.float64)
        if self.optimizer is not None:  # the fused step only writes the gradients
            g = np.zeros(len(values), dtype=np.float64)
        else:  # (run makes a grad of None a float first, with the step's update)
            g = np.array([float(v.grad) if isinstance(v.grad, (int, float)) else 0.0 for v in values],
                         dtype=np.float64)
        total = len(samples) * epochs
        losses = np.empty(total if self.return_loss else 0, dtype=np.float64)
        done = np.array([start], dtype=np.int64)
        if rates is not None:  # update k's rate, rates[k], as the Python loop reads it
            lr = np.array(rates, dtype=np.float64)
        elif self.optimizer is not None:  # the optimizer's, read once (as the Python loop reads it)
            lr = np.full(total, float(self.optimizer.lr), dtype=np.float64)
        else:
            lr = np.zeros(0, dtype=np.float64)
        kept = state_lists(self.optimizer)  # Adam's t as floats: numba's float ** int is not pow()
        state = [np.array([0.0 if x is None else x for x in getattr(self.optimizer, n)], dtype=np.float64)
                 for n in kept]  # (a momentum buffer of None: only before a run's first update, the step's)
        if self.first:  # numba compiles for these argument types: timed apart (no update is run)
            self.first = False
            began = time.perf_counter()
            limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(limit, 100_000))  # numba's passes recurse along a long function
            config = self.numba.core.config
            level = config.OPT
            if self.source.count("\n") > LARGE and "NUMBA_OPT" not in os.environ:
                config.OPT = type(level)(LARGE_OPT)  # LLVM's -O3 on one long function: minutes
            try:
                self.function(w, g, *state, rows, 0, 0, lr, losses, done.copy())
            except Exception as e:  # numba cannot compile it: the Python loop, the same results
                self.failed = f"{type(e).__name__}: {_first_reason(str(e))}"
                warnings.warn(f"compile: numba could not compile the loop of {self.name} ({self.failed});"
                              " it runs as the Python backend's loop", RuntimeWarning, stacklevel=4)
            finally:
                config.OPT = level
                sys.setrecursionlimit(limit)
            self.compile_seconds += time.perf_counter() - began
        if self.failed is not None:
            return self.python(samples, epochs, start, append, rates)
        try:
            stopped = self.function(w, g, *state, rows, start, total, lr, losses, done)
        except Exception:  # a line raised: the Python step redoes this update and names the node
            stopped = int(done[0])
        finally:
            last = int(done[0])
            if last > start:  # the arrays hold the state after update last - 1
                for v, data, grad in zip(values, w.tolist(), g.tolist(), strict=True):
                    v.data = data
                    v.grad = grad
                for n, array in zip(kept, state, strict=True):
                    getattr(self.optimizer, n)[:] = [int(x) if n == "t" else x for x in array.tolist()]
                if rates is not None:
                    self.optimizer.lr = rates[last - 1]  # as given (an int stays an int), as Python's
            if self.return_loss:
                for x in losses[start:last].tolist():
                    append(x)
        return int(stopped)


def _first_reason(message: str) -> str:
    """The first line of numba's ``message`` that says what failed (not "Failed in ... pipeline")."""
    lines = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", message).splitlines() if line.strip()]
    said = [line for line in lines if not line.startswith(("Failed in ", "File ", "<source", "During:"))]
    return re.sub(r" from '[^']*'", "", (said or lines or ["(no message)"])[0])[:200]


def native_step(program: Any, run: Any, python: Callable[..., Any]) -> Callable[..., Any]:
    """``step(*args)`` of ``backend="numba"``: one update by the numba loop of ``args``'s variant
    (`NumbaLoop`, the one ``step.run`` uses, compiled on the first call), the learning rate read
    at the call, as the Python step reads it (the loop's ``_LR``, one cell, holds ``opt.lr``: a
    schedule that sets ``opt.lr`` before each call is the Python step's; ``step.run(...,
    lr=schedule)`` runs the same updates in one call).  Where the numba loop stops before the update (a
    domain error, a NaN, a guard, another structure or type), or cannot take the arguments, the
    update is the Python step's ``python(*args)``, which raises the engine's error naming the node
    or goes on as it does.  The result is the Python step's, bit for bit."""
    current: list[NumbaLoop] = []

    def step(*args: Any) -> Any:
        if program.optimizer is None and not all(type(p.grad) is float for p in program.params):
            return python(*args)  # a grad of None (or an int): the step's own takes it as backward() does
        if not buffers_ready(program.optimizer):
            return python(*args)  # a momentum buffer's first step (the buffer is the gradient): the step's
        loop = current[0] if current else None
        samples = (args,)
        rows = loop.rows(samples) if loop is not None else None
        if loop is None or rows is None:  # the first call, or another variant
            try:
                _, found = run._loop_for(args)
            except CompileError:  # numba cannot take this variant (an argument baked in): Python's
                return python(*args)
            rows = found.rows(samples) if isinstance(found, NumbaLoop) else None
            if rows is None:
                return python(*args)
            current[:] = [found]
            loop = found
        out: list[float] = []
        if loop.run(rows, samples, 1, 0, out.append) >= 0:
            return python(*args)  # stopped before the update: the Python step's says what went wrong
        return out[0] if out else None

    step.__name__ = getattr(python, "__name__", "step")
    step.__doc__ = python.__doc__
    return step


def _flattener(structure: Any, kinds: Any) -> Callable[[Sequence[Any], list[float]], bool]:
    """A function ``flatten(sample, out)``: puts the numbers of ``sample`` on the list ``out``, in
    order, and returns True, or returns False if ``sample`` is not of ``structure`` and exact
    ``kinds`` (`_kinds`); generated for them (a batch's lists checked and copied in C)."""
    names: dict[str, Any] = {"_chain": chain.from_iterable}
    lines = ["def flatten(_a, _list):", "    _out = _list.append", "    _extend = _list.extend"]

    def kind(t: type) -> str:
        name = f"_t{len(names)}"
        names[name] = t
        return name

    def walk(expr: str, sub: Any, k: Any, depth: int, pad: str) -> None:
        if sub is None:
            lines.append(f"{pad}if type({expr}) is not {kind(k)}:")
            lines.append(f"{pad}    return False")
            lines.append(f"{pad}_out({expr})")
            return
        t, inner = k
        lines.append(f"{pad}if type({expr}) is not {kind(t)} or len({expr}) != {len(sub)}:")
        lines.append(f"{pad}    return False")
        uniform = len(sub) >= 4 and all(s == sub[0] for s in sub) and all(i == inner[0] for i in inner)
        if uniform and sub[0] is None:  # a list of numbers: checked and taken in C
            lines.append(f"{pad}if set(map(type, {expr})) != {{{kind(inner[0])}}}:")
            lines.append(f"{pad}    return False")
            lines.append(f"{pad}_extend({expr})")
        elif uniform and sub[0] and all(s is None for s in sub[0]) and len(set(inner[0][1])) == 1:
            row_kind, numbers = inner[0]  # a list of rows of numbers (a batch's inputs): the same
            lines.append(f"{pad}if set(map(type, {expr})) != {{{kind(row_kind)}}}"
                         f" or set(map(len, {expr})) != {{{len(sub[0])}}}:")
            lines.append(f"{pad}    return False")
            lines.append(f"{pad}_flat = list(_chain({expr}))")
            lines.append(f"{pad}if set(map(type, _flat)) != {{{kind(numbers[0])}}}:")
            lines.append(f"{pad}    return False")
            lines.append(f"{pad}_extend(_flat)")
        elif uniform:
            item = f"_x{depth}"
            lines.append(f"{pad}for {item} in {expr}:")
            walk(item, sub[0], inner[0], depth + 1, pad + "    ")
        else:
            for i, (s, ki) in enumerate(zip(sub, inner, strict=True)):
                walk(f"{expr}[{i}]", s, ki, depth + 1, pad)

    _, top = kinds  # the sample itself: any list or tuple of the step's arguments
    lines.append(f"    if len(_a) != {len(structure)}:")
    lines.append("        return False")
    for a, (sub, k) in enumerate(zip(structure, top, strict=True)):
        walk(f"_a[{a}]", sub, k, 1, "    ")
    lines.append("    return True")
    namespace: dict[str, Any] = dict(names)
    exec(builtins.compile("\n".join(lines) + "\n", "<autograd.compile numba: a sample's numbers>", "exec"),
         namespace)  # our own text: names and numbers
    return cast(Callable[[Sequence[Any], list[float]], bool], namespace["flatten"])
