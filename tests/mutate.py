"""Mutation check (`make mutate`): would the tests notice a wrong derivative?

For every derivative rule in autograd/value.py (each op's rule, the Value-Value and the
number-operand forms of the binary operators, both local derivatives of the Value-Value ones), the
local derivative is scaled by 1.1 in the source text of a temporary copy of the package, and the
engine's test suite runs against that copy (first on PYTHONPATH, so it is the real code path, not a
monkeypatch).  Every mutant must be killed: the run fails (exit 1) if any survives, and stops at
once (exit 2) if a rule cannot be found in the source or its mutation changes nothing.

A rule is found by its method name and the ``local_grads`` tuple in it: the third argument of a
node-building call (``_node(data, children, local_grads, op)`` or ``Value(...)``, positional or by
keyword), or an assignment to ``.local_grads``; the ``children`` tuple next to it tells the
Value-Value form (two children) from the number-operand form (one).  A local derivative that is the
literal 0 (relu below 0) cannot change when scaled: it is listed as equivalent and not run.

    .venv/bin/python tests/mutate.py            # all mutants
    .venv/bin/python tests/mutate.py --list     # the rules found, without running anything
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
SOURCE = Path("autograd") / "value.py"
# The engine's tests, quickest killers first; -x stops a mutant's run at its first failure.
TESTS = [
    "tests/test_ops.py",
    "tests/test_value.py",
    "tests/test_backward.py",
    "tests/test_hard_inputs.py",
    "tests/test_errors.py",
    "tests/test_gradcheck.py",
    "tests/test_regressions.py",
    "tests/test_properties.py",
    "tests/test_torch_parity.py",
]
FACTOR = "1.1"


@dataclass(frozen=True)
class Rule:
    """One derivative rule to mutate: in ``method``, the local-gradient tuple of the node with
    ``children`` children, its element ``index``; ``probe`` builds such a node (Python source)."""

    name: str
    method: str
    children: int
    index: int
    probe: str


RULES = [
    Rule("x + y  d/dx", "__add__", 2, 0, "Value(0.7) + Value(1.3)"),
    Rule("x + y  d/dy", "__add__", 2, 1, "Value(0.7) + Value(1.3)"),
    Rule("x + c  d/dx", "__add__", 1, 0, "Value(0.7) + 2.0"),
    Rule("x - y  d/dx", "__sub__", 2, 0, "Value(0.7) - Value(1.3)"),
    Rule("x - y  d/dy", "__sub__", 2, 1, "Value(0.7) - Value(1.3)"),
    Rule("x - c  d/dx", "__sub__", 1, 0, "Value(0.7) - 2.0"),
    Rule("c - x  d/dx", "__rsub__", 1, 0, "2.0 - Value(0.7)"),
    Rule("x * y  d/dx", "__mul__", 2, 0, "Value(0.7) * Value(1.3)"),
    Rule("x * y  d/dy", "__mul__", 2, 1, "Value(0.7) * Value(1.3)"),
    Rule("x * c  d/dx", "__mul__", 1, 0, "Value(0.7) * 2.0"),
    Rule("x / y  d/dx", "__truediv__", 2, 0, "Value(0.7) / Value(1.3)"),
    Rule("x / y  d/dy", "__truediv__", 2, 1, "Value(0.7) / Value(1.3)"),
    Rule("x / c  d/dx", "__truediv__", 1, 0, "Value(0.7) / 2.0"),
    Rule("c / x  d/dx", "__rtruediv__", 1, 0, "2.0 / Value(0.7)"),
    Rule("x ** y d/dx", "__pow__", 2, 0, "Value(0.7) ** Value(1.3)"),
    Rule("x ** y d/dy", "__pow__", 2, 1, "Value(0.7) ** Value(1.3)"),
    Rule("x ** c d/dx", "__pow__", 1, 0, "Value(0.7) ** 2.5"),
    Rule("c ** x d/dx", "__rpow__", 1, 0, "2.5 ** Value(0.7)"),
    Rule("-x     d/dx", "__neg__", 1, 0, "-Value(0.7)"),
    Rule("exp    d/dx", "exp", 1, 0, "Value(0.7).exp()"),
    Rule("log    d/dx", "log", 1, 0, "Value(0.7).log()"),
    Rule("tanh   d/dx", "tanh", 1, 0, "Value(0.7).tanh()"),
    Rule("sigmoid d/dx", "sigmoid", 1, 0, "Value(0.7).sigmoid()"),
    Rule("relu   d/dx", "relu", 1, 0, "Value(0.7).relu()"),
    Rule("abs    d/dx", "abs", 1, 0, "Value(-0.7).abs()"),
]


@dataclass(frozen=True)
class Site:
    """A local-gradient tuple in the source: the method it is in and its element's byte span."""

    method: str
    children: int
    line: int
    elements: tuple[tuple[int, int, int, int], ...]  # (line, col, end_line, end_col) per element
    texts: tuple[str, ...]


