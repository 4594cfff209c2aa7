"""Mutation check (`make mutate`): would the tests notice a wrong derivative?

Every derivative rule lives in the op table, once: a ``lambda`` given for an operand of an
``entry(...)`` of the table in autograd/ops.py and nn/losses.py (``x=(lambda out, x: ..., "formula")``).
For each rule, a temporary copy of the package is made with that rule's result scaled by 1.1
(``lambda out, x: 1.0 - out * out`` becomes ``lambda out, x: _scaled(1.0 - out * out)``), and each
group of tests below runs against the copy (first on PYTHONPATH, so it is the real code path, not a
monkeypatch).  Every group must kill every mutant: the engine's tests, the compiled path's
(`autograd.compile` reads the same rules) and the second-order path's (`autograd.grad(...,
create_graph=True)` evaluates the rules on Values), so a wrong rule is caught on all three.  A rule
that builds a graph when given Values also has a *flat* mutant (``_flat(...)``: its result's
``.data``, the rule that reads ``.data``: right at first order, 0 at second), run by the second-order
group alone, which must kill it.

The compiled path writes a few lines of its own (everything else it writes comes from the rules):
the chain rule on one edge, ``d_child += local * d_node``, and nn.SGD's update generated in,
``p.data = w - lr * g``; and ``step.run``'s loop (autograd/compiler/loop.py, and its numba form in
native.py) its own update of the parameters it keeps in locals, ``w = w - lr * g`` and
``g_w = g_w + d_w``, and nn.Adam's and SGD's momentum updates (autograd/compiler/updates.py, which
the step writes too).  Each is a *code
mutant*: the copy's file is changed where it writes that line (`CODE_MUTANTS`), so that the
generated code scales it by 1.1 (or, for Adam's bias corrections, drops them), and the compiled
path's tests must kill it.  The run fails
(exit 1) if a mutant survives a group, and stops (exit 2) if a file has no rules, a rule's lambda
cannot be rewritten, a code mutant's line is not found once in the compiler, or a test file of a
group is missing.

    .venv/bin/python tests/mutate.py                  # every mutant against every group
    .venv/bin/python tests/mutate.py --list           # the mutants found, without running anything
    .venv/bin/python tests/mutate.py --rules dot bce  # only the mutants whose name has "dot" or "bce"
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [Path("autograd") / "ops.py", Path("nn") / "losses.py"]
# Each group must kill every mutant; -x stops a mutant's run at its first failure.
GROUPS = {
    "engine": [
        "tests/core/test_ops.py",
        "tests/core/test_value.py",
        "tests/nn/test_nn_losses.py",
        "tests/core/test_backward.py",
        "tests/core/test_hard_inputs.py",
        "tests/check/test_gradcheck.py",
        "tests/core/test_properties.py",
    ],
    "compiled": [
        "tests/compiler/test_compile.py",
        "tests/compiler/test_loop.py",
        "tests/compiler/test_native.py",
        "tests/compiler/test_optimizers.py",
    ],
    "second order": ["tests/core/test_second_order.py", "tests/core/test_higher.py"],
}
SCALE = "1.1"
# Applied to a rule's result: a list (a list operand's rule, one derivative per item) item by item.
HELPER = (
    "\n\ndef _scaled(d):  # make mutate: this copy's one wrong rule\n"
    f"    return [v * {SCALE} for v in d] if type(d) is list else d * {SCALE}\n"
)
# A flat mutant: the rule's result as a number, its graph dropped (a rule that reads .data): the
# same at first order, 0 at second.  Only the "second order" group can kill it.
FLAT_HELPER = (
    "\n\ndef _flat(d):  # make mutate: this copy's one rule that is flat at second order\n"
    "    return [getattr(v, 'data', v) for v in d] if type(d) is list else getattr(d, 'data', d)\n"
)
FLAT_GROUPS = ("second order",)
# entry()'s keywords that are not operands
NOT_OPERANDS = {"name", "forward", "formula", "lists", "domain"}

CODEGEN = Path("autograd") / "compiler" / "codegen.py"
UPDATES = Path("autograd") / "compiler" / "updates.py"  # step.run's update lines (Python and numba loops)
# The compiled path's own lines: (file, name, the text in the file that writes it, the same scaled).
CODE_MUTANTS = [
    (CODEGEN, "edge term", 'term = f"{local.factor()} * {grad}"',
     f'term = f"({{local.factor()}} * {{grad}}) * {SCALE}"'),
    (CODEGEN, "SGD step", 'f"{alias}.data = {w} - _lr * {g}"',
     f'f"{{alias}}.data = ({{w}} - _lr * {{g}}) * {SCALE}"'),
    (UPDATES, "loop's SGD step", 'f"{data[k]} = {data[k]} - _lr * {step}"',
     f'f"{{data[k]}} = ({{data[k]}} - _lr * {{step}}) * {SCALE}"'),
    (UPDATES, "loop's grad sum", 'f"{grads[k]} = {grads[k]} + {d}"',
     f'f"{{grads[k]}} = ({{grads[k]}} + {{d}}) * {SCALE}"'),
    (UPDATES, "Adam's step", 'f"{w} = {w} - {step} * ({m} / ({root} + {optimizer.eps!r}))"',
     f'f"{{w}} = ({{w}} - {{step}} * ({{m}} / ({{root}} + {{optimizer.eps!r}}))) * {SCALE}"'),
    (UPDATES, "Adam's moment", 'f"{m} = {m} + (1.0 - {beta1!r}) * ({g} - {m})"',
     f'f"{{m}} = ({{m}} + (1.0 - {{beta1!r}}) * ({{g}} - {{m}})) * {SCALE}"'),
    (UPDATES, "Adam's second moment", 'f"{v} = {v} * {beta2!r} + (1.0 - {beta2!r}) * ({g} * {g})"',
     f'f"{{v}} = ({{v}} * {{beta2!r}} + (1.0 - {{beta2!r}}) * ({{g}} * {{g}})) * {SCALE}"'),
    (UPDATES, "momentum buffer", 'velocity = f"{mu!r} * {b} + {step}"',
     f'velocity = f"({{mu!r}} * {{b}} + {{step}}) * {SCALE}"'),
    # two bugs of their own, not scaled: Adam's bias corrections dropped
    (UPDATES, "Adam without m's bias correction", 'step = f"(_lr / (1.0 - {beta1!r} ** {t}))"',
     'step = "_lr"'),
    (UPDATES, "Adam without v's bias correction",
     'root = f"{math}.sqrt({v}) / {math}.sqrt(1.0 - {beta2!r} ** {t})"', 'root = f"{math}.sqrt({v})"'),
]  # the numba loop writes the Python loop's update lines (loop.update_lines): killed by test_native too


@dataclass(frozen=True)
class Mutant:
    """One rule, ``op``'s derivative with respect to ``param`` (its lambda's body at ``start:end``
    of the file's text), or one line the compiler writes (``code``: its text there, replaced by
    ``replacement``)."""

    path: Path
    op: str
    param: str
    line: int
    start: int  # character offsets of the lambda's body in the file's text
    end: int
    code: str = ""  # a line the compiled path writes (the text in the file that writes it), not a rule
    replacement: str = ""
    flat: bool = False  # the rule's result made a number (flat at second order), not scaled

    @property
    def name(self) -> str:
        if self.code:
            return f"{self.op} (compiled code)"
        return f"{self.op} d/d{self.param}" + " (flat)" * self.flat

    def apply(self, text: str) -> str:
        """The file's text with this rule's result scaled (and the helper defined at the end), or
        the compiler's code changed to write its line scaled."""
        if self.code:
            if text.count(self.code) != 1:
                raise SystemExit(f"mutate: {self.path}: {self.code!r} is no longer in it once")
            return text.replace(self.code, self.replacement)
        body = text[self.start : self.end]
        if self.flat:
            return text[: self.start] + f"_flat({body})" + text[self.end :] + FLAT_HELPER
        return text[: self.start] + f"_scaled({body})" + text[self.end :] + HELPER


