"""How `autograd.compile` turns one rule of the op table into a line of Python.

A rule (an Op's ``forward``, or one of its ``derivatives``) is a function of floats.
The compiled code must compute exactly what the engine computes when it calls that function, so
the code is taken from the rule itself, three ways, the first that applies:

1. **Inlined from its source**: a lambda (or a ``def`` whose body is one ``return``) is found in
   its module's source (`autograd.rule_source.rule_expression`), and its body is written with the
   generated variable names in place of its parameters (``lambda out, x, y: y`` for ``w * x`` is
   ``x``).  A ``def`` of ``if``/``return`` statements and assignments is written as the one
   expression that evaluates the same in the same order (``_sigmoid``'s ``if x >= 0.0: return a``,
   ``e = math.exp(x)``, ``return e / (1.0 + e)`` is ``a if x >= 0.0 else (e := math.exp(x)) /
   (1.0 + e)``: see `_statements`).  Other names in the body (``math``, a helper) refer to the
   objects of the rule's module; a name the body assigns becomes one of the step's own.  The
   length of a list operand (``mean``'s ``1.0 / len(x)``) is a number known when compiled.
2. **Run symbolically**: a forward over lists (of ``sum``, ``mean``, ``dot``; `autograd.compile`
   asks this of a list op's forward only) is called once on symbols that record the arithmetic
   done to them, giving the same operations in the same order, unrolled (``0.0 + a * x + b * y + c``, written
   ``a * x + b * y + c or 0.0``: see `zero_plus`).  A rule that branches on its operands, or calls a
   function on them, cannot be run this way.
3. **Called**: otherwise the code calls the rule function itself: correct, and a little slower.

So a change to a rule in the table (a `make mutate` mutant) changes the compiled code too.  Two
rewrites make the code cheaper and leave every result as it was, to the bit: ``max(a, b)`` and
``min(a, b)`` of the builtins become the comparison they make (`_Unmax`), and ``0.0 + e`` becomes
``e or 0.0`` (`zero_plus`).
"""

from __future__ import annotations

import ast
import builtins
import copy
import functools
import linecache
import math
import re
import sys
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.rule_source import rule_expression

__all__ = ["Arg", "Code", "Namespace", "call_code", "column_rule_code", "constant", "raise_test", "rule_code",
           "zero_plus"]

Arg = Any  # a variable name (str), a float or int constant, or a list of them (a list operand)

_ALLOWED = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Call, ast.Name,
    ast.Constant, ast.Attribute, ast.Load, ast.operator, ast.unaryop, ast.boolop, ast.cmpop, ast.keyword,
    ast.NamedExpr, ast.Store,
)
_LOW = (ast.BoolOp, ast.Compare, ast.IfExp, ast.Lambda, ast.NamedExpr)


@dataclass(frozen=True)
class Code:
    """An expression's text and whether it needs parentheses as an operand of ``*``."""

    text: str
    loose: bool = False  # its top operator binds less tightly than * (a + b, a if c else b, ...)
    floating: bool = False  # a float whatever numbers the step is given (see `_floating`)

    def factor(self) -> str:
        """The text as a left operand of ``*`` (parenthesised when needed)."""
        return f"({self.text})" if self.loose else self.text


# The names the generated code uses itself: no rule's variable nor object of the step is given one
_RESERVED = re.compile(r"_recover|_retrace|_regrad|_baked\d+"  # the step's (codegen, step)
                       r"|_samples|_start|_append|_enumerate|_lrs?|_run_\w*"  # step.run's loop (loop)
                       r"|_[WGSMVTB]|_LR|_SCRATCH|_total|_losses|_done|_row|_nb\d+_\w*")  # numba's (native)


