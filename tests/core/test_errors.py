"""Every error the engine raises, with its message: the op, the operand (its type, or its label and
value) and what to do."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import pytest

import autograd
from autograd import Value

BAD_OPERANDS: list[tuple[object, str]] = [("2", "str"), (None, "NoneType"), ([1.0], "list"), (True, "bool")]
OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize(("bad", "type_name"), BAD_OPERANDS)
def test_non_number_on_the_right_raises_type_error_naming_the_type(
    op: str, bad: object, type_name: str
) -> None:
    message = (
        f"{op}: cannot use {bad!r} (type {type_name}) with Value 'w' (data=2.0);"
        " expected a Value, int or float"
    )
    with pytest.raises(TypeError, match=re.escape(message)):
        OPS[op](Value(2.0, label="w"), bad)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize(("bad", "type_name"), [("2", "str"), (None, "NoneType"), (True, "bool")])
def test_non_number_on_the_left_raises_type_error_naming_the_type(
    op: str, bad: object, type_name: str
) -> None:
    with pytest.raises(TypeError, match=re.escape(f"cannot use {bad!r} (type {type_name}) with Value 'w'")):
        OPS[op](bad, Value(2.0, label="w"))


@pytest.mark.parametrize("op", ["+", "*"])
def test_list_on_the_left_raises_type_error_naming_list(op: str) -> None:
    with pytest.raises(TypeError, match=re.escape("cannot use [1.0] (type list)")):
        OPS[op]([1.0], Value(2.0))


@pytest.mark.parametrize(("bad", "type_name"), BAD_OPERANDS)
def test_value_of_a_non_number_raises_type_error_naming_the_type(bad: object, type_name: str) -> None:
    with pytest.raises(TypeError, match=re.escape(f"Value: cannot use {bad!r} (type {type_name})")):
        Value(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["exp", "log", "tanh", "sigmoid", "relu"])
def test_function_of_a_string_raises_type_error(name: str) -> None:
    with pytest.raises(TypeError, match=re.escape(f"{name}: cannot use 'x' (type str)")):
        getattr(autograd, name)("x")


def test_sum_of_a_string_raises_type_error() -> None:
    with pytest.raises(TypeError, match=re.escape("sum: cannot use 'a' (type str)")):
        autograd.sum([Value(1.0), "a"])  # type: ignore[list-item]


def test_dot_with_a_string_input_raises_type_error_naming_the_weight() -> None:
    with pytest.raises(TypeError, match=re.escape("dot: cannot use 'a' (type str) with Value 'w0'")):
        autograd.dot([Value(1.0, label="w0")], ["a"])  # type: ignore[list-item]


def test_log_of_zero_raises_value_error_naming_op_operand_and_label() -> None:
    message = "log: undefined for Value 'z' (data=0.0); log needs a value > 0"
    with pytest.raises(ValueError, match=re.escape(message)):
        Value(0.0, label="z").log()


def test_log_of_a_negative_intermediate_names_its_op() -> None:
    a = Value(2.0, label="a")
    message = "log: undefined for unlabelled Value (op='neg', data=-2.0)"
    with pytest.raises(ValueError, match=re.escape(message)):
        (-a).log()


def test_log_of_negative_infinity_raises_value_error() -> None:
    with pytest.raises(ValueError, match="log: undefined for Value 'n' "):
        Value(float("-inf"), label="n").log()


def test_division_by_a_zero_value_names_both_operands() -> None:
    message = "/: division by zero: Value 'n' (data=1.0) / Value 'd' (data=0.0)"
    with pytest.raises(ZeroDivisionError, match=re.escape(message)):
        Value(1.0, label="n") / Value(0.0, label="d")


def test_division_by_the_number_zero_names_the_value() -> None:
    with pytest.raises(ZeroDivisionError, match=re.escape("/: division by zero: Value 'n' (data=1.0) / 0.0")):
        Value(1.0, label="n") / 0


def test_number_divided_by_a_zero_value_names_it() -> None:
    with pytest.raises(ZeroDivisionError, match=re.escape("/: division by zero: 3.0 / Value 'd' (data=0.0)")):
        3.0 / Value(0.0, label="d")


def test_division_by_negative_zero_raises() -> None:
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        Value(1.0) / Value(-0.0)


def test_zero_to_a_negative_power_raises_zero_division_error() -> None:
    message = "**: 0 cannot be raised to a negative power: Value 'b' (data=0.0) ** -1.0"
    with pytest.raises(ZeroDivisionError, match=re.escape(message)):
        Value(0.0, label="b") ** -1


def test_zero_to_a_negative_value_power_names_both_labels() -> None:
    message = "**: 0 cannot be raised to a negative power: Value 'b' (data=0.0) ** Value 'e' (data=-2.0)"
    with pytest.raises(ZeroDivisionError, match=re.escape(message)):
        Value(0.0, label="b") ** Value(-2.0, label="e")


def test_number_zero_to_a_negative_value_power_raises() -> None:
    with pytest.raises(ZeroDivisionError, match=re.escape("0.0 ** Value 'e' (data=-1.0)")):
        0.0 ** Value(-1.0, label="e")


def test_negative_base_with_fractional_exponent_raises_value_error() -> None:
    message = "**: a negative base needs an integer exponent: Value 'q' (data=-1.0) ** 0.5"
    with pytest.raises(ValueError, match=re.escape(message)):
        Value(-1.0, label="q") ** 0.5


def test_negative_base_with_fractional_value_exponent_raises_value_error() -> None:
    message = "**: a negative base needs an integer exponent: Value 'q' (data=-8.0) ** Value 'e' (data=0.25)"
    with pytest.raises(ValueError, match=re.escape(message)):
        Value(-8.0, label="q") ** Value(0.25, label="e")


def test_negative_number_to_a_fractional_value_power_raises_value_error() -> None:
    with pytest.raises(ValueError, match=re.escape("-2.0 ** Value 'e' (data=0.5)")):
        (-2.0) ** Value(0.5, label="e")


def test_custom_node_with_too_few_local_gradients_raises_value_error() -> None:
    message = "Value(op='sin', label='s'): needs one local gradient per child; got 1 children and 0"
    with pytest.raises(ValueError, match=re.escape(message)):
        Value(0.0, (Value(1.0),), (), "sin", "s")


def test_custom_node_with_a_non_value_child_raises_type_error() -> None:
    message = "Value(op='f', label=''): every child must be a Value; got 1.0 (float)"
    with pytest.raises(TypeError, match=re.escape(message)):
        Value(0.0, (1.0,), (1.0,), "f")  # type: ignore[arg-type]


def test_custom_node_with_a_non_number_local_gradient_raises_type_error() -> None:
    message = "sin: cannot use 'a' (type str); expected an int or float"
    with pytest.raises(TypeError, match=re.escape(message)):
        Value(0.0, (Value(1.0),), ("a",), "sin")  # type: ignore[arg-type]


def test_custom_node_with_a_value_as_local_gradient_says_a_number_is_expected() -> None:
    message = r"sin: cannot use Value\(.*\) \(type Value\); expected an int or float$"
    with pytest.raises(TypeError, match=message):
        Value(0.0, (Value(1.0),), (Value(2.0),), "sin")  # type: ignore[arg-type]


def test_value_of_a_non_number_says_a_number_is_expected() -> None:
    message = "Value: cannot use 'x' (type str); expected an int or float"
    with pytest.raises(TypeError, match=re.escape(message)):
        Value("x")  # type: ignore[arg-type]


def test_mean_of_nothing_raises_value_error() -> None:
    with pytest.raises(ValueError, match="mean: needs at least one value; got an empty sequence"):
        autograd.mean([])


def test_dot_with_a_number_for_a_weight_raises_type_error() -> None:
    message = "dot: weight #1 is 0.5 (type float); weights must be Values"
    with pytest.raises(TypeError, match=re.escape(message)):
        autograd.dot([Value(1.0), 0.5], [3.0, 4.0])  # type: ignore[list-item]


def test_dot_with_mismatched_lengths_raises_value_error() -> None:
    with pytest.raises(ValueError, match="dot: 2 weights but 1 inputs; they must match"):
        autograd.dot([Value(1.0), Value(2.0)], [3.0])


def test_errors_leave_the_operands_unchanged() -> None:
    x = Value(0.0, label="x")
    with pytest.raises(ValueError, match="log"):
        x.log()
    assert (x.data, x.grad, x.children, x.op) == (0.0, 0.0, (), "")


def test_custom_node_with_a_missing_comma_on_children_names_the_op() -> None:
    """``(x)`` is x itself, not a tuple: docs/engine.md's `sin` with both commas left out."""
    x = Value(0.5, label="x")
    message = (
        "Value(op='sin', label=''): children must be an iterable of Values, e.g. (x,);"
        " got Value(label='x', op='', data=0.5, grad=0.0) (type Value)"
        " (one item in parentheses needs a comma to be a tuple)"
    )
    with pytest.raises(TypeError, match=re.escape(message)):
        Value(math.sin(x.data), (x), (math.cos(x.data)), "sin")  # type: ignore[arg-type]


