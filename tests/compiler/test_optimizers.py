"""``optimizer=nn.Adam(...)`` and ``nn.SGD(momentum=...)`` generated in: the step and ``step.run``
(Python and numba) are bit for bit ``opt.zero_grad(); f(*args).backward(); opt.step()``, every
``p.data``, ``p.grad``, loss, and the optimizer's own state (Adam's m, v, t; the momentum buffers)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

import pytest

import autograd
import nn
from autograd import CompileCheckError, Value
from demos.seed import XOR_DATA, seed_model

pytestmark = pytest.mark.usefixtures("op_table_restored", "numba_cache")

Optimizer = nn.SGD | nn.Adam
MAKERS: dict[str, Callable[[list[Value]], Optimizer]] = {
    "adam": lambda ps: nn.Adam(ps, lr=0.05),
    "adam decay": lambda ps: nn.Adam(ps, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01),
    "momentum": lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9),
    "momentum decay": lambda ps: nn.SGD(ps, lr=0.1, momentum=0.5, weight_decay=0.01),
}


def bits(x: object) -> object:
    """A float as its exact bits (hex: the sign of zero, NaN); anything else as it is, with its type."""
    return x.hex() if isinstance(x, float) else (type(x).__name__, x)


def state(params: Sequence[Value], opt: Optimizer) -> list[object]:
    """Every parameter's data and grad, and the optimizer's state, to the bit."""
    out: list[object] = [(bits(p.data), bits(p.grad)) for p in params]
    lists = ("m", "v", "t") if isinstance(opt, nn.Adam) else ("velocity",)
    out += [(name, [bits(x) for x in getattr(opt, name)]) for name in lists]
    return out


class Setup:
    """The seed's network (and a parameter its loss does not use), an optimizer, the loss."""

    def __init__(self, kind: str) -> None:
        self.model = seed_model()
        self.unused = Value(0.75, label="unused")  # stepped by the optimizer all the same
        self.params = [*self.model.parameters(), self.unused]
        self.opt = MAKERS[kind](self.params)

    def loss(self, x: list[float], y: float) -> Value:
        return nn.bce_loss(self.model(x), y)  # type: ignore[arg-type]  # one output: a Value

    def compile(self, return_loss: bool = True, backend: str = "python", check: bool = False) -> Any:
        return autograd.compile(self.loss, self.params, *XOR_DATA[0], optimizer=self.opt,
                                return_loss=return_loss, backend=backend, check=check)

    def engine(self, samples: Sequence[Sequence[Any]], epochs: int = 1,
               loss: Callable[..., Value] | None = None) -> list[float]:
        """The engine's loop of calls: zero_grad(), backward(), step()."""
        losses = []
        for _ in range(epochs):
            for sample in samples:
                self.opt.zero_grad()
                out = (loss or self.loss)(*sample)
                out.backward()
                self.opt.step()
                losses.append(out.data)
        return losses

    def state(self) -> list[object]:
        return state(self.params, self.opt)


# ---- the step ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("return_loss", [True, False])
@pytest.mark.parametrize("kind", list(MAKERS))
def test_the_fused_step_is_zero_grad_backward_step_bit_for_bit(kind: str, return_loss: bool) -> None:
    compiled, engine = Setup(kind), Setup(kind)
    step = compiled.compile(return_loss)
    for _ in range(30):
        for sample in XOR_DATA:
            got = step(*sample)
            expected = engine.engine([sample])
            assert got == (expected[0] if return_loss else None)
            assert compiled.state() == engine.state()
    assert compiled.unused.data != 0.75 or "decay" not in kind  # weight decay moves it: stepped too