class Namespace:
    """The objects the generated module refers to, each under one name starting with ``_``."""

    def __init__(self) -> None:
        self.objects: dict[str, object] = {"_inf": math.inf, "_nan": math.nan}
        self._names: dict[int, str] = {}
        self._keep: list[object] = []  # keeps the objects alive, so their ids stay theirs
        self._locals: dict[str, str] = {}  # an inlined rule's own variable -> the step's name for it
        self.unrolled: dict[Any, Code | None] = {}  # `_symbolic`'s code by shape, for this step
        self.reads: dict[tuple[int, str], tuple[str, str]] = {}  # a rule's global -> (variable, its module)

    def read(self, module: dict[str, Any], name: str) -> str:
        """The step's variable for global ``name`` of a rule's ``module``, read at every call as the
        rule reads it (``myops.SCALE = 3.0`` after compiling is seen); a module is taken as it is."""
        obj = module[name]
        if isinstance(obj, types.ModuleType):
            return self.alias(obj, name)
        key = (id(module), name)
        if key not in self.reads:
            self.reads[key] = (self._free(name), self.alias(module, f"globals_{module.get('__name__', '')}"))
        return self.reads[key][0]

    def read_lines(self) -> list[str]:
        """The step's first lines: each global an inlined rule reads, read now."""
        return [f"{var} = {module}[{name!r}]" for (_, name), (var, module) in self.reads.items()]

    def alias(self, obj: object, hint: str) -> str:
        key = id(obj)
        if key in self._names:
            return self._names[key]
        name = self._free(hint)
        self.objects[name] = obj
        self._names[key] = name
        self._keep.append(obj)
        return name

    def local(self, name: str) -> str:
        """The step's variable for an inlined rule's variable ``name`` (the same for every rule that
        names it so: each rule's variable is used within its own line)."""
        if name not in self._locals:
            self._locals[name] = self._free(name)
        return self._locals[name]

    def _free(self, hint: str) -> str:
        base = "_" + (re.sub(r"\W+", "_", hint).strip("_") or "f")
        if _RESERVED.fullmatch(base):  # (numbering it would not do: _run_k2 is reserved too)
            base = "_op" + base
        name, k = base, 1
        while (name in self.objects or name in self._locals.values() or _RESERVED.fullmatch(name)
               or any(name == var for var, _ in self.reads.values())):
            k += 1
            name = f"{base}{k}"
        return name


def constant(x: float | int) -> Code:
    """A number as code that evaluates to exactly it (``_inf``, ``_nan``: names bound to them)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"not a number: {x!r}")
    if isinstance(x, int):
        return Code(repr(x)) if x >= 0 else Code(f"({x!r})")
    if math.isnan(x):
        return Code("_nan", floating=True)
    if math.isinf(x):
        return Code("_inf", floating=True) if x > 0 else Code("(-_inf)", floating=True)
    if math.copysign(1.0, x) < 0:
        return Code(f"({x!r})", floating=True)
    return Code(repr(x), floating=True)


# ---- 1. inlined from source -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Template:
    params: tuple[str, ...]
    tree: ast.expr  # the body, marked as ``text`` is
    text: str  # the body, each parameter written as a marker __arg<k>__, its own variables __local_<name>__
    loose: bool
    globals_used: tuple[str, ...]
    assigned: tuple[str, ...]  # the names the body assigns with :=


_templates: dict[Any, _Template | None] = {}
_MARKER = re.compile(r"__arg(\d+)__")
_OPERAND = re.compile(r"__(arg|len)(\d+)__")  # an operand, or its len() (of a list: a number)
_LOCAL = re.compile(r"__local_(\w+?)__")


def _template(fn: Callable[..., Any], *, raises: bool = False) -> _Template | None:
    """The template of what ``fn`` returns, or with ``raises`` of when it raises (`_raise_expression`)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    key = (code, id(getattr(fn, "__globals__", None)), raises)
    if key not in _templates:
        _templates[key] = _find_template(fn, code, raises)
    return _templates[key]


