"""The compiler's rewrites of a rule's code leave every result as it was, to the bit."""

from __future__ import annotations

import ast
import functools
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

import autograd
import nn
from autograd import CompileError, Value
from autograd.compiler.rules import Namespace, raise_test, rule_code, zero_plus

SPECIAL = [0.0, -0.0, 1.5, -1.5, 1e-300, math.inf, -math.inf, math.nan, 3, -2, 0, 2**53, 1]


pytestmark = pytest.mark.usefixtures("op_table_restored")  # the ops defined here leave the table


def bits(x: object) -> object:
    """A number as its type and bits (every NaN alike, -0.0 apart from 0.0)."""
    if isinstance(x, float):
        return ("nan",) if math.isnan(x) else (float, x, math.copysign(1.0, x))
    return (type(x), x)


FLOATS = [x for x in SPECIAL if isinstance(x, float)]


def _a_is_float(name: str) -> bool:
    return name == "a"


@pytest.mark.parametrize("chain", ["0.0 + a", "0.0 + a + b", "0.0 + a - b", "0.0 + a * b + c",
                                   "0.0 + a - b + c", "(0.0 + a + b) * c", "(0.0 + a + b) * (0.0 + a - c)"])
def test_zero_plus_is_the_sum_started_at_zero_to_the_bit(chain: str) -> None:
    rewritten = ast.unparse(zero_plus(ast.parse(chain, mode="eval").body, _a_is_float))
    assert "0.0 +" not in rewritten
    assert "or 0.0" in rewritten
    for a, b, c in itertools.product(FLOATS, SPECIAL, SPECIAL):  # a a float, b and c ints too
        scope = {"a": a, "b": b, "c": c}
        assert bits(eval(rewritten, scope)) == bits(eval(chain, scope)), (chain, rewritten, a, b, c)


@pytest.mark.parametrize("text", ["a + b", "-0.0 + a", "0 + a", "a - 0.0 + b", "0.0 - a",
                                  "0.0 + b + a", "0.0 + b * c"])  # the last two: b may be an int
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


def _branchy(x: float) -> float:
    """if/elif/else and assignments, each read first where it is read."""
    if x > 1.0:
        return x * 2.0
    elif x < -1.0:
        e = math.exp(x)
        return e / (1.0 + e)
    t = x * x
    t = t - 1.0
    return t - x


def _read_late(x: float) -> float:
    e = math.exp(x)
    return x + e  # x is evaluated before e: no single expression evaluates e first


def _read_before_assigned(x: float) -> float:
    if x > 0.0:
        return x
    e = -x
    return e


def _falls_through(x: float) -> float:
    if x > 0.0:
        x = -x
    return x


def test_a_def_of_if_return_and_assignments_is_inlined_as_one_expression_to_the_bit() -> None:
    ns = Namespace()
    code = rule_code(_branchy, ["v"], ns, "rule", symbolic=False).text
    assert code == ("v * 2.0 if v > 1.0 else (_e := _math.exp(v)) / (1.0 + _e) if v < -1.0"
                    " else (_t := ((_t := (v * v)) - 1.0)) - v")
    for x in SPECIAL:
        assert bits(eval(code, dict(ns.objects), {"v": x})) == bits(_branchy(x)), x
    assert _code(_read_late, "v") == "_rule(v)"  # called, not reordered
    assert _code(_read_before_assigned, "v") == "v if v > 0.0 else (_e := (-v))"
    assert _code(_falls_through, "v") == "_rule(v)"  # an if without a return: called


def test_the_ops_defs_are_inlined_sigmoid_as_before_and_means_len_as_a_number() -> None:
    w = Value(0.5, label="w")
    step = autograd.compile(lambda x: autograd.mean([(w * x).sigmoid(), w, w * 2.0]), [w], 2.0)
    assert "_sigmoid(" not in step.source
    assert "1.0 / (1.0 + _math.exp(-t0)) if t0 >= 0.0 else (_e := _math.exp(t0)) / (1.0 + _e)" in step.source
    assert "    d_t1 = 1.0 / 3\n" in step.source  # mean's 1.0 / len(x), x of 3 terms
    for x in (2.0, -800.0, 800.0):
        got, expected, w1, w2 = _compiled_and_engine(
            lambda w: lambda a: autograd.mean([(w * a).sigmoid(), w, w * 2.0]), 0.5, x)
        assert bits(got) == bits(expected)
        assert bits(w1.grad) == bits(w2.grad)


