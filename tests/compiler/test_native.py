"""``backend="numba"``: step.run's loop compiled by numba gives the Python backend's run, bit for bit."""

from __future__ import annotations

import math
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import autograd
import nn
from autograd import CompileError, Value
from demos.seed import LEARNING_RATE, XOR_DATA, seed_model

pytestmark = pytest.mark.usefixtures("op_table_restored", "numba_cache")


LOSSES = {"mse": nn.mse_loss, "bce": nn.bce_loss, "hinge": nn.hinge_loss}


def state(params: list[Value]) -> list[tuple[str, str, type]]:
    """Each parameter's data and grad as their exact bits (hex), and the grad's type."""
    return [(float(p.data).hex(), float(p.grad).hex() if p.grad is not None else "None", type(p.grad))
            for p in params]


def seed_pair(fused: bool, return_loss: bool) -> list[tuple[nn.MLP, Any]]:
    out = []
    for backend in ("numba", "python"):
        model = seed_model()
        opt = nn.SGD(model.parameters(), lr=LEARNING_RATE) if fused else None
        step = autograd.compile(lambda x, y, m=model: nn.bce_loss(m(x), y), model.parameters(),
                                *XOR_DATA[0], optimizer=opt, return_loss=return_loss, backend=backend)
        out.append((model, step))
    return out


@pytest.mark.numba
@pytest.mark.parametrize(("fused", "return_loss"), [(True, False), (True, True), (False, True)])
def test_the_seeds_run_is_the_python_backends_bit_for_bit(fused: bool, return_loss: bool) -> None:
    (native, step), (python, other) = seed_pair(fused, return_loss)
    step.run(XOR_DATA, epochs=0)  # compiles
    assert step.run.compile_seconds > 0.0
    losses = step.run(XOR_DATA, epochs=200)
    expected = other.run(XOR_DATA, epochs=200)
    assert losses == expected
    if losses is not None and expected is not None:
        assert [x.hex() for x in losses] == [x.hex() for x in expected]
    assert state(native.parameters()) == state(python.parameters())
    assert step.run.sources == other.run.sources  # what a learner reads: the same loop
    # and the per-call step is the Python step
    assert step(*XOR_DATA[1]) == other(*XOR_DATA[1])
    assert state(native.parameters()) == state(python.parameters())


@pytest.mark.numba
@pytest.mark.parametrize(("activation", "loss"),
                         [("relu", "mse"), ("tanh", "bce"), ("sigmoid", "hinge"), ("linear", "mse")])
def test_random_networks_every_activation_and_loss_bit_for_bit(activation: str, loss: str) -> None:
    rng = random.Random(f"{activation} {loss}")
    nin = 3
    out = "sigmoid" if loss == "bce" else "linear"
    samples = [([round(rng.uniform(-2, 2), 3) for _ in range(nin)],
                rng.choice([-1.0, 1.0]) if loss == "hinge" else float(rng.randint(0, 1))) for _ in range(8)]
    runs = []
    for backend, fused in (("numba", True), ("python", True), ("numba", False), ("python", False)):
        model = nn.MLP(nin, [4, 3, 1], activation=activation, output_activation=out, seed=7)
        opt = nn.SGD(model.parameters(), lr=0.05, weight_decay=0.001) if fused else None

        def f(x: list[float], y: float, m: nn.MLP = model) -> Value:
            return LOSSES[loss](m(x), y)  # type: ignore[arg-type]

        step = autograd.compile(f, model.parameters(), *samples[0], optimizer=opt, backend=backend)
        runs.append((step.run(samples, epochs=5), state(model.parameters())))
    assert runs[0] == runs[1]  # fused SGD (with weight decay)
    assert runs[2] == runs[3]  # the plain step: gradients accumulate


def _log_model() -> tuple[list[Value], Callable[..., Value]]:
    w, b = Value(0.5, label="w"), Value(0.25, label="b")

    def loss(x: float, y: float) -> Value:
        h = w * x + b
        h.label = "h"
        return (h.log() - y) ** 2

    return [w, b], loss


