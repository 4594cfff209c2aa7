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
- the samples are the rows of a float64 array (each sample's numbers in order), put back into the
  structure of the step's arguments (``x = (_row[0], _row[1])``) for its own unpacking lines;
- the op helpers the lines call (``_bce``, ``_bce_domain``...) are compiled too, each ``raise``
  kept but without its message (`_numba_function`): the message is the engine's, below;
- ``except (ArithmeticError, ...)`` is ``except Exception`` (all numba catches), and a walrus
  (``(_e := exp(z)) / (1.0 + _e)``, which numba does not type) becomes an ``if`` statement.

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
from collections.abc import Callable, Sequence
from itertools import count
from pathlib import Path
from typing import Any, cast

from autograd.compiler.codegen import Generated, _names_read
from autograd.compiler.trace import CompileError
from autograd.compiler.updates import ARRAYS, state_lists, update_lines
from autograd.core import Value

__all__ = ["NumbaLoop", "numba_source", "require_numba"]

_files = count(1)
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
    if any(line.lstrip().startswith("for ") for line in parts["forward"] + parts["backward"]):
        raise CompileError("compile: backend='numba' does not compile a batch's loop yet (a sum or mean over"
                           " samples); use step.run over the samples one by one, or the Python backend")
    name = f"{generated.function}_numba"
    args = parts["args"]
    state: list[tuple[str, str | None, str | None]] = parts["state"]
    index = {alias: k for k, (alias, _, _) in enumerate(state)}
    kept = state_lists(optimizer)  # the optimizer's state: one array each, in and out as _W and _G
    arrays = "".join(f"{ARRAYS[n]}, " for n in kept)
    lines = [f"def {name}(_W, _G, {arrays}_samples, _start, _total, _lr, _losses, _done):"]
    body: list[str] = []
    for line in parts["load"]:
        m = re.fullmatch(r"(\S+) = (_P\d*)\.data", line)
        body.append(f"{m.group(1)} = _W[{index[m.group(2)]}]" if m else line)
    data = [w or f"_run_w{k}" for k, (_, w, _) in enumerate(state)]
    grads = [f"_run_g{k}" for k in range(len(state))]
    for k, (_, w, _) in enumerate(state):
        if w is None:
            body.append(f"{data[k]} = _W[{k}]")
        body.append(f"{grads[k]} = _G[{k}]")
    slots = {n: [f"_run_{n}{k}" for k in range(len(state))] for n in kept}
    body += [f"{slots[n][k]} = {ARRAYS[n]}[{k}]" for n in kept for k in range(len(state))]  # _T: floats
    math_alias = next((n for n, obj in generated.objects.items() if obj is math), "_math")
    update = update_lines(state, data, grads, optimizer, slots, math=math_alias)  # the Python loop's
    for k in range(len(state)):
        update.append(f"_W[{k}] = {data[k]}")
        update.append(f"_G[{k}] = {grads[k]}")
        update += [f"{ARRAYS[n]}[{k}] = {slots[n][k]}" for n in kept]
    if parts["loss"] is not None:
        update.append(f"_losses[_run_k] = {parts['loss']}")
    update.append("_done[0] = _run_k + 1")
    leaves = count()
    unpack = (f"({', '.join(args)}{',' if len(args) == 1 else ''}) = "
              f"{_rebuilt(structure, leaves)}  # the row, as the step's arguments")
    forward = [_stop(line) for line in _untyped(parts["forward"])]
    computed = [t for line in forward for t in _assigned(line)]
    finite = " + ".join(f"{v} * 0.0" for v in computed) or "0.0"
    inner = ["_row = _samples[_run_k % _samples.shape[0]]",
             "try:", f"    {unpack}", *("    " + line for line in forward),
             "except Exception:", "    return _run_k  # the Python step on this sample says what went wrong",
             f"if not ({finite}) == 0.0:",
             "    return _run_k  # a NaN or an infinity: where CPython's math may have raised",
             *(_stop(line) for line in parts["guards"]), *parts["backward"], *update]
    body.append("for _run_k in range(_start, _total):")
    body += ["    " + line for line in inner]
    body.append("return -1")
    return "\n".join([*lines, *("    " + line for line in body)]) + "\n", name


def _rebuilt(structure: Any, leaves: Any) -> str:
    """Code that builds a sample of ``structure`` from the numbers of ``_row``, in order."""
    if structure is None:
        return f"_row[{next(leaves)}]"
    parts = [_rebuilt(s, leaves) for s in structure]
    return f"({', '.join(parts)}{',' if len(parts) == 1 else ''})"


def _structure(x: Any) -> Any:
    """A sample's structure: None for a number, a tuple of its items' for a list or tuple."""
    if isinstance(x, (list, tuple)):
        return tuple(_structure(i) for i in x)
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"not a number: {x!r}")
    return None