# ---- what a review of the rewrites found (each once wrong) -------------------------------------------


def _compiled_and_engine(f_of: Callable[[Value], Callable[..., Value]], start: float, *args: float,
                         **options: object) -> tuple[object, object, Value, Value]:
    """``f_of(w)`` compiled and run on ``args``, and run on the engine; both results and both ws."""
    w, w2 = Value(start, label="w"), Value(start, label="w")
    step = autograd.compile(f_of(w), [w], *args, **options)  # type: ignore[call-overload]
    got = step(*args)
    loss = f_of(w2)(*args)
    loss.backward()
    return got, loss.data, w, w2


def _list_op(name: str, forward: Callable[..., float], rule: Callable[..., Any],
             domain: Callable[..., None] | None = None) -> autograd.Op:
    """An op of one list operand ``x`` (as ``sum``), registered."""
    return autograd.ops.register(autograd.Op(name=name, forward=forward, derivatives={"x": rule},
                                             formula=name, derivative_formulas={"x": "d"}, lists=("x",),
                                             domain=domain))


def test_a_sum_with_an_int_first_keeps_its_zero() -> None:
    got, expected, _, _ = _compiled_and_engine(lambda w: lambda a, b: autograd.sum([a, b, w]), 0.0, 2**53, 1)
    assert bits(got) == bits(expected)  # 0.0 + 2**53 + 1 rounds; 2**53 + 1 as ints does not


def test_a_symbolic_node_used_twice_is_rewritten_in_both_places() -> None:
    def sq_of_sum(xs: list[float]) -> float:
        s = 0.0
        for x in xs:
            s += x
        return s * s

    op = _list_op("review_sqsum", sq_of_sum, lambda out, x: 1.0)
    got, expected, _, _ = _compiled_and_engine(lambda w: lambda a: op([w, a]), -0.0, -0.0)
    assert bits(got) == bits(expected)


def test_a_conditional_local_at_the_root_is_parenthesised_before_or() -> None:
    op = autograd.define_op("review_sqneg", lambda x: x * x if x <= 0.0 else x,
                            lambda out, x: 2.0 * x if x <= 0.0 else 1.0)
    w, w2 = Value(-0.0, label="w"), Value(-0.0, label="w")
    sgd, sgd2 = nn.SGD([w], lr=0.1), nn.SGD([w2], lr=0.1)
    autograd.compile(lambda: op(w), [w], optimizer=sgd, return_loss=False)()
    sgd2.zero_grad()
    op(w2).backward()
    sgd2.step()
    assert (bits(w.grad), bits(w.data)) == (bits(w2.grad), bits(w2.data))


def test_max_evaluates_its_first_operand_first() -> None:
    op = autograd.define_op("review_clip", lambda x: max((e := math.exp(x)), 20.0 - e), lambda out, x: out)
    for x in (-1.0, 1.0):
        got, expected, _, _ = _compiled_and_engine(lambda w: lambda a: op((w * a).sigmoid() * 10.0), 1.0, x)
        assert bits(got) == bits(expected)


def test_a_rules_own_names_and_the_labels_do_not_clash_with_the_steps() -> None:
    op = autograd.define_op("review_sqlog", lambda x: (recover := math.log(x)) * recover,
                            lambda out, x: 2.0 * math.log(x) / x)
    w = Value(1.0, label="w")
    step = autograd.compile(lambda a: op(w * a), [w], 2.0)
    with pytest.raises(ValueError, match="review_sqlog"):
        step(-2.0)  # the engine's error, not an UnboundLocalError of _recover
    for label in ("math", "h__local_e__x", "_e", "e"):
        def f(w: Value, label: str = label) -> Callable[[float], Value]:
            def loss(a: float) -> Value:
                h = w * a
                h.label = label
                return h.sigmoid()
            return loss
        got, expected, w1, w2 = _compiled_and_engine(f, 0.5, -2.0)
        assert bits(got) == bits(expected), label
        assert bits(w1.grad) == bits(w2.grad), label