@pytest.mark.parametrize("kind", ["adam", "momentum decay"])
def test_the_step_reads_lr_at_every_call_and_the_engine_can_take_over(kind: str) -> None:
    compiled, engine = Setup(kind), Setup(kind)
    step = compiled.compile()
    for k in range(12):
        compiled.opt.lr = engine.opt.lr = 0.05 / (1 + k)  # a schedule
        sample = XOR_DATA[k % 4]
        if k % 3 == 2:  # switching to the engine's own calls mid-training, and back
            compiled.engine([sample])
        else:
            step(*sample)
        engine.engine([sample])
        assert compiled.state() == engine.state()


def test_the_adam_step_is_written_in_the_optimizers_order() -> None:
    step = Setup("adam decay").compile()
    assert "_opt_t[0] = _opt_t[0] + 1" in step.source
    assert "_opt_m[0] = _opt_m[0] + (1.0 - 0.8) * (_upd_g - _opt_m[0])" in step.source
    assert "_math.sqrt(1.0 - 0.99 ** _opt_t[0]) + 1e-06" in step.source


def test_a_momentum_buffer_of_none_is_the_gradient_the_first_time() -> None:
    compiled, engine = Setup("momentum"), Setup("momentum")
    step = compiled.compile()
    assert isinstance(compiled.opt, nn.SGD)
    assert compiled.opt.velocity[0] is None
    step(*XOR_DATA[0])
    engine.engine(XOR_DATA[:1])
    assert compiled.state() == engine.state()
    assert isinstance(compiled.opt.velocity[0], float)


@pytest.mark.parametrize("backend", ["python", pytest.param("numba", marks=pytest.mark.numba)])
def test_each_parameter_keeps_its_own_step_count(backend: str) -> None:
    compiled, engine = Setup("adam decay"), Setup("adam decay")
    for setup in (compiled, engine):  # the engine's steps with set_to_none: `unused` has no grad, waits
        for sample in XOR_DATA:
            setup.opt.zero_grad(set_to_none=True)
            setup.loss(*sample).backward()
            setup.opt.step()
    assert isinstance(compiled.opt, nn.Adam)
    assert (compiled.opt.t[0], compiled.opt.t[-1]) == (4, 0)
    step = compiled.compile(backend=backend)
    step(*XOR_DATA[0])
    step.run(XOR_DATA, epochs=5)
    engine.engine(XOR_DATA[:1])
    engine.engine(XOR_DATA, 5)
    assert compiled.state() == engine.state()
    assert (compiled.opt.t[0], compiled.opt.t[-1]) == (25, 21)


@pytest.mark.parametrize("kind", ["adam decay", "momentum"])
def test_check_true_steps_the_optimizer_once(kind: str) -> None:
    compiled, engine = Setup(kind), Setup(kind)
    step = compiled.compile(check=True)
    assert step.run(XOR_DATA, epochs=3) == engine.engine(XOR_DATA, 3)
    assert compiled.state() == engine.state()
    if isinstance(compiled.opt, nn.Adam):
        assert compiled.opt.t == [12] * len(compiled.params)
        compiled.opt.m[0] += 1e-3  # the engine's step and the compiled one start from the same m
        step(*XOR_DATA[0])
        compiled.opt.betas = (0.8, 0.5)  # the engine reads its betas; the step has them generated in
        with pytest.raises(CompileCheckError, match=r"compiled but .* by (its step\(\)|the optimizer)"):
            step(*XOR_DATA[0])


# ---- step.run ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("return_loss", [True, False])
@pytest.mark.parametrize("kind", list(MAKERS))
def test_run_is_the_engines_loop_of_calls_bit_for_bit(kind: str, return_loss: bool) -> None:
    looped, called, engine = Setup(kind), Setup(kind), Setup(kind)
    losses = looped.compile(return_loss).run(XOR_DATA, epochs=25)
    one_by_one = called.compile(return_loss)
    expected = engine.engine(XOR_DATA, 25)
    calls = [one_by_one(*s) for _ in range(25) for s in XOR_DATA]
    assert calls == (expected if return_loss else [None] * 100)
    if return_loss:
        assert [bits(x) for x in losses or []] == [bits(x) for x in expected]
    else:
        assert losses is None
    assert looped.state() == engine.state() == called.state()
    if isinstance(looped.opt, nn.Adam):
        assert looped.opt.t == [100] * len(looped.params)
        assert all(type(t) is int for t in looped.opt.t)


