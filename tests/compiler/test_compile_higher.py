"""autograd.compile of a loss that calls autograd.grad inside (a gradient penalty) is refused when it
is traced, with one clear message; the same loss without compile gives p.grad through the penalty."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import autograd
from autograd import Value


def _penalised(w: list[Value]) -> Callable[[float], Value]:
    def loss(x: float) -> Value:
        out = (w[0] * x + w[1]).tanh()
        penalty = autograd.sum(g * g for g in autograd.grad(out, w, create_graph=True))
        return (out - 1.0) ** 2 + 0.1 * penalty

    return loss


def test_a_gradient_penalty_is_refused_at_compile_time() -> None:
    w = [Value(0.5, label="w0"), Value(-0.3, label="w1")]
    with pytest.raises(TypeError, match=r"grad: cannot be called inside autograd.compile"):
        autograd.compile(_penalised(w), w, 2.0)
    assert [p.grad for p in w] == [0.0, 0.0]


def test_the_same_loss_runs_without_compile() -> None:
    w = [Value(0.5, label="w0"), Value(-0.3, label="w1")]
    loss = _penalised(w)(2.0)
    loss.backward()
    expected = autograd.grad(_penalised(w)(2.0), w)
    assert [p.grad for p in w] == list(expected)
