"""``python -m autograd.draw EXPR [NAME=VALUE ...] [-o FILE]``: draw an expression's graph.

    $ python -m autograd.draw "x*y + exp(x)" x=2 y=3 -o graph.svg
    f = 13.3890561
    d/dx = 10.3890561
    d/dy = 2
    wrote graph.svg

The expression is parsed with `ast` and checked against a whitelist before anything is computed:
numbers, ``pi``, the names bound on the command line, ``+ - * / **``, unary ``-`` and ``+``,
parentheses, and calls by plain name of the table's one-operand operations (`FUNCTIONS`: ``exp log
tanh sigmoid relu abs sin cos sqrt`` and any registered with `autograd.define_op`) with one
argument.  Anything else (attributes, subscripts, lambdas, comprehensions, other calls, keyword
arguments, unknown names, ...) is refused with a one-line message; nothing from the command line
is ever evaluated as Python.

``--steps`` prints the backward pass one node at a time in the chain rule's words (as
``python -m demos.step_through`` does for the seed's network); ``--frames DIR`` draws the graph
after each step into ``DIR/step-NN.svg`` and writes ``DIR/index.html`` to flip through them or
play them as an animation.  With either, the whole graph is drawn only when ``-o FILE`` asks for it
(a bare command draws ``graph.svg``).

Exit status: 0 on success; 2 when the command line is wrong (refused expression, bad NAME=VALUE,
unknown option, unsupported output suffix, ``--frames`` for a walk of more than ``--max-frames``
steps); 1 when the maths or the drawing fails (an engine error
such as ``log(-1)`` or ``1/0``, a graph over ``--max-nodes``, no Graphviz for the format, a file
that cannot be written); 130 when stopped by Ctrl-C (SIGINT), which stops a render at once and
leaves no partial file.  A directory, device, named pipe or socket at the output path is a
refused argument (exit status 2), never written to.  Every error is one line on stderr, never a
traceback; text stdout or stderr cannot encode (``PYTHONIOENCODING=ascii``, non-UTF-8 file names)
is printed escaped (see `autograd.cli.console`).  When stdout is closed before everything is printed
(``... | head -1``) it stops quietly, with exit status 1 (see `command_line`, which the demos'
command lines use too).
"""

from __future__ import annotations

import ast
import functools
import keyword
import math
import os
import reprlib
import sys
import unicodedata
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import ParamSpec

from autograd.cli.console import escape_unencodable_output
from autograd.core import Op, Value
from autograd.draw.frames import (
    DEFAULT_MAX_FRAMES,
    FrameWriter,
    TooManyFramesError,
    check_directory,
    check_frame_count,
)
from autograd.draw.graph import DEFAULT_MAX_NODES, SPLIT_SHARED_OVER, SUFFIXES, count_until, draw
from autograd.draw.render import BackendUnavailableError, RenderError, choose_backend
from autograd.explain.stepping import walk_steps
from autograd.files import NotARegularFileError, check_writable
from autograd.ops import OPS

__all__ = [
    "BROKEN_PIPE_STATUS",
    "FUNCTIONS",
    "INTERRUPTED_STATUS",
    "Options",
    "UsageError",
    "command_line",
    "evaluate",
    "main",
]

_P = ParamSpec("_P")

#: The exit status of a command line whose stdout was closed before it had printed everything.
BROKEN_PIPE_STATUS = 1

#: The exit status after Ctrl-C, as a shell reports a command killed by SIGINT (128 + 2).
INTERRUPTED_STATUS = 130


def command_line(main: Callable[_P, int]) -> Callable[_P, int]:
    """Wrap a command line's ``main``: what stdout and stderr cannot encode is printed escaped (see
    `autograd.cli.console`), a closed stdout (``| head -1``) ends it quietly, and Ctrl-C ends it with
    one line, ``interrupted``, and `INTERRUPTED_STATUS` (130), never a traceback.

    When printing (or the final flush of what was printed) meets a closed pipe, the rest of the
    run is skipped, nothing is written to stderr, and the wrapped ``main`` returns
    `BROKEN_PIPE_STATUS` (1).  Stdout is pointed at ``os.devnull`` first, so that the
    interpreter's own flush at exit has nowhere to fail either.  A `KeyboardInterrupt` that
    ``main`` lets through (training, a render: see `autograd.draw.render`, which kills it at once) is
    printed as ``interrupted`` on stderr after what was printed is flushed.  Any other error passes
    through.
    """

    @functools.wraps(main)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> int:
        escape_unencodable_output()
        try:
            try:
                status = main(*args, **kwargs)
            except SystemExit:  # argparse's --help and usage errors: flush what they printed
                _flush_stdout()
                raise
            except KeyboardInterrupt:  # Ctrl-C: what was printed stays, then one line says why it ends
                _flush_stdout()
                print("interrupted", file=sys.stderr)
                return INTERRUPTED_STATUS
            _flush_stdout()
        except BrokenPipeError:
            _silence_stdout()
            return BROKEN_PIPE_STATUS
        return status

    return run


