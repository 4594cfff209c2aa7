"""Mutation check (`make mutate`): would the tests notice a wrong derivative?

For every derivative rule in autograd/value.py (each op's rule, the Value-Value and the
number-operand forms of the binary operators, both local derivatives of the Value-Value ones, and
the n-ary nodes `sum`, `mean` and `dot`) and for nn/losses.py's fused loss nodes (`mse_loss`,
`bce_loss`, `hinge_loss`), the local derivative is scaled by 1.1 in the source text of a temporary
copy of the package, and the tests of that file (the engine's suite for value.py, the loss tests
for losses.py) run against that copy (first on PYTHONPATH, so it is the real code path, not a
monkeypatch).  Every mutant must be killed: the run fails (exit 1) if any survives, and stops
(exit 2) if a rule cannot be found in the source, or if its mutation does not scale exactly the
local derivative the rule names on a probe node built by the mutated copy.

A rule is found by its function (a method of class Value, or a module-level function) and the
local gradients of the node it builds: the third argument of a node-building call
(``_node(data, children, local_grads, op)`` or ``Value(...)``, positional or by keyword), or an
assignment to ``.local_grads``.  That argument is a tuple (``(1.0 / y, -q / y)``: one derivative
per element), a repeated tuple (``(1.0 / n,) * len(children)``: one expression for every child),
or a tuple of starred lists (``(*local_grads, *input_grads)``: the lists' literal items and their
``.append(...)`` arguments, in source order, as in `dot`).  The size of the ``children`` tuple next
to it tells the Value-Value form (two children) from the number-operand form (one); children
built at run time (an n-ary node) have no fixed size.  A local derivative that is the literal 0
(relu below 0) cannot change when scaled: it is listed as equivalent and not run.  A local
derivative in either file that no rule names (a new op, say) stops the check too (exit 2), so
none is left out silently.

    .venv/bin/python tests/mutate.py                  # all mutants
    .venv/bin/python tests/mutate.py --list           # the rules found, without running anything
    .venv/bin/python tests/mutate.py --rules dot bce  # only the rules whose name has "dot" or "bce"
    .venv/bin/python tests/mutate.py --rules value.py --tests tests/test_properties.py  # one file's
                                                      # rules, against other tests than its own
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINE = Path("autograd") / "value.py"
LOSSES = Path("nn") / "losses.py"
SOURCE = ENGINE  # the file of the rules of class Value
# The tests run against each file's mutants, quickest killers first; -x stops a mutant's run at its
# first failure.  The engine's whole suite for value.py; the loss tests alone kill every loss mutant.
TESTS = {
    ENGINE: [
        "tests/test_ops.py",
        "tests/test_value.py",
        "tests/test_backward.py",
        "tests/test_hard_inputs.py",
        "tests/test_errors.py",
        "tests/test_gradcheck.py",
        "tests/test_regressions.py",
        "tests/test_properties.py",
        "tests/test_torch_parity.py",
    ],
    LOSSES: ["tests/test_nn_losses.py"],
}
FACTOR = "1.1"


@dataclass(frozen=True)
class Rule:
    """One derivative rule to mutate: in ``method`` (of class Value, or with ``scope=""`` a
    module-level function of ``source``), the local gradients of the node with ``children``
    children (None: an n-ary node, children built at run time), its derivative expression
    ``index``; ``probe`` builds such a node (Python source, with ``autograd``, ``nn.losses`` and
    ``Value`` imported), and the mutation must scale its local gradients ``scaled`` (default
    ``(index,)``) by 1.1 and change no other."""

    name: str
    method: str
    children: int | None
    index: int
    probe: str
    source: Path = ENGINE
    scope: str = "Value"
    scaled: tuple[int, ...] | None = None

    @property
    def where(self) -> str:
        return f"Value.{self.method}" if self.scope == "Value" else f"{self.method}()"

    @property
    def probe_indices(self) -> tuple[int, ...]:
        return self.scaled if self.scaled is not None else (self.index,)


_DOT = "autograd.dot([Value(0.7), Value(-0.4)], [Value(1.3), Value(2.0)], Value(0.5))"

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
    # n-ary nodes: one expression gives the derivative for every child of its kind
    Rule("sum    d/dv_i", "sum", None, 0, "autograd.sum([Value(0.7), 2.0, Value(1.3)])", scope="",
         scaled=(0, 1)),
    Rule("mean   d/dv_i", "mean", None, 0, "autograd.mean([Value(0.7), 2.0, Value(1.3)])", scope="",
         scaled=(0, 1)),
    Rule("dot    d/dw_i", "dot", None, 0, _DOT, scope="", scaled=(0, 1)),
    Rule("dot    d/dx_i", "dot", None, 1, _DOT, scope="", scaled=(2, 3)),
    Rule("dot    d/db", "dot", None, 2, _DOT, scope="", scaled=(4,)),
    # nn's fused loss nodes, one edge to the prediction (probed inside hinge's margin)
    Rule("mse    d/dp", "mse_loss", 1, 0, "nn.losses.mse_loss(Value(0.3), 1.0)", LOSSES, ""),
    Rule("bce    d/dp", "bce_loss", 1, 0, "nn.losses.bce_loss(Value(0.3), 1.0)", LOSSES, ""),
    Rule("hinge  d/dp", "hinge_loss", 1, 0, "nn.losses.hinge_loss(Value(0.3), 1.0)", LOSSES, ""),
]


@dataclass(frozen=True)
class Site:
    """The local gradients of one node-building call in the source: the function it is in, the size
    of its children tuple (None if built at run time), and each derivative expression's span."""

    method: str
    children: int | None
    line: int
    elements: tuple[tuple[int, int, int, int], ...]  # (line, col, end_line, end_col) per expression
    texts: tuple[str, ...]
    scope: str = "Value"  # "Value": a method of class Value; "": a module-level function


