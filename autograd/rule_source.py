"""A derivative rule's own expression, read from its source: what the explainer writes and
`autograd.compile` inlines (``lambda out, x: 1.0 - out * out`` -> ``1.0 - out * out``)."""

from __future__ import annotations

import ast
import copy
import functools
import inspect
import linecache
from collections.abc import Callable, Iterable, Sequence
from typing import Any

__all__ = ["formula_from_source", "rule_expression"]


def rule_expression(rule: Callable[..., Any]) -> ast.expr | None:
    """The expression a one-line rule returns, as an `ast` tree (None if its source is not to be had).

    For a lambda it is the lambda's body; for a ``def`` whose body is a single ``return``, the
    returned expression.  `autograd.compile` inlines it; the explainer writes it.  Each call gives
    a tree of its own, which the caller may change.
    """
    code = getattr(rule, "__code__", None)
    try:
        # the file's lines as linecache has them (inspect.findsource would first map every module
        # to its file: milliseconds, on the first compile of a process)
        linecache.checkcache(code.co_filename)  # type: ignore[union-attr]  # a module edited and reloaded
        lines = linecache.getlines(code.co_filename, getattr(rule, "__globals__", None))  # type: ignore[union-attr]
        if not lines:
            lines, _ = inspect.findsource(code)  # type: ignore[arg-type]
        tree = _parsed("".join(lines))
    except (OSError, TypeError, SyntaxError, AttributeError):
        return None
    params = list(code.co_varnames[: code.co_argcount])  # type: ignore[union-attr]
    found: list[ast.expr] = []
    is_lambda = code.co_name == "<lambda>"  # type: ignore[union-attr]
    for node in _functions_at(tree, code.co_firstlineno):  # type: ignore[union-attr]
        if isinstance(node, ast.Lambda) and is_lambda and [a.arg for a in node.args.args] == params:
            found.append(node.body)
        elif isinstance(node, ast.FunctionDef) and not is_lambda and node.name == code.co_name:  # type: ignore[union-attr]
            body = node.body[1:] if ast.get_docstring(node, clean=False) is not None else node.body
            if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
                found.append(body[0].value)
    if len(found) > 1:  # several lambdas on one line: the one whose code lies within it (Python 3.11+)
        positions: Iterable[tuple[int, int, int | None, int]] = getattr(code, "co_positions", list)()
        columns = {(line, col) for line, _, col, _ in positions if col is not None}
        found = [f for f in found if columns and all(_within(f, position) for position in columns)]
    return copy.deepcopy(found[0]) if len(found) == 1 else None  # the parsed module is cached: a copy


@functools.lru_cache(maxsize=64)
def _parsed(source: str) -> ast.Module:
    """A module's tree, parsed once per source text."""
    return ast.parse(source)


def _functions_at(tree: ast.AST, line: int) -> list[ast.Lambda | ast.FunctionDef]:
    """The lambdas and functions that start on ``line``: a walk into only the nodes that span it."""
    found: list[ast.Lambda | ast.FunctionDef] = []
    stack = [tree]
    while stack:
        for child in ast.iter_child_nodes(stack.pop()):
            start, end = getattr(child, "lineno", None), getattr(child, "end_lineno", None)
            if start is None or end is None:  # no position (arguments, operators): look inside
                stack.append(child)
            elif min([start, *(d.lineno for d in getattr(child, "decorator_list", ()))]) <= line <= end:
                if start == line and isinstance(child, (ast.Lambda, ast.FunctionDef)):
                    found.append(child)
                stack.append(child)
    found.sort(key=lambda node: (node.lineno, node.col_offset))
    return found


def _within(node: ast.expr, position: tuple[int, int]) -> bool:
    start = (node.lineno, node.col_offset)
    return start <= position <= (node.end_lineno or node.lineno, node.end_col_offset or 0)


def formula_from_source(rule: Callable[..., Any], params: Sequence[str]) -> str:
    """A rule's expression as the explainer writes it, operands as ``{name}``; the value if no source."""
    expression = rule_expression(rule)
    if expression is None:
        return "{grad}"

    class Placeholders(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            if node.id in (*params, "out"):
                return ast.Name(id="\x00" + node.id + "\x01", ctx=node.ctx)
            return node

    text = ast.unparse(Placeholders().visit(expression))
    text = text.replace("{", "{{").replace("}", "}}")
    return text.replace("\x00", "{").replace("\x01", "}")
