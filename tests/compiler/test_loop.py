"""``step.run(samples, epochs)``: the loop of calls ``step(*sample)``, generated as one loop, bit for bit."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

import pytest

import autograd
import nn
from autograd import Value
from demos.seed import LEARNING_RATE, XOR_DATA, seed_model

pytestmark = pytest.mark.usefixtures("op_table_restored")


def bits(x: object) -> object:
    """A number as its exact bits (a float's sign of zero and NaN included); anything else as it is."""
    return math.copysign(1.0, x) if isinstance(x, float) and x == 0.0 else (
        "nan" if isinstance(x, float) and math.isnan(x) else x)


def state(params: Sequence[Value]) -> list[tuple[object, object, object, object]]:
    return [(p.data, bits(p.data), p.grad, bits(p.grad)) for p in params]


def assert_same(a: Sequence[Value], b: Sequence[Value]) -> None:
    assert state(a) == state(b)
    assert [type(p.grad) for p in a] == [type(p.grad) for p in b]


def seed_step(fused: bool, return_loss: bool = True, weight_decay: float = 0.0
              ) -> tuple[nn.MLP, Any, nn.SGD]:
    model = seed_model()
    opt = nn.SGD(model.parameters(), lr=LEARNING_RATE, weight_decay=weight_decay)

    def loss(x: list[float], y: float) -> Value:
        return nn.bce_loss(model(x), y)  # type: ignore[arg-type]  # one output: a Value

    step = autograd.compile(loss, model.parameters(), *XOR_DATA[0], optimizer=opt if fused else None,
                            return_loss=return_loss)
    return model, step, opt


def engine_run(model: nn.MLP, opt: nn.SGD | None, samples: Sequence[Sequence[Any]], epochs: int,
               loss: Callable[..., Value]) -> list[float]:
    """The same updates by the engine: backward() (and, with ``opt``, zero_grad() and step())."""
    losses = []
    for _ in range(epochs):
        for sample in samples:
            if opt is not None:
                opt.zero_grad()
            out = loss(*sample)
            out.backward()
            if opt is not None:
                opt.step()
            losses.append(out.data)
    return losses


# ---- the seed ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("return_loss", [True, False])
@pytest.mark.parametrize(("fused", "weight_decay"), [(True, 0.0), (True, 0.01), (False, 0.0)])
def test_run_is_the_loop_of_calls_bit_for_bit(fused: bool, weight_decay: float, return_loss: bool) -> None:
    looped, step, _ = seed_step(fused, return_loss, weight_decay)
    called, one_by_one, _ = seed_step(fused, return_loss, weight_decay)
    losses = step.run(XOR_DATA, epochs=25)
    expected = [one_by_one(*sample) for _ in range(25) for sample in XOR_DATA]
    assert losses == (expected if return_loss else None)
    if return_loss:
        assert [bits(x) for x in losses] == [bits(x) for x in expected]
    assert_same(looped.parameters(), called.parameters())


@pytest.mark.parametrize("fused", [True, False])
def test_run_is_the_engines_training_bit_for_bit(fused: bool) -> None:
    looped, step, _ = seed_step(fused)
    engine = seed_model()
    opt = nn.SGD(engine.parameters(), lr=LEARNING_RATE) if fused else None
    losses = step.run(XOR_DATA, epochs=10)
    expected = engine_run(engine, opt, XOR_DATA, 10, lambda x, y: nn.bce_loss(engine(x), y))  # type: ignore[arg-type]
    assert losses == expected
    assert_same(looped.parameters(), engine.parameters())


def test_the_loop_keeps_the_parameters_in_locals_and_writes_them_back_once() -> None:
    model, step, _ = seed_step(fused=True, return_loss=False)
    step.run(XOR_DATA, epochs=2)
    (source,) = step.run.sources
    head, rest = source.split("\n    try:\n", 1)
    loop, end = rest.split("\n    finally:", 1)
    assert "_P0.data" in head
    assert "_P0.grad" in head
    assert ".data" not in loop
    assert ".grad" not in loop
    assert "_P0.data = w1_0_0" in end
    assert "_P0.grad = " in end
    assert "_append" not in loop  # return_loss=False: no loss is kept
    assert model.parameters()[0].data != seed_model().parameters()[0].data


def test_epochs_and_empty_runs() -> None:
    model, step, _ = seed_step(fused=True)
    before = state(model.parameters())
    assert step.run([], epochs=3) == []
    assert step.run(XOR_DATA, epochs=0) == []
    assert state(model.parameters()) == before
    assert len(step.run(iter(XOR_DATA), epochs=2)) == 8  # any iterable: listed once, run twice
    with pytest.raises(ValueError, match="epochs must be a whole number >= 0; got -1"):
        step.run(XOR_DATA, epochs=-1)


def test_a_grad_of_none_counts_as_zero_in_the_run_too() -> None:
    looped, step, _ = seed_step(fused=False)
    called, one_by_one, _ = seed_step(fused=False)
    looped.zero_grad(set_to_none=True)
    called.zero_grad(set_to_none=True)
    assert step.run(XOR_DATA, epochs=3) == [one_by_one(*s) for _ in range(3) for s in XOR_DATA]
    assert_same(looped.parameters(), called.parameters())


def test_a_checked_step_runs_call_by_call() -> None:
    model = seed_model()
    step = autograd.compile(lambda x, y: nn.bce_loss(model(x), y), model.parameters(), *XOR_DATA[0],  # type: ignore[arg-type]
                            check=True)
    engine = seed_model()
    assert step.run(XOR_DATA, epochs=2) == engine_run(
        engine, None, XOR_DATA, 2, lambda x, y: nn.bce_loss(engine(x), y))  # type: ignore[arg-type]
    assert step.run.sources == []
    assert_same(model.parameters(), engine.parameters())


# ---- batches -------------------------------------------------------------------------------------------


def moons_like(n: int, seed: int) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(seed)
    return [[rng.uniform(-1, 2), rng.uniform(-1, 1)] for _ in range(n)], [rng.choice([-1.0, 1.0])
                                                                          for _ in range(n)]


def batch_loss(model: nn.MLP) -> Callable[..., Value]:
    params = model.parameters()

    def loss(X: list[list[float]], Y: list[float]) -> Value:  # noqa: N803 (micrograd's names)
        outs = [model(x) for x in X]
        return nn.mean_hinge_loss(outs, Y) + autograd.sum(p * p for p in params) * 1e-4  # type: ignore[arg-type]

    return loss


def relu_model() -> nn.MLP:
    return nn.MLP(2, [6, 6, 1], activation="relu", output_activation="linear", seed=5)


@pytest.mark.parametrize("fused", [True, False])
def test_a_run_of_batches_is_the_loop_of_calls_and_the_engines(fused: bool) -> None:
    batches = [moons_like(10, seed) for seed in range(4)]
    models = [relu_model() for _ in range(3)]
    opts = [nn.SGD(m.parameters(), lr=0.05) if fused else None for m in models]
    steps = [autograd.compile(batch_loss(m), m.parameters(), *batches[0], optimizer=o)
             for m, o in zip(models[:2], opts[:2], strict=True)]
    assert "for (X_i_0, X_i_1), Y_i in zip(X, Y, strict=True):" in steps[0].source
    losses = steps[0].run(batches, epochs=3)
    assert "for (X_i_0, X_i_1), Y_i in zip(X, Y, strict=True):" in steps[0].run.sources[0]
    assert losses == [steps[1](*b) for _ in range(3) for b in batches]
    assert losses == engine_run(models[2], opts[2], batches, 3, batch_loss(models[2]))
    assert_same(models[0].parameters(), models[1].parameters())
    assert_same(models[0].parameters(), models[2].parameters())


def test_another_batch_size_mid_run_is_traced_and_the_run_goes_on() -> None:
    batches = [moons_like(10, 1), moons_like(7, 2), moons_like(10, 3), moons_like(10, 4)]
    a, b = relu_model(), relu_model()
    step = autograd.compile(batch_loss(a), a.parameters(), *batches[0])
    other = autograd.compile(batch_loss(b), b.parameters(), *batches[0])
    assert step.run(batches, epochs=2) == [other(*x) for _ in range(2) for x in batches]
    assert_same(a.parameters(), b.parameters())
    assert len(step.variants) == 2
    assert len(step.run.sources) == 1  # the loop of the first batch's variant; the other batch by its call


# ---- errors --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fused", [True, False])
def test_an_error_in_update_k_is_the_engines_with_the_parameters_after_update_k_minus_1(fused: bool) -> None:
    def make() -> tuple[Value, Value, Any]:
        w, b = Value(0.5, label="w"), Value(0.25, label="b")

        def loss(x: float, y: float) -> Value:
            h = w * x + b
            h.label = "h"
            return (h.log() - y) ** 2

        opt = nn.SGD([w, b], lr=0.01) if fused else None
        return w, b, autograd.compile(loss, [w, b], 1.0, 0.0, optimizer=opt)

    samples = [(1.0, 0.0), (2.0, 1.0), (-3.0, 0.0), (1.0, 0.0)]  # update 2: log of a negative h
    w, b, step = make()
    w2, b2, other = make()
    with pytest.raises(ValueError, match="log") as run_error:
        step.run(samples)
    other(*samples[0])
    other(*samples[1])
    expected = state([w2, b2])
    with pytest.raises(ValueError, match="log") as call_error:
        other(*samples[2])
    assert str(run_error.value) == str(call_error.value)
    assert "'h'" in str(run_error.value)  # the engine's error, naming the node
    assert state([w, b]) == state([w2, b2])  # as the loop of calls leaves them (issue 24's B11: a fused
    assert [p.data for p in (w, b)] == [d for d, *_ in expected]  # step zeroes the grads); the data
    # after update 1: nothing half-written


def test_a_bad_target_mid_run_is_the_engines_error() -> None:
    model, step, _ = seed_step(fused=True, return_loss=False)
    called, other, _ = seed_step(fused=True, return_loss=False)
    samples = [*XOR_DATA, ([1.0, 0.0], 2.0), *XOR_DATA]
    with pytest.raises(ValueError, match=r"the target must be in \[0, 1\]; got 2.0"):
        step.run(samples)
    for sample in XOR_DATA:
        other(*sample)
    with pytest.raises(ValueError, match=r"the target must be in \[0, 1\]; got 2.0"):
        other([1.0, 0.0], 2.0)  # the loop of calls, up to and including the update that fails
    assert_same(model.parameters(), called.parameters())


def test_a_sample_that_is_not_the_steps_arguments_is_the_steps_error() -> None:
    model, step, _ = seed_step(fused=True)
    called, other, _ = seed_step(fused=True)
    with pytest.raises(TypeError):
        step.run([XOR_DATA[0], 5])
    other(*XOR_DATA[0])
    assert_same(model.parameters(), called.parameters())
    with pytest.raises(TypeError, match="missing 1 required positional argument"):  # as step(1.0)
        step.run([XOR_DATA[0], (1.0,)])


ODD = [([0, 1.0], 1.0), ((0.0, 1.0), 1.0), ([0.0, 1.0], 1)]  # each a trace of its own


@pytest.mark.parametrize("odd", ODD)
def test_a_sample_of_another_type_mid_run_is_the_steps_call(odd: tuple[Any, float]) -> None:
    """The samples' types are checked once per run when all are the trace's (the loop then checks
    none at each update); a run with another in it is the loop that checks at each update."""
    model, step, _ = seed_step(fused=True)
    called, other, _ = seed_step(fused=True)
    samples = [*XOR_DATA, odd, *XOR_DATA]
    outcome = [other(*sample) for sample in samples * 3]
    assert step.run(samples, epochs=3) == outcome
    assert_same(model.parameters(), called.parameters())


def test_the_samples_types_are_checked_once_by_the_steps_own_lines() -> None:
    _, step, _ = seed_step(fused=True)
    step.run(XOR_DATA, epochs=0)
    ((fits, _),) = step.run._checked.values()
    assert fits(XOR_DATA)
    for odd in [*ODD, ([0.0, 1.0], True), ([0.0, 1.0, 2.0], 1.0), ([0.0], 1.0), 5, "ab", ([0.0, "1"], 1.0)]:
        assert not fits([*XOR_DATA, odd]), odd


@pytest.mark.parametrize("fused", [True, False])
def test_a_derivative_rule_that_raises_mid_run_is_the_engines_error(fused: bool) -> None:
    def root(x: float) -> float:
        return math.sqrt(abs(x))

    def d_root(out: float, x: float) -> float:
        if x > 5.0:
            raise ValueError("my rule: undefined here")
        return 0.5 / out

    op = autograd.define_op("myroot", root, d_root)

    def make() -> tuple[Value, Any]:
        w = Value(1.0, label="w")

        def loss(x: float) -> Value:
            h = w * x
            h.label = "h"
            return op(h)

        return w, autograd.compile(loss, [w], 1.0, optimizer=nn.SGD([w], lr=0.1) if fused else None)

    (w, step), (w2, other) = make(), make()
    with pytest.raises(ValueError, match="myroot: undefined for Value 'h'") as run_error:
        step.run([(1.0,), (2.0,), (10.0,), (1.0,)])
    other(1.0)
    other(2.0)
    with pytest.raises(ValueError, match="myroot: undefined for Value 'h'") as call_error:
        other(10.0)
    assert str(run_error.value) == str(call_error.value)
    assert state([w]) == state([w2])


# ---- a learning rate per update: run(samples, epochs, lr=...) --------------------------------------------

OPTIMIZERS: dict[str, Callable[[list[Value]], nn.SGD | nn.Adam]] = {
    "sgd": lambda ps: nn.SGD(ps, lr=LEARNING_RATE, weight_decay=0.01),
    "momentum": lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9),
    "adam": lambda ps: nn.Adam(ps, lr=0.05, weight_decay=0.001),
}