def test_return_loss_false_with_a_batched_root_or_a_domain_without_a_name() -> None:
    def nonneg(xs: list[float]) -> None:
        if any(not x >= 0.0 for x in xs):
            raise ValueError("terms must be >= 0")

    def nonneg_sum(xs: list[float]) -> float:
        nonneg(xs)
        return autograd.ops._sum(xs)

    op = _list_op("review_nnsum", nonneg_sum, lambda out, x: 1.0, domain=nonneg)
    w = Value(0.5, label="w")
    update = autograd.compile(lambda xs: op([(w * x) ** 2 for x in xs]), [w], [1.0, 2.0, 3.0],
                              return_loss=False)
    assert update([1.0, 2.0, 3.0]) is None  # type: ignore[func-returns-value]
    def at_most(x: float, limit: float) -> None:
        if not x <= limit:
            raise ValueError(f"more than {limit}")

    checked = functools.partial(at_most, limit=10.0)  # a domain without a __name__
    def square(x: float) -> float:
        checked(x)
        return x * x

    sq = autograd.define_op("review_sq", square, lambda out, x: 2.0 * x, domain=checked)
    update = autograd.compile(lambda a: sq(w * a), [w], 2.0, return_loss=False)
    assert "_review_sq_domain(t0)" in update.source
    update(2.0)
    with pytest.raises(ValueError, match=r"more than 10\.0"):
        update(100.0)


def test_a_forward_that_is_an_object_or_reads_a_global_compiles_each_time_afresh() -> None:
    @dataclass
    class Clipped:
        limit: float

        def __call__(self, xs: list[float]) -> float:
            total = 0.0
            for x in xs:
                total += x if x < self.limit else self.limit
            return total

    def column(out: float, x: list[float]) -> list[float]:  # a rule giving a list
        return [1.0 if v < 10.0 else 0.0 for v in x]

    op = _list_op("review_csum", Clipped(10.0), column)
    got, expected, _, _ = _compiled_and_engine(lambda w: lambda a: op([w, a]), 0.5, 2.0)
    assert bits(got) == bits(expected)
    scale = {"k": 2.0}

    def scaled(xs: list[float]) -> float:
        total = 0.0
        for x in xs:
            total += scale["k"] * x
        return total

    op2 = _list_op("review_ssum", scaled, lambda out, x: scale["k"])
    _compiled_and_engine(lambda w: lambda a: op2([w, a]), 1.0, 1.0)
    scale["k"] = 3.0
    got, expected, _, _ = _compiled_and_engine(lambda w: lambda a: op2([w, a]), 1.0, 1.0)
    assert bits(got) == bits(expected)


def test_an_unrolled_forward_is_checked_on_each_compiles_own_data() -> None:
    def ratio(xs: list[float]) -> float:
        return 1.0 if xs[0] == xs[1] else xs[0] / xs[1]

    def column(out: float, x: list[float]) -> list[float]:  # a rule giving a list
        return [1.0] * len(x)

    op = _list_op("review_ratio", ratio, column)
    _compiled_and_engine(lambda w: lambda a: op([w, a]), 1.0, 2.0)  # an earlier compile, other data
    got, expected, _, _ = _compiled_and_engine(lambda w: lambda a: op([w, a]), 0.0, 0.0)
    assert bits(got) == bits(expected)


def test_a_guard_on_a_node_made_from_the_loss() -> None:
    def f_of(w: Value) -> Callable[[float], Value]:
        def f(a: float) -> Value:
            loss = (w * a) ** 2
            if loss * 2.0 > 1.0:  # a node only the guard reads, made from the loss
                return loss
            return loss * 0.5
        return f

    for options in ({}, {"return_loss": False}):
        for a in (2.0, 0.1):
            got, expected, w1, w2 = _compiled_and_engine(f_of, 1.0, a, **options)
            assert bits(got) == bits(expected if not options else None)
            assert bits(w1.grad) == bits(w2.grad)


# ---- what a second review found ----------------------------------------------------------------------


def test_a_grad_the_step_cannot_add_to_makes_it_the_engines_step() -> None:
    w, w2 = Value(0.5, label="w"), Value(0.5, label="w")
    u, u2 = Value(1.0, label="u"), Value(1.0, label="u")  # a parameter f does not use
    step = autograd.compile(lambda a: w * a, [w, u], 2.0)
    for grads in ((None, None), (None, "stale"), (3, None)):
        w.grad, u.grad = w2.grad, u2.grad = grads  # type: ignore[assignment]
        assert bits(step(2.0)) == bits((w2 * 2.0).data)
        (w2 * 2.0).backward()
        assert (bits(w.grad), u.grad) == (bits(w2.grad), u2.grad)  # u is left as backward() leaves it