def _offsets(text: str) -> list[int]:
    """The character offset at which each line starts (ast gives columns in UTF-8 bytes)."""
    starts, total = [], 0
    for line in text.splitlines(keepends=True):
        starts.append(total)
        total += len(line)
    return starts


def _position(text: str, starts: list[int], line: int, byte_col: int) -> int:
    """A character offset from ast's (line, UTF-8 byte column)."""
    row = text[starts[line - 1] :].encode()[:byte_col].decode()
    return starts[line - 1] + len(row)


def find_mutants(path: Path, text: str) -> list[Mutant]:
    """Every rule of every ``entry(name=..., <operand>=(rule, formula), ...)`` call in ``text``."""
    starts = _offsets(text)
    found = []
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.Call) or getattr(node.func, "id", None) != "entry":
            continue
        name = next((k.value for k in node.keywords if k.arg == "name"), None)
        if not isinstance(name, ast.Constant):
            continue  # entry(name=...) in code that makes entries, not an entry of the table
        for keyword in node.keywords:
            if keyword.arg is None or keyword.arg in NOT_OPERANDS:
                continue
            given = keyword.value
            rule = given.elts[0] if isinstance(given, ast.Tuple) and given.elts else None
            if not isinstance(rule, ast.Lambda):
                raise SystemExit(f"mutate: {path}:{node.lineno}: entry {name.value!r}: operand {keyword.arg}"
                                 " needs (lambda ..., formula)")
            body = rule.body
            start = _position(text, starts, body.lineno, body.col_offset)
            end = _position(text, starts, body.end_lineno or body.lineno, body.end_col_offset or 0)
            found.append(Mutant(path, str(name.value), keyword.arg, rule.lineno, start, end))
    if not found:
        raise SystemExit(f"mutate: no rules found in {path}")
    return found


