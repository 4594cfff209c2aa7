"""The package's layers, read from the source: no import cycle, no import of a higher layer.

Every ``import`` counts, at module level or inside a function, except those under
``if TYPE_CHECKING:`` (for type checkers only).  A package's ``__init__`` may gather its own
modules; ``autograd/__init__`` is the facade, importing every layer below the compiler and the
compiler only when `autograd.compile` is first used.  ``__main__`` modules are entry points.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Bottom to top: a module may import its own layer's modules and those of lower layers.
LAYERS = [
    ["autograd.core"],
    ["autograd.ops", "autograd.rule_source", "autograd.files", "autograd.higher"],
    ["autograd.draw"],
    ["autograd.explain", "autograd.check"],
    ["nn"],
    ["autograd.compiler"],
    ["autograd.cli"],
    ["demos"],
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in ("autograd", "nn", "demos"):
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports(name: str) -> set[str]:
    """The project modules ``name`` imports (a ``from package import module`` names the module)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            named = [f"{node.module}.{alias.name}" for alias in node.names]
            targets = [t if t in MODULES else node.module for t in named]
        found.update(t for t in targets if t in MODULES and t != name)
    return found


def layer(name: str) -> int:
    """The index in `LAYERS` of the longest prefix of ``name`` listed there."""
    best = -1, -1
    for k, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best[1]:
                best = k, len(prefix)
    return best[0]


def _is_entry_point(name: str) -> bool:
    return name.endswith("__main__") or name == "autograd"


def test_every_module_has_a_layer() -> None:
    assert [name for name in MODULES if not _is_entry_point(name) and layer(name) < 0] == []


def test_no_module_imports_a_higher_layer() -> None:
    upward = [
        f"{name} -> {target}"
        for name in MODULES if not _is_entry_point(name)
        for target in sorted(imports(name))
        if target != "autograd" and layer(target) > layer(name)
    ]
    assert upward == []


def test_no_module_imports_the_facade_from_inside_the_engine() -> None:
    """``from autograd import Value`` inside autograd/ would import the whole facade, the way up."""
    inside = [name for name in MODULES if name.startswith("autograd.") and "autograd" in imports(name)]
    assert inside == []


def test_there_is_no_import_cycle() -> None:
    graph = {name: imports(name) for name in MODULES}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_the_core_imports_nothing_of_the_project() -> None:
    assert imports("autograd.core") == set()


def test_the_table_imports_only_the_core_and_the_rule_reader() -> None:
    assert imports("autograd.ops") == {"autograd.core", "autograd.rule_source"}


def test_nothing_below_the_compiler_imports_it() -> None:
    compiler = layer("autograd.compiler")
    below = [name for name in MODULES if not _is_entry_point(name) and layer(name) < compiler]
    assert [name for name in below if any(t.startswith("autograd.compiler") for t in imports(name))] == []


def test_import_autograd_does_not_load_the_compiler() -> None:
    code = "import sys, autograd, nn, autograd.draw, autograd.explain.stepping, autograd.check.testing\n"
    code += "print(sorted(m for m in sys.modules if m.startswith('autograd.compiler')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.compiler
def test_compile_loads_the_compiler_on_first_use() -> None:
    code = (
        "import sys, autograd, nn\n"
        "print('autograd.compiler' in sys.modules)\n"
        "autograd.compile\n"
        "print('autograd.compiler' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.split() == ["False", "True"]