def micrograd_rate(total: int) -> Callable[[int], float]:
    """micrograd's moons schedule over ``total`` updates: 1.0 down to 0.1."""
    return lambda k: 1.0 - 0.9 * k / total


def full_state(params: Sequence[Value], opt: nn.SGD | nn.Adam) -> list[object]:
    """Every parameter's data and grad and the optimizer's state and rate, to the bit (and type)."""
    lists = ("m", "v", "t") if isinstance(opt, nn.Adam) else ("velocity",)
    return [*state(params), [type(p.grad) for p in params],
            [(name, [(x, bits(x), type(x)) for x in getattr(opt, name)]) for name in lists],
            (opt.lr, bits(opt.lr), type(opt.lr))]


def seed_setup(kind: str, return_loss: bool = True, check: bool = False) -> tuple[nn.MLP, Any, Any]:
    model = seed_model()
    opt = OPTIMIZERS[kind](model.parameters())

    def loss(x: list[float], y: float) -> Value:
        return nn.bce_loss(model(x), y)  # type: ignore[arg-type]  # one output: a Value

    return model, opt, autograd.compile(loss, model.parameters(), *XOR_DATA[0], optimizer=opt,
                                        return_loss=return_loss, check=check)


def calls_with_rates(step: Any, opt: Any, samples: Sequence[Sequence[Any]],
                     rates: Sequence[float]) -> list[Any]:
    """The loop ``step.run(samples, epochs, lr=rates)`` is: opt.lr = rates[k], then the step's call."""
    losses = []
    for k, rate in enumerate(rates):
        opt.lr = rate
        losses.append(step(*samples[k % len(samples)]))
    return losses


