"""demos.newton: f' and f'' from autograd.grad, Newton's quadratic convergence beside gradient descent."""

from __future__ import annotations

import math

import pytest

from demos import newton


def test_derivatives_are_the_calculus_ones() -> None:
    for x in (-2.0, 0.0, 0.35, 3.0):
        value, slope, curvature = newton.derivatives(x)
        assert value == pytest.approx(x * x + math.exp(-x), rel=1e-15)
        assert slope == pytest.approx(2 * x - math.exp(-x), rel=1e-15)
        assert curvature == pytest.approx(2 + math.exp(-x), rel=1e-15)


def test_newton_converges_quadratically() -> None:
    x, errors = 3.0, []
    for _ in range(5):
        x = newton.newton_step(x)
        errors.append(abs(newton.derivatives(x)[1]))
    assert errors[-1] < 1e-14
    assert errors[2] < errors[1] ** 2
    assert errors[3] < errors[2] ** 2


def test_main_prints_both_methods_side_by_side(capsys: pytest.CaptureFixture[str]) -> None:
    assert newton.main([]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("f(x) = x² + e^(−x), from x = 3")
    assert "gradient descent (lr 0.1)" in lines[1]
    assert lines[6] == "   4   0.351733711232543   4.50e-11                 1.269698317752401   2.26e+00"
    assert lines[-1].startswith("Newton's minimum: x = 0.351733711249196")


def test_bad_arguments_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        newton.main(["--lr", "0"])
    assert "--lr > 0" in capsys.readouterr().err
