"""Mutation check (`make mutate`): would the tests notice a wrong derivative?

Every derivative rule lives in the op table, once: a ``lambda`` in the ``derivatives`` of an
``Op(...)`` in autograd/ops.py and nn/losses.py.  For each rule, a temporary copy of the package
is made with that rule's result scaled by 1.1 (``lambda out, x: 1.0 - out * out`` becomes
``lambda out, x: _scaled(1.0 - out * out)``), and each group of tests below runs against the
copy (first on PYTHONPATH, so it is the real code path, not a monkeypatch).  Every group must
kill every mutant: the engine's tests, and the compiled path's (`autograd.compile` reads the same
rules), so a wrong rule is caught on both paths.  The compiled path's two code templates of its own
(``EDGE_TERM`` and ``SGD_STEP`` in autograd/compile_codegen.py, scaled where they are written) must
be killed by the compiled path's tests.  The run fails (exit 1) if a mutant survives a group, and
stops (exit 2) if a file has no rules or a rule's lambda cannot be rewritten.

    .venv/bin/python tests/mutate.py                  # every mutant against every group
    .venv/bin/python tests/mutate.py --list           # the rules found, without running anything
    .venv/bin/python tests/mutate.py --rules dot bce  # only the rules whose name has "dot" or "bce"
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [Path("autograd") / "ops.py", Path("nn") / "losses.py"]
# Each group must kill every mutant; -x stops a mutant's run at its first failure.
GROUPS = {
    "engine": [
        "tests/test_ops.py",
        "tests/test_value.py",
        "tests/test_nn_losses.py",
        "tests/test_backward.py",
        "tests/test_hard_inputs.py",
        "tests/test_gradcheck.py",
        "tests/test_properties.py",
    ],
    "compiled": ["tests/test_compile.py"],
}
SCALE = "1.1"
# Applied to a rule's result: a column (a list, from a variadic op's rule) is scaled term by term.
HELPER = (
    "\n\ndef _scaled(d):  # make mutate: this copy's one wrong rule\n"
    f"    return [v * {SCALE} for v in d] if type(d) is list else d * {SCALE}\n"
)


@dataclass(frozen=True)
class Mutant:
    """One rule: ``op``'s derivative with respect to ``param``, the lambda at ``lambda_node``."""

    path: Path
    op: str
    param: str
    line: int
    start: int  # character offsets of the lambda's body (or the template string) in the file's text
    end: int
    template: bool = False  # a code template of the compiled path, not a rule

    @property
    def name(self) -> str:
        return f"{self.op} (template)" if self.template else f"{self.op} d/d{self.param}"

    def apply(self, text: str) -> str:
        """The file's text with this rule's result scaled (and the helper defined at the end), or the
        template's expression scaled in the code it writes."""
        body = text[self.start : self.end]
        if self.template:
            scaled = repr(f"({ast.literal_eval(body)}) * {SCALE}")
            return text[: self.start] + scaled + text[self.end :]
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
    """Every rule of every ``Op(name, params, forward, (rules...), ...)`` call in ``text``."""
    starts = _offsets(text)
    found = []
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.Call) or getattr(node.func, "id", None) != "Op" or len(node.args) < 4:
            continue
        name, params, _, rules = node.args[:4]
        tail = next((k.value for k in node.keywords if k.arg == "tail"), None)
        names = [e.value for e in (*getattr(params, "elts", ()), *getattr(tail, "elts", ()))
                 if isinstance(e, ast.Constant)]  # fmt: skip
        if not isinstance(name, ast.Constant):
            continue  # Op(name, ...) in code that makes ops (define_op), not an entry of the table
        if not isinstance(rules, ast.Tuple):
            raise SystemExit(f"mutate: {path}:{node.lineno}: Op {name.value!r} without a tuple of rules")
        if len(names) != len(rules.elts) or not all(isinstance(r, ast.Lambda) for r in rules.elts):
            raise SystemExit(f"mutate: {path}:{node.lineno}: Op {name.value!r} needs one lambda per operand")
        for param, rule in zip(names, rules.elts, strict=True):
            assert isinstance(rule, ast.Lambda)
            body = rule.body
            start = _position(text, starts, body.lineno, body.col_offset)
            end = _position(text, starts, body.end_lineno or body.lineno, body.end_col_offset or 0)
            found.append(Mutant(path, str(name.value), str(param), rule.lineno, start, end))
    if not found:
        raise SystemExit(f"mutate: no rules found in {path}")
    return found


# The compiled path's own code templates (everything else it writes comes from the rules above).
TEMPLATES = Path("autograd") / "compile_codegen.py"
TEMPLATE_NAMES = ("EDGE_TERM", "SGD_STEP")


def find_templates(path: Path, text: str) -> list[Mutant]:
    """Each template string ``NAME = "..."``: its expression, scaled in the code it writes."""
    found = []
    for node in ast.parse(text).body:
        targets = [getattr(t, "id", None) for t in node.targets] if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.Assign) and len(targets) == 1 and targets[0] in TEMPLATE_NAMES:
            value = node.value
            assert isinstance(value, ast.Constant)
            starts = _offsets(text)
            start = _position(text, starts, value.lineno, value.col_offset)
            end = _position(text, starts, value.end_lineno or value.lineno, value.end_col_offset or 0)
            name = getattr(node.targets[0], "id", "")
            found.append(Mutant(path, name, "template", node.lineno, start, end, template=True))
    if len(found) != len(TEMPLATE_NAMES):
        raise SystemExit(f"mutate: {path}: expected the templates {', '.join(TEMPLATE_NAMES)}")
    return found


def all_mutants() -> list[Mutant]:
    found = [m for path in SOURCES for m in find_mutants(path, (ROOT / path).read_text(encoding="utf-8"))]
    if (ROOT / TEMPLATES).exists():
        found += find_templates(TEMPLATES, (ROOT / TEMPLATES).read_text(encoding="utf-8"))
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
        ini.write_text("[pytest]\nmarkers =\n    dot\n    torch\n    wasm\n    renderer\n", encoding="utf-8")
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
    parser.add_argument("--list", action="store_true", help="list the rules found and stop")
    parser.add_argument("--rules", nargs="*", default=[], help="only rules whose name contains one of these")
    args = parser.parse_args(argv)
    mutants = [m for m in all_mutants() if not args.rules or any(r in m.name for r in args.rules)]
    if args.list:
        for m in mutants:
            print(f"{m.name:20s} {m.path}:{m.line}")
        return 0
    started = time.monotonic()
    survivors = []
    groups = {g: [t for t in tests if (ROOT / t).exists()] for g, tests in GROUPS.items()}
    for m in mutants:
        runs = {g: tests for g, tests in groups.items() if tests and (g == "compiled" or not m.template)}
        verdicts = {g: killed(m, tests) for g, tests in runs.items()}
        shown = "  ".join(f"{g}: {'killed' if k else 'SURVIVED'}" for g, k in verdicts.items())
        print(f"{m.name:20s} {m.path}:{m.line:<4d} {shown}", flush=True)
        survivors += [f"{m.name} ({g})" for g, k in verdicts.items() if not k]
    took = time.monotonic() - started
    print(f"\n{len(mutants)} rules x {len([g for g in groups.values() if g])} test groups in {took:.0f} s:"
          f" {len(survivors)} survived{': ' + ', '.join(survivors) if survivors else ''}")  # fmt: skip
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
