"""`autograd.compile`: the compiled step gives backward()'s loss and gradients, bit for bit."""

from __future__ import annotations

import io
import linecache
import math
import pdb
import random
import threading
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from expression_trees import VALUE_FUNCTIONS, Tree, Unsuitable, describe, evaluate, inputs, trees
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd
import nn
from autograd import CompileCheckError, CompileError, Value, core
from demos.seed import XOR_DATA, seed_model

LOSSES = {"mse": nn.mean_mse_loss, "bce": nn.mean_bce_loss, "hinge": nn.mean_hinge_loss}


pytestmark = pytest.mark.usefixtures("op_table_restored")  # the ops defined here leave the table


def same(a: float, b: float) -> bool:
    """Equal to the bit (NaN equals NaN)."""
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1.0, a) == math.copysign(1.0, b))


def one(model: nn.MLP, x: Sequence[Any]) -> Value:
    """The output of a one-output model."""
    out = model(x)
    assert isinstance(out, Value)
    return out


def engine_step(f: Callable[..., Value], params: Sequence[Value], *args: Any) -> float:
    loss = f(*args)
    loss.backward()
    return loss.data


def returned(step: Callable[..., object], *args: Any) -> object:
    """What ``step(*args)`` returns (None for a step compiled with ``return_loss=False``)."""
    return step(*args)


def assert_same_grads(a: Sequence[Value], b: Sequence[Value], what: str = "") -> None:
    for k, (p, q) in enumerate(zip(a, b, strict=True)):
        assert same(p.grad, q.grad), f"{what}: parameter #{k} ({p.label}): {p.grad!r} vs {q.grad!r}"
        assert same(p.data, q.data), f"{what}: parameter #{k} ({p.label}) data: {p.data!r} vs {q.data!r}"


# ---- the seed's network -----------------------------------------------------------------------------


def test_the_seeds_step_adds_backwards_gradients_bit_for_bit() -> None:
    compiled, engine = seed_model(), seed_model()
    step = autograd.compile(lambda x, y: nn.bce_loss(one(compiled, x), y), compiled.parameters(),
                            *XOR_DATA[0])
    for p, q in zip(compiled.parameters(), engine.parameters(), strict=True):
        p.grad = q.grad = 0.25  # step adds, as backward() does
    for x, y in XOR_DATA:
        loss = step(x, y)
        assert type(loss) is float
        assert same(loss, engine_step(lambda x, y: nn.bce_loss(one(engine, x), y), engine.parameters(), x, y))
        assert_same_grads(compiled.parameters(), engine.parameters(), str(x))


def test_the_source_reads_as_the_article_forward_then_backward() -> None:
    model = seed_model()
    step = autograd.compile(lambda x, y: nn.bce_loss(one(model, x), y), model.parameters(), [1.0, 1.0], 0.0)
    lines = [line.strip() for line in step.source.splitlines()]
    assert "ĥ1 = 1.0 / (1.0 + _math.exp(-h1)) if h1 >= 0.0 else (_e := _math.exp(h1)) / (1.0 + _e)" in lines
    assert "d_o = ô * (1.0 - ô) * d_ô" in lines  # σ'(o) = ô(1 − ô), the rule of the op table
    assert "d_w2_0 = ĥ1 * d_o" in lines
    assert lines.index("ô = 1.0 / (1.0 + _math.exp(-o)) if o >= 0.0 else (_e := _math.exp(o)) / (1.0 + _e)") \
        < lines.index("d_o = ô * (1.0 - ô) * d_ô")
    compile(step.source, "<source>", "exec")  # valid Python


def test_sgd_generated_in_is_zero_grad_backward_step_bit_for_bit() -> None:
    compiled, engine = seed_model(), seed_model()
    fused = nn.SGD(compiled.parameters(), lr=0.4)
    plain = nn.SGD(engine.parameters(), lr=0.4)
    step = autograd.compile(lambda x, y: nn.bce_loss(one(compiled, x), y), compiled.parameters(),
                            *XOR_DATA[0],
                            optimizer=fused)
    for epoch in range(25):
        fused.lr = plain.lr = 0.4 / (1 + epoch)  # read at every step
        for x, y in XOR_DATA:
            plain.zero_grad()
            expected = engine_step(lambda x, y: nn.bce_loss(one(engine, x), y), engine.parameters(), x, y)
            plain.step()
            assert same(step(x, y), expected)
            assert_same_grads(compiled.parameters(), engine.parameters(), f"epoch {epoch} {x}")


