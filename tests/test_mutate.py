"""tests/mutate.py finds every derivative rule of the op table, and each mutant scales exactly that
rule's result by 1.1.  (`make mutate` runs the mutants themselves against the tests.)"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import mutate
import pytest

import nn  # noqa: F401 (registers the losses in the table)
from autograd.ops import OPS

RULES = [m for m in mutate.all_mutants() if not m.template]  # the compiled path's templates: below


def test_every_rule_of_every_op_in_the_table_has_a_mutant() -> None:
    names = {m.name for m in RULES}
    expected = {f"{op.name} d/d{param}" for op in OPS.values() for param in (*op.params, *op.tail)}
    assert names == expected
    assert len(names) == len(RULES)  # one mutant per rule, no duplicates


def test_the_built_ins_come_from_ops_py_and_the_losses_from_losses_py() -> None:
    paths = {m.op: str(m.path) for m in mutate.all_mutants()}
    assert (paths["*"], paths["dot"]) == ("autograd/ops.py", "autograd/ops.py")
    assert (paths["bce"], paths["hinge"]) == ("nn/losses.py", "nn/losses.py")


def _mutated_op(mutant: mutate.Mutant, tmp_path: Path) -> object:
    """The Op of ``mutant`` from a mutated copy of its file, loaded as a module of its own."""
    text = (mutate.ROOT / mutant.path).read_text(encoding="utf-8")
    module_path = tmp_path / f"mutated_{mutant.path.stem}.py"
    module_path.write_text(mutant.apply(text), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(module_path.stem, module_path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_path.stem] = module
    try:
        if mutant.path.stem == "losses":  # the losses register themselves: clear them for the copy
            saved = {name: OPS.pop(name) for name in ("mse", "bce", "hinge")}
        spec.loader.exec_module(module)
    finally:
        if mutant.path.stem == "losses":
            OPS.update(saved)
        del sys.modules[module_path.stem]
    ops = [v for v in vars(module).values() if hasattr(v, "derivatives")]
    return next(v for v in ops if getattr(v, "name", None) == mutant.op)


@pytest.mark.parametrize("mutant", RULES, ids=lambda m: m.name)
def test_each_mutant_scales_its_own_rule_by_1_1_and_no_other(mutant: mutate.Mutant, tmp_path: Path) -> None:
    original = OPS[mutant.op]
    mutated = _mutated_op(mutant, tmp_path)
    params = (*original.params, *original.tail)
    k = params.index(mutant.param)
    point = {"+": 0.7, "-": 0.7}.get(mutant.op, 0.3)
    rules = zip(original.derivatives, mutated.derivatives, strict=True)  # type: ignore[attr-defined]
    for j, (before, after) in enumerate(rules):
        if original.variadic:
            columns = [[point, 0.6]] * len(original.params)
            args: tuple[object, ...] = (0.5, *columns, 2) if j < len(original.params) else (0.5, point, 2)
        elif original.name in ("bce", "hinge"):
            args = (0.5, point, 1.0)
        else:
            args = (0.5, *[point + 0.1 * i for i in range(len(params))])
        expected = before(*args)
        got = after(*args)
        scale = 1.1 if j == k else 1.0
        if isinstance(expected, list):
            assert got == pytest.approx([scale * e for e in expected], rel=1e-15)
        else:
            assert got == pytest.approx(scale * expected, rel=1e-15), (j, args)


def test_a_mutant_is_still_valid_python_with_the_scaling_helper() -> None:
    for mutant in RULES:
        text = (mutate.ROOT / mutant.path).read_text(encoding="utf-8")
        mutated = mutant.apply(text)
        ast.parse(mutated)
        assert mutated.count("_scaled(") == 2  # the wrapped rule, and the helper's definition


def test_an_op_entry_without_a_tuple_of_rules_stops_the_check() -> None:
    with pytest.raises(SystemExit, match="Op 'bad' without a tuple of rules"):
        mutate.find_mutants(Path("x.py"), 'Op("bad", ("x",), abs, RULES, "", ())\n')


def test_a_file_without_rules_stops_the_check() -> None:
    with pytest.raises(SystemExit, match=r"no rules found in x\.py"):
        mutate.find_mutants(Path("x.py"), "x = 1\n")


def test_each_template_of_the_compiled_path_is_a_mutant_scaling_its_expression() -> None:
    templates = [m for m in mutate.all_mutants() if m.template]
    assert sorted(m.op for m in templates) == ["EDGE_TERM", "SGD_STEP"]
    for mutant in templates:
        text = (mutate.ROOT / mutant.path).read_text(encoding="utf-8")
        mutated = mutant.apply(text)
        ast.parse(mutated)
        assert mutated.count(f"* {mutate.SCALE}") == text.count(f"* {mutate.SCALE}") + 1
