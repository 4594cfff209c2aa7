"""SGD and Adam: plain steps, weight decay, momentum (PyTorch's buffers), zero_grad, argument checks."""

from __future__ import annotations

import math
import random
import re
from typing import Any

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
    with pytest.raises(TypeError, match=r"SGD: lr: cannot use True \(type bool\); expected an int or float"):
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


def test_adam_has_pytorchs_defaults() -> None:
    opt = nn.Adam([Value(1.0)])
    assert (opt.lr, opt.betas, opt.eps, opt.weight_decay) == (1e-3, (0.9, 0.999), 1e-8, 0.0)


def test_adam_first_step_moves_by_lr_against_the_gradient() -> None:
    # t = 1: m = (1 - b1) g, v = (1 - b2) g^2, so m / (1 - b1) = g and sqrt(v / (1 - b2)) = |g|.
    params = _params((1.0, 4.0), (-2.0, -0.001))
    nn.Adam(params, lr=0.1).step()
    assert [p.data for p in params] == pytest.approx([0.9, -1.9], rel=1e-6)


def test_adam_follows_its_formula_for_three_steps() -> None:
    (p,) = params = _params((0.5, 0.0))
    lr, b1, b2, eps, wd = 0.05, 0.8, 0.99, 1e-6, 0.1
    opt = nn.Adam(params, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    w, m, v = 0.5, 0.0, 0.0
    for t, grad in enumerate([0.3, -0.7, 0.2], start=1):
        p.grad = grad
        opt.step()
        g = grad + wd * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
        assert p.data == pytest.approx(w, rel=1e-13)
    assert opt.t == [3]
    assert p.grad == 0.2  # step() leaves the gradients


def test_adam_zero_grad_clears_every_parameter() -> None:
    params = _params((1.0, 0.5), (2.0, -3.0))
    nn.Adam(params).zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


@pytest.mark.parametrize("optimizer", [nn.SGD, nn.Adam])
def test_zero_grad_set_to_none_leaves_none_that_backward_counts_as_zero(optimizer: Any) -> None:
    w = Value(3.0, label="w")
    w.grad = 5.0
    opt = optimizer([w], lr=0.1)
    opt.zero_grad(set_to_none=True)  # PyTorch's habit
    assert w.grad is None
    opt.step()  # no gradient yet: skipped, as in PyTorch
    assert w.data == 3.0
    (w * w).backward()
    assert w.grad == 6.0  # None counted as 0, not added to the 5.0
    opt.zero_grad(set_to_none=False)
    assert w.grad == 0.0


@pytest.mark.parametrize("given", [None, 1, "yes"])
def test_zero_grad_set_to_none_must_be_a_bool(given: object) -> None:
    w = Value(3.0, label="w")
    w.grad = 5.0
    expected = rf"^SGD.zero_grad: set_to_none must be True or False, got {given!r}$"
    with pytest.raises(TypeError, match=expected):
        nn.SGD([w], lr=0.1).zero_grad(set_to_none=given)  # type: ignore[arg-type]
    assert w.grad == 5.0


def test_adam_trains_the_seeds_network() -> None:
    model = nn.MLP(2, [2, 1], activation="sigmoid", seed=3)
    opt = nn.Adam(model.parameters(), lr=0.05)
    data = [([1.0, 1.0], 0.0), ([0.0, 1.0], 1.0), ([1.0, 0.0], 1.0), ([0.0, 0.0], 0.0)]
    for _ in range(300):
        for x, y in data:
            loss = nn.bce_loss(model(x), y)  # type: ignore[arg-type]
            opt.zero_grad()
            loss.backward()
            opt.step()
    assert all(abs(model(x).data - y) < 0.2 for x, y in data)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": -1.0}, "Adam: lr must be a finite number >= 0; got -1.0"),
        ({"eps": math.nan}, "Adam: eps must be a finite number >= 0; got nan"),
        ({"betas": (1.0, 0.999)}, "Adam: beta1 must be below 1.0; got 1.0"),
        ({"betas": (0.9, -0.5)}, "Adam: beta2 must be a finite number >= 0; got -0.5"),
        ({"weight_decay": math.inf}, "Adam: weight_decay must be a finite number >= 0; got inf"),
    ],
)
def test_adam_bad_hyperparameters_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        nn.Adam([Value(1.0)], **kwargs)  # type: ignore[arg-type]


def test_adam_betas_that_are_not_a_pair_are_refused() -> None:
    with pytest.raises(TypeError, match=re.escape("Adam: betas must be a pair (beta1, beta2); got 0.9")):
        nn.Adam([Value(1.0)], betas=0.9)  # type: ignore[arg-type]


def test_adam_names_itself_in_parameter_errors() -> None:
    p = Value(1.0, label="w")
    with pytest.raises(ValueError, match=r"Adam: parameter #1 \('w'\) appears twice"):
        nn.Adam([p, p])
    with pytest.raises(ValueError, match="Adam: got an empty parameter list"):
        nn.Adam([])


@pytest.mark.torch
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"lr": 0.1}, {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.01}],
)
def test_adam_matches_torch_over_20_steps(kwargs: dict[str, Any]) -> None:
    import torch

    rng = random.Random(1)
    start = [rng.uniform(-1, 1) for _ in range(6)]
    grads = [[rng.uniform(-2, 2) for _ in range(6)] for _ in range(20)]
    ours = [Value(x) for x in start]
    theirs = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = nn.Adam(ours, **kwargs)
    torch_opt = torch.optim.Adam([theirs], **kwargs)
    for g in grads:
        for p, gk in zip(ours, g, strict=True):
            p.grad = gk
        theirs.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        torch_opt.step()
        # PyTorch's kernels fuse some multiply-adds (one rounding where Python rounds twice).
        assert [p.data for p in ours] == pytest.approx(theirs.tolist(), rel=1e-12, abs=0.0)


@pytest.mark.parametrize(
    "kwargs", [{}, {"weight_decay": 0.1}, {"momentum": 0.9}, {"momentum": 0.9, "weight_decay": 0.1}]
)
def test_sgd_skips_a_parameter_whose_grad_is_none(kwargs: dict[str, float]) -> None:
    moved, waiting = params = _params((1.0, 0.5), (2.0, 0.5))
    waiting.grad = None  # type: ignore[assignment]  # PyTorch's set_to_none: no gradient yet
    opt = nn.SGD(params, lr=0.1, **kwargs)
    opt.step()
    assert waiting.data == 2.0
    assert moved.data < 1.0
    if kwargs.get("momentum"):
        waiting.grad = 0.5
        opt.step()  # its first step: the buffer starts from its gradient, as if no step had passed
        assert waiting.data == 2.0 - 0.1 * (0.5 + kwargs.get("weight_decay", 0.0) * 2.0)


def test_adam_skips_a_parameter_whose_grad_is_none_and_counts_its_own_steps() -> None:
    moved, waiting = params = _params((1.0, 0.5), (2.0, 0.5))
    waiting.grad = None  # type: ignore[assignment]
    opt = nn.Adam(params, lr=0.1)
    opt.step()
    assert moved.data == pytest.approx(0.9, rel=1e-6)
    assert waiting.data == 2.0
    assert opt.t == [1, 0]
    waiting.grad = 0.5
    opt.step()
    assert opt.t == [2, 1]
    assert waiting.data == pytest.approx(1.9, rel=1e-6)  # a first step: about lr
