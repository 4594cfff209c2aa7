"""`gradcheck` as an instructor uses it: no false alarm where f cancels large terms, a result instead
of an exception for Jupyter, checks at seeded random points, a short failure under pytest."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from autograd import GradcheckError, GradcheckResult, Value, gradcheck

ROOT = Path(__file__).resolve().parents[2]


def wrong_sin(x: Value) -> Value:
    """sin with a deliberately wrong local gradient (-cos instead of cos)."""
    return Value(math.sin(x.data), (x,), (-math.cos(x.data),), "sin")


# ---- rounding: cancellation is NOISY, never MISMATCH ------------------------------------------


def test_cancelling_a_large_term_is_noisy_not_a_mismatch() -> None:
    result = gradcheck(lambda a: (a + 1e8) - 1e8, [0.3], raise_exception=False)
    check = result.checks[0]
    assert check.status == "noisy"
    assert check.numeric != 1.0  # the finite difference really is off (0.99838): rounding, not the rule
    message = str(GradcheckError(result))
    assert "rounding in f (whose values reach 1e+08)" in message
    assert "try a larger eps (the error shrinks as 1/eps) or compute f without cancelling" in message
    assert "MISMATCH" not in message
    assert "disagrees" not in message


def test_nearly_cancelling_exponentials_are_noisy_with_a_finite_relative_error() -> None:
    result = gradcheck(lambda x: x.exp() - x.exp() * (1 - 1e-12), [20.0], raise_exception=False)
    check = result.checks[0]
    assert check.status == "noisy"
    assert math.isfinite(check.rel_error)
    assert "MISMATCH" not in str(result)


def test_a_numeric_slope_rounded_to_zero_has_a_finite_relative_error_within_the_noise() -> None:
    from autograd.check.gradcheck import InputCheck

    check = InputCheck(0, "x0", 20.0, 4.85e-4, 0.0, 0.0, 0.0, "noisy", noise=0.06)
    assert check.rel_error == pytest.approx(4.85e-4 / 0.06)
    exact = InputCheck(0, "x0", 1.0, 2.0, 0.0, 0.0, 0.0, "mismatch", noise=0.0)
    assert exact.rel_error == math.inf  # numeric exactly 0 with no rounding at all: inf is the truth


def test_the_same_cancellation_checks_with_a_larger_eps() -> None:
    assert gradcheck(lambda a: (a + 1e8) - 1e8, [0.3], eps=1e-2)


def test_a_wrong_rule_beside_a_large_cancelling_term_is_still_a_mismatch() -> None:
    with pytest.raises(GradcheckError, match="disagrees"):
        gradcheck(lambda a: (wrong_sin(a) + 1e8) - 1e8, [0.3], eps=1e-2)


# ---- Jupyter: a result instead of an exception ------------------------------------------------


def test_raise_exception_false_returns_a_falsy_result_with_the_report() -> None:
    result = gradcheck(wrong_sin, [1.0], raise_exception=False)
    assert isinstance(result, GradcheckResult)
    assert not result
    assert result.checks[0].status == "mismatch"
    page = result._repr_html_()
    assert '<tr style="color:#d62728"><td>#0 x0</td>' in page
    assert "<pre>gradcheck: analytic gradient disagrees with finite differences for #0 &#x27;x0&#x27;" in page


def test_raise_exception_false_on_success_is_truthy_and_has_no_report() -> None:
    result = gradcheck(lambda a: a.tanh(), [0.5], raise_exception=False)
    assert result
    assert "<pre>" not in result._repr_html_()


# ---- f that is not a function ------------------------------------------------------------------


def test_f_that_is_not_callable_is_a_one_line_type_error() -> None:
    with pytest.raises(TypeError) as info:
        gradcheck(5, [1.0])  # type: ignore[arg-type]  # deliberately not a function
    assert str(info.value) == (
        "gradcheck: f must be a function taking one Value per input and returning a Value; got int 5"
    )


# ---- random points ------------------------------------------------------------------------------


def test_random_points_are_seeded_reported_and_checked() -> None:
    result = gradcheck(lambda a, b: (a * b).tanh(), [0.5, 1.0], random_points=4, within=(-3, 3), seed=7)
    again = gradcheck(lambda a, b: (a * b).tanh(), [0.5, 1.0], random_points=4, within=(-3, 3), seed=7)
    assert result.points == again.points
    assert result.points[0] == (0.5, 1.0)
    assert len(result.points) == 5
    assert all(-3 <= x <= 3 for point in result.points for x in point)
    assert [c.point for c in result.checks] == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert (result.seed, result.within) == (7, (-3.0, 3.0))
    assert "point #0 is the given inputs, #1-#4 random in [-3, 3], seed=7" in str(result)


def test_another_seed_gives_other_points() -> None:
    one = gradcheck(lambda a: a * a, [1.0], random_points=3, seed=1)
    two = gradcheck(lambda a: a * a, [1.0], random_points=3, seed=2)
    assert one.points[1:] != two.points[1:]


def test_a_wrong_rule_at_random_points_names_the_worst_point_and_its_coordinates() -> None:
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: wrong_sin(a) * b, [0.4, 0.9], random_points=10, within=(-1, 1))
    result = info.value.result
    first = str(info.value).splitlines()[0]
    worst = result.points[int(first.split("at point #")[1].split()[0])]
    assert first.startswith("gradcheck: analytic gradient disagrees with finite differences for #0 'x0' at")
    assert f"(x0={worst[0]!r}, x1={worst[1]!r}) (and at 10 more points)" in first
    assert len(str(info.value).splitlines()) < 20  # 22 checks, but the table is cut: worst rows first
    assert "more rows, 3 failing (result.checks has all)" in str(info.value)


def test_a_random_point_outside_fs_domain_is_named() -> None:
    with pytest.raises(ValueError, match=r"f fails at random point #1 \(x0=-?[0-9.]+\): ValueError: log"):
        gradcheck(lambda a: a.log(), [1.0], random_points=5, within=(-1, -0.5))


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"random_points": -1}, ValueError, "random_points must be an int >= 0"),
        ({"random_points": 2.5}, ValueError, "random_points must be an int >= 0"),
        ({"random_points": 2, "within": (1, 1)}, ValueError, r"within must be \(low, high\)"),
        ({"random_points": 2, "within": (0, math.inf)}, ValueError, r"within must be \(low, high\)"),
        ({"random_points": 2, "seed": "x"}, TypeError, "seed must be an int"),
    ],
)
def test_bad_random_options_are_named(
    options: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        gradcheck(lambda a: a * a, [1.0], **options)  # type: ignore[arg-type]


def test_hypothesis_draws_points_and_gradcheck_checks_each() -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    @given(st.floats(-3.0, 3.0), st.floats(0.1, 3.0))
    def check(a: float, b: float) -> None:
        assert gradcheck(lambda x, y: (x / y).tanh() * y, [a, b])

    check()


# ---- pytest: the failure is the report, not gradcheck's source ----------------------------------

FAILING_TEST = '''
import math
from autograd import define_op, gradcheck

student_sin = define_op("student_sin", math.sin, lambda out, x: -math.cos(x))

def test_student_sin():
    assert gradcheck(lambda a, b: student_sin(a * b).tanh() + a, [0.4, 0.9])
'''


def _as_in_a_terminal(**extra: str) -> dict[str, str]:
    """The environment without CI's variables: under CI (CI, BUILD_NUMBER) pytest prints its summary whole."""
    return {**{k: v for k, v in os.environ.items() if k not in ("CI", "BUILD_NUMBER")}, **extra}