def test_weight_decay_is_generated_in_too() -> None:
    compiled, engine = seed_model(), seed_model()
    fused = nn.SGD(compiled.parameters(), lr=0.4, weight_decay=0.01)
    plain = nn.SGD(engine.parameters(), lr=0.4, weight_decay=0.01)
    step = autograd.compile(lambda x, y: nn.mse_loss(one(compiled, x), y), compiled.parameters(),
                            *XOR_DATA[0],
                            optimizer=fused)
    for x, y in XOR_DATA * 3:
        plain.zero_grad()
        engine_step(lambda x, y: nn.mse_loss(one(engine, x), y), engine.parameters(), x, y)
        plain.step()
        step(x, y)
        assert_same_grads(compiled.parameters(), engine.parameters(), str(x))


def test_return_loss_false_skips_the_loss_and_keeps_its_domain_check() -> None:
    compiled, engine = seed_model(), seed_model()
    fused, plain = nn.SGD(compiled.parameters(), lr=0.4), nn.SGD(engine.parameters(), lr=0.4)
    update = autograd.compile(lambda x, y: nn.bce_loss(one(compiled, x), y), compiled.parameters(),
                              *XOR_DATA[0], optimizer=fused, return_loss=False)
    lines = [line.strip() for line in update.source.splitlines()]
    assert ("if not 0.0 <= ô <= 1.0 or not 0.0 <= y <= 1.0: _bce_domain(ô, y)  # raises: the loss is not"
            " computed, only its domain checked") in lines  # the check's own tests, inlined: called to raise
    assert "return None" in lines
    assert "_bce(" not in update.source
    assert "loss = " not in update.source
    for x, y in XOR_DATA * 5:
        plain.zero_grad()
        engine_step(lambda x, y: nn.bce_loss(one(engine, x), y), engine.parameters(), x, y)
        plain.step()
        assert returned(update, x, y) is None
        assert_same_grads(compiled.parameters(), engine.parameters(), str(x))
    before = [(p.data, p.grad) for p in compiled.parameters()]
    with pytest.raises(ValueError, match=r"bce: .*'ô'.*the target must be in \[0, 1\]; got 2.0"):
        update([1.0, 0.0], 2.0)
    # B11: the engine's sequence, zero_grad() then f raising, leaves every grad 0.0, every weight as it was
    assert [(p.data, p.grad) for p in compiled.parameters()] == [(data, 0.0) for data, _ in before]
    with pytest.raises(ValueError, match=r"the target must be -1 or \+1; got 0.5"):
        autograd.compile(lambda x, y: nn.hinge_loss(one(compiled, x), y), compiled.parameters(),
                         [1.0, 0.0], 1.0, return_loss=False)([1.0, 0.0], 0.5)


def test_a_bad_target_raises_from_the_compiled_step_as_from_the_engine() -> None:
    model = seed_model()
    step = autograd.compile(lambda x, y: nn.bce_loss(one(model, x), y), model.parameters(), *XOR_DATA[0])
    assert "_bce(ô, y)" in step.source  # the forward calls its domain check: a call, not inlined
    before = [(p.data, p.grad) for p in model.parameters()]
    for bad in (2.0, -0.5, math.nan):
        with pytest.raises(ValueError, match="the target must be in"):
            step([1.0, 0.0], bad)
    assert [(p.data, p.grad) for p in model.parameters()] == before


def test_a_grad_of_none_counts_as_zero_and_a_bad_one_is_the_engines_error() -> None:
    compiled, engine = seed_model(), seed_model()
    step = autograd.compile(lambda x, y: nn.bce_loss(one(compiled, x), y), compiled.parameters(),
                            *XOR_DATA[0])
    for p, q in zip(compiled.parameters(), engine.parameters(), strict=True):
        p.grad = q.grad = None  # type: ignore[assignment]  # as PyTorch's zero_grad(set_to_none=True)
    compiled.parameters()[3].grad = engine.parameters()[3].grad = 2  # an int: its float
    assert same(step(*XOR_DATA[1]), engine_step(lambda x, y: nn.bce_loss(one(engine, x), y),
                                                engine.parameters(), *XOR_DATA[1]))
    assert_same_grads(compiled.parameters(), engine.parameters())
    compiled.parameters()[5].grad = "x"  # type: ignore[assignment]
    before = [p.grad for p in compiled.parameters()]
    with pytest.raises(TypeError, match=r"backward: .*'x'"):
        step(*XOR_DATA[1])
    assert [p.grad for p in compiled.parameters()][:5] == before[:5]  # nothing added


