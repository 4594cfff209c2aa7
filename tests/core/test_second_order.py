"""Every rule of the table at second order: each op's gradient and Hessian through
`autograd.grad(..., create_graph=True)` (the rules evaluated on Values), against closed forms.

This is `make mutate`'s "second order" group: a rule scaled by 1.1 changes the gradient computed on
Values, and a rule made flat (its result's ``.data``: right at first order) zeroes its row of the
Hessian, so both are caught on the second-order path.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import mutate
import pytest

import autograd
from autograd import Value
from nn import bce_loss, hinge_loss, mse_loss

Case = tuple[Callable[..., Value], list[float], list[float], list[list[float]]]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _cases() -> dict[str, Case]:
    """op -> (f, point, gradient, Hessian), the last two in closed form."""
    x, y = 0.7, -1.3
    bx, by = 1.3, 0.7  # for **: a positive base
    t, s = math.tanh(x), _sigmoid(x)
    p, q = 0.3, 0.8  # a probability and a target, for BCE
    return {
        "+": (lambda a, b: a + b, [x, y], [1.0, 1.0], [[0.0, 0.0], [0.0, 0.0]]),
        "-": (lambda a, b: a - b, [x, y], [1.0, -1.0], [[0.0, 0.0], [0.0, 0.0]]),
        "*": (lambda a, b: a * b, [x, y], [y, x], [[0.0, 1.0], [1.0, 0.0]]),
        "/": (lambda a, b: a / b, [x, y], [1 / y, -x / y**2], [[0.0, -1 / y**2], [-1 / y**2, 2 * x / y**3]]),
        "**": (lambda a, b: a**b, [bx, by], [by * bx ** (by - 1), bx**by * math.log(bx)],
               [[by * (by - 1) * bx ** (by - 2), bx ** (by - 1) * (1 + by * math.log(bx))],
                [bx ** (by - 1) * (1 + by * math.log(bx)), bx**by * math.log(bx) ** 2]]),
        "neg": (lambda a: -a, [x], [-1.0], [[0.0]]),
        "exp": (lambda a: a.exp(), [x], [math.exp(x)], [[math.exp(x)]]),
        "log": (lambda a: a.log(), [x], [1 / x], [[-1 / x**2]]),
        "tanh": (lambda a: a.tanh(), [x], [1 - t * t], [[-2 * t * (1 - t * t)]]),
        "sigmoid": (lambda a: a.sigmoid(), [x], [s * (1 - s)], [[s * (1 - s) * (1 - 2 * s)]]),
        "relu": (lambda a: a.relu(), [x], [1.0], [[0.0]]),
        "abs": (lambda a: abs(a), [y], [-1.0], [[0.0]]),
        "sin": (lambda a: a.sin(), [x], [math.cos(x)], [[-math.sin(x)]]),
        "cos": (lambda a: a.cos(), [x], [-math.sin(x)], [[-math.cos(x)]]),
        "sqrt": (lambda a: a.sqrt(), [x], [0.5 / math.sqrt(x)], [[-0.25 * x**-1.5]]),
        "sum": (lambda a, b: autograd.sum([a, b]), [x, y], [1.0, 1.0], [[0.0, 0.0], [0.0, 0.0]]),
        "mean": (lambda a, b: autograd.mean([a, b]), [x, y], [0.5, 0.5], [[0.0, 0.0], [0.0, 0.0]]),
        "dot": (lambda w1, w2, x1, x2, b: autograd.dot([w1, w2], [x1, x2], b), [0.2, -0.4, 1.5, 0.6, 0.3],
                [1.5, 0.6, 0.2, -0.4, 1.0],
                [[0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 0, 0, 0]]),
        "mse": (lambda a, b: mse_loss(a, b), [x, y], [2 * (x - y), -2 * (x - y)], [[2.0, -2.0], [-2.0, 2.0]]),
        "bce": (lambda a, b: bce_loss(a, b), [p, q], [(p - q) / (p * (1 - p)), math.log(1 - p) - math.log(p)],
                [[q / p**2 + (1 - q) / (1 - p) ** 2, -1 / (p * (1 - p))], [-1 / (p * (1 - p)), 0.0]]),
        "hinge": (lambda a, b: hinge_loss(a, b), [p, 1.0], [-1.0, -p], [[0.0, -1.0], [-1.0, 0.0]]),
    }


CASES = _cases()


def test_every_op_of_the_table_has_a_case() -> None:
    assert set(CASES) == {m.op for m in mutate.all_mutants() if not m.code}  # every entry(...) of the table


def _approx(row: Sequence[float]) -> object:
    return pytest.approx([float(v) for v in row], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("op", sorted(CASES))
def test_gradient_and_hessian_on_values_match_the_closed_forms(op: str) -> None:
    f, point, gradient, hessian = CASES[op]
    leaves = [Value(v, label=f"x{k}") for k, v in enumerate(point)]
    first = autograd.grad(f(*leaves), leaves, create_graph=True)  # the rules evaluated on Values
    assert [g.data for g in first] == _approx(gradient), op
    rows = [list(autograd.grad(g, leaves)) for g in first]
    for row, expected in zip(rows, hessian, strict=True):
        assert row == _approx(expected), op