def test_a_pytest_failure_shows_the_blamed_node_and_table_not_gradchecks_source(tmp_path: Path) -> None:
    (tmp_path / "test_student.py").write_text(FAILING_TEST)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "test_student.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=_as_in_a_terminal(PYTHONPATH=str(ROOT)),
    )
    assert run.returncode == 1
    out = run.stdout
    assert "def gradcheck(" not in out
    assert "__tracebackhide__" not in out
    assert "E       autograd.check.gradcheck.GradcheckError: gradcheck: analytic gradient disagrees" in out
    assert "E       blame: node n2 'student_sin' (unlabelled): d/dx is -0.935896824" in out
    assert "MISMATCH" in out
    assert len(out.splitlines()) < 30  # 26 lines; 119 before gradcheck hid its frames


def test_a_failed_result_prints_its_report_above_the_table() -> None:
    result = gradcheck(wrong_sin, [1.0], raise_exception=False)
    written: list[str] = []
    result._repr_pretty_(SimpleNamespace(text=written.append), cycle=False)  # as IPython calls it
    assert written == [str(result)]
    lines = str(result).splitlines()
    assert lines[0] == "gradcheck: analytic gradient disagrees with finite differences for #0 'x0'"
    assert lines[-3].startswith("input  value")
    assert lines[-2].endswith("MISMATCH")
