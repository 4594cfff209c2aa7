"""gradgradcheck: second derivatives against finite differences of the first; a rule that is right
at first order and flat at second (it reads .data or calls float()) is caught, and its op named."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator

import pytest

import autograd
from autograd import GradcheckError, Value, gradgradcheck
from autograd.check.gradgradcheck import second_order_blame
from autograd.core import GradientLostWarning
from autograd.ops import OPS, Op, define_op


@pytest.fixture
def defined() -> Iterator[list[Op]]:
    """Ops a test defines, removed from the registry afterwards."""
    made: list[Op] = []
    yield made
    for op in made:
        OPS.pop(op.name, None)


def test_a_right_function_passes_with_a_row_per_pair() -> None:
    def f(x: Value, y: Value) -> Value:
        return (x * y).sin() + y.exp() + x**y + autograd.dot([x, y], [y, 2.0], x).tanh()

    result = gradgradcheck(f, [0.4, 0.9], random_points=3, within=(0.1, 2.0))
    assert result
    assert len(result.checks) == 4 * 4
    assert {c.label for c in result.checks} == {"∂²f/∂x0∂x0", "∂²f/∂x1∂x0", "∂²f/∂x0∂x1", "∂²f/∂x1∂x1"}


def test_every_built_in_op_passes() -> None:
    assert gradgradcheck(lambda x, y: (x / y).log() + (x - y).abs() + (x * 3.0).relu() + y.sigmoid()
                         + x.sqrt() * y.cos() + 2.0**x + autograd.mean([x * y, x]) - y, [0.7, 1.3])


def test_a_rule_calling_float_is_caught_and_its_op_named(defined: list[Op]) -> None:
    flat = define_op("ggc_flat_sin", lambda x: math.sin(x), lambda out, x: math.cos(x))
    defined.append(flat)
    assert autograd.gradcheck(lambda x, y: flat(x * y) + y, [0.4, 0.9])  # right at first order
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GradientLostWarning)
        with pytest.raises(GradcheckError) as caught:
            gradgradcheck(lambda x, y: flat(x * y) + y, [0.4, 0.9])
    message = str(caught.value)
    assert message.startswith("gradgradcheck: analytic gradient disagrees with finite differences")
    assert "'ggc_flat_sin'" in message
    assert "the rule is flat: does it read .data or call float()?" in message
    assert "MISMATCH" in message


def test_a_rule_reading_data_is_caught(defined: list[Op]) -> None:
    square = define_op("ggc_data_square", lambda x: x * x,
                       lambda out, x: 2.0 * (x.data if isinstance(x, Value) else x))
    defined.append(square)
    result = gradgradcheck(lambda x: square(x).exp(), [0.4], raise_exception=False)
    assert not result
    assert result.blame is not None
    assert [c.op for c in result.blame.wrong] == ["ggc_data_square"]
    assert "ggc_data_square" in str(result)


def test_a_wrong_second_order_is_blamed_on_the_rule(defined: list[Op]) -> None:
    cube = define_op("ggc_cube", lambda x: x**3, lambda out, x: 3.0 * x * getattr(x, "data", x))  # half flat
    defined.append(cube)
    blame = second_order_blame(cube(Value(0.5)))
    assert [c.found for c in blame.wrong] == [1.5]
    assert [c.expected for c in blame.wrong] == pytest.approx([3.0])
    assert not blame
    assert "ggc_cube" in str(blame)


def test_kinks_are_not_mismatches() -> None:
    assert second_order_blame(Value(0.0).relu() + abs(Value(0.0)))


def test_a_mapping_is_passed_by_name() -> None:
    assert gradgradcheck(lambda a, b: (a * b).tanh(), {"b": 0.3, "a": 1.2})