def _flush_stdout() -> None:
    if sys.stdout is not None:
        sys.stdout.flush()


def _silence_stdout() -> None:
    """Point file descriptor 1 (stdout's) at the null device: later writes and flushes succeed."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # no stdout, or one without a descriptor
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


#: The functions an expression may call, by plain name: every one-operand operation of the table.
FUNCTIONS: dict[str, Op] = {
    name: op for name, op in OPS.items() if name.isidentifier() and len(op.params) == 1 and not op.lists
}
del FUNCTIONS["neg"]  # written -x

#: The constants an expression may name.
CONSTANTS = {"pi": math.pi}  # a NAME=VALUE of the same name takes its place

_BINARY: dict[type[ast.operator], Callable[[Value | float, Value | float], Value | float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_OPERATOR_NAMES = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.Not: "not",
    ast.Invert: "~",
}
_WHAT = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.IfExp: "if/else",
    ast.NamedExpr: "assignments (:=)",
    ast.Starred: "* unpacking",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Set: "sets",
    ast.Dict: "dicts",
    ast.JoinedStr: "f-strings",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slices",
}
ALLOWED = f"numbers, pi, NAME=VALUE names, + - * / **, unary -, and {' '.join(FUNCTIONS)}"

USAGE = f"""usage: python -m autograd.draw EXPR [NAME=VALUE ...] [-o FILE] [--backend auto|dot|wasm]
                               [--max-nodes N] [--steps] [--frames DIR] [--max-frames N]
                               [--no-split]

Compute EXPR with the autograd engine, run backward, print d/dNAME for every NAME, and draw the
computation graph with the gradient on every edge.

  EXPR              {ALLOWED}
  NAME=VALUE        bind a variable, e.g. x=2 y=-0.5
  -o, --output FILE where to draw the graph: .svg, .png, .pdf or .dot (default: graph.svg,
                    or no picture with --steps or --frames)
  --backend B       auto (dot if on PATH, else embedded; default), dot, or wasm (SVG only)
  --max-nodes N     refuse bigger graphs (default {DEFAULT_MAX_NODES}; none: no limit)
  --steps           print the backward pass step by step, in the chain rule's words
  --frames DIR      draw the graph after each step into DIR (step-NN.svg) and write
                    DIR/index.html to flip through them or play them (removes older step-NN.svg)
  --max-frames N    refuse --frames for a walk of more steps (default {DEFAULT_MAX_FRAMES}; none: no limit)
  --no-split draw a shared leaf once even in a graph of over {SPLIT_SHARED_OVER} nodes (slow to lay
                    out; by default it is drawn beside each use, dashed)
  -h, --help        show this help

