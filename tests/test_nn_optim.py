"""SGD: plain steps, weight decay, momentum (PyTorch's buffers), zero_grad, argument checks."""

from __future__ import annotations

import math
import random

import pytest

import nn
from autograd import Value


def _params(*pairs: tuple[float, float]) -> list[Value]:
    out = []
    for k, (data, grad) in enumerate(pairs):
        v = Value(data, label=f"p{k}")
        v.grad = grad
        out.append(v)
    return out


def test_step_moves_against_the_gradient() -> None:
    params = _params((1.0, 0.5), (-2.0, -0.25))
    nn.SGD(params, lr=0.4).step()
    assert [p.data for p in params] == [1.0 - 0.4 * 0.5, -2.0 - 0.4 * -0.25]


def test_step_leaves_the_gradients() -> None:
    params = _params((1.0, 0.5))
    nn.SGD(params, lr=0.1).step()
    assert params[0].grad == 0.5


def test_weight_decay_adds_lambda_w_to_the_gradient() -> None:
    params = _params((2.0, 0.5))
    nn.SGD(params, lr=0.1, weight_decay=0.01).step()
    assert params[0].data == 2.0 - 0.1 * (0.5 + 0.01 * 2.0)


def test_momentum_starts_from_the_gradient_then_accumulates() -> None:
    (p,) = params = _params((1.0, 0.5))
    opt = nn.SGD(params, lr=0.1, momentum=0.9)
    opt.step()
    assert p.data == 1.0 - 0.1 * 0.5
    p.grad = 0.25
    opt.step()
    assert p.data == (1.0 - 0.1 * 0.5) - 0.1 * (0.9 * 0.5 + 0.25)


def test_momentum_with_weight_decay_decays_before_the_buffer() -> None:
    (p,) = params = _params((1.0, 0.5))
    opt = nn.SGD(params, lr=0.1, momentum=0.5, weight_decay=0.1)
    opt.step()
    g1 = 0.5 + 0.1 * 1.0
    w1 = 1.0 - 0.1 * g1
    p.grad = 0.5
    opt.step()
    assert p.data == w1 - 0.1 * (0.5 * g1 + (0.5 + 0.1 * w1))


def test_zero_grad_clears_every_parameter() -> None:
    params = _params((1.0, 0.5), (2.0, -3.0))
    nn.SGD(params, lr=0.1).zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_training_reduces_the_loss() -> None:
    model = nn.MLP(2, [4, 1], "tanh", output_activation="sigmoid", seed=1)
    opt = nn.SGD(model.parameters(), lr=0.5, momentum=0.5)
    data = [([0.0, 0.0], 0.0), ([0.0, 1.0], 1.0), ([1.0, 0.0], 1.0), ([1.0, 1.0], 0.0)]

    def batch_loss() -> Value:
        return nn.mean_bce_loss([model(x) for x, _ in data], [y for _, y in data])  # type: ignore[misc]

    first = batch_loss().data
    for _ in range(200):
        loss = batch_loss()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert batch_loss().data < first / 4


def test_empty_parameter_list_is_refused() -> None:
    with pytest.raises(ValueError, match="empty parameter list"):
        nn.SGD([], lr=0.1)


def test_a_parameter_listed_twice_is_refused_by_label() -> None:
    p = Value(1.0, label="w")
    with pytest.raises(ValueError, match=r"parameter #1 \('w'\) appears twice"):
        nn.SGD([p, p], lr=0.1)


def test_a_non_value_parameter_is_refused() -> None:
    with pytest.raises(TypeError, match=r"parameter #0 is 1\.0 \(float\), not a Value"):
        nn.SGD([1.0], lr=0.1)  # type: ignore[list-item]


@pytest.mark.parametrize(("name", "value"), [("lr", -0.1), ("lr", math.nan), ("momentum", -1.0),
                                             ("weight_decay", math.inf)])
def test_bad_hyperparameters_are_refused(name: str, value: float) -> None:
    kwargs = {"lr": 0.1, name: value}
    with pytest.raises(ValueError, match=rf"SGD: {name} must be a finite number >= 0; got {value!r}"):
        nn.SGD([Value(1.0)], **kwargs)


def test_a_bool_learning_rate_is_refused() -> None:
    with pytest.raises(TypeError, match="SGD: lr must be an int or float; got True"):
        nn.SGD([Value(1.0)], lr=True)


@pytest.mark.torch
@pytest.mark.parametrize(("momentum", "weight_decay"), [(0.0, 0.0), (0.0, 0.01), (0.9, 0.0), (0.9, 0.01)])
def test_sgd_matches_torch(momentum: float, weight_decay: float) -> None:
    import torch

    rng = random.Random(0)
    start = [rng.uniform(-1, 1) for _ in range(5)]
    grads = [[rng.uniform(-1, 1) for _ in range(5)] for _ in range(6)]
    ours = [Value(x) for x in start]
    theirs = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = nn.SGD(ours, lr=0.3, momentum=momentum, weight_decay=weight_decay)
    torch_opt = torch.optim.SGD([theirs], lr=0.3, momentum=momentum, weight_decay=weight_decay)
    for g in grads:
        for p, gk in zip(ours, g, strict=True):
            p.grad = gk
        theirs.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        torch_opt.step()
    # PyTorch fuses w + (-lr) v into one rounding; we round twice: agreement to the last bits.
    assert [p.data for p in ours] == pytest.approx(theirs.tolist(), rel=1e-14, abs=1e-15)