@pytest.mark.parametrize("kind", ["adam decay", "momentum"])
def test_runs_calls_and_the_engine_take_turns(kind: str) -> None:
    mixed, engine = Setup(kind), Setup(kind)
    step = mixed.compile()
    expected = engine.engine(XOR_DATA, 6)
    got = step.run(XOR_DATA, epochs=2) or []
    got += mixed.engine(XOR_DATA)  # the engine's own steps, between two runs
    got += [step(*s) for s in XOR_DATA]
    got += step.run(XOR_DATA, epochs=2) or []
    assert [bits(x) for x in got] == [bits(x) for x in expected]
    assert mixed.state() == engine.state()


def test_the_run_reads_lr_once_and_keeps_adams_state_in_locals() -> None:
    setup = Setup("adam")
    step = setup.compile(return_loss=False)
    step.run(XOR_DATA)
    (source,) = step.run.sources
    head, rest = source.split("\n    try:\n", 1)
    loop, end = rest.split("\n    finally:", 1)
    assert "_lr = _optimizer.lr" in head
    assert "_run_t0 = _optimizer.t[0]" in head
    assert "_optimizer" not in loop
    assert "_optimizer.m[0] = _run_m0" in end
    assert "_optimizer.t[9] = _run_t9" in end  # the parameter outside the graph


def moons_like(n: int, seed: int) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(seed)
    return ([[rng.uniform(-1, 2), rng.uniform(-1, 1)] for _ in range(n)],
            [rng.choice([-1.0, 1.0]) for _ in range(n)])


@pytest.mark.parametrize("kind", ["adam decay", "momentum decay"])
def test_a_run_of_batches_is_the_engines_bit_for_bit(kind: str) -> None:
    batches = [moons_like(10, seed) for seed in range(4)]
    setups = [Setup(kind) for _ in range(2)]
    for s in setups:
        s.model = nn.MLP(2, [6, 6, 1], activation="relu", output_activation="linear", seed=5)
        s.params = [*s.model.parameters(), s.unused]
        s.opt = MAKERS[kind](s.params)

    def batch_loss(s: Setup) -> Callable[..., Value]:
        def loss(X: list[list[float]], Y: list[float]) -> Value:  # noqa: N803 (micrograd's names)
            outs = [s.model(x) for x in X]
            return nn.mean_hinge_loss(outs, Y) + autograd.sum(p * p for p in s.params) * 1e-4  # type: ignore[arg-type]

        return loss

    looped, engine = setups
    step = autograd.compile(batch_loss(looped), looped.params, *batches[0], optimizer=looped.opt)
    assert "for (X_i_0, X_i_1), Y_i in zip(X, Y, strict=True):" in step.source
    losses = step.run(batches, epochs=3)
    assert [bits(x) for x in losses or []] == [bits(x) for x in engine.engine(batches, 3, batch_loss(engine))]
    assert looped.state() == engine.state()


def log_setup(kind: str) -> tuple[list[Value], Optimizer, Callable[..., Value]]:
    w, b = Value(0.5, label="w"), Value(0.25, label="b")

    def loss(x: float, y: float) -> Value:
        h = w * x + b
        h.label = "h"
        return (h.log() - y) ** 2

    return [w, b], MAKERS[kind]([w, b]), loss


