"""`blame`: every node's local derivatives against its own op, so a failing `gradcheck` names the op
that is wrong (node, op, label, operand, expected and found), for built-ins and defined ops alike,
and says which nodes it could not check (one-off Values, whose forward is unknown)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, NamedTuple

import pytest

from autograd import GradcheckError, Value, gradcheck
from autograd.check.blame import blame
from autograd.check.testing import check_op
from autograd.ops import OPS, Op, define_op, dot, mean


class StudentOps(NamedTuple):
    """A student's ops: a right one, and ones with a wrong rule."""

    right_mul: Op
    wrong_mul: Op
    wrong_cube: Op
    wrong_sq_dist: Op


@pytest.fixture(scope="module")
def ops() -> Iterator[StudentOps]:
    """The ops, registered as `define_op` does while this module's tests run, then removed from the
    registry (which the command line and other tests read)."""
    made = StudentOps(
        define_op("blame_right_mul", lambda x, y: x * y, lambda out, x, y: y, lambda out, x, y: x),
        define_op("blame_wrong_mul", lambda x, y: x * y, lambda out, x, y: y, lambda out, x, y: 1.1 * x),
        define_op("blame_wrong_cube", lambda x: x**3, lambda out, x: 3.03 * x**2),
        define_op(  # d/dy has the wrong sign: it is -2 (x - y)
            "blame_wrong_sq_dist",
            lambda x, y: (x - y) ** 2,
            lambda out, x, y: 2 * (x - y),
            lambda out, x, y: 2 * (x - y),
        ),
    )
    yield made
    for op in made:
        del OPS[op.name]


def one_off_sin(x: Value) -> Value:
    """A node built by hand: Value(data, children, local_grads, op); its forward is unknown."""
    return Value(math.sin(x.data), (x,), (-math.cos(x.data),), "sin")


def test_a_graph_of_built_ins_is_not_blamed() -> None:
    a, b = Value(0.4, label="a"), Value(0.9, label="b")
    found = blame((a * b).tanh() + a / b - (a**b).exp() * 2.0)
    assert found
    assert found.wrong == ()
    assert found.unchecked == ()
    assert str(found) == "blame: 13 local derivatives checked, each against its node's op"


def test_gradcheck_names_the_wrong_op_inside_a_larger_expression(ops: StudentOps) -> None:
    a, b = Value(0.4, label="a"), Value(0.9, label="b")
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: ops.wrong_mul(a, b).tanh() + a, [a, b])
    lines = str(info.value).splitlines()
    assert lines[0] == "gradcheck: analytic gradient disagrees with finite differences for #1 'b'"
    assert lines[1] == (
        "blame: node n2 'blame_wrong_mul' (unlabelled): d/dy is 0.44 in local_grads, but the central"
        " difference of 'blame_wrong_mul' at (x=a=0.4, y=b=0.9) is 0.4"
    )
    assert lines[2] == "blame: 5 local derivatives checked, each against its node's op, 1 wrong"
    check = info.value.result.blame.wrong[0]  # type: ignore[union-attr]
    assert (check.node, check.op, check.operand, check.found) == (2, "blame_wrong_mul", "y", 1.1 * 0.4)
    assert check.expected == pytest.approx(0.4, abs=1e-9)


def test_a_wrong_rule_used_by_several_nodes_is_one_line_naming_them(ops: StudentOps) -> None:
    x = Value(0.7, label="x")
    found = blame(ops.wrong_mul(ops.wrong_mul(x, 2.0), ops.wrong_mul(x, x)))
    assert [c.node for c in found.wrong] == [0, 1]  # d/dy of n0 and of n1 = x * x; in x * 2.0, y is constant
    assert "(and 1 more such node: n1)" in str(found)


def test_the_label_of_the_wrong_node_is_shown(ops: StudentOps) -> None:
    x = Value(1.5, label="x")
    y = ops.wrong_cube(x)
    y.label = "volume"
    assert "node n0 'blame_wrong_cube' 'volume': d/dx is 6.8175" in str(blame(y))


def test_a_constant_operand_is_not_checked_and_is_shown(ops: StudentOps) -> None:
    t = Value(0.5, label="t")
    found = blame(ops.wrong_mul(3.0, t))  # the constant 3.0 is operand x: only d/dy exists
    assert [c.operand for c in found.checks] == ["y"]
    assert "d/dy is 3.3 in local_grads, but the central difference of 'blame_wrong_mul'" in str(found)
    assert "at (x=3, y=t=0.5) is 3\n" in str(found)


def test_a_one_off_value_node_is_not_checked_and_says_why() -> None:
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a: one_off_sin(a * 2.0).tanh(), [0.3])
    message = str(info.value)
    assert (
        "blame: 1 node not checked (n1 'sin'): one-off Value(data, children, local_grads, op) nodes,"
        " whose forward is unknown (define the op with autograd.define_op to have it checked)"
    ) in message
    assert "blame: 2 local derivatives checked, each against its node's op" in message


def test_a_kink_is_not_blamed_whichever_side_the_rule_takes() -> None:
    x = Value(0.0)
    assert blame(x.relu())
    assert blame(abs(x))
    assert [c.status for c in blame(x.relu()).checks] == ["kink"]


