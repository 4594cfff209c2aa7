"""Python's ``sum`` (a chain of ``+``) compiles to a loop, as ``autograd.sum`` does, bit for bit."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

import pytest

import autograd
import nn
from autograd import Value

pytestmark = pytest.mark.usefixtures("op_table_restored")

Loss = Callable[..., Any]  # a Value (Python's sum: typed Value | int)


def bits(x: float) -> tuple[float, bool, bool]:
    """A float to the bit: NaN equal to NaN, the sign of zero told apart."""
    return (0.0 if math.isnan(x) else x), math.isnan(x), math.copysign(1.0, x) < 0


def assert_same(a: Sequence[Value], b: Sequence[Value], what: str = "") -> None:
    for k, (p, q) in enumerate(zip(a, b, strict=True)):
        assert bits(p.grad) == bits(q.grad), f"{what}: grad #{k} ({p.label}): {p.grad!r} vs {q.grad!r}"
        assert bits(p.data) == bits(q.data), f"{what}: data #{k} ({p.label}): {p.data!r} vs {q.data!r}"


def loops(source: str) -> int:
    return sum(line.lstrip().startswith("for ") for line in source.splitlines())


def check(make: Callable[[list[Value]], Loss], params: Callable[[], list[Value]],
          calls: Sequence[Sequence[Any]], *, sgd: bool = False, loop: bool | None = None,
          return_loss: bool = True) -> str:
    """Compile ``make(params)`` on ``calls[0]``, call it on each of ``calls``; the engine on two fresh
    copies of the parameters does the same: the losses, gradients and (with ``sgd``) updates are
    the engine's to the bit, and so is ``step.run`` over the calls.  ``loop``: whether the source
    must have a ``for`` loop (None: either).  The step's source."""
    ps, engine, ran = params(), params(), params()
    opts = [nn.SGD(p, lr=0.1) if sgd else None for p in (ps, engine, ran)]
    step = autograd.compile(make(ps), ps, *calls[0], optimizer=opts[0], return_loss=return_loss)
    other = autograd.compile(make(ran), ran, *calls[0], optimizer=opts[2], return_loss=return_loss)
    if loop is not None:
        assert (loops(step.source) > 0) == loop, step.source
    f = make(engine)
    losses = []
    for k, args in enumerate(calls):
        out = step(*args)
        if opts[1] is not None:
            opts[1].zero_grad()
        total = f(*args)
        total.backward()
        if opts[1] is not None:
            opts[1].step()
        losses.append(total.data)
        if return_loss:
            assert isinstance(out, float)
            assert bits(out) == bits(total.data), (k, out, total.data)
        assert_same(ps, engine, f"call {k}")
    run = other.run([tuple(args) for args in calls])
    if return_loss:
        assert run is not None
        assert [bits(x) for x in run] == [bits(x) for x in losses]
    assert_same(ran, engine, "step.run")
    return step.source


def weights(seed: int = 3, n: int = 3) -> Callable[[], list[Value]]:
    rng = random.Random(seed)
    values = [rng.uniform(-1, 1) for _ in range(n)]
    return lambda: [Value(v, label=f"w{k}") for k, v in enumerate(values)]


def samples(n: int, seed: int = 1) -> list[float]:
    rng = random.Random(seed)
    return [round(rng.uniform(-2, 2), 3) for _ in range(n)]


def unit(w: list[Value], x: float) -> Value:
    return (w[0] * x + w[1]).tanh() * w[2]


# ---- step.run: a sample of another type inside a batch --------------------------------------------------


@pytest.mark.parametrize("kind", ["mean"])
def test_step_run_stops_the_update_at_a_sample_of_another_type_inside_a_batch(kind: str) -> None:
    """The batch's loop finds ``ys[1]`` an int: the run stops that update (not just the batch's
    loop, which went on with the samples seen so far) and the step's own call traces the other graph."""

    def make(w: list[Value]) -> Loss:
        def loss(xs: list[float], ys: list[float]) -> Any:
            terms = [(1 - y * unit(w, x)).relu() for x, y in zip(xs, ys, strict=True)]
            return autograd.mean(terms) if kind == "mean" else sum(terms)

        return loss

    xs = samples(5)
    calls = [[xs, [1.0, -1.0, 1.0, 1.0, -1.0]], [xs, [1.0, -1, 1, 1, -1]], [xs, [-1.0, -1.0, 1.0, 1.0, 1.0]]]
    check(make, weights(), calls, loop=True, sgd=True)