def test_custom_node_with_a_missing_comma_on_local_grads_names_the_op() -> None:
    x = Value(0.5, label="x")
    message = (
        f"Value(op='sin', label='s'): local_grads must be an iterable of numbers;"
        f" got {math.cos(0.5)!r} (type float) (one item in parentheses needs a comma to be a tuple)"
    )
    with pytest.raises(TypeError, match=re.escape(message)):
        Value(math.sin(x.data), (x,), (math.cos(x.data)), "sin", "s")  # type: ignore[arg-type]


def test_custom_node_with_none_for_children_names_the_op_without_the_comma_hint() -> None:
    message = (
        "Value(op='f', label=''): children must be an iterable of Values, e.g. (x,); got None (type NoneType)"
    )
    with pytest.raises(TypeError, match=re.escape(message) + "$"):
        Value(1.0, None, (), "f")  # type: ignore[arg-type]


@pytest.mark.parametrize("op", ["sum", "mean"])
def test_sum_and_mean_of_a_single_value_say_they_need_an_iterable(op: str) -> None:
    message = (
        f"{op}: values must be an iterable of Values and numbers, e.g. [x, y, 1.0];"
        " got Value(label='x', op='', data=1.0, grad=0.0) (type Value)"
    )
    with pytest.raises(TypeError, match=re.escape(message) + "$"):
        getattr(autograd, op)(Value(1.0, label="x"))


@pytest.mark.parametrize("op", ["sum", "mean"])
def test_an_error_inside_a_generator_given_to_sum_or_mean_keeps_its_own_message(op: str) -> None:
    x = Value(1.0, label="x")
    with pytest.raises(TypeError, match=re.escape("+: cannot use 'a' (type str) with Value 'x'")):
        getattr(autograd, op)(v + "a" for v in [x])  # type: ignore[operator]


def test_mean_of_an_empty_generator_raises_value_error() -> None:
    with pytest.raises(ValueError, match="mean: needs at least one value"):
        autograd.mean(v for v in list[Value]())