@pytest.mark.numba
def test_an_error_mid_run_is_the_engines_with_the_parameters_after_the_update_before() -> None:
    samples = [(1.0, 0.0), (2.0, 1.0), (-3.0, 0.0), (1.0, 0.0)]  # update 2: the log of a negative h
    (params, loss), (params2, loss2) = _log_model(), _log_model()
    step = autograd.compile(loss, params, 1.0, 0.0, optimizer=nn.SGD(params, lr=0.01), backend="numba")
    other = autograd.compile(loss2, params2, 1.0, 0.0, optimizer=nn.SGD(params2, lr=0.01))
    with pytest.raises(ValueError, match="log") as native:
        step.run(samples)
    other(*samples[0])
    other(*samples[1])
    with pytest.raises(ValueError, match="log") as python:
        other(*samples[2])
    assert str(native.value) == str(python.value)
    assert "'h'" in str(native.value)
    assert state(params) == state(params2)


@pytest.mark.numba
def test_an_infinity_python_computes_without_error_is_computed_by_the_python_step() -> None:
    def make(backend: str) -> tuple[Value, Any]:
        w = Value(2.0, label="w")
        return w, autograd.compile(lambda x: w * x, [w], 1.0, backend=backend)

    samples = [(1.0,), (1e308,), (3.0,)]  # w * 1e308 overflows to inf, an error in no Python op
    (w, step), (w2, other) = make("numba"), make("python")
    assert step.run(samples) == other.run(samples) == [2.0, math.inf, 6.0]
    assert state([w]) == state([w2])


Maker = Callable[[], tuple[list[Value], Callable[..., Value], Any]]


def batch_pair(make: Maker, example: tuple[Any, ...]) -> list[tuple[list[Value], Any, Any]]:
    """The same batch step compiled with numba and with Python: (params, step, optimizer) each."""
    out = []
    for backend in ("numba", "python"):
        params, f, opt = make()
        out.append((params, autograd.compile(f, params, *example, optimizer=opt, backend=backend), opt))
    return out


@pytest.mark.numba
@pytest.mark.parametrize(("activation", "loss", "fused"),
                         [("relu", "mse", True), ("tanh", "bce", True), ("sigmoid", "hinge", False),
                          ("linear", "mse", False), ("tanh", "hinge", True), ("sigmoid", "bce", False)])
def test_random_batches_every_activation_and_loss_bit_for_bit(activation: str, loss: str,
                                                              fused: bool) -> None:
    """A mean over a batch (a batch's loop, written once), per call and as step.run, SGD fused or not."""
    rng = random.Random(f"batch {activation} {loss}")
    out = "sigmoid" if loss == "bce" else "linear"
    mean = {"mse": nn.mean_mse_loss, "bce": nn.mean_bce_loss, "hinge": nn.mean_hinge_loss}[loss]
    batches = []
    for _ in range(3):
        X = [[round(rng.uniform(-2, 2), 3) for _ in range(2)] for _ in range(5)]  # noqa: N806
        Y = [rng.choice([-1.0, 1.0]) if loss == "hinge" else float(rng.randint(0, 1))  # noqa: N806
             for _ in range(5)]
        batches.append((X, Y))

    def make() -> tuple[list[Value], Callable[..., Value], Any]:
        model = nn.MLP(2, [3, 1], activation=activation, output_activation=out, seed=11)
        opt = nn.SGD(model.parameters(), lr=0.1, weight_decay=0.01) if fused else None

        def f(X: list[list[float]], Y: list[float]) -> Value:  # noqa: N803
            return mean([model(x) for x in X], Y)  # type: ignore[misc]

        return model.parameters(), f, opt

    (params, step, opt), (params2, other, opt2) = batch_pair(make, batches[0])
    assert "for " in step.source  # the batch's loop
    assert step.source == other.source  # what a learner reads
    assert step is not step.run._step  # step(*args) runs the numba code (a batch's loop)
    for k, (X, Y) in enumerate(batches):  # noqa: N806
        if opt is not None:
            opt.lr = opt2.lr = 0.1 / (k + 1)  # a schedule: read at each call
        assert step(X, Y).hex() == other(X, Y).hex()
        assert state(params) == state(params2)
    assert _numba_ran(step)
    assert step.run(batches, epochs=2) == other.run(batches, epochs=2)
    assert state(params) == state(params2)