@dataclass
class Mutant:
    rule: Rule
    site: Site
    source: bytes
    outcome: str = ""
    detail: str = ""
    seconds: float = 0.0
    path: Path = field(default=ENGINE)

    @property
    def line(self) -> int:
        return self.site.elements[self.rule.index][0]


class SetupError(Exception):
    """The check itself cannot run: a rule not found, a mutation without effect, a failing baseline."""


# ---- finding the rules ----------------------------------------------------------------------------


def find_sites(source: bytes) -> list[Site]:
    """Every node's local gradients in class Value's methods and in the module's functions."""
    tree = ast.parse(source)
    sites: list[Site] = []
    for top in tree.body:
        if isinstance(top, ast.ClassDef) and top.name == "Value":
            for method in top.body:
                if isinstance(method, ast.FunctionDef):
                    sites += [_site(source, method.name, "Value", ch, lg) for ch, lg in _pairs(method)]
        elif isinstance(top, ast.FunctionDef):
            sites += [_site(source, top.name, "", ch, lg) for ch, lg in _pairs(top)]
    return sites


def _pairs(function: ast.FunctionDef) -> list[tuple[ast.expr, list[ast.expr]]]:
    """(children, derivative expressions) of each node built in a function, in source order."""
    pairs: list[tuple[ast.expr, ast.expr]] = []
    assigned: dict[str, list[ast.expr]] = {"children": [], "local_grads": []}
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            children = node.args[1] if len(node.args) >= 2 else None
            local_grads = node.args[2] if len(node.args) >= 3 else None
            for kw in node.keywords:
                if kw.arg == "children":
                    children = kw.value
                elif kw.arg == "local_grads":
                    local_grads = kw.value
            if children is not None and local_grads is not None:
                pairs.append((children, local_grads))
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr in assigned:
                    assigned[target.attr].append(node.value)
    pairs += zip(assigned["children"], assigned["local_grads"], strict=False)
    found = []
    for children, local_grads in pairs:
        derivatives = _derivatives(function, local_grads)
        if derivatives:
            found.append((children, local_grads, derivatives))
    found.sort(key=lambda p: (p[1].lineno, p[1].col_offset))
    return [(children, derivatives) for children, _, derivatives in found]