@pytest.mark.parametrize("form", ["callable", "list"])
@pytest.mark.parametrize("return_loss", [True, False])
@pytest.mark.parametrize("kind", list(OPTIMIZERS))
def test_a_schedule_is_the_loop_of_calls_setting_opt_lr_bit_for_bit(kind: str, return_loss: bool,
                                                                    form: str) -> None:
    epochs = 5
    total = len(XOR_DATA) * epochs
    rate = micrograd_rate(total)
    rates = [rate(k) for k in range(total)]
    looped, opt, step = seed_setup(kind, return_loss)
    called, opt2, other = seed_setup(kind, return_loss)
    losses = step.run(XOR_DATA, epochs, lr=rate if form == "callable" else rates)
    expected = calls_with_rates(other, opt2, XOR_DATA, rates)
    assert losses == (expected if return_loss else None)
    if return_loss:
        assert [bits(x) for x in losses] == [bits(x) for x in expected]
    assert full_state(looped.parameters(), opt) == full_state(called.parameters(), opt2)
    assert opt.lr == rates[-1]
    # and a run without lr= after it reads opt.lr, once, as before: the loop of calls at that rate
    expected = calls_with_rates(other, opt2, XOR_DATA, [opt2.lr] * 8)
    assert step.run(XOR_DATA, 2) == (expected if return_loss else None)
    assert full_state(looped.parameters(), opt) == full_state(called.parameters(), opt2)