def find_code_mutants(path: Path, text: str) -> list[Mutant]:
    """Each of `CODE_MUTANTS` of file ``path`` in its ``text``: where it writes the line, once."""
    found = []
    for file, name, code, replacement in CODE_MUTANTS:
        if file != path:
            continue
        if text.count(code) != 1:
            raise SystemExit(f"mutate: {path}: expected to find {code!r} (the {name} the compiled code"
                             f" writes) once, found it {text.count(code)} times; update CODE_MUTANTS")
        start = text.index(code)
        line = text.count("\n", 0, start) + 1
        found.append(Mutant(path, name, "code", line, start, start + len(code), code, replacement))
    return found


def builds_a_graph(op: str, param: str) -> bool:
    """Whether ``op``'s rule for ``param``, evaluated on Values, gives a Value (or a list with one):
    only then can it be made flat (relu's ``0.0 if x <= 0.0 else 1.0`` is a number already)."""
    if str(ROOT) not in sys.path:  # run as a script, tests/ is first: its nn/ is not the package
        sys.path.insert(0, str(ROOT))
    import nn  # noqa: F401 (registers the losses)
    from autograd import Value
    from autograd.ops import OPS

    definition = OPS[op]
    operands = [[Value(0.3), Value(0.4)] if p in definition.lists else Value(0.3) for p in definition.params]
    d = definition.derivatives[param](Value(0.5), *operands)
    return any(isinstance(v, Value) for v in (d if type(d) is list else [d]))


def all_mutants() -> list[Mutant]:
    found = [m for path in SOURCES for m in find_mutants(path, (ROOT / path).read_text(encoding="utf-8"))]
    found += [replace(m, flat=True) for m in found if builds_a_graph(m.op, m.param)]
    if (ROOT / CODEGEN).exists():  # the compiler is a layer that may be removed
        for path in dict.fromkeys(file for file, *_ in CODE_MUTANTS):
            found += find_code_mutants(path, (ROOT / path).read_text(encoding="utf-8"))
    return found


def _copy_with(mutant: Mutant, into: Path) -> None:
    """The packages, with ``mutant`` applied to its file."""
    for package in ("autograd", "nn", "demos"):
        shutil.copytree(ROOT / package, into / package, ignore=shutil.ignore_patterns("__pycache__"))
    text = (ROOT / mutant.path).read_text(encoding="utf-8")
    mutated = mutant.apply(text)
    ast.parse(mutated)  # a SyntaxError here is a bug in this script, not a killed mutant
    (into / mutant.path).write_text(mutated, encoding="utf-8")


def killed(mutant: Mutant, tests: list[str]) -> bool:
    """Whether ``tests`` fail against a copy of the package with ``mutant`` applied."""
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        _copy_with(mutant, Path(tmp))
        path = os.pathsep.join([tmp, str(ROOT / "tests")])
        env = {**os.environ, "PYTHONPATH": path, "PYTHONDONTWRITEBYTECODE": "1"}
        ini = Path(tmp) / "pytest.ini"  # not the project's, whose pythonpath would put the real package first
        ini.write_text("[pytest]\nmarkers =\n    dot\n    torch\n    numba\n    wasm\n    renderer\n",
                       encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-c", str(ini),
             "--rootdir", tmp, *[str(ROOT / t) for t in tests]],
            cwd=tmp, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        return done.returncode == 1  # 1: tests failed; 2-5: an error of the run itself, not a kill


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--list", action="store_true", help="list the mutants found and stop")
    parser.add_argument("--rules", nargs="*", default=[],
                        help="only mutants whose name contains one of these")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="mutants run at once, each in its own copy (default: one per CPU)")
    args = parser.parse_args(argv)
    mutants = [m for m in all_mutants() if not args.rules or any(r in m.name for r in args.rules)]
    if args.list:
        for m in mutants:
            print(f"{m.name:20s} {m.path}:{m.line}")
        return 0
    started = time.monotonic()
    survivors = []
    missing = [t for tests in GROUPS.values() for t in tests if not (ROOT / t).exists()]
    if missing:
        print(f"mutate: missing test files: {', '.join(missing)}; update GROUPS", file=sys.stderr)
        return 2
    groups = {g: tests for g, tests in GROUPS.items() if g != "compiled" or (ROOT / CODEGEN).exists()}

    def verdicts_of(m: Mutant) -> dict[str, bool]:
        runs = {g: tests for g, tests in groups.items()
                if (g in FLAT_GROUPS if m.flat else g == "compiled" or not m.code)}
        return {g: killed(m, tests) for g, tests in runs.items()}

    with ThreadPoolExecutor(max(1, args.jobs)) as pool:  # each run is a pytest process of its own
        for m, verdicts in zip(mutants, pool.map(verdicts_of, mutants), strict=True):  # in order
            shown = "  ".join(f"{g}: {'killed' if k else 'SURVIVED'}" for g, k in verdicts.items())
            print(f"{m.name:20s} {m.path}:{m.line:<4d} {shown}", flush=True)
            survivors += [f"{m.name} ({g})" for g, k in verdicts.items() if not k]
    took = time.monotonic() - started
    print(f"\n{len(mutants)} mutants x up to {len(groups)} test groups in {took:.0f} s:"
          f" {len(survivors)} survived{': ' + ', '.join(survivors) if survivors else ''}")  # fmt: skip
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