def _flat(x: Any, structure: Any, out: list[float]) -> None:
    """``x``'s numbers, in order, onto ``out`` (a `ValueError` if ``x`` is not of ``structure``)."""
    if structure is None:
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise ValueError("not a number")
        out.append(float(x))
    elif isinstance(x, (list, tuple)) and len(x) == len(structure):
        for item, sub in zip(x, structure, strict=True):
            _flat(item, sub, out)
    else:
        raise ValueError("another structure")


def _untyped(lines: list[str]) -> list[str]:
    """The forward lines without the step's check of its arguments' types (``if type(x) is not
    float ...: return _retrace(...)``): numba has no ``type()``, and `NumbaLoop` checks every
    sample's types against the traced ones before the run (another type: the Python loop)."""
    kept: list[str] = []
    skip = False
    for line in lines:
        if line.lstrip().startswith("if type("):
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


class _NoMessage(ast.NodeTransformer):
    """``raise ValueError(f"... {x!r}")`` -> ``raise ValueError``: numba cannot format the message,
    and the message shown is the engine's (the update is redone by the Python step).
    ``y.is_integer()``, which numba does not know, is ``(math.isfinite(y) and y == math.floor(y))``."""

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
                      "import math", "from numba import njit", ""]
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
        tree = ast.fix_missing_locations(_NoWalrus().visit(ast.parse(self.source)))
        module.lines += ["", "@njit(cache=_CACHE)", ast.unparse(tree), ""]
        self.module = "\n".join(module.lines)
        self.function, self.cached = _load(self.module, name)
        self.numba = numba
        self.first = True
        self.compile_seconds = time.perf_counter() - started  # and numba's own, on the first run (below)

    def __call__(self, samples: Sequence[Any], epochs: int, start: int, append: Callable[[Any], None]) -> int:
        import numpy as np  # numba's own dependency

        if any(table.get(key) is not value for table, key, value in self.globals_read) or any(
                _kinds(tuple(s)) != self.kinds for s in samples):  # a global changed, or another type:
            return self.python(samples, epochs, start, append)  # the Python loop (reads, retraces)
        flat: list[float] = []
        try:
            for sample in samples:
                _flat(sample, self.structure, flat)
        except ValueError:  # samples of another structure, or not numbers: the Python loop's
            return self.python(samples, epochs, start, append)
        rows = np.array(flat, dtype=np.float64).reshape(len(samples), -1)
        w = np.array([v.data for v in self.values], dtype=np.float64)
        g = np.array([float(v.grad) if isinstance(v.grad, (int, float)) else 0.0 for v in self.values],
                     dtype=np.float64)  # (run makes a grad of None a float first, with the step's update)
        total = len(samples) * epochs
        losses = np.empty(total if self.return_loss else 0, dtype=np.float64)
        done = np.array([start], dtype=np.int64)
        lr = float(self.optimizer.lr) if self.optimizer is not None else 0.0
        kept = state_lists(self.optimizer)  # Adam's t as floats: numba's float ** int is not pow()
        state = [np.array([0.0 if x is None else x for x in getattr(self.optimizer, n)], dtype=np.float64)
                 for n in kept]  # (a momentum buffer of None: only before a run's first update, the step's)
        if self.first:  # numba compiles for these argument types: timed apart (no update is run)
            self.first = False
            began = time.perf_counter()
            self.function(w, g, *state, rows, 0, 0, lr, losses, done.copy())
            self.compile_seconds += time.perf_counter() - began
        try:
            stopped = self.function(w, g, *state, rows, start, total, lr, losses, done)
        except Exception:  # a line outside the forward's try raised: the Python step redoes it
            stopped = int(done[0])
        finally:
            last = int(done[0])
            if last > start:  # the arrays hold the state after update last - 1
                for k, v in enumerate(self.values):
                    v.data = float(w[k])
                    v.grad = float(g[k])
                for n, array in zip(kept, state, strict=True):
                    getattr(self.optimizer, n)[:] = [int(x) if n == "t" else x for x in array.tolist()]
            if self.return_loss:
                for x in losses[start:last].tolist():
                    append(x)
        return int(stopped)
