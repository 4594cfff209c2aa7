"""`Value` itself: its attributes, its repr, the node each operator builds, and every claim of
autograd/ops.py's module docstring, the derivative table row by row."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import pytest

import autograd
from autograd import Value, gradcheck
from autograd.ops import display


def test_leaf_has_data_zero_grad_and_no_edges() -> None:
    x = Value(2.5, label="x")
    assert (x.data, x.grad, x.children, x.local_grads, x.op, x.label) == (2.5, 0.0, (), (), "", "x")


def test_int_data_is_stored_as_float() -> None:
    x = Value(3)
    assert type(x.data) is float
    assert x.data == 3.0


def test_value_uses_slots() -> None:
    slots = {"data", "grad", "children", "local_grads", "op", "label", "op_def", "operands"}
    assert set(Value.__slots__) == slots
    with pytest.raises(AttributeError):
        Value(1.0).extra = 1  # type: ignore[attr-defined]


def test_repr_shows_label_op_data_and_grad() -> None:
    x = Value(2.0, label="x")
    y = x * x
    y.label = "y"
    y.backward()
    assert repr(y) == "Value(label='y', op='*', data=4.0, grad=1.0)"
    assert repr(x) == "Value(label='x', op='', data=2.0, grad=4.0)"


def test_item_is_the_data_as_in_pytorch() -> None:
    loss = Value(0.25, label="x") * 2
    assert loss.item() == 0.5
    assert type(loss.item()) is float


def test_children_are_in_operand_order() -> None:
    a, b = Value(1.0), Value(2.0)
    assert (a - b).children == (a, b)
    assert (b - a).children == (b, a)
    assert (a ** b).children == (a, b)


def test_repeated_operand_is_kept_twice() -> None:
    x = Value(3.0)
    assert (x * x).children == (x, x)
    assert (x + x).local_grads == (1.0, 1.0)


@pytest.mark.parametrize(
    ("f", "op"),
    [
        (lambda x: x * 2, "*2"),
        (lambda x: 2 * x, "*2"),
        (lambda x: x + 0.5, "+0.5"),
        (lambda x: 0.5 + x, "+0.5"),
        (lambda x: x - 3, "-3"),
        (lambda x: 3 - x, "3-"),
        (lambda x: x / 4, "/4"),
        (lambda x: 4 / x, "4/"),
        (lambda x: x**2, "**2"),
        (lambda x: 2**x, "2**"),
        (lambda x: -x, "neg"),
    ],
)
def test_plain_number_operand_is_one_node_with_one_edge_named_by_the_op(
    f: Callable[[Value], Value], op: str
) -> None:
    x = Value(1.5)
    y = f(x)
    assert display(y) == op  # the op as pictures show it; the node holds the constant as data
    constants = [a for a in y.operands if not isinstance(a, Value)]
    assert constants == ([] if op == "neg" else [float(op.strip("+-*/"))])
    assert y.children == (x,)
    assert len(y.local_grads) == 1


@pytest.mark.parametrize(
    ("f", "op"),
    [
        (lambda x, y: x + y, "+"),
        (lambda x, y: x - y, "-"),
        (lambda x, y: x * y, "*"),
        (lambda x, y: x / y, "/"),
        (lambda x, y: x**y, "**"),
    ],
)
def test_value_value_operator_has_two_edges(f: Callable[[Value, Value], Value], op: str) -> None:
    x, y = Value(1.5), Value(2.5)
    z = f(x, y)
    assert (z.op, z.children, len(z.local_grads)) == (op, (x, y), 2)


@pytest.mark.parametrize("name", ["exp", "log", "tanh", "sigmoid", "relu", "abs"])
def test_function_node_is_named_for_the_function(name: str) -> None:
    x = Value(0.5)
    y = getattr(x, name)()
    assert (y.op, y.children) == (name, (x,))


def test_positive_sign_returns_the_same_value() -> None:
    x = Value(1.0)
    assert +x is x


def test_module_functions_lift_numbers_to_leaves() -> None:
    assert autograd.exp(0.0).data == 1.0
    assert autograd.log(1).data == 0.0
    assert autograd.tanh(0.0).data == 0.0
    assert autograd.sigmoid(0.0).data == 0.5
    assert autograd.relu(-1.0).data == 0.0
    x = Value(0.3)
    assert autograd.exp(x).children == (x,)


def test_number_types_are_coerced() -> None:
    from fractions import Fraction

    x = Value(1.0)
    assert (x + Fraction(1, 2)).data == 1.5  # type: ignore[operator]  # a Fraction is outside Operand
    assert (x * 3).data == 3.0


def test_user_op_through_the_constructor_backpropagates() -> None:
    """docs/engine.md's three-line `sin`."""

    def sin(x: Value) -> Value:
        return Value(math.sin(x.data), (x,), (math.cos(x.data),), "sin")

    x = Value(0.4)
    y = sin(x * 2.0) * x
    y.backward()
    assert x.grad == pytest.approx(2.0 * math.cos(0.8) * 0.4 + math.sin(0.8), rel=1e-15)
    assert gradcheck(lambda v: sin(v * 2.0) * v, [0.4])


