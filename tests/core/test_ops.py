"""Every op: its value against `math`, and its derivative by `gradcheck` at many points."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import pytest

import autograd
from autograd import Value, gradcheck, ops
from autograd.core import apply

POINTS = (-3.0, -1.7, -0.9, -0.35, 0.25, 0.6, 1.0, 1.3, 2.2, 4.5)
POSITIVE = (0.05, 0.3, 0.8, 1.0, 1.7, 3.0, 9.5)
NUMBERS = (-2.5, -1.0, -0.5, 0.5, 2.0, 3.0)

Unary = Callable[[Value], Value]
Binary = Callable[[Value, Value], Value]

UNARY: dict[str, tuple[Unary, Callable[[float], float], tuple[float, ...]]] = {
    "neg": (lambda x: -x, lambda x: -x, POINTS),
    "pos": (lambda x: +x, lambda x: x, POINTS),
    "exp": (lambda x: x.exp(), math.exp, POINTS),
    "log": (lambda x: x.log(), math.log, POSITIVE),
    "tanh": (lambda x: x.tanh(), math.tanh, POINTS),
    "sigmoid": (lambda x: x.sigmoid(), lambda x: 1.0 / (1.0 + math.exp(-x)), POINTS),
    "relu": (lambda x: x.relu(), lambda x: max(0.0, x), POINTS),
    "abs": (lambda x: abs(x), abs, POINTS),
    "abs method": (lambda x: x.abs(), abs, POINTS),
    "autograd.exp": (autograd.exp, math.exp, POINTS),
    "autograd.log": (autograd.log, math.log, POSITIVE),
    "autograd.tanh": (autograd.tanh, math.tanh, POINTS),
    "autograd.sigmoid": (autograd.sigmoid, lambda x: 1.0 / (1.0 + math.exp(-x)), POINTS),
    "autograd.relu": (autograd.relu, lambda x: max(0.0, x), POINTS),
    "sin": (lambda x: x.sin(), math.sin, POINTS),
    "cos": (lambda x: x.cos(), math.cos, POINTS),
    "sqrt": (lambda x: x.sqrt(), math.sqrt, POSITIVE),
    "autograd.sin": (autograd.sin, math.sin, POINTS),
    "autograd.cos": (autograd.cos, math.cos, POINTS),
    "autograd.sqrt": (autograd.sqrt, math.sqrt, POSITIVE),
}

BINARY: dict[str, tuple[Binary, Callable[[float, float], float], tuple[float, ...], tuple[float, ...]]] = {
    "x + y": (lambda x, y: x + y, lambda x, y: x + y, POINTS, POINTS),
    "x - y": (lambda x, y: x - y, lambda x, y: x - y, POINTS, POINTS),
    "x * y": (lambda x, y: x * y, lambda x, y: x * y, POINTS, POINTS),
    "x / y": (lambda x, y: x / y, lambda x, y: x / y, POINTS, POINTS),
    "x ** y": (lambda x, y: x**y, lambda x, y: x**y, POSITIVE, POINTS),
}

# f(x, c) with the number c on either side of the operator
WITH_NUMBER: dict[str, tuple[Callable[[Value, float], Value], Callable[[float, float], float]]] = {
    "x + c": (lambda x, c: x + c, lambda x, c: x + c),
    "c + x": (lambda x, c: c + x, lambda x, c: c + x),
    "x - c": (lambda x, c: x - c, lambda x, c: x - c),
    "c - x": (lambda x, c: c - x, lambda x, c: c - x),
    "x * c": (lambda x, c: x * c, lambda x, c: x * c),
    "c * x": (lambda x, c: c * x, lambda x, c: c * x),
    "x / c": (lambda x, c: x / c, lambda x, c: x / c),
    "c / x": (lambda x, c: c / x, lambda x, c: c / x),
}


@pytest.mark.parametrize("name", UNARY)
def test_unary_op_value_matches_math(name: str) -> None:
    op, reference, points = UNARY[name]
    for x in points:
        assert op(Value(x)).data == pytest.approx(reference(x), rel=1e-15, abs=1e-300), x


@pytest.mark.parametrize("name", UNARY)
def test_unary_op_derivative_passes_gradcheck_at_many_points(name: str) -> None:
    op, _, points = UNARY[name]
    for x in points:
        assert gradcheck(op, [x]), x


@pytest.mark.parametrize("name", BINARY)
def test_binary_op_value_matches_math(name: str) -> None:
    op, reference, xs, ys = BINARY[name]
    for x, y in itertools.product(xs, ys):
        assert op(Value(x), Value(y)).data == pytest.approx(reference(x, y), rel=1e-15), (x, y)


@pytest.mark.parametrize("name", BINARY)
def test_binary_op_derivatives_pass_gradcheck_at_many_points(name: str) -> None:
    op, _, xs, ys = BINARY[name]
    for x, y in itertools.product(xs, ys):
        assert gradcheck(op, [x, y]), (x, y)


@pytest.mark.parametrize("name", WITH_NUMBER)
def test_op_with_number_value_matches_math(name: str) -> None:
    op, reference = WITH_NUMBER[name]
    for x, c in itertools.product(POINTS, NUMBERS):
        assert op(Value(x), c).data == pytest.approx(reference(x, c), rel=1e-15), (x, c)


@pytest.mark.parametrize("name", WITH_NUMBER)
def test_op_with_number_derivative_passes_gradcheck_at_many_points(name: str) -> None:
    op, _ = WITH_NUMBER[name]
    for x, c in itertools.product(POINTS, NUMBERS):
        assert gradcheck(lambda v, c=c: op(v, c), [x]), (x, c)


@pytest.mark.parametrize("name", WITH_NUMBER)
def test_op_with_int_number_equals_op_with_float(name: str) -> None:
    op, _ = WITH_NUMBER[name]
    assert op(Value(1.5), 2).data == op(Value(1.5), 2.0).data


@pytest.mark.parametrize("c", [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 5.0])
def test_power_with_integer_exponent_passes_gradcheck_on_both_signs_of_the_base(c: float) -> None:
    for x in POINTS:
        assert (Value(x) ** c).data == pytest.approx(x**c, rel=1e-15)
        assert gradcheck(lambda v, c=c: v**c, [x]), (x, c)


@pytest.mark.parametrize("c", [-2.5, -0.5, 0.5, 1.5, 2.7, math.pi])
def test_power_with_fractional_exponent_passes_gradcheck_on_positive_bases(c: float) -> None:
    for x in POSITIVE:
        assert (Value(x) ** c).data == pytest.approx(x**c, rel=1e-15)
        assert gradcheck(lambda v, c=c: v**c, [x]), (x, c)


@pytest.mark.parametrize("c", [0.3, 0.5, 1.0, 2.0, math.e, 7.0])
def test_number_to_the_power_of_value_passes_gradcheck(c: float) -> None:
    for x in POINTS:
        assert (c ** Value(x)).data == pytest.approx(c**x, rel=1e-15)
        assert gradcheck(lambda v, c=c: c**v, [x]), (x, c)


def test_value_exponent_with_negative_base_and_integer_exponent_has_the_base_derivative() -> None:
    for x, y in itertools.product((-2.5, -1.0, -0.4), (-2.0, 1.0, 2.0, 3.0)):
        base, exponent = Value(x), Value(y)
        out = base**exponent
        out.backward()
        assert out.data == pytest.approx(x**y, rel=1e-15)
        assert base.grad == pytest.approx(y * x ** (y - 1.0), rel=1e-15)
        assert math.isnan(exponent.grad)  # d/dy x^y = x^y ln x: ln of a negative base is undefined


def test_sum_of_values_and_numbers_passes_gradcheck() -> None:
    for xs in itertools.combinations(POINTS, 4):
        assert gradcheck(lambda *v: autograd.sum([v[0], 2.5, v[1], v[2] * v[3], v[0]]), xs), xs


def test_sum_with_a_value_start_passes_gradcheck() -> None:
    assert gradcheck(lambda a, b, c: autograd.sum([a, b], start=c), [0.5, -1.0, 2.0])


def test_builtin_sum_of_values_passes_gradcheck() -> None:
    for xs in itertools.combinations(POINTS, 3):
        assert gradcheck(lambda *v: sum(v), xs), xs


def test_mean_passes_gradcheck() -> None:
    for xs in itertools.combinations(POINTS, 3):
        assert gradcheck(lambda *v: autograd.mean([v[0], v[1] * v[2], 1.5, v[0]]), xs), xs


def test_mean_value_is_the_average() -> None:
    m = autograd.mean([Value(1.0), 2.0, Value(6.0)])
    assert m.data == 3.0
    assert m.local_grads == (1.0 / 3.0, 1.0 / 3.0)


def test_dot_passes_gradcheck_for_weights_inputs_and_bias() -> None:
    for vals in itertools.combinations(POINTS, 7):

        def f(w0: Value, w1: Value, w2: Value, x0: Value, x1: Value, x2: Value, b: Value) -> Value:
            return autograd.dot([w0, w1, w2], [x0, x1, x2], b)

        assert gradcheck(f, vals), vals


def test_dot_with_number_inputs_and_bias_passes_gradcheck() -> None:
    for w in itertools.combinations(POINTS, 3):
        assert gradcheck(lambda *v: autograd.dot(list(v), [0.5, -2.0, 3.0], 1.25), w), w


def test_dot_value_is_bias_plus_weighted_sum() -> None:
    w, b = [Value(2.0), Value(-1.0)], Value(0.5)
    x: list[Value | float] = [Value(3.0), 4.0]
    out = autograd.dot(w, x, b)
    assert out.data == 0.5 + 2.0 * 3.0 + -1.0 * 4.0
    assert out.children == (w[0], w[1], x[0], b)
    assert out.local_grads == (3.0, 4.0, 2.0, 1.0)


@pytest.mark.parametrize("inputs", ["numbers", "values", "ints", "mixed"])
@pytest.mark.parametrize("bias", ["value", "number", "int"])
def test_dot_builds_the_node_the_general_path_builds(inputs: str, bias: str) -> None:
    """`dot()` checks its operands, then builds the node `apply(DOT, w, x, b)` builds."""
    w = [Value(0.5, label="w0"), Value(-1.5, label="w1"), Value(2.0, label="w2")]
    x: list[Value | float] = {
        "numbers": [1.0, -2.0, 0.25],
        "values": [Value(1.0), Value(-2.0), Value(0.25)],
        "ints": [1, -2, 3],
        "mixed": [Value(1.0), -2.0, Value(0.25)],
    }[inputs]  # type: ignore[assignment]
    b: Value | float = {"value": Value(0.75, label="b"), "number": 0.75, "int": 1}[bias]  # type: ignore[assignment]
    fast, general = autograd.dot(w, x, b), apply(ops.DOT, w, x, b)
    for field in ("data", "children", "local_grads", "op", "op_def", "operands", "label", "grad"):
        assert getattr(fast, field) == getattr(general, field), field
    assert [type(a) for a in fast.operands] == [type(a) for a in general.operands]


def test_relu_derivative_is_one_above_zero_and_zero_below() -> None:
    for x in POINTS:
        y = Value(x)
        y.relu().backward()
        assert y.grad == (1.0 if x > 0 else 0.0)


@pytest.mark.parametrize(
    ("name", "f"),
    [
        ("x*x", lambda x: x * x),
        ("x/x", lambda x: x / x),
        ("x**x", lambda x: x**x),
        ("x-x", lambda x: x - x),
        ("tanh(x)*sigmoid(x)", lambda x: x.tanh() * x.sigmoid()),
        ("exp(x)/log(x)", lambda x: x.exp() / x.log()),
    ],
)
def test_op_with_the_same_value_on_both_sides_passes_gradcheck(name: str, f: Unary) -> None:
    for x in (0.3, 0.7, 1.6, 2.9):
        assert gradcheck(f, [x]), (name, x)


def test_sin_cos_sqrt_at_the_edges_of_their_domain_as_pytorch() -> None:
    assert math.isnan(Value(math.inf).sin().data)
    assert math.isnan(Value(-math.inf).cos().data)
    root = Value(0.0).sqrt()
    assert (root.data, root.local_grads) == (0.0, (math.inf,))
    with pytest.raises(ValueError, match=r"sqrt: undefined for Value 'x' \(data=-1.0\); sqrt needs a value >= 0"):  # noqa: E501
        Value(-1.0, label="x").sqrt()


def test_a_user_defined_op_is_one_definition_with_method_function_and_formula() -> None:
    cube = autograd.define_op("cube_for_test", lambda x: x**3, lambda out, x: 3 * x**2)
    try:
        x = Value(2.0, label="x")
        y = cube(x)
        y.backward()
        assert (y.data, x.grad, y.op, y.op_def) == (8.0, 12.0, "cube_for_test", cube)
        assert gradcheck(cube, [0.7])
        assert cube.derivative_formulas == {"x": "3 * {x} ** 2"}  # read from the rule's source
    finally:
        del autograd.ops.OPS["cube_for_test"]


def test_the_rules_of_arithmetic_ops_evaluate_on_values_too_ready_for_gradients_of_gradients() -> None:
    """A rule uses only arithmetic (and the table's helpers): given Values, it builds the graph of
    the derivative itself, whose own backward() gives a second derivative."""
    x, y = Value(0.7, label="x"), Value(1.3, label="y")
    for op in (autograd.ops.ADD, autograd.ops.SUB, autograd.ops.MUL, autograd.ops.DIV):
        out = op(x, y)
        for rule, operand in zip(op.derivatives.values(), (x, y), strict=True):
            on_values = rule(out, x, y)
            on_floats = rule(out.data, x.data, y.data)
            assert getattr(on_values, "data", on_values) == on_floats, (op, operand)
    t = autograd.ops.TANH(x)
    d = autograd.ops.TANH.derivatives["x"](t, x)  # 1 - tanh(x)^2, as a graph
    assert isinstance(d, Value)
    d.backward()  # d/dx (1 - tanh^2) = -2 tanh(x) (1 - tanh^2)
    assert x.grad == pytest.approx(-2 * math.tanh(0.7) * (1 - math.tanh(0.7) ** 2), rel=1e-12)
