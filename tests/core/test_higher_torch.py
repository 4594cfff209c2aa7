"""Parity with PyTorch's double and triple backward (float64): second and third derivatives of random
expression trees over every op, and the Hessian of the seed's loss, equal PyTorch's to 1e-9
relative.  Skipped where PyTorch is absent."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pytest
from expression_trees import (
    VALUE_FUNCTIONS,
    Tree,
    Unsuitable,
    describe,
    evaluate,
    inputs,
    torch_functions,
    trees,
)
from hypothesis import assume, given, settings

import autograd
from autograd import Value
from demos.seed import XOR_DATA, seed_model
from nn import bce_loss

pytestmark = pytest.mark.torch

REL = 1e-9


def close(ours: float, theirs: float, scale: float) -> bool:
    """Equal to 1e-9 relative (or 1e-9 of ``scale``, the size of what may cancel); NaN matches NaN."""
    if math.isnan(ours) or math.isnan(theirs):
        return math.isnan(ours) and math.isnan(theirs)
    if math.isinf(ours) or math.isinf(theirs):
        return ours == theirs
    return math.isclose(ours, theirs, rel_tol=REL, abs_tol=REL * scale + 1e-300)


def torch_grads(out: Any, tensors: Sequence[Any], create_graph: bool) -> list[Any]:
    """torch.autograd.grad with every unused input (or a constant output) giving a zero tensor."""
    import torch

    if not out.requires_grad:
        return [torch.zeros((), dtype=torch.float64) for _ in tensors]
    grads = torch.autograd.grad(out, tensors, create_graph=create_graph, retain_graph=True, allow_unused=True)
    return [torch.zeros((), dtype=torch.float64) if g is None else g for g in grads]


def derivatives(tree: Tree, xs: list[float]) -> tuple[list[Any], list[Any], float]:
    """[first, second (i, j), third (i, j, k)] from ours and from PyTorch, and the scale."""
    import torch

    leaves = [Value(x, label=f"x{k}") for k, x in enumerate(xs)]
    y = evaluate(tree, leaves, VALUE_FUNCTIONS)
    first = autograd.grad(y, leaves, create_graph=True)
    second = [autograd.grad(g, leaves, create_graph=True) for g in first]
    third = [[autograd.grad(h, leaves) for h in row] for row in second]
    ours = [g.data for g in first] + [h.data for row in second for h in row]
    ours += [t for plane in third for row in plane for t in row]

    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    t_y = evaluate(tree, tensors, torch_functions())
    t_first = torch_grads(t_y, tensors, True)
    t_second = [torch_grads(g, tensors, True) for g in t_first]
    t_third = [[torch_grads(h, tensors, False) for h in row] for row in t_second]
    theirs = [g.item() for g in t_first] + [h.item() for row in t_second for h in row]
    theirs += [t.item() for plane in t_third for row in plane for t in row]
    scale = max(abs(n.data) for n in autograd.topological_order(y, leaves=True))
    return ours, theirs, scale * max(1.0, *(abs(t) for t in theirs if math.isfinite(t)))


@settings(max_examples=150, deadline=None)
@given(tree=trees(max_leaves=6), xs=inputs())
def test_second_and_third_derivatives_of_random_trees_match_pytorch(tree: Tree, xs: list[float]) -> None:
    try:
        evaluate(tree, [Value(x) for x in xs], VALUE_FUNCTIONS, guard=True)
    except Unsuitable:
        assume(False)
    ours, theirs, scale = derivatives(tree, xs)
    for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert close(a, b, scale), (describe(tree), xs, k, a, b)


@pytest.mark.parametrize("op", ["relu", "abs"])
def test_the_kinks_second_derivative_is_zero_as_in_pytorch(op: str) -> None:
    for x in (-1.5, 0.0, 2.0):
        ours, theirs, _ = derivatives((op, ("*", ("x", 0), ("x", 0))), [x, 0.0, 0.0])
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-300)


def _torch_seed_loss(params: Any) -> Any:
    """The seed's XORNet (PyTorch's layout) summed BCE over the four samples, from 9 numbers."""
    import torch
    import torch.nn.functional as F  # noqa: N812

    w1, b1, w2, b2 = params[0:4].reshape(2, 2), params[4:6], params[6:8], params[8]
    total = torch.zeros((), dtype=torch.float64)
    for x, y in XOR_DATA:
        h = torch.sigmoid(F.linear(torch.tensor(x, dtype=torch.float64), w1, b1))
        out = torch.sigmoid(h @ w2 + b2)
        total = total + F.binary_cross_entropy(out, torch.tensor(y, dtype=torch.float64))
    return total / len(XOR_DATA)


def _seed_loss(*p: Value) -> Value:
    """The same network and loss from 9 Values: w1 (rows), b1, w2, b2."""
    w1, b1, w2, b2 = [[p[0], p[1]], [p[2], p[3]]], [p[4], p[5]], [p[6], p[7]], p[8]
    losses = []
    for x, y in XOR_DATA:
        h = [autograd.dot(row, x, b).sigmoid() for row, b in zip(w1, b1, strict=True)]
        losses.append(bce_loss(autograd.dot(w2, h, b2).sigmoid(), y))
    return autograd.mean(losses)


SEED_PARAMS = [0.1, -0.1, -0.1, 0.1, 0.1, -0.1, 0.1, -0.1, 0.1]  # w1, b1, w2, b2 (demos.seed)


def _torch_seed_hessian() -> list[list[float]]:
    import torch

    at = torch.tensor(SEED_PARAMS, dtype=torch.float64)
    h = torch.autograd.functional.hessian(_torch_seed_loss, at)  # type: ignore[no-untyped-call]
    return [[float(v) for v in row] for row in h.tolist()]


def test_hessian_of_the_seeds_loss_matches_pytorch() -> None:
    ours = autograd.hessian(_seed_loss, SEED_PARAMS)
    theirs = _torch_seed_hessian()
    assert [len(row) for row in ours] == [9] * 9
    for i in range(9):
        for j in range(9):
            assert ours[i][j] == pytest.approx(theirs[i][j], rel=1e-9, abs=1e-15), (i, j)


def test_hessian_of_the_seed_models_own_loss_matches_pytorch() -> None:
    """The seed's model itself (demos.seed, nn.MLP): its parameters are the leaves."""
    model = seed_model()
    names = [name for name, _ in model.named_parameters()]
    params = [p for _, p in model.named_parameters()]
    loss = autograd.mean([bce_loss(model(x), y) for x, y in XOR_DATA])  # type: ignore[arg-type]
    gradients = autograd.grad(loss, params, create_graph=True)
    ours = [list(autograd.grad(g, params)) for g in gradients]
    theirs = _torch_seed_hessian()
    order = [SEED_ORDER.index(name) for name in names]
    for i in range(9):
        for j in range(9):
            theirs_ij = theirs[order[i]][order[j]]
            assert ours[i][j] == pytest.approx(theirs_ij, rel=1e-9, abs=1e-15), (names[i], names[j])
    assert all(p.grad == 0.0 for p in params)  # grad leaves .grad alone


SEED_ORDER = ["w1[0][0]", "w1[0][1]", "w1[1][0]", "w1[1][1]", "b1[0]", "b1[1]", "w2[0]", "w2[1]", "b2"]


def test_the_documented_differences_at_zero_on_both_sides() -> None:
    """docs/higher-order.md: sqrt''(0) is 0.0 here (f' is the constant inf), -inf in PyTorch; x ** 0.5
    at 0 with create_graph is refused here, inf then -inf in PyTorch."""
    import torch

    x = Value(0.0, label="x")
    d1, = autograd.grad(x.sqrt(), [x], create_graph=True)
    assert (d1.data, autograd.grad(d1, [x])) == (math.inf, (0.0,))
    with pytest.raises(ZeroDivisionError, match=r"0 cannot be raised to a negative power.*Value 'x'"):
        autograd.grad(x**0.5, [x], create_graph=True)
    assert autograd.grad(x**0.5, [x]) == (math.inf,)
    for f in (torch.sqrt, lambda t: t**0.5):
        t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
        g, = torch.autograd.grad(f(t), [t], create_graph=True)
        assert (g.item(), torch.autograd.grad(g, [t])[0].item()) == (math.inf, -math.inf)