exit status: 0 ok; 2 bad command line or refused expression; 1 maths or drawing failed (or
stdout closed early, as by | head); 130 stopped by Ctrl-C
"""


#: What ``--max-nodes`` takes for no limit (any case: ``None`` too).
NO_LIMIT = "none"
_OPTIONS = ("-o", "--output", "--backend", "--max-nodes", "--frames", "--max-frames")
_FLAGS = ("--steps", "--no-split")


@dataclass
class Options:
    """The command line, parsed."""

    expression: str
    variables: dict[str, Value]
    output: str | None = "graph.svg"  # None: no picture (--steps or --frames without -o)
    backend: str = "auto"
    max_nodes: int | None = DEFAULT_MAX_NODES
    steps: bool = False
    frames: str | None = None
    split_shared: bool | None = None
    max_frames: int | None = DEFAULT_MAX_FRAMES


class UsageError(ValueError):
    """The command line is wrong: the message is shown as one line, with exit status 2."""


def _refuse(node: ast.AST, what: str) -> UsageError:
    col = getattr(node, "col_offset", None)
    where = f" at column {col + 1}" if col is not None else ""
    return UsageError(f"refused{where}: {what} (allowed: {ALLOWED})")


def _check(tree: ast.Expression, names: Sequence[str]) -> None:
    """Raise `UsageError` for the first node of `tree` outside the whitelist (nothing is run)."""
    stack: list[ast.AST] = [tree.body]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Constant):
            if type(node.value) not in (int, float):
                raise _refuse(node, f"the constant {node.value!r} is not a number")
            if type(node.value) is int and not _fits_a_float(node.value):
                raise _refuse(node, f"{_an_integer(node.value)}: too large for a float")
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise _refuse(node, f"{node.id} is a function: call it, as in {node.id}(x)")
            if node.id not in names and node.id not in CONSTANTS:
                bound = ", ".join(names) or "none"
                raise _refuse(node, f"unknown name {node.id!r} (bound on the command line: {bound})")
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                op = _OPERATOR_NAMES.get(type(node.op), type(node.op).__name__)
                raise _refuse(node, f"the operator {op}")
            stack += [node.right, node.left]
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                op = _OPERATOR_NAMES.get(type(node.op), type(node.op).__name__)
                raise _refuse(node, f"the operator {op}")
            stack.append(node.operand)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                raise _refuse(node, f"calling {_shown(node.func)}")
            if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
                raise _refuse(node, f"{node.func.id} takes exactly one argument, no keywords")
            stack.append(node.args[0])
        else:
            raise _refuse(node, _WHAT.get(type(node), f"{type(node).__name__} expressions"))


def _fits_a_float(n: int) -> bool:
    """Whether ``float(n)`` is finite: from 2**1024 - 2**970 up, ints round to 2**1024 and overflow."""
    try:
        float(n)
    except OverflowError:
        return False
    return True


def _an_integer(n: int) -> str:
    """An integer literal, shortened for a message (never `repr`'s error for one over 4,300 digits).

    A hex or binary literal may be any length; Python refuses to write an int of more than
    ``sys.get_int_max_str_digits()`` decimal digits (4,300 by default), so such a one is described
    by its number of binary digits instead.
    """
    try:
        return f"the integer {reprlib.repr(n)}"
    except ValueError:
        return f"an integer of {n.bit_length():,} binary digits"


def evaluate(expression: str, variables: dict[str, Value]) -> Value:
    """Compute a whitelisted `expression` with the engine: a `Value` whose graph can be drawn.

    `variables` maps each allowed name to its leaf.  Raises `UsageError` for anything outside
    the whitelist (see the module doc); engine errors (``log(-1)``) propagate unchanged.
    """
    try:
        with warnings.catch_warnings():
            # A warning while parsing ("1if x" is an invalid decimal literal) becomes the SyntaxError
            # Python raises for it, so the refusal is the one line printed, never a warning before it.
            warnings.simplefilter("error")
            tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        col = f" at column {exc.offset}" if exc.offset else ""
        raise UsageError(f"not a valid expression{col}: {exc.msg}") from None
    except UnicodeError:  # e.g. bytes that are not UTF-8 on the command line
        raise UsageError("the expression is not valid text (it holds bytes that are not UTF-8)") from None
    except (RecursionError, MemoryError):
        raise UsageError("the expression is nested too deeply to parse") from None
    except Warning as exc:  # a warning Python does not turn into a SyntaxError
        raise UsageError(f"not a valid expression: {exc}") from None
    _check(tree, list(variables))
    # Post-order, iteratively (a long sum such as x+x+...+x is a deep tree): each node's operands
    # are computed before it.  A plain number stays a float, so x*2 is one node, as in the engine.
    results: dict[ast.AST, Value | float] = {}
    stack: list[tuple[ast.AST, bool]] = [(tree.body, False)]
    while stack:
        node, ready = stack.pop()
        if isinstance(node, ast.Constant):
            assert isinstance(node.value, (int, float))  # checked by _check
            results[node] = float(node.value)
        elif isinstance(node, ast.Name):
            results[node] = variables[node.id] if node.id in variables else CONSTANTS[node.id]
        elif not ready:
            stack.append((node, True))
            if isinstance(node, ast.BinOp):
                stack += [(node.right, False), (node.left, False)]
            elif isinstance(node, ast.UnaryOp):
                stack.append((node.operand, False))
            elif isinstance(node, ast.Call):
                stack.append((node.args[0], False))
        elif isinstance(node, ast.BinOp):
            left, right = results.pop(node.left), results.pop(node.right)
            if not isinstance(left, Value) and not isinstance(right, Value):
                # number op number: with the engine's semantics and errors, then a number again
                folded = _BINARY[type(node.op)](Value(left), right)
                results[node] = folded.data if isinstance(folded, Value) else folded
            else:
                results[node] = _BINARY[type(node.op)](left, right)
        elif isinstance(node, ast.UnaryOp):
            operand = results.pop(node.operand)
            results[node] = -operand if isinstance(node.op, ast.USub) else operand
        elif isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)  # checked by _check
            arg = results.pop(node.args[0])
            results[node] = FUNCTIONS[node.func.id](arg if isinstance(arg, Value) else Value(arg))
    result = results[tree.body]
    return result if isinstance(result, Value) else Value(result, label="result")


def _shown(func: ast.expr) -> str:
    """A refused callee, for the message: its source text, shortened (never recursing deeply)."""
    try:
        text = ast.unparse(func)
    except RecursionError:
        return f"a {type(func).__name__} expression"
    return reprlib.repr(text)[1:-1] if len(text) > 40 else text


def parse_binding(text: str, taken: dict[str, Value]) -> tuple[str, float]:
    """``"x=2"`` -> ``("x", 2.0)``, or `UsageError` saying what is wrong with it."""
    name, sep, value = text.partition("=")
    name, value = name.strip(), value.strip()
    if not sep:
        raise UsageError(f"expected NAME=VALUE, got {text!r} (the expression must come first, once)")
    if not name.isidentifier() or keyword.iskeyword(name):
        raise UsageError(f"bad NAME=VALUE {text!r}: {name!r} is not a name")
    name = unicodedata.normalize("NFKC", name)  # as Python reads names in the expression (𝐗 is X)
    if name in FUNCTIONS:
        raise UsageError(f"bad NAME=VALUE {text!r}: {name!r} is a function's name")
    if name in taken:
        raise UsageError(f"bad NAME=VALUE {text!r}: {name!r} is bound twice")
    try:
        number = float(value)
    except ValueError:
        raise UsageError(f"bad NAME=VALUE {text!r}: {value!r} is not a number") from None
    return name, number


def _limit(option: str, text: str) -> int | None:
    """``--max-nodes``, ``--max-frames``: a whole number from 1 up, or ``none`` (any case): no limit."""
    if text.strip().lower() == NO_LIMIT:
        return None
    try:
        limit = int(text)
    except ValueError:
        raise UsageError(
            f"{option} must be a whole number, or {NO_LIMIT} for no limit; not {text!r}"
        ) from None
    if limit < 1:
        raise UsageError(f"{option} must be at least 1 (or {NO_LIMIT} for no limit), not {limit}")
    return limit


def _over_max_nodes(root: Value, max_nodes: int | None) -> str | None:
    """The error, in the command line's words, when root's graph has more than ``--max-nodes``."""
    if max_nodes is None or count_until(root, max_nodes) <= max_nodes:
        return None
    return (
        f"the graph of f has more than --max-nodes {max_nodes} nodes; draw a smaller expression,"
        f" or pass a larger --max-nodes N (--max-nodes {NO_LIMIT} for no limit)"
    )


def _parse_args(argv: Sequence[str]) -> Options | None:
    """The parsed command line, or None when help was asked for."""
    output: str | None = None
    backend = "auto"
    max_nodes: int | None = DEFAULT_MAX_NODES
    max_frames: int | None = DEFAULT_MAX_FRAMES
    frames: str | None = None
    flags: set[str] = set()
    positional: list[str] = []
    args = list(argv)
    options_done = False
    while args:
        arg = args.pop(0)
        flag, eq, inline = arg.partition("=")
        if not options_done and arg in _FLAGS:
            flags.add(arg)
            continue
        if options_done or not arg.startswith("-") or flag not in _OPTIONS:
            if not options_done and arg in ("-h", "--help"):
                return None
            if not options_done and arg == "--":
                options_done = True
                continue
            positional.append(arg)  # an expression may start with '-', as in -x*y
            continue
        if eq:
            value = inline
        elif args:
            value = args.pop(0)
        else:
            raise UsageError(f"{flag} needs a value")
        if flag in ("-o", "--output"):
            output = value
        elif flag == "--backend":
            if value not in ("auto", "dot", "wasm"):
                raise UsageError(f"--backend must be auto, dot or wasm, not {value!r}")
            backend = value
        elif flag == "--max-frames":
            max_frames = _limit(flag, value)
        elif flag == "--frames":
            try:
                check_directory(value)
            except (NotARegularFileError, NotADirectoryError) as exc:  # a pipe named like a frame or
                raise UsageError(f"--frames {value}: {exc}") from None  # the page, or as the folder
            except ValueError as exc:  # an empty name
                raise UsageError(f"--frames: {exc}") from None
            except OSError:
                pass  # reported when the frames are written (exit status 1)
            frames = value
        else:
            max_nodes = _limit(flag, value)
    if output is None and "--steps" not in flags and frames is None:
        output = "graph.svg"  # a picture is what a bare command draws; --steps/--frames only if asked
    if output is not None:
        _check_output(output)
    if not positional:
        raise UsageError("no expression given; try: python -m autograd.draw \"x*y + exp(x)\" x=2 y=3")
    expression, *bindings = positional
    variables: dict[str, Value] = {}
    for text in bindings:
        name, number = parse_binding(text, variables)
        variables[name] = Value(number, label=name)
    split = False if "--no-split" in flags else None
    return Options(
        expression, variables, output, backend, max_nodes, "--steps" in flags, frames, split, max_frames
    )


def _check_output(output: str) -> None:
    """-o FILE's suffix and path, before anything is computed (a `UsageError` if refused)."""
    suffix = PurePath(output).suffix.lower()
    if suffix not in SUFFIXES:
        raise UsageError(f"-o {output}: the suffix must be one of {', '.join(SUFFIXES)}, not {suffix!r}")
    try:
        check_writable(output)
    except NotARegularFileError as exc:  # a directory, device, pipe or socket: never written to
        raise UsageError(f"-o {output}: {exc.strerror}") from None
    except OSError:
        pass  # a missing directory, say: reported when the file is written (exit status 1)


@command_line
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line (`argv` without the program name); return the exit status."""
    args = sys.argv[1:] if argv is None else argv
    return _run(args)  # Ctrl-C: any render was stopped, nothing half-written left (see command_line)


def _run(args: Sequence[str]) -> int:
    try:
        parsed = _parse_args(args)
        if parsed is None:
            print(USAGE, end="")
            return 0
        root = evaluate(parsed.expression, parsed.variables)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (ArithmeticError, ValueError, TypeError) as exc:  # the engine's domain errors
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 1
    too_many = _over_max_nodes(root, parsed.max_nodes)
    if parsed.frames is not None:
        if too_many:
            print(f"error: --frames: {too_many}", file=sys.stderr)
            return 1
        try:  # in well under a second, before minutes of drawing
            check_frame_count(root, parsed.max_frames, split_shared=parsed.split_shared)
        except TooManyFramesError as exc:
            print(
                f"error: --frames: {exc.numbers()}: more than --max-frames {exc.max_frames}; draw a"
                f" smaller expression, or pass --max-frames {exc.frames} ({NO_LIMIT}: no limit)",
                file=sys.stderr,
            )
            return 2
        try:  # before the first step, so that a folder is never left half drawn
            choose_backend("svg", parsed.backend)
            draw(root, max_nodes=parsed.max_nodes)
        except (ValueError, BackendUnavailableError) as exc:
            print(f"error: --frames: {_one_line(exc)}", file=sys.stderr)
            return 1
    print(f"f = {root.data:.10g}")
    if parsed.steps or parsed.frames is not None:
        status = _walk(root, parsed)
        if status:
            return status
    else:
        root.backward()
    for name, leaf in parsed.variables.items():
        print(f"d/d{name} = {leaf.grad:.10g}")
    if parsed.output is None:
        return 0
    if too_many:
        print(f"error: {too_many}", file=sys.stderr)
        return 1
    try:
        picture = draw(
            root, max_nodes=parsed.max_nodes, backend=parsed.backend, split_shared=parsed.split_shared
        )
        path = picture.save(parsed.output)
    except (ValueError, BackendUnavailableError, RenderError, OSError) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


def _walk(root: Value, parsed: Options) -> int:
    """--steps and --frames: the backward pass one step at a time; an exit status (0: done)."""
    write = print if parsed.steps else _ignore
    try:
        writer = None
        if parsed.frames is not None:
            writer = FrameWriter(
                root, parsed.frames, backend=parsed.backend, max_nodes=parsed.max_nodes,
                split_shared=parsed.split_shared, max_frames=parsed.max_frames,
            )
        walked = walk_steps(root, root_name="f", write=write, writer=writer)
        if writer is not None:
            steps = f"{walked.total} step{'' if walked.total == 1 else 's'}"
            title = f"Backpropagation, step by step: f = {parsed.expression.strip()}"
            page = writer.finish(title, PAGE_INTRO.format(steps=steps))
    except (BackendUnavailableError, RenderError, OSError) as exc:
        print(f"error: --frames {parsed.frames}: {_one_line(exc)}", file=sys.stderr)
        return 1
    if parsed.steps:
        print()
    if writer is not None:
        print(f"wrote {len(writer.frames)} frames and the page {page}")
        if writer.removed:
            print(f"removed older frames: {', '.join(path.name for path in writer.removed)}")
    return 0


PAGE_INTRO = (
    "Each step takes one node, every node before its children, and passes its gradient ∂f/∂node"
    " along each edge to a child: ∂f/∂child += ∂f/∂node · ∂node/∂child ({steps})."
)


def _ignore(line: str) -> None:
    """Print nothing (--frames without --steps)."""


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())
