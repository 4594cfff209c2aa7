"""`autograd.explain.chain_rule`: each backward step in the article's notation, every number the engine's."""

from __future__ import annotations

import doctest
import math
import re
from collections.abc import Callable

import pytest
from test_stepper import random_dag

import autograd
from autograd import Value, backward_steps, topological_order
from autograd.explain import chain_rule
from autograd.explain.chain_rule import ChainRule, StepExplanation, number
from demos.seed import first_sample_graph


def explained(root: Value, root_name: str = "Cost") -> list[StepExplanation]:
    explainer = ChainRule(root, root_name=root_name)
    return [explainer.explain(step) for step in backward_steps(root)]


def by_label(root: Value) -> dict[str, Value]:
    return {n.label: n for n in topological_order(root, leaves=True) if n.label}


def test_the_modules_example_runs_as_shown() -> None:
    assert doctest.testmod(chain_rule).failed == 0


@pytest.mark.parametrize("seed", range(20))
def test_every_link_carries_the_engines_numbers(seed: int) -> None:
    root, _ = random_dag(seed)
    explainer = ChainRule(root)
    for step in backward_steps(root):
        explanation = explainer.explain(step)
        for link, edge in zip(explanation.links, step.edges, strict=True):
            assert (link.upstream, link.local_grad, link.contribution) == (
                step.grad,
                edge.local_grad,
                edge.contribution,
            )
        last = {}
        for link, edge in zip(explanation.links, step.edges, strict=True):
            last[edge.child] = link.after
        assert all(after == child.grad or math.isnan(after) for child, after in last.items())


@pytest.mark.parametrize("seed", range(20))
def test_the_whole_chain_multiplies_to_the_leafs_gradient(seed: int) -> None:
    root, _ = random_dag(seed)
    chains = [
        (link, step.step.edges[k].child)
        for step in explained(root)
        for k, link in enumerate(step.links)
        if link.chain is not None
    ]
    for link, child in chains:
        product = math.prod(f.value for f in link.chain or ())
        assert product == pytest.approx(child.grad, rel=1e-12, abs=1e-300)


def test_a_child_with_several_parents_counts_its_paths_and_has_no_single_chain() -> None:
    _, root = first_sample_graph("bce")
    x1 = by_label(root)["x1"]
    links = [link for e in explained(root) for link in e.links if link.child == "x1"]
    assert [(link.path, link.paths, link.chain) for link in links] == [(1, 2, None), (2, 2, None)]
    assert links[1].before == links[0].after
    assert links[1].after == x1.grad


def test_the_seed_chain_to_w2_reads_like_the_article() -> None:
    _, root = first_sample_graph("bce")
    (link,) = [link for e in explained(root) for link in e.links if link.child == "w2[0]"]
    assert [str(f) for f in link.chain or ()] == ["∂Cost/∂ô", "∂ô/∂o", "∂o/∂w2[0]"]
    assert link.local_formula == "ĥ1"


def test_the_seed_chain_to_a_first_layer_weight_has_five_factors() -> None:
    _, root = first_sample_graph("bce")
    (link,) = [link for e in explained(root) for link in e.links if link.child == "w1[0][0]"]
    assert [str(f) for f in link.chain or ()] == ["∂Cost/∂ô", "∂ô/∂o", "∂o/∂ĥ1", "∂ĥ1/∂h1", "∂h1/∂w1[0][0]"]


@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_every_seed_parameter_has_a_chain_that_multiplies_to_its_gradient(loss: str) -> None:
    model, root = first_sample_graph(loss)
    chains = {link.child: link.chain for e in explained(root) for link in e.links}
    for name, p in model.named_parameters():
        assert math.prod(f.value for f in chains[name] or ()) == pytest.approx(p.grad, rel=1e-12)


def test_local_derivatives_are_written_with_the_labels() -> None:
    _, root = first_sample_graph("mse")
    formulas = {(e.name, link.child): link.local_formula for e in explained(root) for link in e.links}
    assert formulas[("Cost", "ô")] == "2(ô − y)"
    assert formulas[("ô", "o")] == "ô(1 − ô)"
    assert formulas[("o", "ĥ2")] == "w2[1]"
    assert formulas[("o", "b2")] == "1"
    assert formulas[("h1", "w1[0][1]")] == "x2"
    assert formulas[("ĥ1", "h1")] == "ĥ1(1 − ĥ1)"


