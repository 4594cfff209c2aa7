"""autograd.grad and autograd.hessian: torch.autograd.grad's contract for scalars, gradients of
gradients to any order, and one clear message for each misuse."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

import autograd
from autograd import Value
from autograd.ops import OPS


def test_without_create_graph_the_gradients_are_the_floats_backward_leaves() -> None:
    x, w = Value(0.7, label="x"), Value(-1.3, label="w")
    y = (x * w).tanh().sin() + (x**2.5).log() * x.sigmoid() + autograd.dot([x, w], [w, 2.0], 5.0).sqrt()
    grads = autograd.grad(y, [x, w])
    assert (x.grad, w.grad) == (0.0, 0.0)  # untouched
    y.backward()
    assert grads == (x.grad, w.grad)
    assert all(type(g) is float for g in grads)


def test_grad_leaves_every_grad_untouched() -> None:
    x = Value(2.0, label="x")
    x.grad = 5.0
    y = x * x
    dx, = autograd.grad(y, [x], create_graph=True)
    assert (x.grad, y.grad, dx.grad) == (5.0, 0.0, 0.0)


def test_derivatives_of_x_cubed_to_the_fourth_order() -> None:
    x = Value(3.0, label="x")
    y = x**3
    y.label = "y"
    d1, = autograd.grad(y, [x], create_graph=True)
    d2, = autograd.grad(d1, [x], create_graph=True)
    d3, = autograd.grad(d2, [x], create_graph=True)
    d4, = autograd.grad(d3, [x])
    assert (d1.data, d2.data, d3.data, d4) == (27.0, 18.0, 6.0, 0.0)
    assert (d1.label, d2.label) == ("∂y/∂x", "∂²y/∂x²")
    assert isinstance(d3, Value)
    assert d3.label == "∂(∂²y/∂x²)/∂x"


def test_mixed_second_derivative_is_labelled_with_both_inputs() -> None:
    x, w = Value(2.0, label="x"), Value(3.0, label="w")
    dx, = autograd.grad(x * x * w, [x], create_graph=True)
    dxw, = autograd.grad(dx, [w], create_graph=True)
    assert (dx.label, dxw.label, dxw.data) == ("∂y/∂x", "∂²y/∂w∂x", 4.0)


def test_an_unused_input_gets_zero() -> None:
    x, z = Value(2.0), Value(1.0)
    assert autograd.grad(x * x, [x, z]) == (4.0, 0.0)
    _dx, dz = autograd.grad(x * x, [x, z], create_graph=True)
    assert isinstance(dz, Value)
    assert dz.data == 0.0
    assert not dz.children


def test_a_constant_gradient_is_a_value_with_no_graph() -> None:
    x = Value(2.0, label="x")
    dx, = autograd.grad(x * 3.0 + 1.0, [x], create_graph=True)
    assert dx.data == 3.0
    assert not dx.children
    assert autograd.grad(dx, [x]) == (0.0,)


def test_the_output_itself_as_input() -> None:
    x = Value(2.0)
    assert autograd.grad(x, [x]) == (1.0,)


def test_a_gradient_is_never_a_node_of_the_original_graph_nor_shared() -> None:
    x, c = Value(1.5, label="x"), Value(2.0, label="c")
    y = x.exp()
    dx, = autograd.grad(y, [x], create_graph=True)
    assert dx is not y
    assert y.label == ""
    assert dx.data == y.data
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    da, db = autograd.grad((a + b) * c, [a, b], create_graph=True)
    assert da is not db
    assert da is not c
    assert c.label == "c"


def test_kinks_second_derivatives_are_zero() -> None:
    for x0 in (-1.0, 0.0, 1.0):
        x = Value(x0)
        kinks: list[Callable[[Value], Value]] = [lambda v: v.relu() * 3.0, lambda v: abs(v) * 3.0]
        for f in kinks:
            d1, = autograd.grad(f(x), [x], create_graph=True)
            assert autograd.grad(d1, [x]) == (0.0,)


def test_every_rule_of_the_table_differentiates_twice() -> None:
    x = Value(0.6, label="x")
    cases: dict[str, tuple[Callable[[Value], Value], float]] = {
        "exp": (lambda v: v.exp(), math.exp(0.6)),
        "log": (lambda v: v.log(), -1 / 0.36),
        "sin": (lambda v: v.sin(), -math.sin(0.6)),
        "cos": (lambda v: v.cos(), -math.cos(0.6)),
        "sqrt": (lambda v: v.sqrt(), -0.25 * 0.6**-1.5),
        "tanh": (lambda v: v.tanh(), -2 * math.tanh(0.6) * (1 - math.tanh(0.6) ** 2)),
        "x**y": (lambda v: v**v, 0.6**0.6 * ((math.log(0.6) + 1) ** 2 + 1 / 0.6)),
        "c**x": (lambda v: 2.0**v, 2.0**0.6 * math.log(2.0) ** 2),
        "/": (lambda v: 1.0 / v, 2 / 0.6**3),
        "mean": (lambda v: autograd.mean([v * v, v]), 1.0),
        "dot": (lambda v: autograd.dot([v, v], [v, 2.0], v), 2.0),
    }
    for name, (f, expected) in cases.items():
        d1, = autograd.grad(f(x), [x], create_graph=True)
        d2, = autograd.grad(d1, [x])
        assert d2 == pytest.approx(expected, rel=1e-12), name


def test_define_op_differentiates_twice() -> None:
    cube = autograd.define_op("cube_higher", lambda x: x**3, lambda out, x: 3 * x**2)
    try:
        x = Value(2.0)
        d1, = autograd.grad(cube(x), [x], create_graph=True)
        assert autograd.grad(d1, [x]) == (12.0,)
    finally:
        OPS.pop("cube_higher")  # the registry, which other tests read, as it was


def test_hessian_of_a_quadratic_form() -> None:
    h = autograd.hessian(lambda x, y: 3.0 * x * x + 2.0 * x * y + y * y * y, [1.0, 2.0])
    assert h == [[6.0, 2.0], [2.0, 12.0]]


def test_a_one_off_node_is_refused_at_second_order() -> None:
    x = Value(0.5, label="x")
    y = Value(math.sin(0.5), (x,), (math.cos(0.5),), op="mysin")
    assert autograd.grad(y, [x]) == (math.cos(0.5),)
    with pytest.raises(TypeError, match=r"mysin.*local derivatives are numbers.*define_op"):
        autograd.grad(y, [x], create_graph=True)


def test_errors_name_what_is_wrong() -> None:
    x = Value(1.0, label="x")
    with pytest.raises(TypeError, match=r"outputs must be one scalar Value.*type float"):
        autograd.grad(2.0, [x])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="one output at a time"):
        autograd.grad([x * x], [x])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="inputs must be a list of Values"):
        autograd.grad(x * x, x)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"input #1 is 2.0 \(type float\); inputs must be Values"):
        autograd.grad(x * x, [x, 2.0])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"input #0 is .*op=.\*.*must be leaves"):
        autograd.grad(x * x, [x * 2.0])
    with pytest.raises(TypeError, match="create_graph must be True or False"):
        autograd.grad(x * x, [x], create_graph="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="f must return a Value"):
        autograd.hessian(lambda x: 1.0, [1.0])  # type: ignore[arg-type, return-value]


def test_backward_with_create_graph_points_to_grad() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"autograd.grad\(y, inputs, create_graph=True\)"):
        (x * x).backward(create_graph=True)


def test_the_losses_differentiate_twice() -> None:
    from nn import bce_loss, hinge_loss, mse_loss

    p = Value(0.3, label="p")
    cases = ((mse_loss, 0.8, [[2.0, -2.0], [-2.0, 2.0]]),
             (hinge_loss, 1.0, [[0.0, -1.0], [-1.0, 0.0]]),
             (bce_loss, 0.8, [[0.8 / 0.09 + 0.2 / 0.49, -1 / 0.3 - 1 / 0.7], [-1 / 0.3 - 1 / 0.7, 0.0]]))
    for loss, target, expected in cases:
        y = Value(target, label="y")
        grads = autograd.grad(loss(p, y), [p, y], create_graph=True)
        rows = [list(autograd.grad(g, [p, y])) for g in grads]
        assert rows == [pytest.approx(row, rel=1e-12) for row in expected], loss
