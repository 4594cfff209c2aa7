"""How `autograd.compile` turns one rule of the op table into a line of Python.

A rule (an Op's ``forward``, or one of its ``derivatives``) is a function of floats.
The compiled code must compute exactly what the engine computes when it calls that function, so
the code is taken from the rule itself, three ways, the first that applies:

1. **Inlined from its source**: a lambda (or a ``def`` whose body is one ``return``) is found in
   its module's source (`autograd.rule_source.rule_expression`), and its body is written with the
   generated variable names in place of its parameters (``lambda out, x, y: y`` for ``w * x`` is
   ``x``).  Other names in the body (``math``, a helper) refer to the objects of the rule's module;
   a name the body assigns (``(e := math.exp(x)) / (1.0 + e)``) becomes one of the step's own.
2. **Run symbolically**: a rule without source (typed at a REPL), or one over lists (the forward
   of ``sum``, ``mean``, ``dot``), is called once on symbols that record the arithmetic done to
   them, giving the same operations in the same order, unrolled (``0 + a * x + b * y + c``).  A rule
   that branches on its operands, or calls a function on them, cannot be run this way.
3. **Called**: otherwise the code calls the rule function itself: correct, and a little slower.

So a change to a rule in the table (a `make mutate` mutant) changes the compiled code too.
"""

from __future__ import annotations

import ast
import builtins
import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.rule_source import rule_expression

__all__ = ["Arg", "Code", "Namespace", "call_code", "column_rule_code", "constant", "rule_code"]

Arg = Any  # a variable name (str), a float or int constant, or a list of them (a variadic group)

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

    def factor(self) -> str:
        """The text as a left operand of ``*`` (parenthesised when needed)."""
        return f"({self.text})" if self.loose else self.text


class Namespace:
    """The objects the generated module refers to, each under one name starting with ``_``."""

    def __init__(self) -> None:
        self.objects: dict[str, object] = {"_inf": math.inf, "_nan": math.nan}
        self._names: dict[int, str] = {}
        self._keep: list[object] = []  # keeps the objects alive, so their ids stay theirs
        self._locals: dict[str, str] = {}  # an inlined rule's own variable -> the step's name for it

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
        name, k = base, 1
        while name in self.objects or name in self._locals.values():
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
        return Code("_nan")
    if math.isinf(x):
        return Code("_inf") if x > 0 else Code("(-_inf)")
    if math.copysign(1.0, x) < 0:
        return Code(f"({x!r})")
    return Code(repr(x))


# ---- 1. inlined from source -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Template:
    params: tuple[str, ...]
    text: str  # the body, each parameter written as a marker __arg<k>__, its own variables __local_<name>__
    loose: bool
    globals_used: tuple[str, ...]
    assigned: tuple[str, ...]  # the names the body assigns with :=


_templates: dict[Any, _Template | None] = {}
_MARKER = re.compile(r"__arg(\d+)__")
_LOCAL = re.compile(r"__local_(\w+?)__")


def _template(fn: Callable[..., Any]) -> _Template | None:
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    key = (code, id(getattr(fn, "__globals__", None)))
    if key not in _templates:
        _templates[key] = _find_template(fn, code)
    return _templates[key]


def _find_template(fn: Any, code: Any) -> _Template | None:
    if code.co_freevars or fn.__defaults__ or fn.__kwdefaults__ or code.co_flags & 0x0C:
        return None  # closures, defaults, *args, **kwargs
    body = rule_expression(fn)
    if body is None or not all(isinstance(n, _ALLOWED) for n in ast.walk(body)):
        return None
    params = tuple(code.co_varnames[: code.co_argcount])
    index = {p: k for k, p in enumerate(params)}
    assigned = tuple(dict.fromkeys(n.target.id for n in ast.walk(body)
                                   if isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name)))
    if any(a in index or "__" in a for a in assigned):
        return None
    used: list[str] = []

    class Mark(ast.NodeTransformer):
        def visit_Name(self, n: ast.Name) -> ast.AST:
            if n.id in index:
                return ast.copy_location(ast.Name(f"__arg{index[n.id]}__", ast.Load()), n)
            if n.id in assigned:
                return ast.copy_location(ast.Name(f"__local_{n.id}__", n.ctx), n)
            if n.id not in used:
                used.append(n.id)
            return n

    marked = Mark().visit(body)
    return _Template(params, ast.unparse(marked), isinstance(marked, _LOW) or _is_sum(marked), tuple(used),
                     assigned)