@pytest.mark.numba
@pytest.mark.parametrize("kind", ["weights only", "penalty first", "two penalties"])
def test_a_batch_with_columns_of_parameters_keeps_its_lists_in_arrays_bit_for_bit(kind: str) -> None:
    """A penalty over the parameters (a column's loop) with a batch's loop: the numba loop keeps the
    lists of each update in arrays (`_Arrays`), a column of some of the parameters written in its
    array, a column's gradients so far read from their cells: the Python backend's results."""
    rng = random.Random(f"columns {kind}")
    batches = [([[round(rng.uniform(-2, 2), 3) for _ in range(2)] for _ in range(4)],
                [rng.choice([-1.0, 1.0]) for _ in range(4)]) for _ in range(3)]

    def make() -> tuple[list[Value], Callable[..., Value], Any]:
        model = nn.MLP(2, [3, 1], activation="tanh", output_activation="linear", seed=5)
        params = model.parameters()
        weights = [p for i, p in enumerate(params) if i % 3 != 2]  # not in _W's order: written

        def f(X: list[list[float]], Y: list[float]) -> Value:  # noqa: N803
            data = nn.mean_hinge_loss([model(x) for x in X], Y)  # type: ignore[misc]
            if kind == "weights only":
                return data + autograd.sum(p * p for p in weights) * 0.01
            if kind == "penalty first":  # the column's gradients begun before its loop
                return autograd.sum(p * p for p in params) * 0.01 + data
            halves = autograd.sum(p * 0.5 * p for p in params)  # a second column of the same parameters
            return data + autograd.sum(p * p for p in params) * 0.01 + halves

        return params, f, nn.SGD(params, lr=0.1)

    (params, step, _), (params2, other, _) = batch_pair(make, batches[0])
    assert step.source == other.source
    for X, Y in batches:  # noqa: N806
        assert step(X, Y).hex() == other(X, Y).hex()
        assert state(params) == state(params2)
    assert _numba_ran(step)
    assert all(".append(" not in loop.module for loop in step.run._loops.values())
    assert step.run(batches, epochs=2) == other.run(batches, epochs=2)
    assert state(params) == state(params2)


def _numba_ran(step: Any) -> bool:
    """Whether a numba loop of ``step`` was compiled and run (step(*args) on numba, not Python)."""
    from autograd.compiler.native import NumbaLoop

    return any(isinstance(loop, NumbaLoop) and not loop.first for loop in step.run._loops.values())


@pytest.mark.numba
def test_micrograd_moons_steps_are_the_python_backends_bit_for_bit() -> None:
    """micrograd's demo step (MLP(2, [16, 16, 1]), 337 parameters, a batch of 100, its schedule)."""
    from demos.moons import learning_rate, make_moons, moons_loss, moons_model

    data = make_moons()

    def make() -> tuple[list[Value], Callable[..., Value], Any]:
        model = moons_model()
        opt = nn.SGD(model.parameters(), lr=1.0)
        return model.parameters(), lambda xs, ys: moons_loss(model, xs, ys), opt

    (params, step, opt), (params2, other, opt2) = batch_pair(make, data)
    for k in range(3):
        opt.lr = opt2.lr = learning_rate(k)
        assert step(*data).hex() == other(*data).hex()
        assert state(params) == state(params2)
    assert _numba_ran(step)
    assert step.run([data], epochs=2) == other.run([data], epochs=2)
    assert state(params) == state(params2)
    assert step.run.compile_seconds > 0.0
    assert all(".append(" not in loop.module for loop in step.run._loops.values())  # arrays: _Arrays


def _log_batch() -> tuple[list[Value], Callable[..., Value], Any]:
    w, b = Value(0.5, label="w"), Value(0.25, label="b")

    def loss(X: list[float], Y: list[float]) -> Value:  # noqa: N803
        terms = []
        for x, y in zip(X, Y, strict=True):
            h = w * x + b
            h.label = "h"
            terms.append((h.log() - y) ** 2)
        return autograd.mean(terms)

    return [w, b], loss, nn.SGD([w, b], lr=0.01)