def test_forward_formulas_are_written_with_the_labels() -> None:
    _, root = first_sample_graph("bce")
    formulas = {e.name: e.formula for e in explained(root)}
    assert formulas["o"] == "w2[0]·ĥ1 + w2[1]·ĥ2 + b2"
    assert formulas["ô"] == "σ(o)"
    assert formulas["Cost"] == "−(y·log ô + (1 − y)·log(1 − ô))"


def test_unlabelled_nodes_are_named_by_their_expression() -> None:
    x, y = Value(0.5, label="x"), Value(2.0, label="y")
    root = (1.0 - x).log() * y
    names = {e.name for e in explained(root, root_name="L")}
    assert names == {"L", "log(1 − x)", "1 − x"}


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda x, y: x / y, ["1/y", "−x/y²"]),
        (lambda x, y: x - y, ["1", "−1"]),
        (lambda x, y: x * y, ["y", "x"]),
        (lambda x, y: x**y, ["y·x^(y − 1)", "x^y·ln x"]),
        (lambda x, y: autograd.mean([x, y]), ["1/2", "1/2"]),
        (lambda x, y: x.tanh(), ["1 − tanh(x)²"]),
        (lambda x, y: x.exp(), ["exp(x)"]),
        (lambda x, y: x * 3.0, ["3"]),
        (lambda x, y: x**2, ["2·x^(2 − 1)"]),  # the power rule y·x^(y − 1), y = 2
        (lambda x, y: 2.0 - x, ["−1"]),
    ],
)
def test_local_derivative_formulas_follow_the_derivative_table(
    build: Callable[[Value, Value], Value], expected: list[str]
) -> None:
    x, y = Value(0.7, label="x"), Value(1.3, label="y")
    (first, *_) = explained(build(x, y), root_name="f")
    assert [link.local_formula for link in first.links] == expected


def test_printed_lines_carry_the_engines_numbers_to_four_decimals() -> None:
    _, root = first_sample_graph("bce")
    explanations = explained(root)
    nodes = by_label(root)
    lines = [line for e in explanations for line in e.lines()]
    assert "    ∂Cost/∂w2[0] = ∂Cost/∂o · ∂o/∂w2[0] = 0.5262 × 0.5250 = 0.2763        ∂o/∂w2[0] = ĥ1" in lines
    for name in ("w1[0][0]", "w1[0][1]", "w1[1][0]", "w1[1][1]", "b1[0]", "b1[1]", "w2[0]", "w2[1]", "b2"):
        (line,) = [line for line in lines if line.startswith(f"    ∂Cost/∂{name} = ")]
        parent = line.split(" · ")[0].split("∂Cost/∂")[-1]
        parts = re.split(" [=≈] ", line)  # ≈ where the printed factors round to another result
        assert parts[2] == f"{number(nodes[parent].grad)} × {number(_local(nodes[parent], nodes[name]))}"
        assert parts[3].split()[0] == number(nodes[name].grad)


def _local(parent: Value, child: Value) -> float:
    return parent.local_grads[parent.children.index(child)]


def test_number_prints_four_decimals_else_an_exponent_and_no_negative_zero() -> None:
    assert [number(0.27631), number(-0.0), number(1.0), number(1e-7), number(2e6)] == [
        "0.2763",
        "0.0000",
        "1.0000",
        "1.0000e-07",
        "2.0000e+06",
    ]


def test_a_deep_chain_is_explained_whole_and_without_recursion() -> None:
    x = Value(0.5, label="x")
    y = x
    for i in range(5000):
        y = y * 1.0001
        y.label = f"v{i}"
    explanations = explained(y, root_name="y")
    (link,) = explanations[-1].links
    assert len(link.chain or ()) == 5000
    assert math.prod(f.value for f in link.chain or ()) == pytest.approx(x.grad, rel=1e-12)


def test_a_node_with_many_children_is_written_short() -> None:
    xs = [Value(float(i), label=f"x{i}") for i in range(100)]
    (first,) = explained(autograd.sum(xs), root_name="s")
    assert first.formula == "x0 + x1 + … + x99 (100 terms)"
    assert len(first.links) == 100


def test_a_product_whose_printed_factors_round_to_another_result_says_approximately() -> None:
    _, root = first_sample_graph("bce")
    lines = [line for e in explained(root) for line in e.lines()]
    # 0.5262 × 0.4750 = 0.24995 prints as 0.2499, but the exact product is 0.2500: "≈", not "="
    assert any("= 0.5262 × 0.4750 ≈ 0.2500" in line for line in lines)
    assert not any("0.5262 × 0.4750 = " in line for line in lines)
