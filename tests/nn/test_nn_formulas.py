"""The article's hand-derived gradients (as corrected in REFERENCE.md) against the engine's.

For one sample, with ô = σ(o), o = w2[0] ĥ1 + w2[1] ĥ2 + b2, ĥj = σ(hj), hj = w1[j-1]·x + b1[j-1]:

    δ = ∂Cost/∂o = 2(ô - y) · ô(1 - ô)      for Cost = (ô - y)^2   (the article's text)
                 = ô - y                     for BCE                (the article's code)
    ∂Cost/∂w2[i]    = δ · ĥ(i+1)                          ∂Cost/∂b2    = δ
    ∂Cost/∂w1[j][i] = δ · w2[j] · ĥ(j+1)(1 - ĥ(j+1)) · x(i+1)   ∂Cost/∂b1[j] = δ · w2[j] · ĥ(j+1)(1 - ĥ(j+1))

The article writes 2(y - ô) (the sign of the derivative of (y - ô)^2 dropped) and ĥ(1 - ĥ) without
its index; the engine agrees with the corrected forms.
"""

from __future__ import annotations

import pytest

import nn
from autograd import Value, topological_order
from demos.seed import XOR_DATA, seed_model


def _model(which: str) -> nn.MLP:
    if which == "seed":
        return seed_model()
    return nn.MLP(2, [2, 1], "sigmoid", seed=int(which))  # asymmetric weights: every term matters


def _run(model: nn.MLP, x: list[float], y: float, loss: str) -> dict[str, float]:
    """Backpropagate one sample; the forward values by label and the parameters' gradients."""
    model.zero_grad()
    out = model(x)
    assert isinstance(out, Value)
    cost = nn.mse_loss(out, y) if loss == "mse" else nn.bce_loss(out, y)
    cost.backward()
    values = {node.label: node.data for node in topological_order(cost)}
    return {**values, **{f"grad {name}": p.grad for name, p in model.named_parameters()}}


def _by_hand(model: nn.MLP, x: list[float], y: float, v: dict[str, float], loss: str) -> dict[str, float]:
    o_hat = v["ô"]
    delta = 2 * (o_hat - y) * o_hat * (1 - o_hat) if loss == "mse" else o_hat - y
    w2 = model.layers[1].neurons[0].w
    h_hat = [v["ĥ1"], v["ĥ2"]]
    grads = {"grad b2": delta}
    for j in range(2):
        grads[f"grad w2[{j}]"] = delta * h_hat[j]
        back = delta * w2[j].data * h_hat[j] * (1 - h_hat[j])
        grads[f"grad b1[{j}]"] = back
        for i in range(2):
            grads[f"grad w1[{j}][{i}]"] = back * x[i]
    return grads


@pytest.mark.parametrize("loss", ["mse", "bce"])
@pytest.mark.parametrize("which", ["seed", "3", "8"])
@pytest.mark.parametrize("sample", range(4))
def test_hand_derived_gradients_agree_with_the_engine(loss: str, which: str, sample: int) -> None:
    model = _model(which)
    x, y = XOR_DATA[sample]
    engine = _run(model, x, y, loss)
    hand = _by_hand(model, x, y, engine, loss)
    assert len(hand) == 9
    for name, value in hand.items():
        assert engine[name] == pytest.approx(value, rel=1e-12, abs=1e-17), name


def test_bce_gradient_at_o_is_o_hat_minus_y() -> None:
    model = seed_model()
    x, y = XOR_DATA[1]
    out = model(x)
    assert isinstance(out, Value)
    nn.bce_loss(out, y).backward()
    (o,) = out.children
    assert o.label == "o"
    assert o.grad == pytest.approx(out.data - y, rel=1e-14)


def test_mse_gradient_at_o_is_two_errors_times_the_sigmoid_slope() -> None:
    model = seed_model()
    x, y = XOR_DATA[1]
    out = model(x)
    assert isinstance(out, Value)
    nn.mse_loss(out, y).backward()
    (o,) = out.children
    assert o.grad == pytest.approx(2 * (out.data - y) * out.data * (1 - out.data), rel=1e-14)


def test_the_articles_sign_slip_gives_the_opposite_gradient() -> None:
    model = seed_model()
    x, y = XOR_DATA[0]
    v = _run(model, x, y, "mse")
    o_hat, h1_hat = v["ô"], v["ĥ1"]
    as_printed = 2 * (y - o_hat) * o_hat * (1 - o_hat) * h1_hat  # the article's ∂Cost/∂w2^11
    assert v["grad w2[0]"] == pytest.approx(-as_printed, rel=1e-14)
    assert v["grad w2[0]"] != pytest.approx(as_printed)


def test_the_articles_unindexed_h_hat_is_wrong_for_the_second_neuron() -> None:
    model = nn.MLP(2, [2, 1], "sigmoid", seed=3)
    x, y = XOR_DATA[0]
    v = _run(model, x, y, "mse")
    o_hat, h1_hat, h2_hat = v["ô"], v["ĥ1"], v["ĥ2"]
    w2_1 = model.layers[1].neurons[0].w[1].data
    delta = 2 * (o_hat - y) * o_hat * (1 - o_hat)
    assert v["grad b1[1]"] == pytest.approx(delta * w2_1 * h2_hat * (1 - h2_hat), rel=1e-12)
    assert v["grad b1[1]"] != pytest.approx(delta * w2_1 * h1_hat * (1 - h1_hat), rel=1e-6)