@pytest.mark.numba
def test_a_domain_error_in_a_batch_is_the_engines_with_the_parameters_after_the_update_before() -> None:
    good = ([1.0, 2.0, 0.5], [0.0, 1.0, 0.0])
    bad = ([1.0, -3.0, 0.5], [0.0, 1.0, 0.0])  # the second sample: the log of a negative h
    (params, step, _), (params2, other, _) = batch_pair(_log_batch, good)
    assert "for " in step.source
    step(*good)  # one call, numba's
    other(*good)
    with pytest.raises(ValueError, match="log") as native:
        step(*bad)  # numba stops before the update; the Python step names the node
    with pytest.raises(ValueError, match="log") as python:
        other(*bad)
    assert str(native.value) == str(python.value)
    assert "'h'" in str(native.value)
    assert state(params) == state(params2)
    with pytest.raises(ValueError, match="log") as native:
        step.run([good, good, bad, good])  # two updates, then the error
    other.run([good, good])
    with pytest.raises(ValueError, match="log") as python:
        other(*bad)
    assert str(native.value) == str(python.value)
    assert state(params) == state(params2)


@pytest.mark.numba
def test_a_step_with_an_argument_baked_in_is_the_python_steps() -> None:
    """numba does not compile a variant with a baked argument: step(*args) is then the Python step,
    and step.run says why."""
    def make() -> tuple[list[Value], Callable[..., Value], Any]:
        w = Value(0.5, label="w")

        def f(X: list[float], n: int) -> Value:  # noqa: N803
            return autograd.mean([(w * x - 1.0) ** 2 for x in X[:n]])  # X[:n]: n is baked in

        return [w], f, nn.SGD([w], lr=0.1)

    X = [1.0, 2.0, 3.0, 4.0]  # noqa: N806
    (params, step, _), (params2, other, _) = batch_pair(make, (X, 3))
    assert step(X, 3).hex() == other(X, 3).hex()
    assert state(params) == state(params2)
    with pytest.raises(CompileError, match="baked in"):
        step.run([(X, 3)])


@pytest.mark.numba
def test_a_small_step_per_call_is_the_python_step() -> None:
    """The seed's step(*args) is the Python step (faster there than a numba call); its run is numba's."""
    (_, step), (_, other) = seed_pair(fused=True, return_loss=True)
    assert step.run._step is step
    assert step.source == other.source


def test_without_numba_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba: ImportError
    w = Value(0.5, label="w")
    with pytest.raises(CompileError, match=r"backend='numba' needs numba.*scalar-autograd\[fast\]"):
        autograd.compile(lambda x: w * x, [w], 1.0, backend="numba")
    with pytest.raises(CompileError, match="backend must be 'python' or 'numba'; got 'c'"):
        autograd.compile(lambda x: w * x, [w], 1.0, backend="c")