def test_a_schedule_with_ints_is_the_loop_of_calls_with_ints() -> None:
    rates = [1, 0.5, 0, 2, 1, 0.25, 0.125, 3]  # opt.lr = 1 as micrograd's users write it
    looped, opt, step = seed_setup("sgd")
    called, opt2, other = seed_setup("sgd")
    assert step.run(XOR_DATA, 2, lr=rates) == calls_with_rates(other, opt2, XOR_DATA, rates)
    assert full_state(looped.parameters(), opt) == full_state(called.parameters(), opt2)
    assert type(opt.lr) is int


def test_the_schedule_is_called_once_per_update_in_order_before_the_first() -> None:
    model, opt, step = seed_setup("adam")
    before = full_state(model.parameters(), opt)
    seen: list[int] = []

    def rate(k: int) -> float:
        seen.append(k)
        if k == 11:  # every rate is asked for before any update runs
            assert full_state(model.parameters(), opt) == before
        return 0.01 * (k + 1)

    assert len(step.run(XOR_DATA, epochs=3, lr=rate)) == 12
    assert seen == list(range(12))
    assert opt.lr == 0.12
    assert step.run(XOR_DATA, epochs=0, lr=rate) == []  # no update: no call
    assert seen == list(range(12))


@pytest.mark.parametrize("kind", ["momentum", "adam"])
def test_a_schedule_over_batches_is_the_loop_of_calls(kind: str) -> None:
    batches = [moons_like(10, seed) for seed in range(3)]
    models = [relu_model() for _ in range(2)]
    opts = [OPTIMIZERS[kind](m.parameters()) for m in models]
    steps = [autograd.compile(batch_loss(m), m.parameters(), *batches[0], optimizer=o)
             for m, o in zip(models, opts, strict=True)]
    rate = micrograd_rate(12)
    losses = steps[0].run(batches, epochs=4, lr=rate)
    assert [bits(x) for x in losses or []] == [bits(x) for x in calls_with_rates(steps[1], opts[1], batches,
                                                                          [rate(k) for k in range(12)])]
    assert full_state(models[0].parameters(), opts[0]) == full_state(models[1].parameters(), opts[1])