def _derivatives(function: ast.FunctionDef, local_grads: ast.expr) -> list[ast.expr] | None:
    """The expressions giving a node's local derivatives, or None if ``local_grads`` has none of
    the three shapes: ``(a, b)``, ``(a,) * n`` (either side), ``(*list1, *list2)``."""
    if isinstance(local_grads, ast.BinOp) and isinstance(local_grads.op, ast.Mult):
        repeated = [s for s in (local_grads.left, local_grads.right) if isinstance(s, ast.Tuple)]
        return _derivatives(function, repeated[0]) if len(repeated) == 1 else None
    if not isinstance(local_grads, ast.Tuple):
        return None
    derivatives: list[ast.expr] = []
    for element in local_grads.elts:
        if isinstance(element, ast.Starred):
            if not isinstance(element.value, ast.Name):
                return None
            derivatives += _list_items(function, element.value.id)
        else:
            derivatives.append(element)
    return derivatives


def _list_items(function: ast.FunctionDef, name: str) -> list[ast.expr]:
    """The items a function puts in its list ``name``: the literal's, then each ``.append(item)``."""
    items: list[ast.expr] = []
    for node in ast.walk(function):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.List):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                items += node.value.elts
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "append"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == name
            and len(node.args) == 1
        ):
            items.append(node.args[0])
    return sorted(items, key=lambda e: (e.lineno, e.col_offset))


def _site(source: bytes, method: str, scope: str, children: ast.expr, derivatives: list[ast.expr]) -> Site:
    spans = []
    for e in derivatives:
        if e.end_lineno is None or e.end_col_offset is None:
            raise SetupError(f"no source position for a local gradient in {method}")
        spans.append((e.lineno, e.col_offset, e.end_lineno, e.end_col_offset))
    texts = tuple(_segment(source, s).decode() for s in spans)
    size = None
    if isinstance(children, ast.Tuple) and not any(isinstance(c, ast.Starred) for c in children.elts):
        size = len(children.elts)
    return Site(method, size, spans[0][0], tuple(spans), texts, scope)


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


def _describe_shape(rule: Rule) -> str:
    size = {None: "n-ary children", 1: "1 child"}.get(rule.children, f"{rule.children} children")
    return f"no local-gradient tuple with {size} in {rule.where}"


def mutants(source: bytes, path: Path = ENGINE) -> tuple[list[Mutant], list[tuple[Rule, Site]]]:
    """One mutant per rule of ``path`` and matching site; also the equivalent (literal-zero) sites."""
    sites = find_sites(source)
    found: list[Mutant] = []
    equivalent: list[tuple[Rule, Site]] = []
    for rule in (r for r in RULES if r.source == path):
        matching = [
            s for s in sites if (s.method, s.scope, s.children) == (rule.method, rule.scope, rule.children)
        ]
        if not matching:
            raise SetupError(
                f"{path}: {_describe_shape(rule)} (rule {rule.name!r});"
                f" update tests/mutate.py if the code's shape changed"
            )
        for site in matching:
            if rule.index >= len(site.texts):
                raise SetupError(
                    f"{path}:{site.line}: {rule.where} has no local gradient #{rule.index}"
                    f" (rule {rule.name!r}; found {len(site.texts)}: {', '.join(site.texts)})"
                )
            if _is_zero(site.texts[rule.index]):
                equivalent.append((rule, site))
                continue
            lines = source.splitlines(keepends=True)
            span = site.elements[rule.index]
            start, end = _offset(lines, span[0], span[1]), _offset(lines, span[2], span[3])
            mutated = source[:start] + f"{FACTOR} * (".encode() + source[start:end] + b")" + source[end:]
            ast.parse(mutated)  # still Python
            found.append(Mutant(rule, site, mutated, path=path))
        if not any(m.rule is rule for m in found):
            raise SetupError(f"{path}: every local gradient of rule {rule.name!r} is a literal 0")
    return found, equivalent