@dataclass
class Mutant:
    rule: Rule
    site: Site
    source: bytes
    outcome: str = ""
    detail: str = ""
    seconds: float = 0.0


class SetupError(Exception):
    """The check itself cannot run: a rule not found, a mutation without effect, a failing baseline."""


# ---- finding the rules ----------------------------------------------------------------------------


def find_sites(source: bytes) -> list[Site]:
    """Every local-gradient tuple in class Value's methods, with the size of its children tuple."""
    tree = ast.parse(source)
    sites: list[Site] = []
    for cls in tree.body:
        if not (isinstance(cls, ast.ClassDef) and cls.name == "Value"):
            continue
        for method in cls.body:
            if isinstance(method, ast.FunctionDef):
                sites += [_site(source, method.name, ch, lg) for ch, lg in _pairs(method)]
    return sites


def _pairs(method: ast.FunctionDef) -> list[tuple[ast.Tuple, ast.Tuple]]:
    """(children, local_grads) tuple pairs in a method, in source order."""
    pairs: list[tuple[ast.Tuple, ast.Tuple]] = []
    assigned: dict[str, list[ast.Tuple]] = {"children": [], "local_grads": []}
    for node in ast.walk(method):
        if isinstance(node, ast.Call):
            children = node.args[1] if len(node.args) >= 3 else None
            local_grads = node.args[2] if len(node.args) >= 3 else None
            for kw in node.keywords:
                if kw.arg == "children":
                    children = kw.value
                elif kw.arg == "local_grads":
                    local_grads = kw.value
            if isinstance(children, ast.Tuple) and isinstance(local_grads, ast.Tuple):
                pairs.append((children, local_grads))
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr in assigned:
                    assigned[target.attr].append(node.value)
    pairs += zip(assigned["children"], assigned["local_grads"], strict=False)
    return sorted(pairs, key=lambda p: (p[1].lineno, p[1].col_offset))


def _site(source: bytes, method: str, children: ast.Tuple, local_grads: ast.Tuple) -> Site:
    spans = []
    for e in local_grads.elts:
        if e.end_lineno is None or e.end_col_offset is None:
            raise SetupError(f"{SOURCE}: no source position for a local gradient in {method}")
        spans.append((e.lineno, e.col_offset, e.end_lineno, e.end_col_offset))
    texts = tuple(_segment(source, s).decode() for s in spans)
    return Site(method, len(children.elts), local_grads.lineno, tuple(spans), texts)


def _offset(lines: list[bytes], line: int, col: int) -> int:
    return sum(len(x) for x in lines[: line - 1]) + col  # ast columns are UTF-8 byte offsets


def _segment(source: bytes, span: tuple[int, int, int, int]) -> bytes:
    lines = source.splitlines(keepends=True)
    return source[_offset(lines, span[0], span[1]) : _offset(lines, span[2], span[3])]


def _is_zero(text: str) -> bool:
    try:
        return float(ast.literal_eval(text)) == 0.0
    except (ValueError, TypeError, SyntaxError):
        return False


def mutants(source: bytes) -> tuple[list[Mutant], list[tuple[Rule, Site]]]:
    """One mutant per rule and matching site; also the equivalent (literal-zero) sites skipped."""
    sites = find_sites(source)
    found: list[Mutant] = []
    equivalent: list[tuple[Rule, Site]] = []
    for rule in RULES:
        matching = [s for s in sites if s.method == rule.method and s.children == rule.children]
        if not matching:
            raise SetupError(
                f"{SOURCE}: no local-gradient tuple with {rule.children} children in Value.{rule.method}"
                f" (rule {rule.name!r}); update tests/mutate.py if the engine's shape changed"
            )
        for site in matching:
            if rule.index >= len(site.texts):
                raise SetupError(
                    f"{SOURCE}:{site.line}: Value.{rule.method} has no local gradient #{rule.index}"
                )
            if _is_zero(site.texts[rule.index]):
                equivalent.append((rule, site))
                continue
            lines = source.splitlines(keepends=True)
            span = site.elements[rule.index]
            start, end = _offset(lines, span[0], span[1]), _offset(lines, span[2], span[3])
            mutated = source[:start] + f"{FACTOR} * (".encode() + source[start:end] + b")" + source[end:]
            ast.parse(mutated)  # still Python
            found.append(Mutant(rule, site, mutated))
        if not any(m.rule is rule for m in found):
            raise SetupError(f"{SOURCE}: every local gradient of rule {rule.name!r} is a literal 0")
    return found, equivalent


# ---- running --------------------------------------------------------------------------------------