@pytest.mark.parametrize("kind", list(OPTIMIZERS))
def test_a_schedule_goes_on_at_the_right_k_after_the_loop_stops(kind: str) -> None:
    """A sample of another type stops the loop at k; the step's call runs it (at rates[k]) and the
    loop goes on from k + 1 with rates[k + 1]: the index counts across the stops and the epochs."""
    looped, opt, step = seed_setup(kind)
    called, opt2, other = seed_setup(kind)
    samples = [*XOR_DATA, ODD[0], *XOR_DATA[:2], ODD[2]]
    rates = [0.5 / (k + 1) for k in range(len(samples) * 3)]
    assert step.run(samples, epochs=3, lr=rates) == calls_with_rates(other, opt2, samples, rates)
    assert full_state(looped.parameters(), opt) == full_state(called.parameters(), opt2)


def test_a_checked_step_takes_a_schedule_call_by_call() -> None:
    looped, opt, step = seed_setup("momentum", check=True)
    called, opt2, other = seed_setup("momentum")
    rates = [0.3, 0.2, 0.1, 0.05, 0.3, 0.2, 0.1, 0.05]
    assert step.run(XOR_DATA, epochs=2, lr=rates) == calls_with_rates(other, opt2, XOR_DATA, rates)
    assert full_state(looped.parameters(), opt) == full_state(called.parameters(), opt2)


@pytest.mark.parametrize("kind", list(OPTIMIZERS))
def test_an_error_in_update_k_with_a_schedule_leaves_opt_lr_at_rates_k(kind: str) -> None:
    def make() -> tuple[list[Value], Any, Any]:
        w, b = Value(0.5, label="w"), Value(0.25, label="b")

        def loss(x: float, y: float) -> Value:
            h = w * x + b
            h.label = "h"
            return (h.log() - y) ** 2

        opt = OPTIMIZERS[kind]([w, b])
        return [w, b], opt, autograd.compile(loss, [w, b], 1.0, 0.0, optimizer=opt)

    samples = [(1.0, 0.0), (2.0, 1.0), (0.5, 0.0), (1.0, 0.0), (-3.0, 0.0)]  # update 4: log of a negative h
    rates = [0.01 * (k + 1) for k in range(10)]
    (params, opt, step), (params2, opt2, other) = make(), make()
    step.run(samples[:4], lr=rates[:4])  # a run that stops nowhere first: the next starts at k = 0 again
    calls_with_rates(other, opt2, samples[:4], rates[:4])
    with pytest.raises(ValueError, match="log") as run_error:
        step.run(samples, epochs=2, lr=rates)
    calls_with_rates(other, opt2, samples, rates[:4])
    opt2.lr = rates[4]
    with pytest.raises(ValueError, match="log") as call_error:
        other(*samples[4])
    assert str(run_error.value) == str(call_error.value)
    assert "'h'" in str(run_error.value)  # the engine's error, naming the node
    assert opt.lr == rates[4]
    assert full_state(params, opt) == full_state(params2, opt2)  # the parameters after update 3


