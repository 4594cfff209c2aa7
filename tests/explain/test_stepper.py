"""`backward_steps`: one node's share of the backward pass per ``next()``, on random graphs.

The graphs are random DAGs (shared sub-expressions, repeated operands, nodes with many parents),
drawn from a seed that hypothesis chooses.
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, backward_steps, core, topological_order, zero_grad
from autograd.explain import steps as backprop

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def random_dag(seed: int, size: int = 30) -> tuple[Value, list[Value]]:
    """A random graph over 1-4 leaves: every new node takes its operands from all earlier nodes,
    so sub-expressions are shared and operands repeat.  Returns (root, leaves)."""
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(-2.0, 2.0), label=f"x{i}") for i in range(rng.randint(1, 4))]
    pool = list(leaves)
    for _ in range(rng.randint(1, size)):
        a, b = rng.choice(pool), rng.choice(pool)
        kind = rng.randrange(9)
        if kind == 0:
            node = a + b
        elif kind == 1:
            node = a - b
        elif kind == 2:
            node = (a * b).tanh()  # tanh keeps the values bounded
        elif kind == 3:
            node = a.sigmoid()
        elif kind == 4:
            node = a * rng.uniform(-2.0, 2.0)
        elif kind == 5:
            node = autograd.dot([a, b], [rng.choice(pool), 0.5], rng.choice(pool)).tanh()
        elif kind == 6:
            node = autograd.sum(rng.choice(pool) for _ in range(rng.randint(1, 4)))
        elif kind == 7:
            node = autograd.mean([a, b, a])
        else:
            node = a.relu() + b
        pool.append(node)
    return autograd.sum(pool[-3:]), leaves


def grads(root: Value) -> list[float]:
    return [n.grad for n in topological_order(root, leaves=True)]


def same(a: list[float], b: list[float]) -> bool:
    """Equal to the bit, NaN included."""
    if len(a) != len(b):
        return False
    return all(x == y or (math.isnan(x) and math.isnan(y)) for x, y in zip(a, b, strict=True))


@settings(max_examples=150)
@given(seed=SEEDS)
def test_after_each_step_every_gradient_is_exactly_what_the_steps_so_far_passed(seed: int) -> None:
    root, _ = random_dag(seed)
    nodes = topological_order(root, leaves=True)
    ledger = dict.fromkeys(nodes, 0.0)
    ledger[root] = 1.0
    for step in backward_steps(root):
        for edge in step.edges:
            ledger[edge.child] += edge.contribution  # the same float operations, in the same order
        assert same([n.grad for n in nodes], [ledger[n] for n in nodes])


@settings(max_examples=150)
@given(seed=SEEDS)
def test_before_a_nodes_step_its_children_have_received_nothing_from_it(seed: int) -> None:
    root, _ = random_dag(seed)
    received: dict[Value, list[Value]] = {}
    stepper = backward_steps(root)
    for node in topological_order(root):
        assert all(node not in received.get(child, []) for child in node.children)
        step = next(stepper)
        assert step.node is node
        for edge in step.edges:
            received.setdefault(edge.child, []).append(node)
    assert next(stepper, None) is None


@settings(max_examples=150)
@given(seed=SEEDS)
def test_exhausted_stepper_gives_exactly_the_gradients_of_backward_from_zeroed_leaves(seed: int) -> None:
    root, _ = random_dag(seed)
    root.backward()
    expected = grads(root)
    zero_grad(root)
    for _ in backward_steps(root):
        pass
    assert same(grads(root), expected)


@settings(max_examples=150)
@given(seed=SEEDS, prior=st.floats(-3.0, 3.0))
def test_leaves_that_held_a_gradient_get_the_pass_added_as_backward_does_up_to_rounding(
    seed: int, prior: float
) -> None:
    root, leaves = random_dag(seed)
    for leaf in leaves:
        leaf.grad = prior  # leaves accumulate: both add the same pass to the same start
    root.backward()
    expected = grads(root)
    for leaf in leaves:
        leaf.grad = prior
    for _ in backward_steps(root):
        pass
    # the stepper adds each contribution as it comes, backward() their sum: the last bit may differ
    assert grads(root) == pytest.approx(expected, rel=1e-12, abs=1e-12, nan_ok=True)


@settings(max_examples=100)
@given(seed=SEEDS)
def test_a_nodes_gradient_is_final_at_its_step(seed: int) -> None:
    root, _ = random_dag(seed)
    root.backward()
    final = {n: n.grad for n in topological_order(root)}
    zero_grad(root)
    for step in backward_steps(root):
        assert same([step.grad, step.node.grad], [final[step.node]] * 2)


@settings(max_examples=100)
@given(seed=SEEDS)
def test_each_edge_record_is_the_chain_rule_term_that_was_added(seed: int) -> None:
    root, _ = random_dag(seed)
    for step in backward_steps(root):
        node = step.node
        assert [e.child for e in step.edges] == list(node.children)
        assert [e.local_grad for e in step.edges] == list(node.local_grads)
        assert same([e.contribution for e in step.edges], [lg * step.grad for lg in node.local_grads])
        assert same([e.child_grad for e in step.edges], [e.child.grad for e in step.edges])


def test_steps_come_in_topological_order_with_their_index() -> None:
    root, _ = random_dag(7)
    steps = list(backward_steps(root))
    assert [s.node for s in steps] == topological_order(root)
    assert [s.index for s in steps] == list(range(len(steps)))


def test_making_the_stepper_touches_no_gradient() -> None:
    root, _ = random_dag(11)
    root.backward()
    before = grads(root)
    stepper = backward_steps(root)
    assert grads(root) == before
    stepper.close()
    assert grads(root) == before  # never started: nothing to undo


def test_repeated_operand_gives_two_edges_and_both_contributions() -> None:
    x = Value(3.0, label="x")
    y = x * x
    (step,) = backward_steps(y)
    assert [(e.child, e.local_grad, e.contribution) for e in step.edges] == [(x, 3.0, 3.0), (x, 3.0, 3.0)]
    assert [e.child_grad for e in step.edges] == [6.0, 6.0]  # the child's gradient once the step is done
    assert x.grad == 6.0


def test_a_leaf_shows_what_it_held_plus_what_it_has_received_so_far() -> None:
    x = Value(2.0, label="x")
    y = (x * 3.0).tanh()
    x.grad = 10.0
    stepper = backward_steps(y)
    next(stepper)  # tanh -> (x*3): x has received nothing yet
    assert x.grad == 10.0
    step = next(stepper)  # (x*3) -> x
    assert x.grad == 10.0 + step.edges[0].contribution == step.edges[0].child_grad


def test_stopping_early_keeps_the_steps_taken_and_undoes_nothing() -> None:
    x = Value(2.0, label="x")
    z = x * 3.0 + x
    for _ in backward_steps(z):  # + -> x (1), then x*3 -> x (3): stop after the first
        break
    assert x.grad == 1.0


def test_a_paused_stepper_holds_nothing_back_a_cleared_gradient_stays_cleared() -> None:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    z = x * y
    z.backward()
    stepper = backward_steps(z)
    next(stepper)
    x.grad = 0.0  # an optimizer's zero_grad() while the stepper is paused
    del stepper  # finalized: nothing is restored
    assert x.grad == 0.0


def test_a_lone_leaf_is_one_step_without_edges_and_accumulates() -> None:
    x = Value(2.0, label="x")
    for expected in (1.0, 2.0):
        (step,) = backward_steps(x)
        assert (step.node, step.edges, step.grad) == (x, (), expected)
        assert x.grad == expected


def test_backward_and_the_stepper_both_pass_gradients_through_propagate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, _ = random_dag(3)
    shared = core.propagate
    assert backprop.propagate is shared  # type: ignore[attr-defined]
    seen: list[Value] = []

    def spy(node: Value) -> None:
        seen.append(node)
        shared(node)

    monkeypatch.setattr(core, "propagate", spy)  # backward()'s
    monkeypatch.setattr(backprop, "propagate", spy)  # the stepper's: the same function, imported
    root.backward()
    by_backward = list(seen)
    seen.clear()
    for _ in backward_steps(root):
        pass
    assert by_backward == seen == topological_order(root)


def test_a_step_prints_as_the_chain_rule_terms_it_added() -> None:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    z = x * y + x.exp()
    z.label = "z"
    steps = list(backward_steps(z))
    assert str(steps[2]) == (
        "step 2: x·y (data 6, grad 1)\n"
        "  x += 3 × 1 = 3  (x.grad now 10.39)\n"
        "  y += 2 × 1 = 2  (y.grad now 2)"
    )
    assert str(steps[2].edges[0]) == "x += 3  (local 3; x.grad now 10.39)"


def test_two_unlabelled_nodes_of_one_op_have_names_of_their_own_in_the_steps() -> None:
    """issue 23: ``(*) += ...`` twice could not be told apart; each node now has its own name."""
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    z = x * y + x * y
    text = "\n".join(str(step) for step in backward_steps(z))
    assert "x·y#1 +=" in text
    assert "x·y#2 +=" in text
    assert "(*)" not in text