def _find_template(fn: Any, code: Any, raises: bool = False) -> _Template | None:
    if code.co_freevars or fn.__defaults__ or fn.__kwdefaults__ or code.co_flags & 0x0C:
        return None  # closures, defaults, *args, **kwargs
    if not _source_is_current(code):
        return None  # the file was edited after the module was imported: the engine runs the old code
    if raises:
        body = _raise_expression(fn, code) if code.co_name != "<lambda>" else None
    else:
        body = rule_expression(fn)
        if body is None and code.co_name != "<lambda>":
            body = _def_expression(fn, code)
    if body is None or not all(isinstance(n, _ALLOWED) for n in ast.walk(body)):
        return None
    params = tuple(code.co_varnames[: code.co_argcount])
    body = _Unmax({n.id for n in ast.walk(body) if isinstance(n, ast.Name)}, fn.__globals__).visit(body)
    index = {p: k for k, p in enumerate(params)}
    assigned = tuple(dict.fromkeys(n.target.id for n in ast.walk(body)
                                   if isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name)))
    if any(a in index or "__" in a for a in assigned):
        return None
    used: list[str] = []

    class Mark(ast.NodeTransformer):
        def visit_Call(self, n: ast.Call) -> ast.AST:  # len(x) of an operand: __len<k>__
            f, args = n.func, n.args
            if (isinstance(f, ast.Name) and f.id == "len" and "len" not in fn.__globals__ and len(args) == 1
                    and not n.keywords and isinstance(args[0], ast.Name) and args[0].id in index):
                return ast.copy_location(ast.Name(f"__len{index[args[0].id]}__", ast.Load()), n)
            self.generic_visit(n)
            return n

        def visit_Name(self, n: ast.Name) -> ast.AST:
            if n.id in index:
                return ast.copy_location(ast.Name(f"__arg{index[n.id]}__", ast.Load()), n)
            if n.id in assigned:
                return ast.copy_location(ast.Name(f"__local_{n.id}__", n.ctx), n)
            if n.id not in used:
                used.append(n.id)
            return n

    marked = Mark().visit(body)
    return _Template(params, marked, ast.unparse(marked), isinstance(marked, _LOW) or _is_sum(marked),
                     tuple(used), assigned)


def _source_is_current(code: Any) -> bool:
    """Whether the rule's file, as it is now, compiles to the very code the engine runs (else it
    was edited after import, and its text is not what runs: the rule is called, not inlined)."""
    linecache.checkcache(code.co_filename)
    source = "".join(linecache.getlines(code.co_filename))
    return code in _code_objects(source, code.co_filename).get((code.co_name, code.co_firstlineno), ())


@functools.lru_cache(maxsize=16)
def _code_objects(source: str, filename: str) -> dict[tuple[str, int], list[Any]]:
    """Every function's and lambda's code in ``source``, by name and first line."""
    try:
        top = builtins.compile(source, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return {}
    found: dict[tuple[str, int], list[Any]] = {}
    stack = [top]
    while stack:
        for const in stack.pop().co_consts:
            if isinstance(const, types.CodeType):
                found.setdefault((const.co_name, const.co_firstlineno), []).append(const)
                stack.append(const)
    return found


def _def_expression(fn: Any, code: Any) -> ast.expr | None:
    """A ``def`` of ``if``/``return`` and assignments, as one expression that evaluates what the
    function would, in the order it would (`_statements`); None for any other function."""
    body = _def_body(fn, code)
    if body is None:
        return None
    locals_ = {t.id for n in body for s in ast.walk(n) if isinstance(s, ast.Assign) for t in s.targets
               if isinstance(t, ast.Name)}
    return _statements(body, set(), locals_)


def _raise_expression(fn: Any, code: Any) -> ast.expr | None:
    """A check, a ``def`` whose body is only ``if c: raise ...`` statements (and ``pass``), as the
    expression ``c1 or c2 or ...``: true exactly when a call would raise, its tests evaluated as
    the function evaluates them (in order, up to the first true one).  None for any other function
    (one that assigns, returns, or does anything else)."""
    body = _def_body(fn, code)
    if body is None:
        return None
    tests = []
    for statement in body:
        if isinstance(statement, ast.Pass):
            continue
        if not (isinstance(statement, ast.If) and not statement.orelse and len(statement.body) == 1
                and isinstance(statement.body[0], ast.Raise)):
            return None
        tests.append(copy.deepcopy(statement.test))
    if not tests:
        return None
    return tests[0] if len(tests) == 1 else ast.BoolOp(ast.Or(), tests)


def _def_body(fn: Any, code: Any) -> list[ast.stmt] | None:
    """The statements of the ``def`` of ``fn`` (its docstring aside), as its module's source has them."""
    linecache.checkcache(code.co_filename)  # a module edited and reloaded: its new source
    lines = linecache.getlines(code.co_filename, getattr(fn, "__globals__", None))
    try:
        tree = _parsed("".join(lines))
    except (SyntaxError, ValueError):
        return None
    found = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == code.co_name
             and n.lineno == code.co_firstlineno and not n.decorator_list]
    if len(found) != 1 or [a.arg for a in found[0].args.args] != list(code.co_varnames[: code.co_argcount]):
        return None
    body = found[0].body
    return body[1:] if ast.get_docstring(found[0], clean=False) is not None else body