@pytest.mark.numba
def test_the_compiled_loop_is_cached_on_disk_for_the_next_process(numba_cache: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (_, step), _ = seed_pair(fused=True, return_loss=False)
    step.run(XOR_DATA, epochs=0)
    modules = sorted(numba_cache.glob("loop_*.py"))
    assert modules
    assert any(m.read_text(encoding="utf-8").count("@njit(cache=True)") >= 2 for m in modules)  # loop + _bce
    assert list((numba_cache / "__pycache__").glob("loop_*.nbi"))  # numba's index of its machine code
    monkeypatch.setenv("AUTOGRAD_CACHE", "off")
    (model, step), (python, other) = seed_pair(fused=True, return_loss=False)
    step.run(XOR_DATA, epochs=3)  # compiled in this process only: the same run
    other.run(XOR_DATA, epochs=3)
    assert state(model.parameters()) == state(python.parameters())


def test_each_variable_assigned_once_keeps_what_an_update_carries_to_the_next() -> None:
    """`_Single` renames a variable assigned again (``b = b + m`` -> ``b_v2``) but not one an update
    reads before it assigns it (a local carried from one update to the next): the same results."""
    import ast

    from autograd.compiler.native import _Single

    source = (
        "def f(_W, _total):\n"
        "    m = 0.0\n"
        "    for _run_k in range(0, _total):\n"
        "        a = _W[0]\n"
        "        m = m * 0.5 + a\n"
        "        m = m + 1.0\n"
        "        b = a * 2.0\n"
        "        b = b + m\n"
        "        _W[0] = b\n"
        "    return m\n"
    )
    tree = ast.fix_missing_locations(_Single().visit(ast.parse(source)))
    renamed = ast.unparse(tree)
    assert "b_v2 = b + m" in renamed
    assert "m_v2" not in renamed
    results = []
    for text in (source, renamed):
        namespace: dict[str, Any] = {}
        exec(text, namespace)
        w = [0.25]
        results.append((namespace["f"](w, 5), w[0]))
    assert results[0] == results[1]


@pytest.mark.numba
@pytest.mark.parametrize("kind", ["momentum", "adam"])
def test_a_batch_step_per_call_with_momentum_or_adam_is_the_python_backends(kind: str) -> None:
    """step(*args) on numba (a batch's loop) with an optimizer's state: a momentum buffer's first
    step (None: the buffer is the gradient) is the Python step's, the next ones numba's; bit for bit."""
    rng = random.Random(f"per call {kind}")
    batches = [([[rng.uniform(-2, 2) for _ in range(2)] for _ in range(4)],
                [rng.uniform(-1, 1) for _ in range(4)]) for _ in range(4)]

    def make() -> tuple[list[Value], Callable[..., Value], Any]:
        model = nn.MLP(2, [3, 1], activation="tanh", output_activation="linear", seed=5)
        params = model.parameters()
        opt = (nn.SGD(params, lr=0.05, momentum=0.9, weight_decay=0.01) if kind == "momentum"
               else nn.Adam(params, lr=0.05))

        def f(X: list[list[float]], Y: list[float]) -> Value:  # noqa: N803
            return nn.mean_mse_loss([model(x) for x in X], Y)  # type: ignore[misc]

        return params, f, opt

    (params, step, opt), (params2, other, opt2) = batch_pair(make, batches[0])
    assert step is not step.run._step  # step(*args) runs the numba code
    for X, Y in batches:  # noqa: N806
        assert step(X, Y).hex() == other(X, Y).hex()
        assert state(params) == state(params2)
        for name in ("velocity",) if kind == "momentum" else ("m", "v", "t"):
            assert getattr(opt, name) == getattr(opt2, name)
    assert _numba_ran(step)


# ---- a learning rate per update: run(samples, epochs, lr=...) --------------------------------------------

SCHEDULED: dict[str, Callable[[list[Value]], nn.SGD | nn.Adam]] = {
    "sgd": lambda ps: nn.SGD(ps, lr=LEARNING_RATE, weight_decay=0.01),
    "momentum": lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9),
    "adam": lambda ps: nn.Adam(ps, lr=0.05),
}


def full_state(params: list[Value], opt: nn.SGD | nn.Adam) -> list[object]:
    """`state` and the optimizer's own (Adam's m, v, t; the momentum buffers) and rate, to the bit."""
    lists = ("m", "v", "t") if isinstance(opt, nn.Adam) else ("velocity",)
    return [*state(params), [(n, [(repr(x), type(x)) for x in getattr(opt, n)]) for n in lists],
            (repr(opt.lr), type(opt.lr))]


@pytest.mark.numba
@pytest.mark.parametrize("return_loss", [True, False])
@pytest.mark.parametrize("kind", list(SCHEDULED))
def test_a_schedules_run_is_the_python_backends_bit_for_bit(kind: str, return_loss: bool) -> None:
    runs = []
    epochs = 50
    total = len(XOR_DATA) * epochs
    modules = []
    for backend in ("numba", "python"):
        model = seed_model()
        opt = SCHEDULED[kind](model.parameters())
        step = autograd.compile(lambda x, y, m=model: nn.bce_loss(m(x), y), model.parameters(),
                                *XOR_DATA[0], optimizer=opt, return_loss=return_loss, backend=backend)
        losses = step.run(XOR_DATA, epochs, lr=lambda k: 1.0 - 0.9 * k / total)
        losses2 = step.run(XOR_DATA, 2, lr=[0.5, 1, 0.25, 0.125, 0.0625, 2, 0.5, 0.25])  # ints too
        losses3 = step.run(XOR_DATA, 3)  # without a schedule: opt.lr, the last rate (0.25)
        runs.append(([None if x is None else [v.hex() for v in x] for x in (losses, losses2, losses3)],
                     full_state(model.parameters(), opt)))
        modules += [loop.module for loop in step.run._loops.values() if hasattr(loop, "module")]
    assert runs[0] == runs[1]
    assert runs[0][1][-1] == (repr(0.25), float)
    assert len(modules) == 1
    assert "_LR[_run_k]" in modules[0]  # the module's text has no rate in it