def test_a_schedules_errors_name_what_is_wrong_and_run_nothing() -> None:
    model, opt, step = seed_setup("adam")
    before = full_state(model.parameters(), opt)
    with pytest.raises(ValueError, match=r"lr has 7 rates; the run has 8 updates \(len\(samples\) \* epoch"):
        step.run(XOR_DATA, epochs=2, lr=[0.1] * 7)
    with pytest.raises(ValueError, match="lr has 1 rates; the run has 0 updates"):
        step.run([], epochs=2, lr=[0.1])
    with pytest.raises(TypeError, match=r"rate of update 2 must be an int or a float; got True \(bool"):
        step.run(XOR_DATA, lr=[0.1, 0.1, True, 0.1])
    with pytest.raises(TypeError, match=r"update 3 must be an int or a float; got '0.1' \(str\)"):
        step.run(XOR_DATA, lr=lambda k: "0.1" if k == 3 else 0.1)
    with pytest.raises(TypeError, match=r"update 0 must be an int or a float; got None"):
        step.run(XOR_DATA, lr=lambda k: None)
    with pytest.raises(TypeError, match=r"lr must be a sequence of learning rates \(one per update\) or a"
                                        r" function k -> rate; got 0.1"):
        step.run(XOR_DATA, lr=0.1)
    assert full_state(model.parameters(), opt) == before
    plain = seed_model()
    no_optimizer = autograd.compile(lambda x, y: nn.bce_loss(plain(x), y), plain.parameters(),  # type: ignore[arg-type]
                                    *XOR_DATA[0])
    with pytest.raises(ValueError, match=r"run: lr= .* needs a step compiled with optimizer="):
        no_optimizer.run(XOR_DATA, lr=[0.1] * 4)


class Rate(float):
    """A float subclass, as numpy.float64 is."""


def test_a_rate_of_a_float_subclass_is_the_float_and_a_huge_int_is_refused_before_any_update() -> None:
    model, opt, step = seed_setup("sgd")
    model2, opt2, other = seed_setup("sgd")
    step.run(XOR_DATA, lr=[Rate(0.5), 0.25, Rate(0.125), 1])
    other.run(XOR_DATA, lr=[0.5, 0.25, 0.125, 1])
    assert full_state(model.parameters(), opt) == full_state(model2.parameters(), opt2)
    assert all(type(p.data) is float for p in model.parameters())
    before = full_state(model.parameters(), opt)
    with pytest.raises(OverflowError, match=r"rate of update 2 is an int too large for a float \(1329 bits"):
        step.run(XOR_DATA, lr=[0.1, 0.1, 10**400, 0.1])
    assert full_state(model.parameters(), opt) == before  # nothing run


def test_without_a_schedule_the_loop_has_no_line_for_the_rate() -> None:
    """lr=None's loop is the one it was (the seed's benchmark): the schedule's is a variant of its own."""
    _, _, step = seed_setup("sgd", return_loss=False)
    step.run(XOR_DATA, lr=micrograd_rate(4))
    step.run(XOR_DATA)
    (source,) = step.run.sources
    assert "_lrs" not in source
    assert source.count("_lr = ") == 1  # read once, before the loop
    from autograd.compiler.loop import loop_source

    key = next(iter(step.run._loops))
    scheduled, name = loop_source(step.run._program.variants[key].generated, step.run._program.optimizer,
                                  scheduled=True)
    assert name == "loss_run_scheduled"
    assert "            _lr = _lrs[_run_k]\n" in scheduled
    assert "        _optimizer.lr = _lr\n" in scheduled  # in the finally: the last whole update's