@functools.lru_cache(maxsize=16)
def _parsed(source: str) -> ast.Module:
    """A module's tree, parsed once per source text."""
    return ast.parse(source)


def _statements(body: list[ast.stmt], bound: set[str], locals_: set[str]) -> ast.expr | None:
    """The value of a block that ends in a ``return``, as an expression (a new tree), or None.

    ``return e`` is ``e``; ``if c: <block> else: <rest>`` (the block ending in a ``return``) is
    ``<block> if c else <rest>``; ``name = v`` then ``<rest>`` is ``<rest>`` with its first
    evaluated part, which must be a read of ``name``, written ``(name := v)``: ``v`` is evaluated
    first, as in the function, and every later read of ``name`` sees it.  ``bound``: the
    function's variables assigned so far; a read of one of ``locals_`` not yet assigned is refused.
    """
    if not body:
        return None  # the end of the function without a return
    first, rest = body[0], body[1:]
    if isinstance(first, ast.Pass):
        return _statements(rest, bound, locals_)
    if isinstance(first, ast.Return):
        if first.value is None or _reads_unbound(first.value, bound, locals_):
            return None
        return copy.deepcopy(first.value)
    if isinstance(first, ast.If):
        then = _statements(first.body, bound, locals_)
        otherwise = _statements([*first.orelse, *rest], bound, locals_)
        if then is None or otherwise is None or _reads_unbound(first.test, bound, locals_):
            return None
        return ast.IfExp(copy.deepcopy(first.test), then, otherwise)
    if (isinstance(first, ast.Assign) and len(first.targets) == 1 and isinstance(first.targets[0], ast.Name)
            and not _reads_unbound(first.value, bound, locals_)):
        name = first.targets[0].id
        after = _statements(rest, bound | {name}, locals_)
        if after is None:
            return None
        holder, leaf = _first_evaluated(after)
        if not (isinstance(leaf, ast.Name) and leaf.id == name):
            return None  # something else would be evaluated before v: not as the function does it
        walrus = ast.NamedExpr(ast.Name(name, ast.Store()), copy.deepcopy(first.value))
        if holder is None:
            return walrus
        for field_name, value in ast.iter_fields(holder):
            if value is leaf:
                setattr(holder, field_name, walrus)
            elif isinstance(value, list) and value and value[0] is leaf:
                value[0] = walrus
        return after
    return None