def test_return_loss_false_keeps_a_loss_the_backward_reads_or_that_has_no_domain_check() -> None:
    w, w2 = Value(0.5, label="w"), Value(0.5, label="w")
    update = autograd.compile(lambda x: (w * x).exp(), [w], 2.0, return_loss=False, check=True)
    assert " = _exp(" in update.source  # d exp(u)/du = exp(u): the backward reads the loss
    assert returned(update, 2.0) is None
    engine_step(lambda x: (w2 * x).exp(), [w2], 2.0)
    assert same(w.grad, w2.grad)
    mse = autograd.compile(lambda x: nn.mse_loss(w * x, 1.0), [w], 2.0, return_loss=False)
    assert "loss = " in mse.source  # no domain check to run instead: the line stays
    assert returned(mse, 2.0) is None


def test_int_arguments_give_float_gradients_as_backward_does() -> None:
    w, w2 = Value(0.5, label="w"), Value(0.5, label="w")
    fused, plain = nn.SGD([w], lr=0.1), nn.SGD([w2], lr=0.1)
    update = autograd.compile(lambda x: w * x, [w], 3, optimizer=fused, return_loss=False)
    assert "d_w = float(x) * 1.0 or 0.0" in update.source  # the engine takes the int as its float
    for x in (3, 0, -2):
        update(x)
        plain.zero_grad()
        (w2 * x).backward()
        plain.step()
        assert type(w.grad) is float
        assert same(w.grad, w2.grad)
        assert same(w.data, w2.data)


# ---- random networks and random expressions -----------------------------------------------------------


@settings(max_examples=40)
@given(
    hidden=st.lists(st.integers(1, 4), min_size=1, max_size=2),
    activation=st.sampled_from(sorted(nn.ACTIVATIONS)),
    loss=st.sampled_from(sorted(LOSSES)),
    batch=st.integers(1, 6),
    seed=st.integers(0, 10_000),
)
def test_random_networks_every_activation_and_loss_bit_for_bit(
    hidden: list[int], activation: str, loss: str, batch: int, seed: int
) -> None:
    rng = random.Random(seed)
    out = "sigmoid" if loss == "bce" else "linear"
    nin = rng.randint(1, 3)

    def model() -> nn.MLP:
        return nn.MLP(nin, [*hidden, 1], activation=activation, output_activation=out, seed=seed)

    xs = [[round(rng.uniform(-2, 2), 3) for _ in range(nin)] for _ in range(batch)]
    ys = [rng.choice([-1.0, 1.0]) if loss == "hinge" else float(rng.randint(0, 1)) for _ in range(batch)]
    compiled, engine = model(), model()

    def f(m: nn.MLP) -> Callable[..., Value]:
        return lambda x, y: LOSSES[loss]([one(m, row) for row in x], y)

    step = autograd.compile(f(compiled), compiled.parameters(), xs, ys)
    fused, plain = model(), model()  # the whole update generated in, the loss not computed
    fused_sgd, plain_sgd = nn.SGD(fused.parameters(), lr=0.1), nn.SGD(plain.parameters(), lr=0.1)
    update = autograd.compile(f(fused), fused.parameters(), xs, ys, optimizer=fused_sgd, return_loss=False)
    for _ in range(2):
        xs = [[round(rng.uniform(-2, 2), 3) for _ in range(nin)] for _ in range(batch)]
        assert same(step(xs, ys), engine_step(f(engine), engine.parameters(), xs, ys))
        assert_same_grads(compiled.parameters(), engine.parameters(), step.source)
        plain_sgd.zero_grad()
        engine_step(f(plain), plain.parameters(), xs, ys)
        plain_sgd.step()
        assert returned(update, xs, ys) is None
        assert_same_grads(fused.parameters(), plain.parameters(), update.source)


def _suitable(tree: Tree, xs: list[float]) -> bool:
    try:
        evaluate(tree, [Value(x) for x in xs], VALUE_FUNCTIONS, guard=True)
    except Unsuitable:
        return False
    return bool(tree[0] != "x")