def test_constructor_accepts_any_iterables_for_children_and_local_grads() -> None:
    x = Value(2.0)
    y = Value(4.0, [x], [4], "sq")
    assert y.children == (x,)
    assert y.local_grads == (4.0,)
    assert type(y.local_grads[0]) is float


# ---- the derivative table of ops.py's docstring, row by row --------------------------------------

X, Y, C = 1.7, 0.6, 2.5
TABLE: list[tuple[str, Callable[[Value, Value], Value], tuple[float, ...]]] = [
    ("x + y", lambda x, y: x + y, (1.0, 1.0)),
    ("x - y", lambda x, y: x - y, (1.0, -1.0)),
    ("x * y", lambda x, y: x * y, (Y, X)),
    ("x / y", lambda x, y: x / y, (1.0 / Y, -X / Y**2)),
    ("x ** c", lambda x, y: x**C, (C * X ** (C - 1.0),)),
    ("x ** y", lambda x, y: x**y, (Y * X ** (Y - 1.0), X**Y * math.log(X))),
    ("c ** x", lambda x, y: C**x, (C**X * math.log(C),)),
    ("-x", lambda x, y: -x, (-1.0,)),
    ("exp(x)", lambda x, y: x.exp(), (math.exp(X),)),
    ("log(x)", lambda x, y: x.log(), (1.0 / X,)),
    ("tanh(x)", lambda x, y: x.tanh(), (1.0 - math.tanh(X) ** 2,)),
    ("sigmoid(x)", lambda x, y: x.sigmoid(), ((1 / (1 + math.exp(-X))) * (1 - 1 / (1 + math.exp(-X))),)),
    ("relu(x)", lambda x, y: x.relu(), (1.0,)),
    ("relu(-x)", lambda x, y: (-x).relu(), (0.0,)),
    ("abs(x)", lambda x, y: abs(x), (1.0,)),
    ("abs(-x)", lambda x, y: abs(-x), (-1.0,)),
    ("sum(xs)", lambda x, y: autograd.sum([x, y, x]), (1.0, 1.0, 1.0)),
    ("mean(xs)", lambda x, y: autograd.mean([x, y]), (0.5, 0.5)),
    ("dot(w, x, b)", lambda x, y: autograd.dot([x, y], [Y, X], x), (Y, X, 1.0)),
]


@pytest.mark.parametrize(("row", "f", "expected"), TABLE, ids=[row for row, _, _ in TABLE])
def test_docstring_derivative_table_row(
    row: str, f: Callable[[Value, Value], Value], expected: tuple[float, ...]
) -> None:
    node = f(Value(X), Value(Y))
    assert node.local_grads == pytest.approx(expected, rel=1e-15)


def test_docstring_table_has_a_row_for_every_operation_of_the_table() -> None:
    lines = (autograd.ops.__doc__ or "").splitlines()
    rows = [line.split("d/d")[0] for line in lines if line.startswith("    ")]
    for name in ("+", "-", "*", "/", "**", "exp", "log", "tanh", "sigmoid", "relu", "abs", "sin", "cos",
                 "sqrt", "sum", "mean", "dot"):
        assert autograd.ops.OPS[name].name == name
        assert any(f" {name}" in f" {row}" for row in rows), name
    assert "-x" in "".join(rows)  # neg


def test_docstring_example_of_the_package_runs() -> None:
    x = Value(2.0, label="x")
    y = x * x + x.exp()
    y.backward()
    assert round(x.grad, 6) == 11.389056


def test_mean_of_a_generator_counts_as_it_goes() -> None:
    x, y = Value(1.0), Value(4.0)
    items: list[Value | float] = [x, 2.0, y]
    m = autograd.mean(v for v in items)
    assert (m.data, m.children, m.local_grads) == (7.0 / 3.0, (x, y), (1.0 / 3.0, 1.0 / 3.0))


def test_mean_of_a_range_or_other_iterable_works() -> None:
    assert autograd.mean(range(1, 4)).data == 2.0
    assert autograd.mean(iter([Value(3.0)])).data == 3.0


def test_a_subclass_of_value_is_an_operand_like_any_value() -> None:
    class Param(Value):
        __slots__ = ()

    w = Param(2.0, label="w")
    y = w * Value(3.0) + 1
    y.backward()
    assert (y.data, w.grad) == (7.0, 3.0)