def _first_evaluated(node: ast.expr) -> tuple[ast.expr | None, ast.expr]:
    """The part of ``node`` Python evaluates first (a name or a constant), and the node holding it
    (None: ``node`` itself)."""
    holder: ast.expr | None = None
    while True:
        if isinstance(node, (ast.BinOp, ast.Compare)):
            inner = node.left
        elif isinstance(node, ast.BoolOp):
            inner = node.values[0]
        elif isinstance(node, ast.IfExp):
            inner = node.test
        elif isinstance(node, ast.UnaryOp):
            inner = node.operand
        elif isinstance(node, ast.Call):
            inner = node.func
        elif isinstance(node, (ast.Attribute, ast.NamedExpr)):
            inner = node.value
        else:
            return holder, node
        holder, node = node, inner


def _reads_unbound(node: ast.expr, bound: set[str], locals_: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in locals_ and n.id not in bound for n in ast.walk(node))


class _Unmax(ast.NodeTransformer):
    """``max(a, b)`` as ``(b if a < b else a)``, what the builtin does (it keeps a unless b is
    greater: a NaN first stays), without the cost of a call; ``min`` alike with ``>``.  An operand
    that is not a name or a number is bound once (``(m := a)``) and read after; a is evaluated
    first, as in the call."""

    def __init__(self, taken: set[str], module: dict[str, Any]) -> None:
        self.taken = taken  # the names the rule uses (a bound operand takes another)
        self.module = module  # the rule's module: one that defines a max of its own keeps it

    def visit_Call(self, n: ast.Call) -> ast.AST:
        self.generic_visit(n)
        f = n.func
        plain = len(n.args) == 2 and not n.keywords and not any(isinstance(a, ast.Starred) for a in n.args)
        if not (isinstance(f, ast.Name) and f.id in ("max", "min") and f.id not in self.module and plain):
            return n
        a, b = n.args
        a_first, a_read = self._bind(a, f.id)
        b_first, b_read = self._bind(b, f.id)
        compare = ast.Compare(a_first, [ast.Lt() if f.id == "max" else ast.Gt()], [b_first])
        return ast.copy_location(ast.IfExp(compare, b_read, a_read), n)

    def _bind(self, x: ast.expr, hint: str) -> tuple[ast.expr, ast.expr]:
        if isinstance(x, (ast.Name, ast.Constant)):
            return x, copy.deepcopy(x)
        k = 1
        while f"{hint}{k}" in self.taken:
            k += 1
        name = f"{hint}{k}"
        self.taken.add(name)
        return ast.NamedExpr(ast.Name(name, ast.Store()), x), ast.Name(name, ast.Load())


def zero_plus(tree: ast.expr, floats: Callable[[str], bool]) -> ast.expr:
    """``0.0 + a + b - c`` (a sum started at 0.0, as the engine's ``sum`` and ``dot`` start theirs)
    as ``a + b - c or 0.0``: the same number to the bit, without the addition, when the first term
    is sure to be a float (``floats(name)``: the variable is one).  A new tree (the symbolic trees
    share nodes: ``s * s``).

    Adding 0.0 changes only -0.0 (to 0.0), and a chain of + and - started at 0.0 differs from the
    same chain without it only while every term is -0.0, where it ends in 0.0 instead of -0.0;
    ``or 0.0`` turns exactly that -0.0 (and 0.0) into 0.0.  (With an int first, ``0.0 + 2**53 + 1``
    is a float sum but ``2**53 + 1`` an exact int one: hence the float first term.)
    """
    spine = [tree]  # the chain's additions and subtractions, outermost first
    while isinstance(spine[-1], ast.BinOp) and isinstance(spine[-1].op, (ast.Add, ast.Sub)):
        spine.append(spine[-1].left)
    bottom = spine[-2] if len(spine) >= 2 else None
    if (isinstance(bottom, ast.BinOp) and isinstance(bottom.op, ast.Add) and _is_positive_zero(spine[-1])
            and _floating(bottom.right, floats)):
        chain = bottom.right
        for above in reversed(spine[:-2]):
            assert isinstance(above, ast.BinOp)
            chain = ast.BinOp(chain, above.op, zero_plus(above.right, floats))
        return ast.BoolOp(ast.Or(), [chain, ast.Constant(0.0)])
    if isinstance(tree, ast.BinOp):  # a sum within: mean's (0.0 + a + b) / 3
        return ast.BinOp(zero_plus(tree.left, floats), tree.op, zero_plus(tree.right, floats))
    if isinstance(tree, ast.UnaryOp):
        return ast.UnaryOp(tree.op, zero_plus(tree.operand, floats))
    return tree


