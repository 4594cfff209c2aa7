"""Hard inputs: NaN and inf operands, huge and tiny magnitudes, exp overflow, log(0), 0 ** 0,
0 ** negative, negative bases, sigmoid/tanh far out, and every claim of value.py's docstring about
them.  The expected numbers are what PyTorch float64 gives (see test_torch_parity.py)."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import pytest

import autograd
from autograd import Value, gradcheck

NAN, INF = math.nan, math.inf


def grads(f: Callable[..., Value], *xs: float) -> tuple[float, list[float]]:
    """f's value and its gradient with respect to each input, by backward()."""
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    out.backward()
    return out.data, [v.grad for v in leaves]


def same(a: float, b: float) -> bool:
    """Equal as IEEE values (so 0.0 == -0.0, inf == inf), with NaN equal to NaN."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b


# ---- NaN and inf propagate ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "f"),
    [
        ("x + 1", lambda x: x + 1.0),
        ("x - y", lambda x: x - Value(2.0)),
        ("x * 2", lambda x: x * 2.0),
        ("x / 3", lambda x: x / 3.0),
        ("3 / x", lambda x: 3.0 / x),
        ("x ** 2", lambda x: x**2),
        ("2 ** x", lambda x: 2.0**x),
        ("-x", lambda x: -x),
        ("exp", lambda x: x.exp()),
        ("log", lambda x: x.log()),
        ("tanh", lambda x: x.tanh()),
        ("sigmoid", lambda x: x.sigmoid()),
        ("relu", lambda x: x.relu()),
        ("abs", lambda x: abs(x)),
        ("sum", lambda x: autograd.sum([x, 1.0])),
        ("mean", lambda x: autograd.mean([x, 1.0])),
        ("dot", lambda x: autograd.dot([x], [2.0], 1.0)),
    ],
)
def test_nan_operand_gives_nan_data(name: str, f: Callable[[Value], Value]) -> None:
    assert math.isnan(f(Value(NAN)).data), name


def test_nan_flows_through_backward_to_the_leaves() -> None:
    value, (gx, gy) = grads(lambda x, y: x * y + x, NAN, 2.0)
    assert math.isnan(value)
    assert gx == 3.0  # d/dx (x y + x) = y + 1 does not involve x
    assert math.isnan(gy)  # = x


def test_relu_passes_nan_with_slope_one_as_pytorch() -> None:
    value, (g,) = grads(lambda x: x.relu(), NAN)
    assert math.isnan(value)
    assert g == 1.0


def test_abs_of_nan_has_nan_slope() -> None:  # PyTorch gives 0 here; we keep the NaN visible
    value, (g,) = grads(lambda x: abs(x), NAN)
    assert math.isnan(value)
    assert math.isnan(g)


def test_nan_to_the_power_zero_is_one_with_zero_base_derivative() -> None:
    value, (g,) = grads(lambda x: x**0, NAN)
    assert (value, g) == (1.0, 0.0)


def test_one_to_a_nan_value_power_is_one() -> None:
    value, (gx, gy) = grads(lambda x, y: x**y, 1.0, NAN)
    assert value == 1.0
    assert math.isnan(gx)
    assert gy == 0.0  # x^y ln x = 0 at x = 1


@pytest.mark.parametrize(
    ("name", "f", "x", "value", "grad"),
    [
        ("inf + 1", lambda x: x + 1.0, INF, INF, 1.0),
        ("-inf * 2", lambda x: x * 2.0, -INF, -INF, 2.0),
        ("1 / inf", lambda x: 1.0 / x, INF, 0.0, -0.0),
        ("exp(inf)", lambda x: x.exp(), INF, INF, INF),
        ("exp(-inf)", lambda x: x.exp(), -INF, 0.0, 0.0),
        ("log(inf)", lambda x: x.log(), INF, INF, 0.0),
        ("tanh(inf)", lambda x: x.tanh(), INF, 1.0, 0.0),
        ("tanh(-inf)", lambda x: x.tanh(), -INF, -1.0, 0.0),
        ("sigmoid(inf)", lambda x: x.sigmoid(), INF, 1.0, 0.0),
        ("sigmoid(-inf)", lambda x: x.sigmoid(), -INF, 0.0, 0.0),
        ("relu(inf)", lambda x: x.relu(), INF, INF, 1.0),
        ("relu(-inf)", lambda x: x.relu(), -INF, 0.0, 0.0),
        ("abs(-inf)", lambda x: abs(x), -INF, INF, -1.0),
        ("inf ** 0", lambda x: x**0, INF, 1.0, 0.0),
        ("inf ** 2", lambda x: x**2, INF, INF, INF),
    ],
)
def test_infinite_operand(
    name: str, f: Callable[[Value], Value], x: float, value: float, grad: float
) -> None:
    got_value, (got_grad,) = grads(f, x)
    assert same(got_value, value), (name, got_value)
    assert same(got_grad, grad), (name, got_grad)


def test_inf_times_zero_is_nan_with_pytorchs_gradients() -> None:
    value, (gx, gy) = grads(lambda x, y: x * y, INF, 0.0)
    assert math.isnan(value)
    assert (gx, gy) == (0.0, INF)


def test_division_by_inf_is_zero_with_zero_slopes() -> None:
    x, y = Value(1.0), Value(INF)
    out = x / y
    assert out.data == 0.0
    assert out.local_grads == (0.0, -0.0)


def test_inf_minus_inf_is_nan() -> None:
    value, (gx, gy) = grads(lambda x, y: x - y, INF, INF)
    assert math.isnan(value)
    assert (gx, gy) == (1.0, -1.0)


# ---- huge and tiny magnitudes ---------------------------------------------------------------------


def test_product_overflow_gives_inf_and_finite_local_gradients() -> None:
    value, (gx, gy) = grads(lambda x, y: x * y, 1e200, 1e200)
    assert value == INF
    assert (gx, gy) == (1e200, 1e200)


def test_power_overflow_gives_inf() -> None:
    value, (g,) = grads(lambda x: x**400, 10.0)
    assert (value, g) == (INF, INF)


def test_odd_power_of_a_huge_negative_base_overflows_to_minus_inf() -> None:
    value, (g,) = grads(lambda x: x**401, -10.0)
    assert (value, g) == (-INF, INF)


def test_number_to_a_huge_value_power_overflows_to_inf() -> None:
    value, (g,) = grads(lambda x: 10.0**x, 400.0)
    assert (value, g) == (INF, INF)


def test_division_by_a_tiny_value_gives_finite_data_and_inf_slope() -> None:
    # the local gradient -x/y^2 is computed as -(x/y)/y: y*y would underflow to 0 and raise
    value, (gx, gy) = grads(lambda x, y: x / y, 1.0, 1e-200)
    assert value == pytest.approx(1e200, rel=1e-15)
    assert gx == pytest.approx(1e200, rel=1e-15)
    assert gy == -INF


def test_number_divided_by_a_tiny_value_has_an_inf_slope() -> None:
    value, (g,) = grads(lambda x: 1.0 / x, 1e-200)
    assert value == pytest.approx(1e200, rel=1e-15)
    assert g == -INF


def test_division_of_tiny_by_tiny_has_exact_gradients() -> None:
    value, (gx, gy) = grads(lambda x, y: x / y, 3e-300, 2e-300)
    assert value == pytest.approx(1.5, rel=1e-15)
    assert gx == pytest.approx(1.0 / 2e-300, rel=1e-15)
    assert gy == pytest.approx(-1.5 / 2e-300, rel=1e-15)


def test_subnormal_inputs_keep_their_gradients() -> None:
    value, (g,) = grads(lambda x: x * 3.0 + x.exp(), 5e-324)
    assert value == pytest.approx(1.0, rel=1e-15)
    assert g == pytest.approx(4.0, rel=1e-15)


@pytest.mark.parametrize("scale", [1e-150, 1e-10, 1.0, 1e10, 1e150])
def test_gradients_are_right_at_every_magnitude(scale: float) -> None:
    # gradcheck's step is eps * max(1, |x|): below 1 it must be scaled down by hand
    eps = 1e-6 * min(1.0, scale)
    assert gradcheck(lambda x, y: x * y / (x + y), [2.0 * scale, 3.0 * scale], eps=eps)
    assert gradcheck(lambda x, y: (x / y).tanh() * (y / x).log(), [2.0 * scale, 3.0 * scale], eps=eps)


def test_huge_and_tiny_in_one_sum_keeps_the_tiny_gradient() -> None:
    value, (gbig, gsmall) = grads(lambda a, b: a + b * b, 1e300, 1e-300)
    assert value == 1e300
    assert (gbig, gsmall) == (1.0, 2e-300)


# ---- exp and log ----------------------------------------------------------------------------------


def test_exp_overflow_returns_inf_with_inf_gradient() -> None:
    value, (g,) = grads(lambda x: x.exp(), 1000.0)
    assert (value, g) == (INF, INF)


def test_exp_just_below_overflow_is_finite() -> None:
    value, (g,) = grads(lambda x: x.exp(), 709.78)
    assert math.isfinite(value)
    assert g == value


def test_exp_overflows_just_above_the_documented_threshold() -> None:
    assert Value(709.79).exp().data == INF  # ln(max float) = 709.7827...


def test_exp_of_a_very_negative_value_underflows_to_zero() -> None:
    value, (g,) = grads(lambda x: x.exp(), -1000.0)
    assert (value, g) == (0.0, 0.0)


def test_log_of_zero_raises_value_error() -> None:
    with pytest.raises(ValueError, match=r"log: undefined for Value 'x' \(data=0.0\)"):
        Value(0.0, label="x").log()


def test_log_of_negative_zero_raises_value_error() -> None:
    with pytest.raises(ValueError, match="log needs a value > 0"):
        Value(-0.0).log()


def test_log_of_the_smallest_positive_float_is_finite() -> None:
    value, (g,) = grads(lambda x: x.log(), 5e-324)
    assert value == pytest.approx(math.log(5e-324), rel=1e-15)
    assert g == INF  # 1 / 5e-324 overflows


# ---- powers: 0 ** 0, 0 ** negative, negative bases ------------------------------------------------


def test_zero_to_the_zero_is_one_with_derivative_zero() -> None:
    value, (g,) = grads(lambda x: x**0, 0.0)
    assert (value, g) == (1.0, 0.0)


def test_zero_to_the_zero_value_exponent_has_both_derivatives_zero() -> None:
    value, (gx, gy) = grads(lambda x, y: x**y, 0.0, 0.0)
    assert (value, gx, gy) == (1.0, 0.0, 0.0)


def test_number_zero_to_the_zero_value_is_one_with_derivative_zero() -> None:
    value, (g,) = grads(lambda y: 0.0**y, 0.0)
    assert (value, g) == (1.0, 0.0)


def test_zero_to_a_positive_power_has_pytorchs_derivatives() -> None:
    assert grads(lambda x: x**2, 0.0) == (0.0, [0.0])
    assert grads(lambda x: x**0.5, 0.0) == (0.0, [INF])
    assert grads(lambda x, y: x**y, 0.0, 2.0) == (0.0, [0.0, 0.0])


def test_zero_to_a_nan_value_power_is_nan_with_nan_derivatives_as_pytorch() -> None:
    value, (gx, gy) = grads(lambda x, y: x**y, 0.0, NAN)
    assert math.isnan(value)
    assert math.isnan(gx)
    assert math.isnan(gy)  # 0 only where y >= 0: NaN is not


def test_number_zero_to_a_nan_value_power_has_a_nan_derivative() -> None:
    value, (g,) = grads(lambda y: 0.0**y, NAN)
    assert math.isnan(value)
    assert math.isnan(g)


def test_zero_to_an_infinite_value_power_is_zero_with_zero_exponent_derivative() -> None:
    value, (gy,) = grads(lambda y: 0.0**y, INF)
    assert (value, gy) == (0.0, 0.0)


def test_zero_to_a_negative_power_raises_zero_division_error() -> None:
    with pytest.raises(ZeroDivisionError, match="0 cannot be raised to a negative power"):
        Value(0.0) ** -0.5


def test_negative_base_with_integer_exponent_works() -> None:
    for c, expected, slope in [(2, 4.0, -4.0), (3, -8.0, 12.0), (-1, -0.5, -0.25), (-2, 0.25, 0.25)]:
        assert grads(lambda x, c=c: x**c, -2.0) == (expected, [slope]), c


def test_negative_base_with_integer_valued_value_exponent_has_nan_exponent_slope() -> None:
    value, (gx, gy) = grads(lambda x, y: x**y, -2.0, 3.0)
    assert (value, gx) == (-8.0, 12.0)
    assert math.isnan(gy)


def test_negative_base_with_fractional_exponent_raises_value_error() -> None:
    with pytest.raises(ValueError, match="a negative base needs an integer exponent"):
        Value(-2.0) ** 1.5


def test_negative_base_with_a_fractional_exponent_raises_even_for_minus_infinity() -> None:
    with pytest.raises(ValueError, match="a negative base needs an integer exponent"):
        Value(-INF) ** 0.5


# ---- sigmoid and tanh far out ---------------------------------------------------------------------


@pytest.mark.parametrize("x", [-1000.0, -745.0, -40.0, 40.0, 745.0, 1000.0, 1e300, -1e300])
def test_sigmoid_is_stable_with_finite_gradient_far_out(x: float) -> None:
    value, (g,) = grads(lambda v: v.sigmoid(), x)
    assert 0.0 <= value <= 1.0
    assert math.isfinite(g)
    assert 0.0 <= g < 1e-17


@pytest.mark.parametrize("x", [-1000.0, -20.0, 20.0, 1000.0, 1e300, -1e300])
def test_tanh_is_stable_with_finite_gradient_far_out(x: float) -> None:
    value, (g,) = grads(lambda v: v.tanh(), x)
    assert value == math.copysign(1.0, x)
    assert g == 0.0


def test_sigmoid_far_negative_keeps_its_tiny_value() -> None:
    value, (g,) = grads(lambda v: v.sigmoid(), -700.0)
    assert value == pytest.approx(math.exp(-700.0), rel=1e-12)
    assert g == pytest.approx(math.exp(-700.0), rel=1e-12)


def test_sigmoid_is_symmetric() -> None:
    for x in (0.1, 1.0, 5.0, 30.0):
        assert Value(x).sigmoid().data + Value(-x).sigmoid().data == pytest.approx(1.0, rel=1e-15)


# ---- kinks ----------------------------------------------------------------------------------------


def test_relu_derivative_at_zero_is_zero() -> None:
    assert grads(lambda x: x.relu(), 0.0) == (0.0, [0.0])
    assert grads(lambda x: x.relu(), -0.0) == (0.0, [0.0])


def test_abs_derivative_at_zero_is_zero() -> None:
    assert grads(lambda x: abs(x), 0.0) == (0.0, [0.0])
    assert grads(lambda x: abs(x), -0.0) == (0.0, [0.0])


# ---- found by the hard-input hunt, kept so they never come back ---------------------------------


def test_division_by_a_tiny_value_does_not_raise() -> None:
    """Hard-input hunt: Value(1.0) / Value(1e-200) raised ZeroDivisionError ('float division by
    zero') because the local gradient -x / (y * y) squared y to 0; it is now -(x / y) / y."""
    x, y = Value(1.0), Value(1e-200)
    out = x / y
    out.backward()
    assert out.data == 1e200
    assert y.grad == float("-inf")
    assert (1.0 / Value(1e-200)).local_grads == (float("-inf"),)


def test_division_by_a_small_value_has_the_right_slope() -> None:
    """Same bug, finite side: |y| < 1e-162 underflowed y * y although -x / y^2 is representable."""
    assert gradcheck(lambda x, y: x / y, [1e-170, 1e-165], eps=1e-176)
    out = Value(3e-170) / Value(2e-165)
    exact = -Fraction(3e-170) / Fraction(2e-165) ** 2  # -x / y^2 in exact arithmetic
    assert out.local_grads[1] == pytest.approx(float(exact), rel=1e-15)