@settings(max_examples=300)
@given(tree=trees(), xs=inputs(), as_argument=st.integers(0, 2))
def test_random_expressions_over_every_op_bit_for_bit(tree: Tree, xs: list[float], as_argument: int) -> None:
    assume(_suitable(tree, xs))
    # x0..x2: parameters, except one that is an argument of the step
    params = [Value(x, label=f"x{k}") for k, x in enumerate(xs)]
    copies = [Value(x, label=f"x{k}") for k, x in enumerate(xs)]

    def f(leaves: list[Value]) -> Callable[[float | Value], Value]:
        def loss(a: float | Value) -> Value:
            arg = a if isinstance(a, Value) else Value(a)  # the engine's run: a number as a leaf
            operands = [arg if k == as_argument else v for k, v in enumerate(leaves)]
            out = evaluate(tree, operands, VALUE_FUNCTIONS)
            assert isinstance(out, Value)
            return out

        return loss

    learned = [p for k, p in enumerate(params) if k != as_argument]
    step = autograd.compile(f(params), learned, xs[as_argument])
    loss = step(xs[as_argument])
    assert same(loss, engine_step(f(copies), copies, xs[as_argument])), describe(tree)
    for k, (p, q) in enumerate(zip(params, copies, strict=True)):
        if k != as_argument:
            assert same(p.grad, q.grad), f"{describe(tree)}: x{k}: {p.grad!r} vs {q.grad!r}\n{step.source}"


# ---- batches ------------------------------------------------------------------------------------------


def moons_like(n: int, seed: int = 1) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(seed)
    xs = [[rng.uniform(-1, 2), rng.uniform(-1, 1)] for _ in range(n)]
    return xs, [rng.choice([-1.0, 1.0]) for _ in range(n)]


def hinge_model_loss(model: nn.MLP) -> Callable[..., Value]:
    params = model.parameters()

    def loss(X: list[list[float]], Y: list[float]) -> Value:  # noqa: N803 (micrograd's names)
        return nn.mean_hinge_loss([one(model, x) for x in X], Y) + autograd.sum(p * p for p in params) * 1e-4

    return loss


def relu_model() -> nn.MLP:
    return nn.MLP(2, [8, 8, 1], activation="relu", output_activation="linear", seed=5)


def test_a_batch_is_one_loop_over_one_samples_code() -> None:
    X, Y = moons_like(30)  # noqa: N806 (micrograd's names)
    compiled, engine = relu_model(), relu_model()
    step = autograd.compile(hinge_model_loss(compiled), compiled.parameters(), X, Y)
    assert "for (X_i_0, X_i_1), Y_i in zip(X, Y, strict=True):" in step.source
    assert step.source.count("\n") < 1000  # unrolled: about 7,000 lines
    assert same(step(X, Y), engine_step(hinge_model_loss(engine), engine.parameters(), X, Y))
    assert_same_grads(compiled.parameters(), engine.parameters())


def test_another_batch_size_is_traced_again() -> None:
    X, Y = moons_like(12)  # noqa: N806
    compiled, engine = relu_model(), relu_model()
    step = autograd.compile(hinge_model_loss(compiled), compiled.parameters(), X, Y)
    X2, Y2 = moons_like(7, seed=2)  # noqa: N806
    assert same(step(X2, Y2), engine_step(hinge_model_loss(engine), engine.parameters(), X2, Y2))
    assert_same_grads(compiled.parameters(), engine.parameters())
    assert len(step.variants) == 2
    step(X, Y)  # the first trace again, not a third
    assert len(step.variants) == 2


# ---- decisions on the data ----------------------------------------------------------------------------


def test_a_comparison_of_values_is_guarded_and_traced_again_when_it_flips() -> None:
    w = Value(0.5, label="w")
    w2 = Value(0.5, label="w")

    def f(p: Value) -> Callable[[float], Value]:
        def loss(x: float) -> Value:
            h = p * x
            return h * h if h > 0.0 else (-h).exp()  # a branch on the data, seen through `>`

        return loss

    step = autograd.compile(f(w), [w], 1.0)
    assert "    if not (t0 > 0.0):\n        return _retrace(x)" in step.source
    for x in (1.0, -1.0, 2.0, -3.0):
        assert same(step(x), engine_step(f(w2), [w2], x))
        assert same(w.grad, w2.grad)
    assert len(step.variants) == 2


def test_max_of_values_is_guarded() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    step = autograd.compile(lambda x: max(a * x, b), [a, b], 1.0)
    step(1.0)
    assert (a.grad, b.grad) == (0.0, 1.0)
    step(3.0)  # now a * x is the larger
    assert (a.grad, b.grad) == (3.0, 1.0)