def _floating(node: ast.expr, floats: Callable[[str], bool]) -> bool:
    """Whether ``node`` gives a float whatever numbers its names hold, given which names hold floats:
    a float constant, a true division, +, -, * with a float operand, a choice between floats."""
    if isinstance(node, ast.Constant):
        return type(node.value) is float
    if isinstance(node, ast.Name):
        return floats(node.id)
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Div):
            return True
        if isinstance(node.op, ast.Pow):  # a float to an int power (to a fractional one it may be complex)
            return type(getattr(node.right, "value", None)) is int and _floating(node.left, floats)
        return isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)) and (
            _floating(node.left, floats) or _floating(node.right, floats))
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, (ast.USub, ast.UAdd)) and _floating(node.operand, floats)
    if isinstance(node, ast.IfExp):
        return _floating(node.body, floats) and _floating(node.orelse, floats)
    if isinstance(node, ast.BoolOp):
        return all(_floating(v, floats) for v in node.values)
    if isinstance(node, ast.NamedExpr):
        return _floating(node.value, floats)
    return False


def _is_positive_zero(node: ast.expr) -> bool:
    return (isinstance(node, ast.Constant) and type(node.value) is float and node.value == 0.0
            and math.copysign(1.0, node.value) > 0)


def _is_sum(node: ast.AST) -> bool:
    return isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.LShift, ast.RShift,
                                                                ast.BitAnd, ast.BitOr, ast.BitXor))


def _no_floats(name: str) -> bool:
    return False


def _inline(fn: Any, args: Sequence[Arg], ns: Namespace,
            floats: Callable[[str], bool] = _no_floats, *, raises: bool = False) -> Code | None:
    tpl = _template(fn, raises=raises)
    if tpl is None or len(tpl.params) != len(args):
        return None
    if any(isinstance(a, list) and f"__arg{k}__" in tpl.text for k, a in enumerate(args)):
        return None  # a list read item by item (a forward of sum, dot): unrolled or called
    renames: dict[str, str] = {}
    for g in tpl.globals_used:
        if g in fn.__globals__:
            renames[g] = ns.read(fn.__globals__, g)
        elif not hasattr(builtins, g):
            return None  # a name the rule's module does not define: leave it to the call
    # the module's names, then the rule's own variables, then the operands: in this order, so that
    # nothing written in is rewritten (an operand labelled ``math`` is not the module)
    text = tpl.text
    if renames:
        text = re.sub(r"(?<![\w.])(" + "|".join(map(re.escape, renames)) + r")\b",
                      lambda m: renames[m.group(1)], text)
    if tpl.assigned:
        text = _LOCAL.sub(lambda m: ns.local(m.group(1)), text)
    codes = [None if isinstance(a, list) else _operand(a) for a in args]

    def operand(m: re.Match[str]) -> str:
        a, c = args[int(m.group(2))], codes[int(m.group(2))]
        if m.group(1) == "len":  # a list's length is known when compiled: the step's lists are its
            return repr(len(a)) if isinstance(a, list) else f"len({c.text if c else a})"
        assert c is not None
        return c.text

    text = _OPERAND.sub(operand, text)
    marked = _markers_floating([c is not None and (c.floating or floats(c.text)) for c in codes])
    return Code(text, tpl.loose, _floating(tpl.tree, marked))


def _markers_floating(flags: Sequence[bool]) -> Callable[[str], bool]:
    """Which names of a marked tree hold floats: the marker ``__arg<k>__`` if ``flags[k]``."""

    def floating(name: str) -> bool:
        k = _MARKER.fullmatch(name)
        return k is not None and flags[int(k.group(1))]

    return floating


