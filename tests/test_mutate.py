"""tests/mutate.py finds every derivative rule in value.py and nn/losses.py, in whatever shape the
code takes, and stops loudly when one is missing.  (`make mutate` runs the mutants themselves.)"""

from __future__ import annotations

from pathlib import Path

import mutate
import pytest

ROOT = Path(__file__).resolve().parent.parent
VALUE_PY = (ROOT / "autograd" / "value.py").read_bytes()
LOSSES_PY = (ROOT / "nn" / "losses.py").read_bytes()


def test_every_rule_is_found_in_value_py() -> None:
    found, equivalent = mutate.mutants(VALUE_PY)
    assert {m.rule.name for m in found} == {r.name for r in mutate.RULES if r.source == mutate.ENGINE}
    assert [rule.name for rule, _ in equivalent] == ["relu   d/dx"]  # relu's literal 0 below zero


def test_every_loss_rule_is_found_in_losses_py() -> None:
    found, equivalent = mutate.mutants(LOSSES_PY, mutate.LOSSES)
    assert [m.rule.name for m in found] == ["mse    d/dp", "bce    d/dp", "hinge  d/dp"]
    assert all(m.path == mutate.LOSSES for m in found)
    assert equivalent == []


def test_every_rule_has_one_mutant_over_both_files() -> None:
    found, _ = mutate.all_mutants()
    assert [m.rule.name for m in found] == [r.name for r in mutate.RULES]


def test_dots_three_derivatives_are_its_appended_items_in_source_order() -> None:
    (site,) = [s for s in mutate.find_sites(VALUE_PY) if s.method == "dot"]
    assert (site.scope, site.children, site.texts) == ("", None, ("xd", "w.data", "1.0"))


def test_sum_and_mean_derivatives_are_the_repeated_tuples_element() -> None:
    sites = {s.method: s for s in mutate.find_sites(VALUE_PY) if s.scope == ""}
    assert sites["sum"].texts == ("1.0",)
    assert sites["mean"].texts == ("1.0 / n",)


def test_each_mutant_scales_exactly_one_local_gradient_by_1_1() -> None:
    found, _ = mutate.all_mutants()
    for m in found:
        original_source = VALUE_PY if m.path == mutate.ENGINE else LOSSES_PY
        original = m.site.texts[m.rule.index]
        assert m.source.count(b"1.1 * (") == original_source.count(b"1.1 * (") + 1, m.rule.name
        assert f"1.1 * ({original})".encode() in m.source, m.rule.name


SYNTHETIC = b'''
class Value:
    def __add__(self, other):
        if type(other) is Value:
            return Value(self.data + other.data, children=(self, other), local_grads=(1.0, 1.0), op="+")
        v = object.__new__(Value)
        v.children = (self,)
        v.local_grads = (1.0,)
        return v

    def exp(self):
        e = 2.718281828459045 ** self.data
        return _node("\xc3\xa9" and e, (self,), (e,), "exp")  # non-ASCII before the tuple
'''


def test_rules_are_found_by_keyword_by_attribute_assignment_and_after_non_ascii_text() -> None:
    sites = mutate.find_sites(SYNTHETIC)
    assert [(s.method, s.children, s.texts) for s in sites] == [  # byte offsets, so "(e,)" is exact
        ("__add__", 2, ("1.0", "1.0")),
        ("__add__", 1, ("1.0",)),
        ("exp", 1, ("e",)),
    ]


def test_a_missing_rule_stops_the_check_naming_it() -> None:
    with pytest.raises(mutate.SetupError, match=r"no local-gradient tuple with 2 children in Value.__sub__"):
        mutate.mutants(SYNTHETIC)


NARY = b'''
def total(values):
    children = tuple(values)
    return _node(0.0, children, 2 * (1.0,), "sum")


def dot(weights, inputs, bias):
    children = list(weights)
    local_grads = []
    input_grads: list[float] = [0.5]
    for w, x in zip(weights, inputs):
        input_grads.append(w.data)
        local_grads.append(x.data)
    input_grads.append(1.0)
    return _node(1.0, tuple(children), local_grads=(*local_grads, *input_grads), op="dot")


def loss(pred, y):
    return _node(pred.data, (pred,), (0.0 if y else -y,), "hinge")
'''


def test_n_ary_derivatives_are_found_in_repeated_tuples_and_starred_lists() -> None:
    sites = mutate.find_sites(NARY)
    assert [(s.method, s.scope, s.children, s.texts) for s in sites] == [
        ("total", "", None, ("1.0",)),
        ("dot", "", None, ("x.data", "0.5", "w.data", "1.0")),  # each list's items in source order
        ("loss", "", 1, ("0.0 if y else -y",)),
    ]


def test_a_missing_n_ary_rule_stops_the_check_naming_it() -> None:
    with pytest.raises(mutate.SetupError, match=r"no local-gradient tuple with n-ary children in sum\(\)"):
        mutate.mutants(VALUE_PY.replace(b"(1.0,) * len(children)", b"[1.0] * len(children)"))


def test_a_missing_loss_rule_stops_the_check_naming_it() -> None:
    renamed = LOSSES_PY.replace(b"def bce_loss", b"def log_loss")
    message = r"nn/losses.py: no local-gradient tuple with 1 child in bce_loss\(\) \(rule 'bce    d/dp'\)"
    with pytest.raises(mutate.SetupError, match=message):
        mutate.mutants(renamed, mutate.LOSSES)


def test_a_rule_with_too_few_derivatives_stops_the_check() -> None:
    short = VALUE_PY.replace(b"input_grads.append(1.0)", b"input_grads.extend([1.0])")
    with pytest.raises(mutate.SetupError, match=r"dot\(\) has no local gradient #2 .*'dot    d/db'"):
        mutate.mutants(short)


DOT_W = next(r for r in mutate.RULES if r.name == "dot    d/dw_i")  # the probe's gradients #0 and #1


@pytest.mark.parametrize(("after", "verdict"), [
    ([1.43, 2.2, 0.7, -0.4, 1.0], True),  # exactly the weights' derivatives scaled
    ([1.3, 2.0, 0.7, -0.4, 1.0], False),  # nothing changed: another site of the rule
    ([1.3, 2.0, 0.77, -0.44, 1.0], None),  # the inputs' derivatives scaled: the wrong expression
    ([1.43, 2.0, 0.7, -0.4, 1.0], None),  # only one of the two
    ([1.43, 2.2, 0.7, -0.4], None),  # an edge lost
])
def test_a_mutation_must_scale_exactly_the_probes_derivatives_the_rule_names(
    after: list[float], verdict: bool | None
) -> None:
    assert mutate.scaled_as_named(DOT_W, [1.3, 2.0, 0.7, -0.4, 1.0], after) is verdict


def test_every_local_derivative_in_both_files_has_a_rule() -> None:
    assert mutate.uncovered(VALUE_PY) == []
    assert mutate.uncovered(LOSSES_PY, mutate.LOSSES) == []


def test_a_new_op_without_a_rule_is_named() -> None:
    new_op = b"""
class Value:
    def sin(self):
        return _node(math.sin(self.data), (self,), (math.cos(self.data),), "sin")
"""
    line = VALUE_PY.count(b"\n") + 4
    assert mutate.uncovered(VALUE_PY + new_op) == [
        f"autograd/value.py:{line}: Value.sin's local gradient #0, math.cos(self.data)"
    ]