def test_a_leaf_chosen_by_a_guard_is_the_loss() -> None:
    w = Value(0.5, label="w")
    step = autograd.compile(lambda a: a if a > 0.5 else a * w, [w], 0.0)
    assert step(0.2) == 0.1
    with pytest.raises(CompileError, match="must return a Value"):  # the engine gets a float: no backward()
        step(1.0)  # B12: max/min (or a branch) returning an argument


def test_names_of_builtins_the_step_calls_are_not_its_argument_or_function_names() -> None:
    model, twin = nn.MLP(2, [2, 1], seed=1), nn.MLP(2, [2, 1], seed=1)
    xs, ys = [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]], [1.0, 0.0, 1.0]

    def loss_of(m: nn.MLP) -> Callable[..., Value]:
        def len(zip: list[list[float]], ys: list[float]) -> Value:  # noqa: A001, A002
            return nn.mean_mse_loss([m(row) for row in zip], ys)  # type: ignore[misc]
        return len

    step = autograd.compile(loss_of(model), model.parameters(), xs, ys)
    assert "def step(a0, a1):" in step.source
    assert bits(step(xs, ys)) == bits(loss_of(twin)(xs, ys).data)


def test_a_decorated_rule_or_a_def_of_two_statements_is_called_not_misread(tmp_path: Any) -> None:
    (tmp_path / "review_rules.py").write_text(
        "def keep(*a):\n    return lambda f: f\n\n"
        "@keep(lambda out, x: out)\ndef decorated(out, x):\n    return 5.0 * x\n\n"
        "def one_line(out, x): k = (lambda out, x: out); return 3.0 * x\n", encoding="utf-8")
    import importlib.util

    spec = importlib.util.spec_from_file_location("review_rules", tmp_path / "review_rules.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, slope in (("decorated", 5.0), ("one_line", 3.0)):
        op = autograd.define_op(f"review_{name}", lambda x: x, getattr(module, name))
        w = Value(0.5, label="w")
        autograd.compile(lambda x, op=op, w=w: op(w * x), [w], 2.0)(2.0)
        assert w.grad == slope * 1.0 * 2.0  # the rule, slope * (w x) at w x = 1.0, times x = 2.0


def _unit_check(p: float, y: float) -> None:
    """A check as the table writes them: only ``if c: raise`` lines."""
    if not 0.0 <= p <= 1.0:
        raise ValueError("p")
    if y != y:
        raise ValueError("y is NaN")


def _counting_check(p: float) -> None:
    CALLS.append(p)  # a check that does something else too: called at every update
    if p > 10.0:
        raise ValueError("too big")


CALLS: list[float] = []


def test_a_check_of_if_raise_lines_is_its_test_true_exactly_when_it_raises() -> None:
    ns = Namespace()
    test = raise_test(_unit_check, ["a", "b"], ns)
    assert test is not None
    assert test.text == "not 0.0 <= a <= 1.0 or b != b"
    special = [0.0, -0.0, 1.0, 0.5, -1e-300, 1.0000000000000002, math.inf, -math.inf, math.nan]
    for a, b in itertools.product(special, special):
        try:
            _unit_check(a, b)
            raised = False
        except ValueError:
            raised = True
        assert eval(test.text, {"a": a, "b": b}) == raised, (a, b)  # our own test text
    assert raise_test(_counting_check, ["a"], ns) is None
    assert raise_test(lambda p: None, ["a"], ns) is None


def test_a_domain_that_does_more_than_raise_is_called_at_every_update() -> None:
    w = Value(0.5, label="w")
    def square(x: float) -> float:
        _counting_check(x)  # the forward calls its domain first, as the table's do
        return x * x

    counted = autograd.define_op("review_counted", square, lambda out, x: 2.0 * x, domain=_counting_check)
    update = autograd.compile(lambda a: counted(w * a), [w], 2.0, return_loss=False)
    assert "if " not in next(line for line in update.source.splitlines() if "_domain(" in line)
    CALLS.clear()
    update(2.0)
    update.run([(1.0,), (3.0,)])
    assert CALLS == [1.0, 0.5, 1.5]  # one check per update, w * a each time
    with pytest.raises(ValueError, match="too big"):
        update(100.0)