def _operand(a: Arg) -> Code:
    return Code(a) if isinstance(a, str) else constant(a)


# ---- 2. run symbolically ----------------------------------------------------------------------------


class _Unsupported(Exception):  # noqa: N818 (a signal)
    pass


def _ast_of(x: object) -> ast.expr:
    if isinstance(x, _Sym):
        return x.node
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        if isinstance(x, float) and not math.isfinite(x):
            return ast.parse(constant(x).text, mode="eval").body  # _inf, (-_inf), _nan
        if x > 0 or (x == 0 and math.copysign(1.0, x) > 0):
            return ast.Constant(x)
        return ast.UnaryOp(ast.USub(), ast.Constant(-x))  # as constant() writes it: (-2.5), (-0.0)
    raise _Unsupported


class _Sym:
    """A number known only by name: arithmetic on it records the expression."""

    __slots__ = ("node",)

    def __init__(self, node: ast.expr) -> None:
        self.node = node

    def _bin(self, op: ast.operator, other: object, reflected: bool = False) -> _Sym:
        a, b = _ast_of(self), _ast_of(other)
        return _Sym(ast.BinOp(b, op, a) if reflected else ast.BinOp(a, op, b))

    def __add__(self, o: object) -> _Sym:
        return self._bin(ast.Add(), o)

    def __radd__(self, o: object) -> _Sym:
        return self._bin(ast.Add(), o, True)

    def __sub__(self, o: object) -> _Sym:
        return self._bin(ast.Sub(), o)

    def __rsub__(self, o: object) -> _Sym:
        return self._bin(ast.Sub(), o, True)

    def __mul__(self, o: object) -> _Sym:
        return self._bin(ast.Mult(), o)

    def __rmul__(self, o: object) -> _Sym:
        return self._bin(ast.Mult(), o, True)

    def __truediv__(self, o: object) -> _Sym:
        return self._bin(ast.Div(), o)

    def __rtruediv__(self, o: object) -> _Sym:
        return self._bin(ast.Div(), o, True)

    def __pow__(self, o: object) -> _Sym:
        return self._bin(ast.Pow(), o)

    def __rpow__(self, o: object) -> _Sym:
        return self._bin(ast.Pow(), o, True)

    def __neg__(self) -> _Sym:
        return _Sym(ast.UnaryOp(ast.USub(), self.node))

    def __pos__(self) -> _Sym:
        return _Sym(ast.UnaryOp(ast.UAdd(), self.node))

    def __bool__(self) -> bool:
        raise _Unsupported

    def __float__(self) -> float:
        raise _Unsupported

    def __index__(self) -> int:
        raise _Unsupported

    def _refuse(self, *_: object) -> bool:
        raise _Unsupported

    __lt__ = __le__ = __gt__ = __ge__ = _refuse


def _symbolic(fn: Callable[..., Any], args: Sequence[Arg], unrolled: dict[Any, Code | None],
              floats: Callable[[str], bool] = _no_floats) -> Code | None:
    names = getattr(getattr(fn, "__code__", None), "co_names", ())
    if sys.version_info >= (3, 12) and "sum" in names:
        return None  # sum() of floats is compensated from 3.12 on: not a chain of + on symbols
    position: dict[str, int] = {}  # each variable's marker: the same variable twice, the same one

    def marked(a: Arg) -> Any:  # the arguments with each variable a marker, numbers as their bits
        if isinstance(a, list):
            return tuple(marked(x) for x in a)
        if isinstance(a, str):
            return (position.setdefault(a, len(position)), floats(a))
        return (type(a), a.hex() if isinstance(a, float) else a)

    # The code for one shape of arguments (lists, numbers, which variables hold floats) is the same
    # with other variables: made once a step (``unrolled``), with markers, then written with each
    # call's names.
    key = (id(fn), tuple(marked(a) for a in args))
    variables = list(position)
    if key not in unrolled:
        unrolled[key] = _unroll(fn, args, variables, floats)
    code = unrolled[key]
    if code is None:
        return None
    return Code(_MARKER.sub(lambda m: variables[int(m.group(1))], code.text), code.loose, code.floating)


