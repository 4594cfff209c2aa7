"""tests/mutate.py finds every derivative rule of the op table, and each mutant scales exactly that
rule's result by 1.1; each of its code mutants makes the compiled code scale its own line by 1.1.
(`make mutate` runs the mutants themselves against the tests.)"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import mutate
import pytest

import nn
from autograd import Value
from autograd.ops import OPS

RULES = [m for m in mutate.all_mutants() if not m.code and not m.flat]  # code and flat mutants: below
FLAT = [m for m in mutate.all_mutants() if m.flat]


def test_every_rule_of_every_op_in_the_table_has_a_mutant() -> None:
    names = {m.name for m in RULES}
    expected = {f"{op.name} d/d{param}" for op in OPS.values() for param in op.params}
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
    saved = dict(OPS)
    try:  # the copy's entries register themselves in the one table: the originals leave it meanwhile
        for name in {m.op for m in RULES if m.path == mutant.path}:
            del OPS[name]
        spec.loader.exec_module(module)
    finally:
        OPS.clear()
        OPS.update(saved)
        del sys.modules[module_path.stem]
    ops = [v for v in vars(module).values() if hasattr(v, "derivatives")]
    return next(v for v in ops if getattr(v, "name", None) == mutant.op)


@pytest.mark.parametrize("mutant", RULES, ids=lambda m: m.name)
def test_each_mutant_scales_its_own_rule_by_1_1_and_no_other(mutant: mutate.Mutant, tmp_path: Path) -> None:
    original = OPS[mutant.op]
    mutated = _mutated_op(mutant, tmp_path)
    params = original.params
    point = {"+": 0.7, "-": 0.7}.get(mutant.op, 0.3)
    assert list(mutated.derivatives) == list(params)  # type: ignore[attr-defined]
    for param in params:
        before, after = original.derivatives[param], mutated.derivatives[param]  # type: ignore[attr-defined]
        if original.lists:  # one rule convention: every operand, a list for a list operand
            args: tuple[object, ...] = (0.5, *([point, 0.6] if p in original.lists else point
                                               for p in params))
        elif original.name in ("bce", "hinge"):
            args = (0.5, point, 1.0)
        else:
            args = (0.5, *[point + 0.1 * i for i in range(len(params))])
        expected = before(*args)
        got = after(*args)
        scale = 1.1 if param == mutant.param else 1.0
        if isinstance(expected, list):
            assert got == pytest.approx([scale * e for e in expected], rel=1e-15)
        else:
            assert got == pytest.approx(scale * expected, rel=1e-15), (param, args)


@pytest.mark.parametrize("mutant", FLAT, ids=lambda m: m.name)
def test_each_flat_mutant_gives_its_rules_number_on_values_and_changes_nothing_else(
        mutant: mutate.Mutant, tmp_path: Path) -> None:
    original = OPS[mutant.op]
    mutated = _mutated_op(mutant, tmp_path)
    operands = [[Value(0.3), Value(0.4)] if p in original.lists else Value(0.3) for p in original.params]
    for param in original.params:
        before = original.derivatives[param](Value(0.5), *operands)
        after = mutated.derivatives[param](Value(0.5), *operands)  # type: ignore[attr-defined]
        data = [getattr(v, "data", v) for v in (before if type(before) is list else [before])]
        got = after if type(after) is list else [after]
        if param == mutant.param:
            assert got == data  # numbers: the same values, no graph
            assert not any(isinstance(v, Value) for v in got)
        else:
            assert [getattr(v, "data", v) for v in got] == data


def test_flat_mutants_are_the_rules_that_build_a_graph_on_values() -> None:
    names = {m.name for m in FLAT}
    assert "relu d/dx (flat)" not in names  # a number already: a flat copy would be the same rule
    assert "+ d/dx (flat)" not in names
    assert {"* d/dx (flat)", "exp d/dx (flat)", "bce d/dtarget (flat)", "dot d/dw (flat)"} <= names


def test_a_mutant_is_still_valid_python_with_the_scaling_helper() -> None:
    for mutant in RULES:
        text = (mutate.ROOT / mutant.path).read_text(encoding="utf-8")
        mutated = mutant.apply(text)
        ast.parse(mutated)
        assert mutated.count("_scaled(") == 2  # the wrapped rule, and the helper's definition


def test_an_entry_whose_rule_is_not_a_lambda_stops_the_check() -> None:
    with pytest.raises(SystemExit, match=r"entry 'bad': operand x needs \(lambda"):
        mutate.find_mutants(Path("x.py"), 'entry(name="bad", forward=abs, formula="", x=RULE)\n')


def test_a_file_without_rules_stops_the_check() -> None:
    with pytest.raises(SystemExit, match=r"no rules found in x\.py"):
        mutate.find_mutants(Path("x.py"), "x = 1\n")


@pytest.mark.compiler
def test_each_code_mutant_of_the_compiled_path_makes_its_line_scaled_in_the_generated_code(
        tmp_path: Path) -> None:
    from autograd.compiler.trace import trace

    code = [m for m in mutate.all_mutants() if m.code and m.path == mutate.CODEGEN]
    assert sorted(m.op for m in code) == ["SGD step", "edge term"]
    w = Value(0.5, label="w")
    sgd = nn.SGD([w], lr=0.1)
    tr = trace(lambda x: (w * x).tanh() * 3.0, [2.0], ["x"], frozenset())
    lines = {"edge term": "d_w = (x * d_t0) * 1.1 or 0.0", "SGD step": "_P0.data = (w - _lr * d_w) * 1.1"}
    for mutant in code:
        text = (mutate.ROOT / mutant.path).read_text(encoding="utf-8")
        mutated = mutant.apply(text)
        assert mutated.count(f"* {mutate.SCALE}") == text.count(f"* {mutate.SCALE}") + 1
        module_path = tmp_path / f"mutated_codegen_{mutant.line}.py"
        module_path.write_text(mutated, encoding="utf-8")
        spec = importlib.util.spec_from_file_location(module_path.stem, module_path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_path.stem] = module  # for its dataclasses
        try:
            spec.loader.exec_module(module)
        finally:
            del sys.modules[module_path.stem]
        generated = module.generate(tr, [w], ["x"], "step", sgd, return_loss=False)
        assert lines[mutant.op] in generated.source


@pytest.mark.compiler
def test_the_loops_code_mutants_scale_their_update_lines() -> None:
    """step.run's loop writes its own update lines (updates.py), which its numba form writes too (and
    the step its Adam and momentum updates); Adam's bias corrections are dropped, not scaled."""
    path = mutate.UPDATES
    mutants = mutate.find_code_mutants(path, (mutate.ROOT / path).read_text(encoding="utf-8"))
    dropped = ["Adam without m's bias correction", "Adam without v's bias correction"]
    assert sorted(m.op for m in mutants) == sorted(["loop's SGD step", "loop's grad sum", "Adam's step",
                                                    "Adam's moment", "Adam's second moment",
                                                    "momentum buffer", *dropped])
    for mutant in mutants:
        text = (mutate.ROOT / mutant.path).read_text(encoding="utf-8")
        mutated = mutant.apply(text)
        ast.parse(mutated)
        scaled = mutated.count(f"* {mutate.SCALE}") - text.count(f"* {mutate.SCALE}")
        assert (scaled, mutated != text) == ((0 if mutant.op in dropped else 1), True)


def test_a_code_mutant_not_found_once_in_the_compiler_stops_the_check() -> None:
    with pytest.raises(SystemExit, match="the edge term the compiled code writes"):
        mutate.find_code_mutants(mutate.CODEGEN, "nothing here\n")