@pytest.mark.numba
def test_a_schedules_rates_do_not_change_numbas_module() -> None:
    """numba's on-disk cache is found by the module's text: another schedule is the same text."""
    step, other = (seed_pair(fused=True, return_loss=False)[0][1] for _ in range(2))  # both numba's
    step.run(XOR_DATA, lr=[0.1, 0.2, 0.3, 0.4])
    other.run(XOR_DATA, 2, lr=lambda k: 2.0 ** -k)
    (loop,), (loop2,) = step.run._loops.values(), other.run._loops.values()
    assert loop.module == loop2.module


@pytest.mark.numba
@pytest.mark.parametrize("kind", list(SCHEDULED))
def test_an_error_mid_run_with_a_schedule_is_the_python_backends(kind: str) -> None:
    samples = [(1.0, 0.0), (2.0, 1.0), (0.5, 0.0), (-3.0, 0.0)]  # update 3: the log of a negative h
    rates = [0.01 * (k + 1) for k in range(8)]
    out = []
    for backend in ("numba", "python"):
        params, loss = _log_model()
        opt = SCHEDULED[kind](params)
        step = autograd.compile(loss, params, 1.0, 0.0, optimizer=opt, backend=backend)
        step.run(samples[:3], epochs=2, lr=rates[:6])  # a whole run first
        with pytest.raises(ValueError, match="log") as error:
            step.run(samples, epochs=2, lr=rates)
        assert "'h'" in str(error.value)
        assert opt.lr == rates[3]
        out.append((str(error.value), full_state(params, opt)))
    assert out[0] == out[1]


@pytest.mark.numba
def test_a_schedule_over_batches_on_numba_is_the_python_backends() -> None:
    rng = random.Random("schedule")
    batches = [([[rng.uniform(-2, 2) for _ in range(2)] for _ in range(4)],
                [rng.uniform(-1, 1) for _ in range(4)]) for _ in range(3)]

    def make() -> tuple[list[Value], Callable[..., Value], Any]:
        model = nn.MLP(2, [3, 1], activation="tanh", output_activation="linear", seed=5)
        params = model.parameters()

        def f(X: list[list[float]], Y: list[float]) -> Value:  # noqa: N803
            return nn.mean_mse_loss([model(x) for x in X], Y)  # type: ignore[misc]

        return params, f, nn.Adam(params, lr=0.05)

    (params, step, opt), (params2, other, opt2) = batch_pair(make, batches[0])
    rate: Callable[[int], float] = lambda k: 0.1 - 0.009 * k  # noqa: E731
    assert step.run(batches, epochs=3, lr=rate) == other.run(batches, epochs=3, lr=rate)
    assert _numba_ran(step)
    assert full_state(params, opt) == full_state(params2, opt2)
    for k in range(3):  # and numba's per-call step reads opt.lr at each call
        opt.lr = opt2.lr = 0.5 / (k + 1)
        assert step(*batches[k]).hex() == other(*batches[k]).hex()
    assert full_state(params, opt) == full_state(params2, opt2)


# a rule's own variable named as one of the loops' (step.run's and numba's): "samples" is _samples
LOOP_NAMES = ("samples", "start", "append", "enumerate", "row", "run_k", "run_i1", "W", "G", "S", "M", "LR",
              "lrs", "done", "losses", "total", "SCRATCH", "nb1_x")