def test_round_is_guarded() -> None:
    w = Value(0.4, label="w")
    step = autograd.compile(lambda x: w * x * round(w * x), [w], 1.0)  # round(0.4) == 0: loss 0
    assert step(1.0) == 0.0
    assert step(3.0) == pytest.approx(0.4 * 3.0 * 1)  # round(1.2) == 1: traced again
    assert w.grad == 3.0


def test_float_of_a_value_is_refused_while_tracing() -> None:
    w = Value(0.5, label="w")
    with pytest.raises(CompileError, match=r"float\(v\) on Value 'h'"):
        autograd.compile(lambda x: (lambda h: h * float(h))(_labelled(w * x, "h")), [w], 1.0)


def test_tracing_goes_through_the_engines_hook_and_leaves_no_trace() -> None:
    w = Value(0.5, label="w")
    methods = dict(vars(Value))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # float(x) of the placeholder warns, then is refused: not shown
        step = autograd.compile(lambda x: w * math.sqrt(x), [w], 4.0)
        with pytest.raises(CompileError, match=r"float\(v\)"):
            autograd.compile(lambda x: w * float(w * x), [w], 1.0)
        with pytest.raises(CompileError, match=r"v\.item\(\)"):
            autograd.compile(lambda x: w * (w * x).item(), [w], 1.0)
    assert step(9.0) == 1.5
    assert vars(Value) == methods  # no method patched, even for a while
    assert core.tracer.seen is None
    with pytest.warns(autograd.GradientLostWarning):  # and float(v) warns again once it is done
        float(w)


