"""The compiler's rewrites of a rule's code leave every result as it was, to the bit."""

from __future__ import annotations

import ast
import itertools
import math
from collections.abc import Callable

import pytest

import autograd
from autograd import Value
from autograd.compile_rules import Namespace, rule_code, zero_plus

SPECIAL = [0.0, -0.0, 1.5, -1.5, 1e-300, math.inf, -math.inf, math.nan, 3, -2, 0]


pytestmark = pytest.mark.usefixtures("op_table_restored")  # the ops defined here leave the table


def bits(x: object) -> object:
    """A number as its type and bits (every NaN alike, -0.0 apart from 0.0)."""
    if isinstance(x, float):
        return ("nan",) if math.isnan(x) else (float, x, math.copysign(1.0, x))
    return (type(x), x)


FLOATS = [x for x in SPECIAL if isinstance(x, float)]


def _a_is_float(name: str) -> bool:
    return name == "a"


@pytest.mark.parametrize("chain", ["0.0 + a", "0.0 + a + b", "0.0 + b - a", "0.0 + b + c + a",
                                   "0.0 + a - b + c", "(0.0 + a + b) * c", "0.0 + a * b + c"])
def test_zero_plus_is_the_sum_started_at_zero_to_the_bit(chain: str) -> None:
    rewritten = ast.unparse(zero_plus(ast.parse(chain, mode="eval").body, _a_is_float))
    assert "0.0 +" not in rewritten
    assert "or 0.0" in rewritten
    for a, b, c in itertools.product(FLOATS, SPECIAL, SPECIAL):  # a a float, b and c ints too
        scope = {"a": a, "b": b, "c": c}
        assert bits(eval(rewritten, scope)) == bits(eval(chain, scope)), (chain, rewritten, a, b, c)


@pytest.mark.parametrize("text", ["a + b", "-0.0 + a", "0 + a", "a - 0.0 + b", "0.0 - a",
                                  "0.0 + b + c", "0.0 + b * c"])  # the last two: b and c may be ints
def test_zero_plus_leaves_other_sums_as_they_are(text: str) -> None:
    tree = ast.parse(text, mode="eval").body
    assert ast.unparse(zero_plus(tree, _a_is_float)) == ast.unparse(ast.parse(text, mode="eval").body)


def _code(rule: object, *names: str) -> str:
    return rule_code(rule, list(names), Namespace(), "rule", symbolic=False).text  # type: ignore[arg-type]


def test_max_and_min_of_two_are_written_as_the_comparison_the_builtins_make() -> None:
    rules: dict[str, Callable[[float, float, float], float]] = {
        "max": lambda out, a, b: max(a * 1.0, b),
        "min": lambda out, a, b: min(a, b + 0.0),
        "nested": lambda out, a, b: max(max(a, b) * 2.0, min(b, a) - 1.0),
        "constant": lambda out, a, b: max(a, 0.5) + min(-0.0, b),
    }
    for what, rule in rules.items():
        code = _code(rule, "out", "x", "y")
        assert "max(" not in code, (what, code)
        assert "min(" not in code, (what, code)
        for x, y in itertools.product(SPECIAL, repeat=2):
            got = eval(code, {}, {"out": 0.0, "x": x, "y": y})
            assert bits(got) == bits(rule(0.0, x, y)), (what, code, x, y)


def test_a_module_with_a_max_of_its_own_keeps_its_call() -> None:
    namespace: dict[str, object] = {"max": lambda a, b: a}
    exec("def rule(out, a, b):\n    return max(a, b)\n", namespace)
    code = _code(namespace["rule"], "out", "x", "y")
    assert "max(" in code or "_rule(" in code


def test_a_forward_that_names_a_value_with_walrus_is_inlined_with_a_name_of_the_steps() -> None:
    def softplus(x: float) -> float:
        return (e := math.exp(-abs(x))) and math.log1p(e) + max(x, 0.0)

    op = autograd.define_op("compile_rules_softplus", softplus, lambda out, x: 1.0 / (1.0 + math.exp(-x)))
    w, w2 = Value(0.3, label="w"), Value(0.3, label="w")
    step = autograd.compile(lambda x: op(w * x), [w], 2.0, check=True)
    assert "_e := " in step.source
    assert "softplus(" not in step.source
    for x in (2.0, -3.0, 0.0):
        loss = op(w2 * x)
        loss.backward()
        assert bits(step(x)) == bits(loss.data)
    assert bits(w.grad) == bits(w2.grad)


def test_a_walrus_name_taken_by_a_parameter_is_not_inlined() -> None:
    def odd(x: float) -> float:
        return (x := x + 1.0) * x

    assert _code(odd, "v").startswith("_rule(")
