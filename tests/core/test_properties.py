"""Property tests (hypothesis): random expression trees and random small networks, every gradient
from `backward()` against central finite differences (`gradcheck`)."""

from __future__ import annotations

import itertools
import math
import random

from expression_trees import VALUE_FUNCTIONS, Tree, Unsuitable, describe, evaluate, inputs, trees
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, gradcheck, topological_order


def _suitable(tree: Tree, xs: list[float]) -> bool:
    try:
        evaluate(tree, [Value(x) for x in xs], VALUE_FUNCTIONS, guard=True)
    except Unsuitable:
        return False
    return True


@settings(max_examples=500)
@given(tree=trees(), xs=inputs())
def test_random_expression_gradients_match_finite_differences(tree: Tree, xs: list[float]) -> None:
    assume(_suitable(tree, xs))
    result = gradcheck(lambda *v: evaluate(tree, v, VALUE_FUNCTIONS), xs)
    assert result, describe(tree)


@settings(max_examples=100)
@given(tree=trees(), xs=inputs())
@example(tree=("mean", (("x", 0), ("x", 0), ("x", 0))), xs=[0.0, 0.0, 0.0])  # kept: see test_backward.py
@example(tree=("x", 0), xs=[0.0, 0.0, 0.0])
def test_backward_twice_doubles_leaf_gradients_of_random_expressions(tree: Tree, xs: list[float]) -> None:
    assume(_suitable(tree, xs))
    leaves = [Value(x) for x in xs]
    out = evaluate(tree, leaves, VALUE_FUNCTIONS)
    out.backward()
    once = [v.grad for v in leaves]
    inner = [n.grad for n in topological_order(out) if n.children]
    out.backward()
    assert [v.grad for v in leaves] == [2.0 * g for g in once]
    assert [n.grad for n in topological_order(out) if n.children] == inner


@settings(max_examples=100)
@given(tree=trees(), xs=inputs())
def test_stepper_gives_the_same_gradients_as_backward(tree: Tree, xs: list[float]) -> None:
    assume(_suitable(tree, xs))
    leaves = [Value(x) for x in xs]
    out = evaluate(tree, leaves, VALUE_FUNCTIONS)
    out.backward()
    expected = [v.grad for v in topological_order(out, leaves=True)]
    autograd.zero_grad(out)
    for _ in autograd.backward_steps(out):
        pass
    assert [v.grad for v in topological_order(out, leaves=True)] == expected


def _network(seed: int, sizes: list[int]) -> list[float]:
    """Random weights and biases, flat, for an MLP with the given layer sizes."""
    rng = random.Random(seed)
    params = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        for _ in range(fan_out):
            params += [rng.uniform(-1.0, 1.0) for _ in range(fan_in)] + [rng.uniform(-0.5, 0.5)]
    return params


def _forward(values: tuple[Value, ...], sizes: list[int], activation: str, targets: list[float]) -> Value:
    """An MLP on `dot` nodes; ``values`` are the network inputs, then its parameters.  Loss: MSE."""
    layer = list(values[: sizes[0]])
    k = sizes[0]
    for depth, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        nxt = []
        for _ in range(fan_out):
            w, b = list(values[k : k + fan_in]), values[k + fan_in]
            k += fan_in + 1
            z = autograd.dot(w, layer, b)
            last = depth == len(sizes) - 2
            nxt.append(z if last else getattr(z, activation)())
        layer = nxt
    return autograd.mean([(y - t) ** 2 for y, t in zip(layer, targets, strict=True)])


@settings(max_examples=80)
@given(
    seed=st.integers(0, 2**32 - 1),
    hidden=st.lists(st.integers(1, 4), min_size=1, max_size=2),
    activation=st.sampled_from(["tanh", "sigmoid", "relu"]),
    n_in=st.integers(1, 3),
    n_out=st.integers(1, 2),
)
def test_random_network_gradients_match_finite_differences(
    seed: int, hidden: list[int], activation: str, n_in: int, n_out: int
) -> None:
    sizes = [n_in, *hidden, n_out]
    params = _network(seed, sizes)
    rng = random.Random(seed + 1)
    xs = [rng.uniform(-2.0, 2.0) for _ in range(n_in)]
    targets = [rng.uniform(-1.0, 1.0) for _ in range(n_out)]

    def loss(*values: Value) -> Value:
        return _forward(values, sizes, activation, targets)

    if activation == "relu":  # reject a pre-activation within reach of relu's kink at 0
        probe = loss(*[Value(v) for v in xs + params])
        assume(all(abs(n.children[0].data) > 1e-3 for n in topological_order(probe) if n.op == "relu"))
    assert gradcheck(loss, xs + params)
    assert math.isfinite(loss(*[Value(v) for v in xs + params]).data)