# ---- Python's and PyTorch's idioms: float(), formats, round(), comparisons, backward(gradient=) ------


def test_float_format_and_round_read_data() -> None:
    x = Value(2.718281828, label="x")
    with pytest.warns(autograd.GradientLostWarning, match=r"^float\(\) of Value 'x' \(data=2.718281828\)"):
        assert float(x) == 2.718281828
    assert f"{x:.3f}" == "2.718"
    assert round(x, 2) == 2.72
    assert round(x) == 3
    assert type(round(x)) is int
    assert f"{x}" == repr(x)  # no format spec: the repr, as print() shows it


def test_math_exp_of_a_value_warns_that_its_gradient_is_lost_and_names_the_way_to_keep_it() -> None:
    """The lecture's trap: ``x * math.exp(x)`` silently gives x.grad = e^x, not (1 + x) e^x."""
    x = Value(0.5, label="x")
    with pytest.warns(autograd.GradientLostWarning, match=r"Value 'x' .*autograd\.exp\(v\)"):
        y = x * math.exp(x)
    y.backward()
    assert x.grad == math.exp(0.5)  # the engine's answer for what it was given: the exp is a constant
    x.grad = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the engine's own functions, formats, round() and comparisons: silent
        z = x * autograd.exp(x)
        _ = (f"{z:.3f}", round(z, 2), z > 0.5, z.data)
    z.backward()
    assert x.grad == pytest.approx(1.5 * math.exp(0.5), rel=1e-15)


def test_comparisons_read_data_return_bool_and_build_no_graph() -> None:
    x, y = Value(1.0), Value(2.0)
    assert (x < y, x <= y, x > y, x >= y) == (True, True, False, False)
    assert (x < 1.5, x >= 1) == (True, True)
    assert max(x, y) is y
    assert (x.children, y.children) == ((), ())
    assert x != Value(1.0)  # == stays identity: a Value is a dict key


def test_a_comparison_with_a_non_number_is_a_type_error_naming_the_operator() -> None:
    with pytest.raises(TypeError, match=r"'<' not supported between instances of 'float' and 'str'"):
        _ = Value(1.0) < "a"  # type: ignore[operator]


def test_backward_with_a_gradient_scales_every_gradient() -> None:
    x = Value(3.0, label="x")
    y = x * x
    y.backward(2.0)
    assert (y.grad, x.grad) == (2.0, 12.0)


def test_a_grad_of_none_counts_as_no_gradient_yet() -> None:
    x = Value(3.0, label="x")
    x.grad = None  # type: ignore[assignment]  # PyTorch's set_to_none habit
    (x * x).backward()
    assert x.grad == 6.0
    lone = Value(1.0)
    lone.grad = None  # type: ignore[assignment]
    lone.backward()
    assert lone.grad == 1.0


def test_a_grad_that_is_not_a_number_is_refused_before_any_gradient_moves() -> None:
    x, w = Value(3.0, label="x"), Value(0.5, label="w")
    y = x * w
    w.grad = 0.25
    x.grad = "a"  # type: ignore[assignment]
    message = r"^backward: gradient: cannot use 'a' \(type str\) with Value 'x' \(data=3.0\)"
    with pytest.raises(TypeError, match=message):
        y.backward()
    assert w.grad == 0.25  # the pass never started


def test_a_bad_gradient_argument_is_refused_naming_the_root() -> None:
    y = Value(2.0, label="y") * 2
    y.label = "loss"
    with pytest.raises(TypeError, match=r"cannot use 'x' \(type str\) with Value 'loss'"):
        y.backward("x")  # type: ignore[arg-type]


def test_data_too_large_for_a_float_names_the_operation() -> None:
    message = r"^Value: an int of 1329 bits is too large for a float"
    with pytest.raises(OverflowError, match=message):
        Value(10**400)
    with pytest.raises(OverflowError, match=r"^\*: .* is too large for a float .* with Value 'x'"):
        Value(1.0, label="x") * 10**400


def test_an_op_called_with_the_wrong_number_of_operands_says_how_many_it_takes() -> None:
    with pytest.raises(TypeError, match=r"^\*: takes 2 operands \(x, y\); got 1$"):
        autograd.ops.MUL(Value(1.0))
    with pytest.raises(TypeError, match=r"^exp: takes 1 operands \(x\); got 2$"):
        autograd.ops.EXP(Value(1.0), 2.0)


def test_an_int_just_below_2_to_the_1024_that_rounds_up_to_it_is_refused_by_name() -> None:
    assert Value(2**1024 - 2**971).data == 1.7976931348623157e308  # the largest float
    with pytest.raises(OverflowError, match=r"^Value: an int of 1024 bits is too large for a float"):
        Value(2**1024 - 2**969)  # rounds to 2**1024: float() overflows
