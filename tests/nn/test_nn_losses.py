"""Losses: values, derivatives (by formula and by finite differences), errors, batch means."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

import nn
from autograd import Value, gradcheck


def _grad(loss: Callable[[Value, float], Value], p: float, y: float) -> tuple[float, float]:
    pred = Value(p, label="ô")
    out = loss(pred, y)
    out.backward()
    return out.data, pred.grad


def test_mse_is_the_squared_difference() -> None:
    assert _grad(nn.mse_loss, 0.75, 1.0) == (0.0625, -0.5)


def test_bce_is_minus_log_likelihood() -> None:
    value, grad = _grad(nn.bce_loss, 0.8, 1.0)
    assert value == pytest.approx(-math.log(0.8), rel=1e-15)
    assert grad == pytest.approx(-1.0 / 0.8, rel=1e-15)


def test_bce_with_a_soft_target_mixes_both_logs() -> None:
    value, grad = _grad(nn.bce_loss, 0.3, 0.25)
    assert value == pytest.approx(-(0.25 * math.log(0.3) + 0.75 * math.log(0.7)), rel=1e-15)
    assert grad == pytest.approx((0.3 - 0.25) / (0.3 * 0.7), rel=1e-15)


@pytest.mark.parametrize(("p", "y"), [(0.0, 1.0), (1.0, 0.0)])
def test_bce_clamps_each_log_at_minus_100(p: float, y: float) -> None:
    assert _grad(nn.bce_loss, p, y)[0] == 100.0


@pytest.mark.parametrize(("p", "y"), [(0.0, 0.0), (1.0, 1.0)])
def test_bce_of_a_certain_right_answer_is_zero(p: float, y: float) -> None:
    assert _grad(nn.bce_loss, p, y) == (0.0, 0.0)


def test_bce_derivative_divides_by_pytorchs_epsilon_at_the_ends() -> None:
    assert _grad(nn.bce_loss, 0.0, 1.0)[1] == -1.0 / nn.BCE_EPSILON
    assert _grad(nn.bce_loss, 1e-13, 0.0)[1] == 1e-13 / nn.BCE_EPSILON


def test_bce_epsilon_is_the_float32_nearest_1e_minus_12() -> None:
    import struct

    (float32_1e_12,) = struct.unpack("f", struct.pack("f", 1e-12))
    assert float32_1e_12 == nn.BCE_EPSILON


def test_bce_on_a_sigmoid_output_passes_o_hat_minus_y_to_o() -> None:
    o = Value(0.3, label="o")
    o_hat = o.sigmoid()
    nn.bce_loss(o_hat, 1.0).backward()
    assert o.grad == pytest.approx(o_hat.data - 1.0, rel=1e-14)


@pytest.mark.parametrize("y", [-0.1, 1.5, math.nan, math.inf])
def test_bce_refuses_a_target_outside_0_1_naming_value_and_label(y: float) -> None:
    with pytest.raises(ValueError, match=rf"bce: undefined for Value 'ô' .*; the target must be in \[0, 1\]; got {y!r}"):  # noqa: E501
        nn.bce_loss(Value(0.5, label="ô"), y)


@pytest.mark.parametrize("p", [-1e-9, 1.0000001, math.nan])
def test_bce_refuses_a_prediction_outside_0_1(p: float) -> None:
    with pytest.raises(ValueError, match=r"bce: undefined for Value 'o' .*; the prediction must be in \[0, 1\]"):  # noqa: E501
        nn.bce_loss(Value(p, label="o"), 1.0)


def test_hinge_is_the_violated_margin() -> None:
    assert _grad(nn.hinge_loss, 0.25, 1.0) == (0.75, -1.0)
    assert _grad(nn.hinge_loss, 0.25, -1.0) == (1.25, 1.0)


def test_hinge_is_zero_beyond_the_margin() -> None:
    assert _grad(nn.hinge_loss, 2.0, 1.0) == (0.0, 0.0)


def test_hinge_slope_at_the_kink_is_zero_like_relu() -> None:
    assert _grad(nn.hinge_loss, 1.0, 1.0) == (0.0, 0.0)


def test_hinge_passes_nan_on() -> None:
    value, grad = _grad(nn.hinge_loss, math.nan, 1.0)
    assert math.isnan(value)
    assert grad == -1.0


def test_hinge_refuses_a_target_other_than_plus_minus_one() -> None:
    with pytest.raises(ValueError, match=r"hinge: undefined for .*; the target must be -1 or \+1; got 0.0"):
        nn.hinge_loss(Value(0.5), 0.0)


@pytest.mark.parametrize("loss", [nn.mse_loss, nn.bce_loss, nn.hinge_loss])
def test_losses_are_one_node_labelled_loss(loss: object) -> None:
    pred = Value(0.4, label="ô")
    out = loss(pred, 1.0)  # type: ignore[operator]
    assert (out.label, out.children) == ("loss", (pred,))


@pytest.mark.parametrize("loss", [nn.mse_loss, nn.bce_loss, nn.hinge_loss])
def test_losses_refuse_a_non_value_prediction(loss: object) -> None:
    with pytest.raises(TypeError, match=r"the prediction must be a Value; got 0\.5"):
        loss(0.5, 1.0)  # type: ignore[operator]


@pytest.mark.parametrize("loss", [nn.mse_loss, nn.bce_loss, nn.hinge_loss])
@pytest.mark.parametrize("target", [True, "1", None])
def test_losses_refuse_a_non_number_target(loss: object, target: object) -> None:
    with pytest.raises(TypeError, match=r"_loss: target: cannot use .* expected an int or float \(or a Val"):
        loss(Value(0.5), target)  # type: ignore[operator]


def test_a_value_target_is_an_operand_with_its_own_gradient() -> None:
    p, y = Value(0.5), Value(1.0)
    loss = nn.mse_loss(p, y)
    loss.backward()
    assert (loss.data, loss.children, p.grad, y.grad) == (0.25, (p, y), -1.0, 1.0)
    assert loss.data == nn.mse_loss(Value(0.5), 1.0).data


def test_int_targets_are_accepted() -> None:
    assert nn.bce_loss(Value(0.5), 1).data == nn.bce_loss(Value(0.5), 1.0).data


@pytest.mark.parametrize("p", [0.01, 0.2, 0.5, 0.9, 0.999])
@pytest.mark.parametrize("y", [0.0, 0.3, 1.0])
def test_bce_gradient_passes_gradcheck(p: float, y: float) -> None:
    assert gradcheck(lambda q: nn.bce_loss(q, y), [p], eps=1e-7)


@pytest.mark.parametrize("p", [-3.0, -0.2, 0.0, 0.7, 5.0])
@pytest.mark.parametrize("y", [-1.0, 0.0, 2.5])
def test_mse_gradient_passes_gradcheck(p: float, y: float) -> None:
    assert gradcheck(lambda q: nn.mse_loss(q, y), [p])


@pytest.mark.parametrize("p", [-3.0, -0.2, 0.7, 1.5])
@pytest.mark.parametrize("y", [-1.0, 1.0])
def test_hinge_gradient_passes_gradcheck_away_from_the_kink(p: float, y: float) -> None:
    assert gradcheck(lambda q: nn.hinge_loss(q, y), [p])


def test_gradcheck_reports_the_hinge_kink() -> None:
    with pytest.raises(AssertionError, match="not differentiable"):
        gradcheck(lambda q: nn.hinge_loss(q, 1.0), [1.0])


def test_losses_through_a_network_pass_gradcheck() -> None:
    def f(w: Value, b: Value) -> Value:
        o_hat = (w * 2.0 + b).sigmoid()
        return nn.bce_loss(o_hat, 1.0) + nn.mse_loss(o_hat, 0.5)

    assert gradcheck(f, {"w": 0.3, "b": -0.7})


@pytest.mark.parametrize(("mean_loss", "loss"), [
    (nn.mean_mse_loss, nn.mse_loss), (nn.mean_bce_loss, nn.bce_loss), (nn.mean_hinge_loss, nn.hinge_loss),
])
def test_batch_loss_is_the_mean_of_sample_losses(mean_loss: object, loss: object) -> None:
    preds = [Value(0.2), Value(0.9), Value(0.6)]
    targets = [1.0, -1.0, 1.0] if loss is nn.hinge_loss else [0.0, 1.0, 1.0]
    out = mean_loss(preds, targets)  # type: ignore[operator]
    out.backward()
    singles = [Value(p.data) for p in preds]
    each = [loss(q, y) for q, y in zip(singles, targets, strict=True)]  # type: ignore[operator]
    for e in each:
        e.backward()
    assert out.data == pytest.approx(sum(e.data for e in each) / 3, rel=1e-15)
    assert [p.grad for p in preds] == pytest.approx([q.grad / 3 for q in singles], rel=1e-15)


def test_batch_loss_labels_each_sample() -> None:
    out = nn.mean_bce_loss([Value(0.2), Value(0.9)], [0.0, 1.0])
    assert (out.label, out.op, [c.label for c in out.children]) == ("loss", "mean", ["loss[0]", "loss[1]"])


def test_batch_loss_refuses_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="mean_mse_loss: 2 predictions but 1 targets"):
        nn.mean_mse_loss([Value(0.2), Value(0.9)], [0.0])


def test_batch_loss_refuses_an_empty_batch() -> None:
    with pytest.raises(ValueError, match="mean_bce_loss: needs at least one prediction"):
        nn.mean_bce_loss([], [])



@pytest.mark.parametrize("mean_loss", [nn.mean_mse_loss, nn.mean_bce_loss, nn.mean_hinge_loss],
                         ids=["mse", "bce", "hinge"])
def test_batch_loss_of_a_single_value_points_to_the_single_loss(mean_loss: Callable[..., Value]) -> None:
    name = mean_loss.__name__
    single = name.removeprefix("mean_")
    with pytest.raises(TypeError, match=rf"^{name}: the predictions must be a list of Values, one per sample;"
                                        rf" got Value \(for one prediction use {single}\)$"):
        mean_loss(Value(0.5), [1.0])


@pytest.mark.parametrize("preds", [{0: Value(0.5)}, (p for p in [Value(0.5)]), 0.5],
                         ids=["dict", "generator", "number"])
def test_batch_loss_refuses_predictions_that_are_not_a_list(preds: object) -> None:
    with pytest.raises(TypeError, match=rf"^mean_bce_loss: the predictions must be a list of Values, one per"
                                        rf" sample; got {type(preds).__name__}$"):
        nn.mean_bce_loss(preds, [1.0])  # type: ignore[arg-type]


@pytest.mark.parametrize("targets", [1.0, "1", {0: 1.0}], ids=["number", "str", "dict"])
def test_batch_loss_refuses_targets_that_are_not_a_list(targets: object) -> None:
    with pytest.raises(TypeError, match=rf"^mean_bce_loss: the targets must be a list of numbers, one per"
                                        rf" sample; got {type(targets).__name__}$"):
        nn.mean_bce_loss([Value(0.5)], targets)  # type: ignore[arg-type]


def test_batch_loss_takes_tuples() -> None:
    assert nn.mean_mse_loss((Value(0.5), Value(1.0)), (1, 1)).data == 0.125


EDGE_POINTS = [0.0, 1e-300, 1e-13, 1e-7, 0.3, 0.5, 0.7, 1 - 1e-7, 1 - 1e-13, 1.0]


@pytest.mark.torch
@pytest.mark.parametrize("p", EDGE_POINTS)
@pytest.mark.parametrize("y", [0.0, 0.25, 1.0])
def test_bce_matches_pytorch_bit_for_bit(p: float, y: float) -> None:
    import torch
    import torch.nn.functional as F  # noqa: N812 (PyTorch's own idiom)

    x = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    expected = F.binary_cross_entropy(x, torch.tensor(y, dtype=torch.float64))
    expected.backward()  # type: ignore[no-untyped-call]  # torch's Tensor.backward is unannotated
    assert x.grad is not None
    assert _grad(nn.bce_loss, p, y) == (expected.item(), x.grad.item())


@pytest.mark.torch
@pytest.mark.parametrize("p", [-2.0, 0.1, 0.9, 3.5])
def test_mse_matches_pytorch(p: float) -> None:
    import torch
    import torch.nn.functional as F  # noqa: N812

    x = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    expected = F.mse_loss(x, torch.tensor(0.5, dtype=torch.float64))
    expected.backward()  # type: ignore[no-untyped-call]  # torch's Tensor.backward is unannotated
    assert x.grad is not None
    assert _grad(nn.mse_loss, p, 0.5) == (expected.item(), x.grad.item())


@pytest.mark.parametrize(
    ("loss", "points"),
    [
        (nn.mse_loss, [(0.3, 0.9), (1.5, -2.0), (0.2, 0.2)]),
        (nn.bce_loss, [(0.3, 0.9), (0.6, 0.1), (0.5, 0.5)]),
        (nn.hinge_loss, [(0.3, 1.0), (0.2, -1.0)]),
    ],
)
def test_a_value_target_gets_the_derivative_of_the_loss_by_gradcheck(
    loss: Callable[[Value, Value], Value], points: list[tuple[float, float]]
) -> None:
    for p, y in points:
        if loss is nn.hinge_loss:  # the target must stay -1 or +1: check d/dp only, and d/dy by hand
            out = loss(Value(p), target := Value(y))
            out.backward()
            assert target.grad == (-p if 1.0 - y * p > 0.0 else 0.0)
            continue
        assert gradcheck(loss, [p, y]), (loss, p, y)
