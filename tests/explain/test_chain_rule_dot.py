"""`autograd.explain.chain_rule` on `autograd.dot` nodes: written from the operands the node records (weights,
inputs, bias), every printed formula numerically true, whatever mix of Values and numbers made it."""

from __future__ import annotations

import math
import random

import pytest

from autograd import Value, backward_steps, dot
from autograd.explain.chain_rule import ChainRule, StepExplanation


def first_step(node: Value) -> StepExplanation:
    """The node's own step (it is the root, so the first one)."""
    return ChainRule(node, root_name="h").explain(next(backward_steps(node)))


def assert_evaluates_to(formula: str, values: dict[str, float], expected: float) -> None:
    """A dot formula (``w1·x + 3·w2 + b + 0.7``), each name replaced by its data, gives ``expected``
    to the 6 significant digits its numbers are printed with."""
    factors = [[values[f] if f in values else float(f) for f in t.split("·")] for t in formula.split(" + ")]
    terms = [math.prod(term) for term in factors]
    assert math.fsum(terms) == pytest.approx(expected, abs=1e-5 * sum(map(abs, terms)) + 1e-12)


def assert_true_to_the_engine(node: Value) -> None:
    """The forward formula gives the node's data, each ∂h/∂child its edge's local gradient."""
    explanation = first_step(node)
    values = {c.label: c.data for c in node.children}
    assert_evaluates_to(explanation.formula, values, node.data)
    for link, grad in zip(explanation.links, node.local_grads, strict=True):
        assert_evaluates_to(link.local_formula, values, grad)


def labelled(*pairs: tuple[str, float]) -> list[Value]:
    return [Value(data, label=label) for label, data in pairs]


def test_mixed_value_and_number_inputs_pair_each_value_input_with_its_own_weight() -> None:
    w1, w2, x, b = labelled(("w1", 0.1), ("w2", 0.5), ("x", 2.0), ("b", 0.2))
    h = dot([w1, w2], [x, 3.0], b)
    explanation = first_step(h)
    assert explanation.formula == "w1·x + w2·3 + b"
    assert [(link.child, link.local_formula) for link in explanation.links] == [
        ("w1", "x"),
        ("w2", "3"),
        ("x", "w1"),
        ("b", "1"),
    ]
    assert_true_to_the_engine(h)


def test_number_inputs_are_written_as_the_number_times_the_weight() -> None:
    w1, w2, b = labelled(("w1", 0.1), ("w2", 0.5), ("b", 0.2))
    h = dot([w1, w2], [2.0, 3.0], b)
    explanation = first_step(h)
    assert explanation.formula == "w1·2 + w2·3 + b"
    assert [link.local_formula for link in explanation.links] == ["2", "3", "1"]
    assert_true_to_the_engine(h)


@pytest.mark.parametrize(
    ("with_bias", "expected"), [(True, "w1·x1 + w2·x2 + b"), (False, "w1·x1 + w2·x2 + 0")]
)
def test_value_inputs_read_as_weight_times_input(with_bias: bool, expected: str) -> None:
    w1, w2, x1, x2, b = labelled(("w1", 0.1), ("w2", -0.5), ("x1", 2.0), ("x2", 3.0), ("b", 0.2))
    h = dot([w1, w2], [x1, x2], b if with_bias else 0.0)
    explanation = first_step(h)
    assert explanation.formula == expected
    locals_ = ["x1", "x2", "w1", "w2", "1"] if with_bias else ["x1", "x2", "w1", "w2"]
    assert [link.local_formula for link in explanation.links] == locals_
    assert_true_to_the_engine(h)


def test_a_plain_number_bias_is_written_as_a_number() -> None:
    w1, w2, x = labelled(("w1", 0.1), ("w2", 0.5), ("x", 2.0))
    h = dot([w1, w2], [x, 3.0], 0.7)
    assert first_step(h).formula == "w1·x + w2·3 + 0.7"
    assert_true_to_the_engine(h)


def test_number_inputs_equal_to_the_weights_still_give_a_true_formula() -> None:
    w1, w2, b = labelled(("w1", 1.0), ("w2", 1.0), ("b", 0.2))
    h = dot([w1, w2], [1.0, 1.0], b)
    assert first_step(h).formula == "w1·1 + w2·1 + b"  # not w1·w2 + b: that would be 1.2, not 2.2
    assert_true_to_the_engine(h)


@pytest.mark.parametrize("seed", range(300))
def test_every_formula_is_true_even_when_numbers_coincide(seed: int) -> None:
    rng = random.Random(seed)
    pick = [0.0, 1.0, 2.0, -1.0]  # few numbers, so weights, inputs and bias coincide often
    n = rng.randint(0, 4)
    weights = [Value(rng.choice(pick), label=f"w{i}") for i in range(n)]
    numbers = rng.choices(pick, k=n)
    inputs = [Value(x, label=f"x{i}") if rng.random() < 0.5 else x for i, x in enumerate(numbers)]
    bias = Value(rng.choice(pick), label="b") if rng.random() < 0.5 else rng.choice(pick)
    h = dot(weights, inputs, bias)
    if h.children:
        assert_true_to_the_engine(h)


def test_a_hand_made_dot_node_that_no_reading_explains_lists_its_children() -> None:
    w, x = labelled(("w", 10.0), ("x", 10.0))
    h = Value(1.0, children=(w, x), local_grads=(1e308, 1e308), op="dot")  # any sum overflows
    explanation = first_step(h)
    assert explanation.formula == "dot(w, x)"
    assert [link.local_formula for link in explanation.links] == ["1.0000e+308", "1.0000e+308"]


def test_a_hand_made_node_named_dot_is_not_guessed_at() -> None:
    w, x = labelled(("w", 1.0), ("x", 1.0))
    h = Value(5.0, children=(w, x), local_grads=(7.0, 9.0), op="dot")  # no Op: its operands are unknown
    explanation = first_step(h)
    assert explanation.formula == "dot(w, x)"
    assert [link.local_formula for link in explanation.links] == ["7.0000", "9.0000"]
