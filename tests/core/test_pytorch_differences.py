"""The differences from PyTorch that docs/engine.md lists ("Differences from PyTorch", issue 15).

Where a local derivative is 0 (relu at x <= 0, hinge outside its margin, x ** 0's d/dx) and the
gradient reaching the node is inf or NaN, `backward()` adds 0 * inf = NaN; PyTorch masks to 0.
With finite gradients both give the same.  The torch-marked tests show PyTorch's side.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

import nn
from autograd import Value

# f(x) = (op(x) * 1e300) * 1e300 + x: the op's incoming gradient is 1e600 = inf, its own
# derivative at the point is 0, so df/dx = 0 * inf + 1.
CASES: dict[str, tuple[Callable[[Any], Any], float]] = {
    "relu at -2": (lambda x: x.relu(), -2.0),
    "relu at 0": (lambda x: x.relu(), 0.0),
    "hinge outside the margin (p=3, y=1)": (lambda x: nn.hinge_loss(x, 1.0), 3.0),
    "x ** 0": (lambda x: x**0, 2.0),
}


def blown_up(op: Callable[[Any], Any], x: Any) -> Any:
    return (op(x) * 1e300) * 1e300 + x


@pytest.mark.parametrize("case", CASES)
def test_a_zero_derivative_times_an_infinite_gradient_is_nan_here(case: str) -> None:
    op, point = CASES[case]
    x = Value(point, label="x")
    f = blown_up(op, x)
    f.backward()
    assert math.isnan(x.grad)


def test_relu_with_a_nan_gradient_gives_nan_here() -> None:
    x = Value(-2.0, label="x")
    (x.relu() * math.nan + x).backward()
    assert math.isnan(x.grad)


@pytest.mark.parametrize("case", CASES)
def test_with_a_finite_gradient_the_zero_derivative_gives_what_pytorch_gives(case: str) -> None:
    op, point = CASES[case]
    x = Value(point, label="x")
    (op(x) * 1e300 + x).backward()
    assert x.grad == 1.0


TORCH_CASES: dict[str, Callable[[Any], Any]] = {
    "relu at -2": lambda t: t.relu(),
    "relu at 0": lambda t: t.relu(),
    "hinge outside the margin (p=3, y=1)": lambda t: (1.0 - 1.0 * t).relu(),  # micrograd's hinge
    "x ** 0": lambda t: t**0,
}


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES)
def test_pytorch_masks_the_zero_derivative_to_a_finite_gradient(case: str) -> None:
    import torch

    _, point = CASES[case]
    t = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    blown_up(TORCH_CASES[case], t).backward()
    assert t.grad is not None
    assert t.grad.item() == 1.0
