"""Loss functions: each is ONE node from a prediction to its loss, labelled ``loss``.

For one prediction p (a `Value`) and its target y (a plain number):

    mse_loss(p, y)    = (p - y)^2                          d/dp = 2 (p - y)
    bce_loss(p, y)    = -(y log p + (1 - y) log(1 - p))    d/dp = (p - y) / max(p (1 - p), eps)
    hinge_loss(p, y)  = max(0, 1 - y p)                    d/dp = -y where 1 - y p > 0, else 0

`bce_loss` has PyTorch's ``binary_cross_entropy`` semantics to the bit: each log is clamped at -100
(so p = 0 or 1 gives a finite loss), ``log(1 - p)`` is computed as ``log1p(-p)``, and the
derivative divides by ``max(p (1 - p), eps)`` with PyTorch's ``eps``, the float32 number nearest
1e-12.  It needs 0 <= p <= 1 and 0 <= y <= 1.  `hinge_loss` is micrograd's max-margin loss, for
targets -1 and +1.  With a sigmoid output, BCE's derivative with respect to the output's
pre-activation o collapses to ``ô - y``.

The batch forms `mean_mse_loss`, `mean_bce_loss` and `mean_hinge_loss` take a sequence of
predictions and one of targets: one loss node per sample (labelled ``loss[k]``), then one ``mean``
node labelled ``loss`` (PyTorch's ``reduction="mean"``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd.core import Op, Operand, Value, apply, number
from autograd.ops import entry, mean
from nn.module import _length

__all__ = [
    "BCE_EPSILON",
    "bce_loss",
    "hinge_loss",
    "mean_bce_loss",
    "mean_hinge_loss",
    "mean_mse_loss",
    "mse_loss",
]

BCE_EPSILON = 9.999999960041972e-13
"""PyTorch's ``EPSILON`` in ``binary_cross_entropy``'s backward: ``float(numpy.float32(1e-12))``."""


def _mse(pred: float, target: float) -> float:
    return (pred - target) * (pred - target)


def _log(p: Any) -> Any:
    """ln p clamped at -100, as PyTorch's binary_cross_entropy clamps it (a log node for a Value:
    the target's rule evaluated on Values by `autograd.grad`)."""
    log_p = (p.log() if isinstance(p, Value) else math.log(p)) if p > 0.0 else -100.0
    return log_p if log_p > -100.0 else -100.0


def _log1m(p: Any) -> Any:
    """ln(1 - p) clamped at -100 (for a Value, the node log(1 - p))."""
    log_1mp = ((1.0 - p).log() if isinstance(p, Value) else math.log1p(-p)) if p < 1.0 else -100.0
    return log_1mp if log_1mp > -100.0 else -100.0


def _bce_domain(pred: float, target: float) -> None:
    """BCE's operands: a probability and a target, both in [0, 1] (NaN is in neither)."""
    if not 0.0 <= pred <= 1.0:
        raise ValueError("the prediction must be in [0, 1] (a probability, e.g. a sigmoid output)")
    if not 0.0 <= target <= 1.0:
        raise ValueError(f"the target must be in [0, 1]; got {target!r}")


def _bce(pred: float, target: float) -> float:
    """``(y - 1) max(log1p(-p), -100) - y max(log p, -100)``, as PyTorch computes it."""
    _bce_domain(pred, target)
    return (target - 1.0) * _log1m(pred) - target * _log(pred)  # type: ignore[no-any-return]  # floats here


def _hinge_domain(pred: float, target: float) -> None:
    """The hinge loss's target: -1 or +1."""
    if target != 1.0 and target != -1.0:
        raise ValueError(f"the target must be -1 or +1; got {target!r}")


def _hinge(pred: float, target: float) -> float:
    _hinge_domain(pred, target)
    margin = 1.0 - target * pred
    return 0.0 if margin <= 0.0 else margin  # NaN passes on, as relu passes NaN on


# Each loss is one operation of the engine's table: operands (prediction p, target y).
MSE = entry(name="mse", forward=_mse, formula="({pred} − y)²",
            pred=(lambda out, p, y: 2.0 * (p - y), "2({pred} − y)"),
            target=(lambda out, p, y: -2.0 * (p - y), "−2({pred} − y)"))