def _module(tmp_path: Path, name: str, lines: list[str]) -> Any:
    """The module of ``lines``, written in a file and imported (numba reads an op's source)."""
    import importlib.util

    path = tmp_path / f"{name}.py"
    path.write_text("\n".join(lines) + "\n")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ops_named(tmp_path: Path, names: tuple[str, ...]) -> list[Callable[..., Value]]:
    """An op per name whose forward keeps ``exp(x)`` in a variable of that name."""
    lines = ["import math", "import autograd", "OPS = []"]
    for name in names:
        lines += [f"def forward_{name}(x):", f"    return ({name} := math.exp(x)) * {name}",
                  f"OPS.append(autograd.define_op('loop_name_{name}', forward_{name},"
                  f" lambda out, x: 2.0 * out))"]
    return list(_module(tmp_path, "loop_name_ops", lines).OPS)


@pytest.mark.parametrize("backend", ["python", pytest.param("numba", marks=pytest.mark.numba)])
def test_a_rules_variable_named_as_the_loops_own_is_renamed(tmp_path: Path, backend: str) -> None:
    for name, op in zip(LOOP_NAMES, _ops_named(tmp_path, LOOP_NAMES), strict=True):
        w, w2 = Value(0.3, label="w"), Value(0.3, label="w")
        opt, opt2 = nn.Adam([w], lr=0.1), nn.Adam([w2], lr=0.1)
        step = autograd.compile(lambda a, op=op, w=w: op(w * a), [w], 2.0, optimizer=opt, backend=backend)
        losses = step.run([(2.0,), (1.0,)], epochs=2, lr=[0.1, 0.05, 0.02, 0.01])
        expected = []
        for a, rate in zip((2.0, 1.0, 2.0, 1.0), (0.1, 0.05, 0.02, 0.01), strict=True):
            opt2.lr = rate
            opt2.zero_grad()
            loss = op(w2 * a)
            loss.backward()
            opt2.step()
            expected.append(loss.data)
        assert losses == expected, name
        assert state([w]) == state([w2]), name
        assert not re.search(rf"(?<!\w)_{name} :=", step.source), name  # renamed: _op_samples...


@pytest.mark.numba
def test_int_samples_run_on_numba_bit_for_bit() -> None:
    """Ints as inputs make the trace call ops' helpers (_dot's zip(..., strict=True), which numba
    does not type: its numba copy has no strict=); numba runs them, as the Python backend does."""
    data = [([0, 0], 0.0), ([0, 1], 1.0), ([1, 0], 1.0), ([1, 1], 0.0)]
    out = []
    for backend in ("numba", "python"):
        model = nn.MLP(2, [2, 1], activation="sigmoid", seed=1)
        params = model.parameters()
        step = autograd.compile(lambda x, y, m=model: nn.mse_loss(m(x), y), params, *data[0],
                                optimizer=nn.SGD(params, lr=0.5), backend=backend)
        losses = step.run(data, epochs=3)
        out.append(([x.hex() for x in losses or []], state(params)))
        if backend == "numba":
            (loop,) = step.run._loops.values()
            assert getattr(loop, "failed", "not numba's") is None  # numba's code ran
    assert out[0] == out[1]


@pytest.mark.numba
def test_a_loop_numba_cannot_compile_runs_as_python_with_a_warning(tmp_path: Path) -> None:
    module = _module(tmp_path, "fsum_op", ["import math", "import autograd", "", "def fsum_sq(x):",
                                           "    return math.fsum([x * x, 1.0])", "",
                                           "OP = autograd.define_op('test_fsum_sq', fsum_sq,"
                                           " lambda out, x: 2.0 * x)"])
    out = []
    for backend in ("numba", "python"):
        w = Value(0.5, label="w")
        step = autograd.compile(lambda a, w=w: module.OP(w * a), [w], 2.0, optimizer=nn.SGD([w], lr=0.1),
                                backend=backend)
        if backend == "numba":
            with pytest.warns(RuntimeWarning, match=r"numba could not compile the loop of step \(TypingError:"
                                                    r" Unknown attribute 'fsum' .*the Python backend's loop"):
                losses = step.run([(2.0,), (1.0,)], epochs=2)
        else:
            losses = step.run([(2.0,), (1.0,)], epochs=2)
        out.append(([x.hex() for x in losses or []], step(2.0).hex(), state([w])))
    assert out[0] == out[1]