def uncovered(source: bytes, path: Path = ENGINE) -> list[str]:
    """The local derivatives in ``source`` that no rule mutates (nor is a literal 0): a new op, say."""
    covered = {(r.method, r.scope, r.children, r.index) for r in RULES if r.source == path}
    missing = []
    for site in find_sites(source):
        where = f"Value.{site.method}" if site.scope == "Value" else f"{site.method}()"
        for index, (span, text) in enumerate(zip(site.elements, site.texts, strict=True)):
            if (site.method, site.scope, site.children, index) not in covered and not _is_zero(text):
                missing.append(f"{path}:{span[0]}: {where}'s local gradient #{index}, {text}")
    return missing


def all_mutants(root: Path = ROOT) -> tuple[list[Mutant], list[tuple[Rule, Site]]]:
    """The mutants of every file with rules, in RULES order by file; every local derivative in those
    files must have a rule."""
    found: list[Mutant] = []
    equivalent: list[tuple[Rule, Site]] = []
    for path in dict.fromkeys(rule.source for rule in RULES):
        if not (root / path).is_file():
            raise SetupError(f"{path}: not found under {root}")
        source = (root / path).read_bytes()
        missing = uncovered(source, path)
        if missing:
            raise SetupError(
                "local derivatives without a rule (add one to RULES in tests/mutate.py):\n  "
                + "\n  ".join(missing)
            )
        more, same = mutants(source, path)
        found += more
        equivalent += same
    return found, equivalent


# ---- running --------------------------------------------------------------------------------------