BCE = entry(name="bce", forward=_bce, formula="−(y·log {pred} + (1 − y)·log(1 − {pred}))",
            domain=_bce_domain,
            pred=(lambda out, p, y: (p - y) / max((1.0 - p) * p, BCE_EPSILON),
                  "({pred} − y)/({pred}(1 − {pred}))"),
            target=(lambda out, p, y: _log1m(p) - _log(p), "log(1 − {pred}) − log {pred}"))
HINGE = entry(name="hinge", forward=_hinge, formula="max(0, 1 − y·{pred})", domain=_hinge_domain,
              pred=(lambda out, p, y: 0.0 if 1.0 - y * p <= 0.0 else -y, "{grad}"),  # 0 at the kink
              target=(lambda out, p, y: 0.0 if 1.0 - y * p <= 0.0 else -p, "{grad}"))


def mse_loss(pred: Value, target: Operand) -> Value:
    """``(p - y)^2``; d/dp = 2 (p - y)."""
    return _loss(MSE, pred, target, "mse_loss")


def bce_loss(pred: Value, target: Operand) -> Value:
    """Binary cross-entropy ``-(y log p + (1 - y) log(1 - p))``, as PyTorch computes it.

    Forward: ``(y - 1) max(log1p(-p), -100) - y max(log p, -100)``.  Backward:
    ``(p - y) / max((1 - p) p, BCE_EPSILON)``.  Raises `ValueError` when p or y is outside [0, 1]
    (or NaN), naming the value and the prediction's label.
    """
    return _loss(BCE, pred, target, "bce_loss")


def hinge_loss(pred: Value, target: Operand) -> Value:
    """``max(0, 1 - y p)`` for y = -1 or +1; d/dp = -y where the margin is violated, else 0."""
    return _loss(HINGE, pred, target, "hinge_loss")


def _loss(op: Op, pred: Value, target: Operand, name: str) -> Value:
    """The loss node, labelled ``loss``; a number target is a constant, a Value target an operand."""
    pred = _prediction(pred, name)
    out = apply(op, pred, target if isinstance(target, Value) else _target(target, name))
    out.label = "loss"
    return out


def mean_mse_loss(preds: Sequence[Value], targets: Sequence[Operand]) -> Value:
    """The mean of `mse_loss` over a batch."""
    return _mean(mse_loss, preds, targets, "mean_mse_loss")


def mean_bce_loss(preds: Sequence[Value], targets: Sequence[Operand]) -> Value:
    """The mean of `bce_loss` over a batch (PyTorch's default ``reduction="mean"``)."""
    return _mean(bce_loss, preds, targets, "mean_bce_loss")


def mean_hinge_loss(preds: Sequence[Value], targets: Sequence[Operand]) -> Value:
    """The mean of `hinge_loss` over a batch."""
    return _mean(hinge_loss, preds, targets, "mean_hinge_loss")


def _mean(
    loss: Callable[[Value, Operand], Value], preds: Sequence[Value], targets: Sequence[Operand], name: str
) -> Value:
    n_preds = _length(preds)
    if n_preds is None:
        raise TypeError(
            f"{name}: the predictions must be a list of Values, one per sample; got {type(preds).__name__}"
            + (f" (for one prediction use {name[len('mean_'):]})" if isinstance(preds, Value) else "")
        )
    n_targets = _length(targets)
    if n_targets is None:
        raise TypeError(
            f"{name}: the targets must be a list of numbers, one per sample; got {type(targets).__name__}"
        )
    if n_preds != n_targets:
        raise ValueError(f"{name}: {n_preds} predictions but {n_targets} targets; they must match")
    if not n_preds:
        raise ValueError(f"{name}: needs at least one prediction; got an empty batch")
    losses = []
    for k, (p, y) in enumerate(zip(preds, targets, strict=True)):
        sample = loss(p, y)
        sample.label = f"loss[{k}]"
        losses.append(sample)
    out = mean(losses)
    out.label = "loss"
    return out


def _prediction(pred: object, name: str) -> Value:
    if not isinstance(pred, Value):
        raise TypeError(f"{name}: the prediction must be a Value; got {pred!r} ({type(pred).__name__})")
    return pred


def _target(target: object, name: str) -> float:
    """A plain-number target as a float (a Value target is an operand of its own)."""
    return number(target, f"{name}: target", None, "an int or float (or a Value)")