@pytest.mark.parametrize("backend", ["python", pytest.param("numba", marks=pytest.mark.numba)])
@pytest.mark.parametrize("kind", ["adam", "momentum decay"])
def test_an_error_in_update_k_leaves_everything_as_after_update_k_minus_1(kind: str, backend: str) -> None:
    samples = [(1.0, 0.0), (2.0, 1.0), (-3.0, 0.0), (1.0, 0.0)]  # update 2: the log of a negative h
    params, opt, loss = log_setup(kind)
    params2, opt2, loss2 = log_setup(kind)
    step = autograd.compile(loss, params, 1.0, 0.0, optimizer=opt, backend=backend)
    with pytest.raises(ValueError, match="log") as run_error:
        step.run(samples, epochs=2)
    for sample in samples[:2]:  # the engine's loop of calls
        opt2.zero_grad()
        loss2(*sample).backward()
        opt2.step()
    opt2.zero_grad()
    with pytest.raises(ValueError, match="log") as engine_error:
        loss2(*samples[2])
    assert str(run_error.value) == str(engine_error.value)
    assert "'h'" in str(run_error.value)  # the engine's error, naming the node
    assert state(params, opt) == state(params2, opt2)  # nothing half-written, nothing lost
    if isinstance(opt, nn.Adam):
        assert opt.t == [2, 2]


# ---- numba ---------------------------------------------------------------------------------------------


@pytest.mark.numba
@pytest.mark.parametrize("return_loss", [True, False])
@pytest.mark.parametrize("kind", ["adam", "adam decay", "momentum decay"])
def test_the_numba_run_is_the_engines_bit_for_bit(kind: str, return_loss: bool) -> None:
    native, engine = Setup(kind), Setup(kind)
    step = native.compile(return_loss, backend="numba")
    step.run(XOR_DATA, epochs=0)  # compiles (a momentum buffer of None is taken too)
    losses = step.run(XOR_DATA, epochs=300)  # Adam's t up to 1200: beta ** t to the bit
    expected = engine.engine(XOR_DATA, 300)
    if return_loss:
        assert [bits(x) for x in losses or []] == [bits(x) for x in expected]
    assert native.state() == engine.state()
    assert step.run.compile_seconds > 0.0


@pytest.mark.numba
def test_adams_powers_and_roots_in_the_numba_loop_are_cpythons() -> None:
    """The numba loop holds Adam's t as floats: numba's ``float ** int`` multiplies (its bits are not
    CPython's, which calls pow()); ``float ** float`` calls pow(), as CPython does.  Then a run of
    5000 updates (t up to 5000) is the engine's to the bit."""
    import numba
    import numpy as np

    @numba.njit
    def powers(beta: float, n: int, as_float: bool) -> Any:
        out = np.empty(n)
        t = 0.0
        for k in range(n):
            t += 1.0
            out[k] = beta ** t if as_float else beta ** (k + 1)
        return out

    @numba.njit
    def roots(xs: Any) -> Any:
        return [math.sqrt(x) for x in xs]

    for beta in (0.9, 0.999, 0.8, 0.99, 0.123456789):
        expected = [beta ** t for t in range(1, 5001)]
        assert powers(beta, 5000, True).tolist() == expected
    assert powers(0.999, 5000, False).tolist() != [0.999 ** t for t in range(1, 5001)]
    rng = random.Random(3)
    xs = [rng.uniform(0.0, 10.0) ** rng.randint(-30, 30) for _ in range(10_000)]
    assert roots(np.array(xs)) == [math.sqrt(x) for x in xs]

    def make() -> tuple[Value, nn.Adam, Callable[..., Value]]:
        w = Value(0.5, label="w")
        return w, nn.Adam([w], lr=0.01, betas=(0.9, 0.9999)), lambda x, y: (w * x - y) ** 2

    samples = [(float(k % 7) - 3.0, 0.5 * (k % 5)) for k in range(50)]
    w, opt, loss = make()
    w2, opt2, loss2 = make()
    step = autograd.compile(loss, [w], 1.0, 0.0, optimizer=opt, return_loss=False, backend="numba")
    step.run(samples, epochs=100)
    for _ in range(100):
        for sample in samples:
            opt2.zero_grad()
            loss2(*sample).backward()
            opt2.step()
    assert state([w], opt) == state([w2], opt2)
    assert opt.t == [5000]