def test_only_the_tracing_thread_is_watched() -> None:
    w = Value(0.5, label="w")
    seen: list[object] = []

    def elsewhere() -> None:  # another thread's decisions on data are its own
        v = Value(2.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", autograd.GradientLostWarning)
            seen.extend([v > 1.0, round(v), float(v), v.item()])

    def loss(x: float) -> Value:
        other = threading.Thread(target=elsewhere)
        other.start()
        other.join()
        return w * x

    step = autograd.compile(loss, [w], 1.0)
    assert seen == [True, 2, 2.0, 2.0]
    assert "# f decided on the data" not in step.source  # no guard


def _labelled(v: Value, label: str) -> Value:
    v.label = label
    return v


def test_a_branch_on_data_is_not_seen_but_check_catches_it() -> None:
    w = Value(0.5, label="w")

    def loss(x: float) -> Value:
        h = w * x
        return h if h.data > 0.0 else -h  # .data: the compiler cannot see this decision

    step = autograd.compile(loss, [w], 1.0)
    assert step(-1.0) == -0.5  # the traced branch: documented as not caught
    checked = autograd.compile(loss, [w], 1.0, check=True)
    with pytest.raises(CompileCheckError, match=r"the loss is -0\.5 compiled but 0\.5 by the engine"):
        checked(-1.0)


def test_check_catches_a_wrong_edge_in_the_generated_code(monkeypatch: pytest.MonkeyPatch) -> None:
    from autograd.compiler import codegen

    edge = codegen._Generator.edge  # each edge's line, d_child += local * d_node: here 1.1 times too much
    monkeypatch.setattr(codegen._Generator, "edge", lambda self, *a: edge(self, *a) + " * 1.1")
    model = seed_model()
    step = autograd.compile(lambda x, y: nn.bce_loss(one(model, x), y), model.parameters(), [1.0, 1.0], 0.0,
                            check=True)
    with pytest.raises(CompileCheckError, match=r"w1\[0\]\[0\]\.grad is"):
        step([1.0, 1.0], 0.0)


def test_check_passes_on_a_right_step_and_leaves_backwards_result() -> None:
    compiled, engine = seed_model(), seed_model()
    step = autograd.compile(lambda x, y: nn.bce_loss(one(compiled, x), y), compiled.parameters(),
                            *XOR_DATA[0],
                            check=True)
    for x, y in XOR_DATA:
        expected = engine_step(lambda x, y: nn.bce_loss(one(engine, x), y), engine.parameters(), x, y)
        assert same(step(x, y), expected)
    assert_same_grads(compiled.parameters(), engine.parameters())


# ---- ops of one's own -----------------------------------------------------------------------------


def test_a_defined_op_compiles_from_its_rules() -> None:
    cube = autograd.define_op("compile_test_cube", lambda x: x**3, lambda out, x: 3 * x**2)
    w, w2 = Value(1.5, label="w"), Value(1.5, label="w")
    step = autograd.compile(lambda x: cube(w * x), [w], 2.0)
    assert "    d_t0 = 3 * t0 ** 2\n" in step.source  # the rule, inlined from its source
    assert same(step(2.0), engine_step(lambda x: cube(w2 * x), [w2], 2.0))
    assert same(w.grad, w2.grad)


def test_a_rule_without_source_is_called() -> None:
    namespace: dict[str, Any] = {}
    exec("forward = lambda x: x * x * x\nrule = lambda out, x: 3.0 * x * x", namespace)
    op = autograd.define_op("compile_test_nosource", namespace["forward"], namespace["rule"],
                            derivative_formulas=["3x²"])
    w, w2 = Value(0.7, label="w"), Value(0.7, label="w")
    step = autograd.compile(lambda x: op(w * x), [w], 2.0)
    assert "_dcompile_test_nosource_dx(" in step.source
    assert same(step(3.0), engine_step(lambda x: op(w2 * x), [w2], 3.0))
    assert same(w.grad, w2.grad)


def test_a_one_off_node_is_a_compile_error_naming_it() -> None:
    w = Value(0.5, label="w")
    sin = Value(math.sin(w.data), (w,), (math.cos(w.data),), "sin", "z")
    with pytest.raises(CompileError, match=r"node 'z' of op 'sin'.*define_op"):
        autograd.compile(lambda x: sin * x, [w], 1.0)


# ---- errors ---------------------------------------------------------------------------------------


def test_a_domain_error_is_the_engines_naming_the_node() -> None:
    w = Value(1.0, label="w")
    step = autograd.compile(lambda x: (_labelled(w * x, "h")).log(), [w], 1.0)
    with pytest.raises(ValueError, match="log") as compiled:
        step(-1.0)
    with pytest.raises(ValueError, match="log") as engine:
        _labelled(w * -1.0, "h").log()
    assert str(compiled.value) == str(engine.value)
    assert "'h'" in str(compiled.value)
    assert w.grad == 0.0  # nothing added


class ClippedSGD(nn.SGD):
    """An optimizer of the user's own: its step() is not nn.SGD's."""

    def step(self) -> None:
        for p in self.params:
            p.grad = max(-1.0, min(1.0, p.grad))
        super().step()


@pytest.mark.parametrize(
    ("make", "msg"),
    [
        (lambda w: autograd.compile(lambda x: 1.0, [w], 1.0), "must return a Value"),  # type: ignore
        (lambda w: autograd.compile(lambda x: w * x, [w, w], 1.0), "appears twice"),
        (lambda w: autograd.compile(lambda x: w * x, [w * 2.0], 1.0), "not a leaf"),
        (lambda w: autograd.compile(lambda x: w * x, [w], "1"), "argument x is '1'"),
        (lambda w: autograd.compile(lambda x: w * x, [w], 1.0, optimizer=ClippedSGD([w], lr=0.1)),
         "class ClippedSGD"),  # another class's step() is its own
        (lambda w: autograd.compile(lambda x: w * x, [w], 1.0, optimizer=nn.Adam([w], eps=0.0)), "eps=0"),
        (lambda w: autograd.compile(lambda x: w, [w], 1.0), "returned a leaf"),
    ],
)
def test_what_cannot_be_compiled_is_a_compile_time_error(make: Callable[[Value], object], msg: str) -> None:
    with pytest.raises(CompileError, match=msg):
        make(Value(0.5, label="w"))


def test_another_structure_is_traced_again_and_a_wrong_one_is_an_error() -> None:
    w = Value(0.5, label="w")
    step = autograd.compile(lambda x: autograd.sum(w * xi for xi in x), [w], [1.0, 2.0])
    assert step([1.0, 2.0, 3.0]) == 3.0
    assert w.grad == 6.0
    with pytest.raises(TypeError, match=r"argument x\[1\] is 'a'"):  # the engine's kind of error (B6)
        step([1.0, "a"])


def test_a_constant_leaf_is_baked_in_and_said_so() -> None:
    w, c = Value(0.5, label="w"), Value(3.0, label="c")
    step = autograd.compile(lambda x: w * x + c, [w], 1.0)
    assert "c = 3.0  # a constant" in step.source
    assert step(2.0) == 4.0


# ---- seen by a learner -----------------------------------------------------------------------------


def test_the_source_is_registered_so_pdb_steps_through_it_with_its_names() -> None:
    model = seed_model()
    step = autograd.compile(lambda x, y: nn.bce_loss(one(model, x), y), model.parameters(), [1.0, 1.0], 0.0)
    filename = step.__code__.co_filename  # type: ignore[attr-defined]
    assert linecache.getlines(filename) == step.source.splitlines(keepends=True)
    out = io.StringIO()
    debugger = pdb.Pdb(stdin=io.StringIO("s\n" + "n\n" * 14 + "p h1, ĥ1\nc\n"), stdout=out)
    debugger.use_rawinput = False
    debugger.runcall(step, [1.0, 1.0], 0.0)
    text = out.getvalue()
    assert "ĥ1 = 1.0 / (1.0 + _math.exp(-h1)) if h1 >= 0.0 else (_e := _math.exp(h1)) / (1.0 + _e)" in text
    assert "(0.1, 0.52497918747894" in text


def test_demos_xor_compiled_prints_the_same_lines() -> None:
    from demos.xor import train

    engine: list[str] = []
    compiled: list[str] = []
    train(seed_model(), emit=engine.append)
    train(seed_model(), emit=compiled.append, compiled=True)
    assert compiled == engine
    assert len([line for line in engine if line.startswith("epoch:")]) == 40


def test_demos_compiled_prints_the_derivative_code_beside_the_articles_formulas() -> None:
    from demos.compiled import lines, main

    text = "\n".join(lines("mse"))
    assert "d_ô = 2.0 * (ô - y)" in text  # the op table's rule for (p - y)^2, not the article's 2(y - ô)
    assert "∂Cost/∂ô = 2(ô − y)        (the article: 2(y − ô), a sign slip)" in text
    assert "∂Cost/∂w1[0][0] = 2(ô − y) · ô(1 − ô) · w2[0] · ĥ1(1 − ĥ1) · x1" in text
    assert "∂Cost/∂h2 = ĥ2(1 − ĥ2) · ∂Cost/∂ĥ2" in text
    assert "∂Cost/∂w2[0] = (ô − y) · ĥ1" in "\n".join(lines("bce"))  # BCE on a sigmoid: ô − y
    assert main(["--loss", "bce"]) == 0


def test_an_argument_f_takes_only_as_a_number_is_baked_in_and_guarded() -> None:
    w, w2 = Value(0.5, label="w"), Value(0.5, label="w")

    def f(p: Value) -> Callable[[float, float], Value]:
        def loss(x: float, scale: float) -> Value:
            return p * x * round(scale.real, 3)  # an attribute of a float: the argument is baked in

        return loss

    step = autograd.compile(f(w), [w], 2.0, 3.0)
    assert "_baked1" in step.source
    for x, scale in ((2.0, 3.0), (1.0, 5.0), (4.0, 3.0)):
        assert same(step(x, scale), engine_step(f(w2), [w2], x, scale))
        assert same(w.grad, w2.grad)
    assert len(step.variants) == 2


def test_an_argument_used_as_a_plain_number_is_baked_in() -> None:
    w = Value(0.5, label="w")
    step = autograd.compile(lambda x: w * math.sqrt(x), [w], 4.0)  # math.sqrt needs a float
    assert step(4.0) == 1.0
    assert step(9.0) == 1.5  # traced again for another x
    assert w.grad == 2.0 + 3.0


def test_check_with_the_optimizer_generated_in() -> None:
    compiled, engine = seed_model(), seed_model()
    fused = nn.SGD(compiled.parameters(), lr=0.4)
    plain = nn.SGD(engine.parameters(), lr=0.4)
    step = autograd.compile(lambda x, y: nn.bce_loss(one(compiled, x), y), compiled.parameters(),
                            *XOR_DATA[0], optimizer=fused, check=True)
    for x, y in XOR_DATA * 2:
        plain.zero_grad()
        engine_step(lambda x, y: nn.bce_loss(one(engine, x), y), engine.parameters(), x, y)
        plain.step()
        step(x, y)
    assert_same_grads(compiled.parameters(), engine.parameters())


def _logsumexp(xs: list[float]) -> float:
    top = max(xs)
    return top + math.log(math.fsum(math.exp(x - top) for x in xs))


def _softmax(out: float, x: list[float]) -> Any:  # a list: one derivative per term
    return [math.exp(xi - out) for xi in x]


LOGSUMEXP = autograd.Op(name="compile_test_logsumexp", forward=_logsumexp, derivatives={"x": _softmax},
                        formula="lse({x}, …)", derivative_formulas={"x": "softmax"}, lists=("x",))


def test_a_variadic_op_whose_rule_gives_a_list_is_called_and_indexed() -> None:
    ws = [Value(0.1 * k, label=f"w{k}") for k in range(4)]
    copies = [Value(0.1 * k, label=f"w{k}") for k in range(4)]
    step = autograd.compile(lambda x: LOGSUMEXP([w * x for w in ws]), ws, 2.0)
    assert "_dcompile_test_logsumexp_dx(" in step.source
    assert ")[3]" in step.source
    assert same(step(3.0), engine_step(lambda x: LOGSUMEXP([w * x for w in copies]), copies, 3.0))
    assert_same_grads(ws, copies)


# ---- every rule of the table, against finite differences (so `make mutate` kills a wrong rule here) ----

PROBES: dict[str, tuple[Callable[..., Value], list[float]]] = {
    "+": (lambda a, b: a + b, [0.7, -1.3]),
    "-": (lambda a, b: a - b, [0.7, -1.3]),
    "*": (lambda a, b: a * b, [0.7, -1.3]),
    "/": (lambda a, b: a / b, [0.7, -1.3]),
    "**": (lambda a, b: a**b, [1.3, 0.7]),
    "neg": (lambda a: -a, [0.7]),
    "exp": (lambda a: a.exp(), [0.7]),
    "log": (lambda a: a.log(), [0.7]),
    "tanh": (lambda a: a.tanh(), [0.7]),
    "sigmoid": (lambda a: a.sigmoid(), [0.7]),
    "relu": (lambda a: a.relu(), [0.7]),
    "abs": (lambda a: abs(a), [-0.7]),
    "sin": (lambda a: autograd.sin(a), [0.7]),
    "cos": (lambda a: autograd.cos(a), [0.7]),
    "sqrt": (lambda a: autograd.sqrt(a), [0.7]),
    "sum": (lambda a, b, c: autograd.sum([a, b, c]), [0.7, -1.3, 0.2]),
    "mean": (lambda a, b, c: autograd.mean([a, b, c]), [0.7, -1.3, 0.2]),
    "dot": (lambda a, b, c, d, e: autograd.dot([a, b], [c, d], e), [0.7, -1.3, 0.2, 0.5, -0.4]),
    "mse": (lambda p, t: nn.mse_loss(p, t), [0.3, 0.6]),
    "bce": (lambda p, t: nn.bce_loss(p, t), [0.3, 0.6]),
    "hinge": (lambda p, t: nn.hinge_loss(p, t), [0.3, 1.0]),  # t = ±1 only: checked by formula below
}


def test_every_op_of_the_table_has_a_probe() -> None:
    builtin = {name for name, op in autograd.ops.OPS.items()
               if getattr(op.forward, "__module__", "") in ("autograd.ops", "nn.losses")}
    assert builtin <= set(PROBES)


@pytest.mark.parametrize("name", sorted(PROBES))
def test_every_rule_compiles_to_the_true_derivative(name: str) -> None:
    probe, values = PROBES[name]
    params = [Value(v, label=f"p{k}") for k, v in enumerate(values)]
    step = autograd.compile(lambda: probe(*params), params)
    step()
    grads = [p.grad for p in params]
    if name == "hinge":  # max(0, 1 - t p): d/dp = -t, d/dt = -p inside the margin
        assert grads == [-values[1], -values[0]]
        return
    h = 1e-6
    for k, v in enumerate(values):
        def at(x: float, k: int = k) -> float:
            return probe(*[Value(x if j == k else u) for j, u in enumerate(values)]).data

        numeric = (at(v + h) - at(v - h)) / (2 * h)
        assert grads[k] == pytest.approx(numeric, rel=1e-5, abs=1e-7), f"{name}: d/d{params[k].label}"


def test_an_int_argument_too_large_for_a_float_is_an_overflow_error_naming_it() -> None:
    w = Value(1.0, label="w")
    too_large = r"an int of 1025 bits is too large for a float"  # the engine's own error, naming its op
    with pytest.raises(OverflowError, match=too_large):
        autograd.compile(lambda x: w * x, [w], 2**1024)