def _environment(copy: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(copy) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["HYPOTHESIS_PROFILE"] = "ci"  # derandomized: every mutant meets the same examples
    return env


def probe(copy: Path, expression: str) -> str:
    """The local gradients of ``expression``'s node, computed by the package in ``copy``."""
    code = (
        "import autograd, sys\n"
        "from autograd import Value\n"
        f"assert autograd.__file__.startswith({str(copy)!r}), autograd.__file__\n"
        f"print(repr(({expression}).local_grads))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=copy, env=_environment(copy), capture_output=True, text=True
    )
    if run.returncode != 0:
        raise SetupError(f"probe {expression!r} failed in {copy}:\n{run.stderr}")
    return run.stdout.strip()


def run_tests(copy: Path, tests: list[str]) -> tuple[int, str]:
    """Run the engine tests against the package in ``copy``; (exit code, first failing test)."""
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--no-header", *tests]
    run = subprocess.run(command, cwd=copy, env=_environment(copy), capture_output=True, text=True)
    failed = [_node_id(line[7:]) for line in run.stdout.splitlines() if line.startswith("FAILED ")]
    first = failed[0] if failed else ""
    if run.returncode not in (0, 1):  # not a test failure: a usage or collection error
        first = (run.stdout.strip() or run.stderr.strip() or "no output").splitlines()[-1]
    return run.returncode, first


def _node_id(summary: str) -> str:
    """The test id of a ``-ra`` summary line's "<id> - <message>" (a parametrized id may hold " - ")."""
    head = summary.split(" - ")[0]
    if "[" in head:
        end = summary.find("] - ")
        return summary[: end + 1] if end != -1 else summary
    return head


def make_copy(where: Path) -> Path:
    """The package, its tests and the pytest configuration, copied to ``where``."""
    for package in ("autograd", "nn"):
        if (ROOT / package).is_dir():
            shutil.copytree(ROOT / package, where / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tests", where / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", where / "pyproject.toml")
    return where


def table(results: list[Mutant], equivalent: list[tuple[Rule, Site]]) -> str:
    rows = [("rule", "line", "mutation", "result", "killed by / note", "s")]
    for m in results:
        text = m.site.texts[m.rule.index]
        rows.append(
            (m.rule.name, str(m.site.line), f"{FACTOR} * ({text})", m.outcome, m.detail, f"{m.seconds:.1f}")
        )
    for rule, site in equivalent:
        rows.append((rule.name, str(site.line), site.texts[rule.index], "equivalent", "a literal 0", "-"))
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--tests", nargs="+", metavar="PATH", help=f"test files to run (default: {TESTS})")
    args = parser.parse_args(argv)
    original = (ROOT / SOURCE).read_bytes()
    try:
        found, equivalent = mutants(original)
        if args.list:
            print(table(found, equivalent))
            return 0
        tests = args.tests or [t for t in TESTS if (ROOT / t).exists()]
        with tempfile.TemporaryDirectory(prefix="mutate-") as tmp:
            copy = make_copy(Path(tmp))
            target = copy / SOURCE
            start = time.perf_counter()
            code, first = run_tests(copy, tests)
            if code != 0:
                raise SetupError(f"the unmutated engine fails its tests ({first}); fix that first")
            print(f"baseline: {len(tests)} test files pass on the unmutated copy "
                  f"({time.perf_counter() - start:.1f} s); {len(found)} mutants", flush=True)
            unchanged = {rule.probe: probe(copy, rule.probe) for rule in RULES}
            reached: set[str] = set()
            for m in found:
                target.write_bytes(m.source)
                t0 = time.perf_counter()
                if probe(copy, m.rule.probe) != unchanged[m.rule.probe]:
                    reached.add(m.rule.name)
                code, first = run_tests(copy, tests)
                m.outcome = {0: "SURVIVED", 1: "killed"}.get(code, "error")
                m.detail = first if code != 0 else "every test passed"
                m.seconds = time.perf_counter() - t0
                print(f"  {m.rule.name:<14} line {m.site.line:<4} {m.outcome:<9} {m.detail}", flush=True)
            target.write_bytes(original)
            # the probe builds a node of the rule: if no site's mutation changed it, the rule found
            # in the source is not the code that runs (say, dead code left by a refactoring)
            unreached = [rule.name for rule in RULES if rule.name not in reached]
    except SetupError as error:
        print(f"mutate: {error}", file=sys.stderr)
        return 2
    print()
    print(table(found, equivalent))
    survivors = [m for m in found if m.outcome == "SURVIVED"]
    errors = [m for m in found if m.outcome == "error"]
    killed = sum(m.outcome == "killed" for m in found)
    print(f"\n{killed} killed, {len(survivors)} survived, {len(errors)} errors,"
          f" {len(equivalent)} equivalent (not run), of {len(found) + len(equivalent)} mutants")
    if unreached:
        print(f"mutate: mutating rule(s) {', '.join(unreached)} changed nothing at run time", file=sys.stderr)
        return 2
    if errors:
        print("mutate: pytest could not run some mutants (see the table)", file=sys.stderr)
        return 2
    if survivors:
        print(f"mutate: {len(survivors)} mutant(s) survived, unnoticed by the tests", file=sys.stderr)
        return 1
    print("mutate: every mutant killed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
