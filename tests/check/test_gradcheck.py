"""`gradcheck`: it passes right derivatives, catches a wrong one, tells a kink from a mismatch,
prints a table worst first, and accepts inputs as a list, as Values or as a mapping."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import pytest

from autograd import GradcheckError, GradcheckResult, Value, gradcheck


def sin(x: Value) -> Value:
    """A custom op written the documented way, with the right derivative."""
    return Value(math.sin(x.data), (x,), (math.cos(x.data),), "sin")


def wrong_sin(x: Value) -> Value:
    """The same op with a deliberately wrong local gradient (-cos instead of cos)."""
    return Value(math.sin(x.data), (x,), (-math.cos(x.data),), "sin")


def slightly_wrong_cube(x: Value) -> Value:
    """x^3 with its derivative off by 1%: 3.03 x^2."""
    return Value(x.data**3, (x,), (3.03 * x.data**2,), "cube")


def test_custom_op_with_the_right_derivative_passes() -> None:
    assert gradcheck(sin, [0.3])


def test_custom_op_with_a_wrong_derivative_raises_gradcheck_error() -> None:
    with pytest.raises(GradcheckError, match="analytic gradient disagrees"):
        gradcheck(wrong_sin, [0.3])


def test_a_one_percent_error_in_a_derivative_is_caught() -> None:
    with pytest.raises(GradcheckError) as info:
        gradcheck(slightly_wrong_cube, [1.7])
    check = info.value.result.checks[0]
    assert check.status == "mismatch"
    assert check.analytic == pytest.approx(3.03 * 1.7**2)
    assert check.numeric == pytest.approx(3.0 * 1.7**2, rel=1e-8)


def test_wrong_derivative_inside_a_larger_expression_is_caught() -> None:
    with pytest.raises(GradcheckError):
        gradcheck(lambda x, y: (wrong_sin(x * y) + y.exp()).tanh(), [0.4, 0.9])


def test_gradcheck_error_is_an_assertion_error() -> None:
    assert issubclass(GradcheckError, AssertionError)


def test_success_returns_a_truthy_result_with_a_table() -> None:
    result = gradcheck(lambda x, y: x * y, [2.0, 3.0])
    assert isinstance(result, GradcheckResult)
    assert result
    assert result.ok
    lines = str(result).splitlines()
    assert lines[0].split() == ["input", "value", "analytic", "numeric", "abs", "err", "rel", "err"]
    assert lines[1].split()[:4] == ["#0", "x0", "2", "3"]
    assert lines[2].split()[:4] == ["#1", "x1", "3", "2"]
    assert result.table() == str(result)


def test_every_input_is_checked() -> None:
    result = gradcheck(lambda a, b, c, d: a * b + c * d, [1.0, 2.0, 3.0, 4.0])
    assert [c.index for c in result.checks] == [0, 1, 2, 3]
    assert [c.analytic for c in result.checks] == [2.0, 1.0, 4.0, 3.0]


def test_failure_table_lists_the_worst_input_first() -> None:
    def f(a: Value, b: Value, c: Value) -> Value:
        # d/da right; d/db off by 50%; d/dc off by 5%
        return Value(a.data + 2.0 * b.data + 3.0 * c.data, (a, b, c), (1.0, 3.0, 3.15), "f")

    with pytest.raises(GradcheckError) as info:
        gradcheck(f, [0.5, 0.5, 0.5])
    message = str(info.value)
    rows = [line for line in message.splitlines() if line.startswith("#")]
    assert [row.split()[1] for row in rows] == ["x1", "x2", "x0"]
    assert rows[0].endswith("MISMATCH")
    assert rows[2].endswith("ok")
    assert "disagrees with finite differences for #1 'x1', #2 'x2'" in message


def test_relu_at_zero_is_reported_as_a_kink_with_both_slopes() -> None:
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: x.relu(), [0.0])
    message = str(info.value)
    assert "not differentiable at input #0 'x0' = 0.0" in message
    assert "left slope 0, right slope 1" in message
    assert "disagrees" not in message
    assert info.value.result.checks[0].status == "kink"
    assert "KINK (left 0, right 1)" in message


def test_abs_at_zero_is_reported_as_a_kink_with_both_slopes() -> None:
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: abs(x), [0.0])
    message = str(info.value)
    assert (
        "not differentiable at input #0 'x0' = 0.0, or has a kink within the step h = 1e-06 of it:"
        " left slope -1, right slope 1"
    ) in message
    assert "disagrees" not in message


def test_kink_inside_an_expression_is_reported_on_the_right_input() -> None:
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: (x - y).relu() * 2.0 + x, [1.5, 1.5])
    statuses = [c.status for c in info.value.result.checks]
    assert statuses == ["kink", "kink"]
    assert [c.left for c in info.value.result.checks] == pytest.approx([1.0, -2.0], abs=1e-6)
    assert [c.right for c in info.value.result.checks] == pytest.approx([3.0, 0.0], abs=1e-6)


def test_kink_just_beside_the_point_is_not_a_mismatch() -> None:
    # relu's kink lies between x - h and x: the finer step sees the smooth side only
    assert gradcheck(lambda x: x.relu(), [3e-7])


def test_steep_smooth_function_is_not_mistaken_for_a_kink() -> None:
    assert gradcheck(lambda x: (x * 40.0).exp(), [0.2])
    assert gradcheck(lambda x: 1.0 / x, [0.01])


def test_inputs_may_be_values_whose_labels_name_the_rows() -> None:
    a, b = Value(2.0, label="a"), Value(-1.0, label="b")
    result = gradcheck(lambda x, y: x * y.exp(), [a, b])
    assert [c.label for c in result.checks] == ["a", "b"]
    assert [c.value for c in result.checks] == [2.0, -1.0]


def test_value_inputs_are_not_modified() -> None:
    a = Value(2.0, label="a")
    a.grad = 7.0
    gradcheck(lambda x: x * x, [a])
    assert (a.data, a.grad) == (2.0, 7.0)


def test_unlabelled_value_inputs_are_named_by_position() -> None:
    result = gradcheck(lambda x, y: x + y, [Value(1.0), 2.0])
    assert [c.label for c in result.checks] == ["x0", "x1"]


def test_inputs_may_be_a_mapping_from_label_to_number_or_value() -> None:
    result = gradcheck(lambda w, b: w * 3.0 + b, {"w": 0.5, "b": Value(2.0)})
    assert [(c.label, c.value, c.analytic) for c in result.checks] == [("w", 0.5, 3.0), ("b", 2.0, 1.0)]


def test_mapping_labels_name_the_failing_input() -> None:
    with pytest.raises(GradcheckError, match="'x'"):
        gradcheck(wrong_sin, {"x": 1.0})


def test_mapping_inputs_are_passed_by_name_whatever_their_order() -> None:
    result = gradcheck(lambda a, b: a / b, {"b": 2.0, "a": 1.0})
    by_label = {c.label: (c.value, c.analytic) for c in result.checks}
    assert by_label == {"a": (1.0, 0.5), "b": (2.0, -0.25)}  # d(a/b)/da = 1/b, d/db = -a/b^2


def test_mapping_key_that_f_does_not_take_is_a_type_error_naming_both() -> None:
    with pytest.raises(TypeError, match=r"cannot take the inputs \['theta'\] by name .*f takes: x\)"):
        gradcheck(wrong_sin, {"theta": 1.0})


def test_mapping_missing_one_of_fs_parameters_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="missing a required argument: 'b'"):
        gradcheck(lambda a, b: a * b, {"a": 1.0})


def test_mapping_works_with_a_function_taking_keywords() -> None:
    result = gradcheck(lambda **xs: xs["u"] * xs["v"], {"u": 3.0, "v": 4.0})
    assert [(c.label, c.analytic) for c in result.checks] == [("u", 4.0), ("v", 3.0)]


def test_integer_inputs_are_accepted() -> None:
    assert gradcheck(lambda x, y: x * y, [2, 3])


def test_f_returning_a_number_raises_type_error() -> None:
    with pytest.raises(TypeError, match="f must return a Value; it returned float"):
        gradcheck(lambda x: x.data * 2.0, [1.0])


def test_f_returning_none_raises_type_error() -> None:
    with pytest.raises(TypeError, match="it returned NoneType"):
        gradcheck(lambda x: None, [1.0])  # type: ignore[arg-type, return-value]


def test_non_numeric_input_raises_type_error() -> None:
    with pytest.raises(TypeError, match="input 'x0' must be a number or a Value; got str"):
        gradcheck(lambda x: x, ["1.0"])  # type: ignore[list-item]


def test_bool_input_raises_type_error() -> None:
    with pytest.raises(TypeError, match="got bool"):
        gradcheck(lambda x: x, [True])


def test_no_inputs_raises_value_error() -> None:
    with pytest.raises(ValueError, match="needs at least one input"):
        gradcheck(lambda: Value(1.0), [])


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_input_raises_value_error(bad: float) -> None:
    with pytest.raises(ValueError, match="finite differences need finite inputs"):
        gradcheck(lambda x: x * 2.0, [bad])


def test_step_is_scaled_to_the_input_magnitude() -> None:
    # at x = 1e8 an absolute step of 1e-6 would be lost to rounding; h = 1e-6 * |x| is not
    assert gradcheck(lambda x: x * x, [1e8])


def test_tolerances_are_keywords() -> None:
    result = gradcheck(lambda x: x.tanh(), [0.5], eps=1e-5, atol=1e-7, rtol=1e-6)
    assert (result.eps, result.atol, result.rtol) == (1e-5, 1e-7, 1e-6)
    assert "(eps=1e-05, atol=1e-07, rtol=1e-06; worst first)" in str(result)


def test_tight_tolerance_exposes_a_small_error() -> None:
    assert gradcheck(slightly_wrong_cube, [1.0], rtol=0.05)
    with pytest.raises(GradcheckError):
        gradcheck(slightly_wrong_cube, [1.0], rtol=1e-3)


def test_rounding_noise_is_reported_as_noisy_not_as_a_wrong_gradient() -> None:
    # f = x + 1e8: f(x +- h) carry rounding errors of ~1e-8, so (f(x+h) - f(x-h)) / 2h is off by ~1e-2
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: x + 1e8, [0.5])
    message = str(info.value)
    assert "cannot check input #0 'x0' = 0.5: rounding in f" in message
    assert "try a larger eps" in message
    assert "disagrees" not in message
    assert info.value.result.checks[0].status == "noisy"


def test_a_larger_step_checks_what_rounding_hid() -> None:
    assert gradcheck(lambda x: x + 1e8, [0.5], eps=1e-2)


def test_wrong_gradient_far_above_the_rounding_noise_is_still_a_mismatch() -> None:
    with pytest.raises(GradcheckError, match="disagrees") as info:
        gradcheck(lambda x: wrong_sin(x) + 1e8, [0.3])
    assert info.value.result.checks[0].status == "mismatch"


def test_kink_under_rounding_noise_is_still_a_kink() -> None:
    with pytest.raises(GradcheckError, match="not differentiable at input #0") as info:
        gradcheck(lambda x: x.relu() + 1e8, [0.0])
    assert info.value.result.checks[0].status == "kink"


def test_nan_gradient_is_a_mismatch_listed_first() -> None:
    def f(a: Value, b: Value) -> Value:
        return Value(a.data + b.data, (a, b), (1.0, math.nan), "f")

    with pytest.raises(GradcheckError) as info:
        gradcheck(f, [1.0, 2.0])
    rows = [line for line in str(info.value).splitlines() if line.startswith("#")]
    assert rows[0].startswith("#1 x1")
    assert "nan" in rows[0]
    assert rows[0].endswith("MISMATCH")


def test_f_that_uses_an_input_value_from_a_closure_is_refused() -> None:
    w = Value(0.5, label="w")
    with pytest.raises(ValueError, match="f used the input Value 'w' itself"):
        gradcheck(lambda _w: (w * 3.0 - 1.0) ** 2, [w])  # never moved: it would pass unchecked


def test_values_from_outside_keep_their_gradients() -> None:
    weight = Value(0.3, label="weight")
    weight.grad = 7.0
    assert gradcheck(lambda x: (weight * x).tanh(), [2.0])
    assert weight.grad == 7.0  # gradcheck's own backward() would have added to it


def test_a_step_that_leaves_fs_domain_names_the_input_and_the_moved_point() -> None:
    moved = r"f fails at input 'x0' = 1e-07 moved by -1e-06 .* to -9e-07: ValueError: log"
    with pytest.raises(ValueError, match=moved):
        gradcheck(lambda a: a.log(), [1e-7])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"eps": 0.0}, "eps must be > 0"),
        ({"eps": -1e-6}, "eps must be > 0"),
        ({"eps": math.nan}, "eps must be a finite number"),
        ({"atol": -1.0}, "atol and rtol must be >= 0"),
        ({"rtol": math.inf}, "rtol must be a finite number"),
    ],
)
def test_bad_options_are_value_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        gradcheck(lambda a: a * a, [1.0], **options)


def test_a_lone_number_instead_of_a_list_is_a_type_error_saying_how() -> None:
    with pytest.raises(TypeError, match=r"inputs must be a list .*got float, e\.g\. write \[2\.0\] for one"):
        gradcheck(lambda a: a * a, 2.0)  # type: ignore[arg-type]  # deliberately not a list


def test_inputs_may_be_any_iterable_read_once() -> None:
    result = gradcheck(lambda a, b: a * b, (x for x in [1.0, 2.0]))  # type: ignore[arg-type]  # a generator
    assert [(c.label, c.analytic) for c in result.checks] == [("x0", 2.0), ("x1", 1.0)]


def test_an_int_too_large_for_a_float_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="input 'x0' is too large for a float"):
        gradcheck(lambda a: a * a, [10**400])


def test_any_real_number_is_an_input() -> None:
    assert gradcheck(lambda a: a * a, [Fraction(1, 3)])  # type: ignore[list-item]  # a Real, not a float


def test_f_overflowing_near_the_input_is_not_finite_rather_than_a_mismatch() -> None:
    with pytest.raises(GradcheckError, match=r"cannot check input #0 'x0' = 1\.0: f is not finite") as info:
        gradcheck(lambda a: a * 1e308 * 10.0, [1.0])
    assert "disagrees" not in str(info.value)
    assert str(info.value).splitlines()[-2].endswith("NOT FINITE")


def test_a_kink_just_beside_the_input_is_reported_as_within_the_step() -> None:
    with pytest.raises(GradcheckError, match=r"= 1e-08, or has a kink within the step h = 1e-06 of it"):
        gradcheck(lambda a: abs(a), [1e-8])


def test_f_overflowing_on_one_side_only_is_not_finite_not_ok() -> None:
    with pytest.raises(GradcheckError, match="f is not finite"):
        gradcheck(lambda a: a.exp(), [709.78], eps=1e-5)  # exp(709.78 + h) overflows to inf


class _Printer:
    """Stands in for IPython's pretty printer: collects what `_repr_pretty_` writes."""

    def __init__(self) -> None:
        self.written = ""

    def text(self, s: str) -> None:
        self.written += s


def test_jupyter_shows_the_result_as_an_html_table_worst_first_failures_in_red() -> None:
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: wrong_sin(a) + b, [Value(1.0, label="<a>"), 2.0])
    page = info.value.result._repr_html_()
    assert page.startswith("<table><tr><th>input</th><th>value</th>")
    first, second = page.split("<tr")[2:4]
    assert first.startswith(' style="color:#d62728"><td>#0 &lt;a&gt;</td>')  # escaped, and first
    assert "MISMATCH" in first
    assert second.startswith("><td>#1 x1</td>")
    footer = "<small>(eps=1e-06, atol=1e-05, rtol=0.001; worst first)</small>"
    assert f"<td>ok</td></tr></table>{footer}" in second


def test_a_caught_gradcheck_error_shows_its_lines_in_ipython() -> None:
    with pytest.raises(GradcheckError) as info:
        gradcheck(wrong_sin, [1.0])
    printer = _Printer()
    info.value._repr_pretty_(printer, cycle=False)
    assert printer.written.startswith("GradcheckError: gradcheck: analytic gradient disagrees")
    assert "\ninput  value" in printer.written  # the table on its own lines, not escaped