def _unroll(fn: Callable[..., Any], args: Sequence[Arg], variables: list[str],
            floats: Callable[[str], bool]) -> Code | None:
    index = {v: k for k, v in enumerate(variables)}

    def sym(a: Arg) -> Any:
        if isinstance(a, list):
            return [sym(x) for x in a]
        return _Sym(ast.Name(f"__arg{index[a]}__", ast.Load())) if isinstance(a, str) else a

    try:
        result = fn(*[sym(a) for a in args])
    except (_Unsupported, TypeError, ValueError, ZeroDivisionError, OverflowError, AttributeError):
        return None
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        return constant(result)
    if not isinstance(result, _Sym):
        return None
    marked_floats = _markers_floating([floats(v) for v in variables])
    tree = zero_plus(result.node, marked_floats)
    return Code(ast.unparse(tree), isinstance(tree, _LOW) or _is_sum(tree), _floating(tree, marked_floats))


# ---- 3. called ---------------------------------------------------------------------------------------


def call_code(fn: Callable[..., Any], args: Sequence[Arg], ns: Namespace, hint: str) -> Code:
    def text(a: Arg) -> str:
        return "[" + ", ".join(text(x) for x in a) + "]" if isinstance(a, list) else _operand(a).text

    return Code(f"{ns.alias(fn, hint)}({', '.join(text(a) for a in args)})")


def column_rule_code(fn: Callable[..., Any], out: str, operands: Sequence[Arg], i: int, ns: Namespace,
                     hint: str, probe: Callable[[], Any]) -> Code:
    """The derivative for item i of a list operand, from its rule ``rule(out, *operands)`` (a list
    operand given as a list of its items' code).

    The rule gives one derivative per item (a list) or one number for every item.  A rule whose
    body is a list operand (``dot``'s d/dw: ``x``) is that list's item i; a body that reads no
    list but its ``len`` (``sum``'s ``1.0``, ``mean``'s ``1.0 / len(x)``) is inlined, the same for
    every item; any other rule is called on the lists (``probe()``, the rule on the traced data,
    says whether it gives a list, to be indexed).
    """
    tpl = _template(fn)
    if tpl is not None and len(tpl.params) == len(operands) + 1:
        whole = _MARKER.fullmatch(tpl.text.strip())
        k = int(whole.group(1)) - 1 if whole else -1
        if k >= 0 and isinstance(operands[k], list):
            return _operand(operands[k][i])
        inlined = _inline(fn, [out, *operands], ns)
        if inlined is not None and type(probe()) is not list:
            return inlined
    call = call_code(fn, [out, *operands], ns, hint)
    return Code(f"{call.text}[{i}]") if type(probe()) is list else call


def raise_test(fn: Callable[..., Any], args: Sequence[Arg], ns: Namespace) -> Code | None:
    """For a check ``fn`` (a ``def`` of ``if c: raise ...`` statements only, as the table's domain
    checks are): the code of a test true exactly when ``fn(*args)`` raises, so that the step can
    call ``fn`` only then (the call raising the error itself, its message and all); None for any
    other function (it is then called every time)."""
    return _inline(fn, args, ns, raises=True)


def rule_code(fn: Callable[..., Any], args: Sequence[Arg], ns: Namespace, hint: str,
              *, symbolic: bool = True, floats: Callable[[str], bool] = _no_floats) -> Code:
    """The code of ``fn(*args)``: inlined, run symbolically, or a call (see the module doc).
    ``floats(name)``: whether the step's variable ``name`` is sure to hold a float (for `zero_plus`
    and the code's own ``floating``); by default none is."""
    return (_inline(fn, args, ns, floats)
            or (_symbolic(fn, args, ns.unrolled, floats) if symbolic else None)
            or call_code(fn, args, ns, hint))