def _is_sum(node: ast.AST) -> bool:
    return isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.LShift, ast.RShift,
                                                                ast.BitAnd, ast.BitOr, ast.BitXor))


def _inline(fn: Any, args: Sequence[Arg], ns: Namespace) -> Code | None:
    if any(isinstance(a, list) for a in args):
        return None  # a variadic forward's lists: unrolled or called
    tpl = _template(fn)
    if tpl is None or len(tpl.params) != len(args):
        return None
    renames: dict[str, str] = {}
    for g in tpl.globals_used:
        if g in fn.__globals__:
            renames[g] = ns.alias(fn.__globals__[g], g)
        elif not hasattr(builtins, g):
            return None  # a name the rule's module does not define: leave it to the call
    texts = [_operand(a).text for a in args]
    text = _MARKER.sub(lambda m: texts[int(m.group(1))], tpl.text)
    if tpl.assigned:
        text = _LOCAL.sub(lambda m: ns.local(m.group(1)), text)
    if renames:
        text = re.sub(r"(?<![\w.])(" + "|".join(map(re.escape, renames)) + r")\b",
                      lambda m: renames[m.group(1)], text)
    return Code(text, tpl.loose)


def _operand(a: Arg) -> Code:
    return Code(a) if isinstance(a, str) else constant(a)


# ---- 2. run symbolically ----------------------------------------------------------------------------


class _Unsupported(Exception):  # noqa: N818 (a signal)
    pass


def _ast_of(x: object) -> ast.expr:
    if isinstance(x, _Sym):
        return x.node
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return ast.parse(constant(x).text, mode="eval").body
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


def _symbolic(fn: Callable[..., Any], args: Sequence[Arg]) -> Code | None:
    names = getattr(getattr(fn, "__code__", None), "co_names", ())
    if sys.version_info >= (3, 12) and "sum" in names:
        return None  # sum() of floats is compensated from 3.12 on: not a chain of + on symbols

    def sym(a: Arg) -> Any:
        if isinstance(a, list):
            return [sym(x) for x in a]
        return _Sym(ast.Name(a, ast.Load())) if isinstance(a, str) else a

    try:
        result = fn(*[sym(a) for a in args])
    except (_Unsupported, TypeError, ValueError, ZeroDivisionError, OverflowError, AttributeError):
        return None
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        return constant(result)
    if not isinstance(result, _Sym):
        return None
    return Code(ast.unparse(result.node), isinstance(result.node, _LOW) or _is_sum(result.node))


# ---- 3. called ---------------------------------------------------------------------------------------


def call_code(fn: Callable[..., Any], args: Sequence[Arg], ns: Namespace, hint: str) -> Code:
    def text(a: Arg) -> str:
        return "[" + ", ".join(text(x) for x in a) + "]" if isinstance(a, list) else _operand(a).text

    return Code(f"{ns.alias(fn, hint)}({', '.join(text(a) for a in args)})")


def column_rule_code(fn: Callable[..., Any], out: str, columns: Sequence[list[Arg]], n: int, i: int,
                     ns: Namespace, hint: str, probe: Callable[[], Any]) -> Code:
    """The derivative for group i of a variadic op, from a rule over its columns.

    ``rule(out, *columns, n)`` gives one derivative per group (a list) or one number for every
    group.  A rule whose body is one of its columns (``dot``'s d/dw: ``x``) is that column's
    element i; a body that reads no column (``sum``'s ``1.0``, ``mean``'s ``1.0 / n``) is the same
    for every group; any other rule is called on the columns (``probe()``, the rule on the traced
    data, says whether it gives a list, to be indexed).
    """
    tpl = _template(fn)
    if tpl is not None and len(tpl.params) == len(columns) + 2:
        markers = {f"__arg{c + 1}__": c for c in range(len(columns))}
        if tpl.text.strip() in markers:
            return _operand(columns[markers[tpl.text.strip()]][i])
        if not any(m in tpl.text for m in markers):
            inlined = _inline(fn, [out, *(col[i] for col in columns), n], ns)
            if inlined is not None:
                return inlined
    call = call_code(fn, [out, *columns, n], ns, hint)
    return Code(f"{call.text}[{i}]") if type(probe()) is list else call


def rule_code(fn: Callable[..., Any], args: Sequence[Arg], ns: Namespace, hint: str,
              *, symbolic: bool = True) -> Code:
    """The code of ``fn(*args)``: inlined, run symbolically, or a call (see the module doc)."""
    unrolled = _symbolic(fn, args) if symbolic else None
    return _inline(fn, args, ns) or unrolled or call_code(fn, args, ns, hint)