def _environment(copy: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(copy) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["HYPOTHESIS_PROFILE"] = "ci"  # derandomized: every mutant meets the same examples
    return env


def probe(copy: Path, expression: str) -> list[float]:
    """The local gradients of ``expression``'s node, computed by the package in ``copy``."""
    code = (
        "import json, autograd, nn, nn.losses\n"
        "from autograd import Value\n"
        f"for module in (autograd, nn):\n"
        f"    assert module.__file__.startswith({str(copy)!r}), module.__file__\n"
        f"print(json.dumps(list(({expression}).local_grads)))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=copy, env=_environment(copy), capture_output=True, text=True
    )
    if run.returncode != 0:
        raise SetupError(f"probe {expression!r} failed in {copy}:\n{run.stderr}")
    grads: list[float] = json.loads(run.stdout)
    return grads


def scaled_as_named(rule: Rule, before: list[float], after: list[float]) -> bool | None:
    """Did the mutation scale exactly the probe's local gradients the rule names?  True if so,
    False if it left the probe unchanged (another site of the rule, say), None if it changed
    something else: the expression found is not the derivative the rule names."""
    if after == before:
        return False
    wanted = rule.probe_indices
    if len(after) != len(before) or any(i >= len(before) for i in wanted):
        return None
    float_factor = float(FACTOR)
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        expected = b * float_factor if i in wanted else b
        if not (a == expected or math.isclose(a, expected, rel_tol=1e-12)) or (i in wanted and a == b):
            return None
    return True


def run_tests(copy: Path, tests: list[str]) -> tuple[int, str]:
    """Run tests against the package in ``copy``; (exit code, first failing test)."""
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
    """The packages, the tests and the pytest configuration, copied to ``where``."""
    for package in ("autograd", "nn", "demos"):
        if (ROOT / package).is_dir():
            shutil.copytree(ROOT / package, where / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tests", where / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", where / "pyproject.toml")
    return where


def table(results: list[Mutant], equivalent: list[tuple[Rule, Site]]) -> str:
    rows = [("rule", "where", "mutation", "result", "killed by / note", "s")]
    for m in results:
        text = m.site.texts[m.rule.index]
        where = f"{m.path.name}:{m.line}"
        seconds = f"{m.seconds:.1f}" if m.outcome else ""
        rows.append((m.rule.name, where, f"{FACTOR} * ({text})", m.outcome, m.detail, seconds))
    for rule, site in equivalent:
        where = f"{rule.source.name}:{site.elements[rule.index][0]}"
        rows.append((rule.name, where, site.texts[rule.index], "equivalent", "a literal 0", "-"))
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--tests", nargs="+", metavar="PATH",
                        help="test files to run against every mutant (default: each file's own, TESTS)")
    parser.add_argument("--rules", nargs="+", metavar="TEXT",
                        help="only the rules whose name or file contains one of these (say: dot losses.py)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        found, equivalent = all_mutants()
        if args.rules:
            def chosen(rule: Rule) -> bool:
                return any(t in rule.name or t in str(rule.source) for t in args.rules)

            found = [m for m in found if chosen(m.rule)]
            equivalent = [(r, s) for r, s in equivalent if chosen(r)]
            if not found:
                raise SetupError(f"no rule's name or file contains any of {args.rules}")
        if args.list:
            print(table(found, equivalent))
            return 0
        paths = list(dict.fromkeys(m.path for m in found))
        tests = {
            path: args.tests or [t for t in TESTS[path] if (ROOT / t).exists()] for path in paths
        }
        rules = list(dict.fromkeys(m.rule for m in found))
        with tempfile.TemporaryDirectory(prefix="mutate-") as tmp:
            copy = make_copy(Path(tmp))
            for path in paths:
                t0 = time.perf_counter()
                code, first = run_tests(copy, tests[path])
                if code != 0:
                    raise SetupError(f"the unmutated package fails {path}'s tests ({first}); fix that first")
                files = f"{len(tests[path])} file{'s' if len(tests[path]) != 1 else ''}"
                print(f"baseline: {path}'s tests pass on the unmutated copy "
                      f"({files}, {time.perf_counter() - t0:.1f} s)", flush=True)
            print(f"{len(found)} mutants", flush=True)
            unchanged = {rule.probe: probe(copy, rule.probe) for rule in rules}
            reached: set[str] = set()
            for m in found:
                target = copy / m.path
                original = target.read_bytes()
                target.write_bytes(m.source)
                t0 = time.perf_counter()
                after = probe(copy, m.rule.probe)
                verdict = scaled_as_named(m.rule, unchanged[m.rule.probe], after)
                if verdict is None:  # the expression found is not the derivative the rule names
                    raise SetupError(
                        f"{m.path}:{m.line}: scaling {m.site.texts[m.rule.index]!r} for rule"
                        f" {m.rule.name!r} changed the local gradients of {m.rule.probe}"
                        f" from {unchanged[m.rule.probe]} to {after}; expected #"
                        f"{', #'.join(map(str, m.rule.probe_indices))} times {FACTOR}, the rest unchanged:"
                        f" update tests/mutate.py's RULES if the code's shape changed"
                    )
                if verdict:
                    reached.add(m.rule.name)
                code, first = run_tests(copy, tests[m.path])
                target.write_bytes(original)
                m.outcome = {0: "SURVIVED", 1: "killed"}.get(code, "error")
                m.detail = first if code != 0 else "every test passed"
                m.seconds = time.perf_counter() - t0
                where = f"{m.path.name}:{m.line}"
                print(f"  {m.rule.name:<14} {where:<13} {m.outcome:<9} {m.detail}", flush=True)
            # the probe builds a node of the rule: if no site's mutation changed it, the rule found
            # in the source is not the code that runs (say, dead code left by a refactoring)
            unreached = [rule.name for rule in rules if rule.name not in reached]
    except SetupError as error:
        print(f"mutate: {error}", file=sys.stderr)
        return 2
    print()
    print(table(found, equivalent))
    survivors = [m for m in found if m.outcome == "SURVIVED"]
    errors = [m for m in found if m.outcome == "error"]
    killed = sum(m.outcome == "killed" for m in found)
    print(f"\n{killed} killed, {len(survivors)} survived, {len(errors)} errors,"
          f" {len(equivalent)} equivalent (not run), of {len(found) + len(equivalent)} mutants"
          f" ({time.perf_counter() - started:.0f} s)")
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