def test_a_rule_is_not_called_right_where_its_forward_overflows_within_the_step() -> None:
    """exp at 709.7824: e^(x + h) overflows to inf, so the central difference is inf; a wrong rule
    must not pass as "close" to it: the check is said to be impossible there, not passed."""
    wrong_exp = Op(name="wrong_exp", forward=OPS["exp"].forward, derivatives={"x": lambda out, x: 5.0},
                   formula="exp({x})", derivative_formulas={"x": "5"})
    found = blame(wrong_exp(Value(709.7824)))  # an Op of its own, not registered: OPS stays as it is
    assert [c.status for c in found.checks] == ["fails"]
    assert found.unchecked == found.checks
    assert "overflows (or is NaN) within the step" in str(found)


def test_a_step_out_of_the_ops_domain_is_retried_with_a_relative_step() -> None:
    found = blame(Value(1e-7).log())
    assert [c.status for c in found.checks] == ["ok"]
    assert found.checks[0].expected == pytest.approx(1e7, rel=1e-6)


def test_variadic_ops_are_checked_element_by_element() -> None:
    w = [Value(0.5, label="w1"), Value(-0.3)]
    found = blame(dot(w, [Value(1.5), 2.0], Value(0.1, label="bias")) + mean([w[0], 3.0, w[1]]))
    assert found
    assert [c.operand for c in found.checks if c.op == "dot"] == ["w1", "w2", "x1", "b"]
    assert [c.operand for c in found.checks if c.op == "mean"] == ["x1", "x3"]


def test_a_gradient_lost_through_data_is_said_to_be_between_nodes() -> None:
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a: a * a.data, [0.5])  # a.data is a constant to the graph
    assert "every node's local derivatives agree with its op, so the gradient is lost between nodes" in str(
        info.value
    )


def test_blame_at_a_random_point_says_which_point(ops: StudentOps) -> None:
    with pytest.raises(GradcheckError) as info:  # blamed where the error is largest (x0 = 1.37769)
        gradcheck(ops.wrong_cube, [1.0], random_points=3)
    first, second = str(info.value).splitlines()[:2]
    assert first.endswith("for #0 'x0' at point #1 (x0=1.37769) (and at 3 more points)")
    assert second.startswith("blame (at point #1): node n0 'blame_wrong_cube' (unlabelled): d/dx is 5.75103")
    assert info.value.result.blame_point == 1


# ---- check_op: one line per op ------------------------------------------------------------------


BUILT_INS = ["+", "-", "*", "/", "**", "neg", "exp", "log", "tanh", "sigmoid", "relu", "abs", "sin", "cos",
             "sqrt", "sum", "mean", "dot"]  # fmt: skip


def _within(name: str) -> tuple[float, float]:
    """Inside the domain of log, sqrt, x ** y and 1 / y; away from the kink of relu and abs at 0."""
    return (0.2, 3.0) if name in {"/", "**", "log", "sqrt", "relu", "abs"} else (-2.0, 2.0)


@pytest.mark.parametrize("name", BUILT_INS)
def test_every_built_in_op_passes_check_op(name: str) -> None:
    assert check_op(OPS[name], within=_within(name))


def _scaled(d: Any) -> Any:
    """A rule's result 10% off (a variadic op's rule gives a list: each term)."""
    return [1.1 * v for v in d] if isinstance(d, list) else 1.1 * d


@pytest.mark.parametrize(
    ("name", "k"), [(name, k) for name in BUILT_INS for k in range(len(OPS[name].derivatives))]
)
def test_any_built_in_rule_made_10_percent_wrong_is_caught_and_blamed(name: str, k: int) -> None:
    rules = dict(OPS[name].derivatives)
    param = OPS[name].params[k]
    rules[param] = (lambda rule: lambda *xs: _scaled(rule(*xs)))(rules[param])
    mutant = replace(OPS[name], derivatives=rules)  # not registered: the table is unchanged
    result = check_op(mutant, within=_within(name), raise_exception=False)
    assert not result
    assert result.blame is not None
    assert {c.op for c in result.blame.wrong} == {name}


def test_check_op_names_the_student_op_and_the_seed(ops: StudentOps) -> None:
    with pytest.raises(GradcheckError) as info:
        check_op(ops.wrong_sq_dist, seed=3, random_points=5)
    message = str(info.value)
    assert message.startswith(
        "gradcheck: analytic gradient disagrees with finite differences for #1 'y' at point #"
    )
    assert "\nblame (at point #4): node n0 'blame_wrong_sq_dist' (unlabelled): d/dy is -6.59442" in message
    assert message.endswith("#1-#5 random in [-2, 2], seed=3)")


def test_check_op_passes_a_right_student_op(ops: StudentOps) -> None:
    result = check_op(ops.right_mul)
    assert result
    assert len(result.points) == 21
    assert result.labels == ("x", "y")


def test_check_op_refuses_what_is_not_an_op() -> None:
    with pytest.raises(TypeError, match=r"check_op: op must be an Op .*got function"):
        check_op(one_off_sin)  # type: ignore[arg-type]
