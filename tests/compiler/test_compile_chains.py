"""Batches: Python's ``sum`` (a chain of ``+``) compiles to a loop, as ``autograd.sum`` does; a sum
over the parameters (``p * p``) too; a list op whose rule reads the whole list is written out.  The
compiled step is the engine's, bit for bit, and so is ``step.run``."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Sequence
from typing import Any

import pytest

import autograd
import nn
from autograd import Value
from demos.moons import ALPHA, make_moons, moons_model

pytestmark = pytest.mark.usefixtures("op_table_restored")

Loss = Callable[..., Any]  # a Value (Python's sum: typed Value | int)


def bits(x: float) -> tuple[float, bool, bool]:
    """A float to the bit: NaN equal to NaN, the sign of zero told apart."""
    return (0.0 if math.isnan(x) else x), math.isnan(x), math.copysign(1.0, x) < 0


def assert_same(a: Sequence[Value], b: Sequence[Value], what: str = "") -> None:
    for k, (p, q) in enumerate(zip(a, b, strict=True)):
        assert bits(p.grad) == bits(q.grad), f"{what}: grad #{k} ({p.label}): {p.grad!r} vs {q.grad!r}"
        assert bits(p.data) == bits(q.data), f"{what}: data #{k} ({p.label}): {p.data!r} vs {q.data!r}"


def micrograd_loss(model: nn.MLP) -> Loss:
    """micrograd's demo ``loss()``, on this engine: Python's ``sum`` over the samples and over ``p * p``."""

    def loss(X: list[list[float]], Y: list[float]) -> Any:  # noqa: N803 (micrograd's names)
        scores: list[Any] = list(map(model, X))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(Y, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        return data_loss + reg_loss

    return loss


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


# ---- micrograd's moons loss ---------------------------------------------------------------------------


def test_the_builtin_sum_moons_loss_compiles_to_a_loop_bit_for_bit() -> None:
    data = make_moons()
    models = [moons_model() for _ in range(3)]
    opts = [nn.SGD(m.parameters(), lr=1.0) for m in models]
    step = autograd.compile(micrograd_loss(models[0]), models[0].parameters(), *data, optimizer=opts[0])
    other = autograd.compile(micrograd_loss(models[1]), models[1].parameters(), *data, optimizer=opts[1])
    assert "for (X_i_0, X_i_1), Y_i in zip(X, Y, strict=True):" in step.source
    assert "for p_i in p_i_all:" in step.source  # sum(p * p for p in params): a loop over them
    assert step.source.count("\n") < 5000  # written out: about 74,650 lines
    engine = micrograd_loss(models[2])
    losses = []
    for k in range(3):
        lr = 1.0 - 0.9 * k / 100
        opts[0].lr = opts[2].lr = lr
        out = step(*data)
        opts[2].zero_grad()
        total = engine(*data)
        total.backward()
        opts[2].step()
        losses.append(total.data)
        assert bits(out) == bits(total.data)
        assert_same(models[0].parameters(), models[2].parameters(), f"step {k}")
    for k in range(3):  # step.run: the same lines, as a loop of updates
        opts[1].lr = 1.0 - 0.9 * k / 100
        assert other.run([data]) == losses[k : k + 1]
    assert_same(models[1].parameters(), models[2].parameters(), "step.run")


# ---- chains that are loops, and chains that are not -------------------------------------------------


def weights(seed: int = 3, n: int = 3) -> Callable[[], list[Value]]:
    rng = random.Random(seed)
    values = [rng.uniform(-1, 1) for _ in range(n)]
    return lambda: [Value(v, label=f"w{k}") for k, v in enumerate(values)]


def samples(n: int, seed: int = 1) -> list[float]:
    rng = random.Random(seed)
    return [round(rng.uniform(-2, 2), 3) for _ in range(n)]


def unit(w: list[Value], x: float) -> Value:
    return (w[0] * x + w[1]).tanh() * w[2]


def test_python_sum_over_samples_is_a_loop() -> None:
    def make(w: list[Value]) -> Loss:
        return lambda xs: sum(unit(w, x) for x in xs)

    source = check(make, weights(), [[samples(8, s)] for s in range(3)], loop=True, sgd=True)
    assert loops(source) == 2


def test_a_chain_at_the_root_with_return_loss_false() -> None:
    def make(w: list[Value]) -> Loss:
        return lambda xs: sum(unit(w, x) for x in xs)

    check(make, weights(), [[samples(5, s)] for s in range(2)], loop=True, return_loss=False)


def test_zero_plus_a_negative_zero_is_zero_as_in_the_engine() -> None:
    def make(w: list[Value]) -> Loss:
        return lambda xs: sum(w[0] * x for x in xs)  # 0 + (-0.0) is 0.0: the loop starts at 0.0

    source = check(make, lambda: [Value(0.0, label="w")], [[[-1.0, -2.0, -3.0, -0.0]]], loop=True)
    assert "= 0.0\n" in source


def test_a_chain_of_two_terms_is_written_out() -> None:
    def make(w: list[Value]) -> Loss:
        return lambda xs: sum(unit(w, x) for x in xs)

    check(make, weights(), [[samples(2, s)] for s in range(2)], loop=False)


def test_terms_of_different_shapes_are_written_out() -> None:
    def make(w: list[Value]) -> Loss:
        def loss(xs: list[float]) -> Value:
            shapes = [unit(w, xs[0]), (w[0] * xs[1]).relu(), w[1] * xs[2] + w[2], unit(w, xs[3]).exp()]
            return sum(shapes, Value(0.0)) * 2.0

        return loss

    check(make, weights(), [[samples(4, s)] for s in range(2)], loop=False, sgd=True)


def two(n: int, m: int) -> list[list[list[float]]]:
    """Calls of ``f(xs, zs)``: a loop runs over one argument's samples, all of them."""
    return [[samples(n, s), samples(m, s + 100)] for s in range(3)]


def test_runs_of_one_shape_in_a_mixed_chain_are_loops_each() -> None:
    def make(w: list[Value]) -> Loss:
        def loss(xs: list[float], zs: list[float]) -> Any:
            a = [unit(w, x) for x in xs]
            b = [(w[0] * z).relu() * w[1] for z in zs]
            return sum(a + b)

        return loss

    source = check(make, weights(), two(4, 5), sgd=True)
    assert loops(source) == 4  # two forward loops, two backward loops


def test_a_run_over_part_of_an_argument_is_written_out() -> None:
    def make(w: list[Value]) -> Loss:
        def loss(xs: list[float]) -> Any:
            a = [unit(w, x) for x in xs[:4]]
            b = [(w[0] * x).relu() * w[1] for x in xs[4:]]
            return sum(a + b)

        return loss

    check(make, weights(), [[samples(9, s)] for s in range(2)], loop=False, sgd=True)


def test_alternating_shapes_are_written_out() -> None:
    def make(w: list[Value]) -> Loss:
        return lambda xs: sum(unit(w, x) if k % 2 else (w[0] * x).relu() for k, x in enumerate(xs))

    check(make, weights(), [[samples(8, s)] for s in range(2)], loop=False)


def test_a_partial_sum_used_twice_starts_the_loop_above_it() -> None:
    def make(w: list[Value]) -> Loss:
        def loss(xs: list[float], zs: list[float]) -> Any:
            s = sum(unit(w, x) for x in xs)  # read twice: the chain above starts from it
            total = s
            for z in zs:
                total = total + unit(w, z)
            return total * s

        return loss

    source = check(make, weights(), two(3, 5), sgd=True)
    assert loops(source) == 4  # the lower chain of 3 and the upper chain of 5


def test_a_partial_sum_used_twice_in_one_argument_is_written_out() -> None:
    def make(w: list[Value]) -> Loss:
        def loss(xs: list[float]) -> Any:
            s = sum(unit(w, x) for x in xs[:3])
            return sum((unit(w, x) for x in xs[3:]), s) * s

        return loss

    check(make, weights(), [[samples(8, s)] for s in range(3)], loop=False, sgd=True)


def test_a_non_term_in_the_middle_splits_the_chain() -> None:
    def make(w: list[Value]) -> Loss:
        def loss(xs: list[float], zs: list[float]) -> Value:
            lower = sum(unit(w, x) for x in xs) + w[1]  # a leaf in the middle of the chain
            return sum((unit(w, z) for z in zs), lower)

        return loss

    source = check(make, weights(), two(4, 4), sgd=True)
    assert loops(source) == 4


@pytest.mark.parametrize(("start", "loop"),
                         [("param", False), ("node", True), ("number", True), ("int", True)])
def test_sum_with_a_start(start: str, loop: bool) -> None:
    """``sum(terms, start)``: ``start + t_1`` is written out when ``start`` is a leaf (its edge would
    be inside the loop's run of the backward), and then the loop would not cover all the samples."""

    def make(w: list[Value]) -> Loss:
        def loss(xs: list[float]) -> Value:
            first: Any = {"param": w[1], "node": w[1] * w[2], "number": -0.0, "int": 3}[start]
            return sum((unit(w, x) for x in xs), first)

        return loss

    check(make, weights(), [[samples(6, s)] for s in range(3)], sgd=True, loop=loop)


def test_python_arithmetic_on_a_sample_is_in_the_loop() -> None:
    def make(w: list[Value]) -> Loss:
        return lambda xs, ys: sum((1 + -y * unit(w, x)).relu() for x, y in zip(xs, ys, strict=True))

    ys = [1.0, -1.0, 1.0, 1.0, -1.0]
    source = check(make, weights(), [[samples(5, s), ys] for s in range(3)], loop=True, sgd=True)
    assert "= -ys_i" in source
    check(make, weights(), [[samples(5, 0), ys], [samples(5, 1), [1, -1, 1, 1, -1]]])  # ints: traced again


def test_python_arithmetic_with_numbers_per_sample_is_written_out() -> None:
    def make(w: list[Value]) -> Loss:
        return lambda xs: sum(w[0] * (x * k) for k, x in enumerate(xs))  # x * k: k is each sample's

    check(make, weights(), [[samples(5, s)] for s in range(2)], loop=False)


def test_autograd_sum_of_python_arithmetic_on_samples_is_a_loop_too() -> None:
    def make(w: list[Value]) -> Loss:
        return lambda xs, ys: autograd.mean([(1 + -y * unit(w, x)).relu()
                                             for x, y in zip(xs, ys, strict=True)])

    ys = [1.0, -1.0, 1.0, 1.0, -1.0]
    check(make, weights(), [[samples(5, s), ys] for s in range(2)], loop=True, sgd=True)


# ---- random chains, compared with the engine -------------------------------------------------------------

SHAPES: list[Callable[[list[Value], float], Value]] = [
    lambda w, x: unit(w, x),
    lambda w, x: (w[0] * x).relu() * w[1],
    lambda w, x: (w[2] + x) * (w[2] + x),
    lambda w, x: w[1] * x,
]


def plan(rng: random.Random, n: int) -> list[int]:
    """Which of `SHAPES` each term is: mostly one for all (a loop), else a mix."""
    if rng.random() < 0.6:
        return [rng.randrange(len(SHAPES))] * n
    return [rng.randrange(len(SHAPES)) for _ in range(n)]


@pytest.mark.parametrize("seed", range(16))
def test_random_chains_are_the_engines_bit_for_bit(seed: int) -> None:
    rng = random.Random(seed)
    n, m = rng.randint(1, 7), rng.randint(1, 7)
    lower_plan, upper_plan = plan(rng, n), plan(rng, m)
    start = rng.choice(["none", "param", "node", "float"])
    reuse = rng.random() < 0.3  # the lower partial sum read again
    scale = rng.random() < 0.5  # the chain's top below the root

    def make(w: list[Value]) -> Loss:
        def loss(xs: list[float], zs: list[float]) -> Value:
            first: Any = {"none": 0, "param": w[0], "node": w[0] * w[1], "float": 0.5}[start]
            low = sum((SHAPES[s](w, x) for s, x in zip(lower_plan, xs, strict=True)), first)
            total = sum((SHAPES[s](w, z) for s, z in zip(upper_plan, zs, strict=True)), low)
            if reuse:
                total = total * low
            return total * 0.5 if scale else total

        return loss

    calls = [[samples(n, seed * 10 + k), samples(m, seed * 10 + k + 5)] for k in range(3)]
    check(make, weights(seed), calls, sgd=rng.random() < 0.5, return_loss=rng.random() < 0.8)


# ---- step.run: a sample of another type inside a batch --------------------------------------------------


@pytest.mark.parametrize("kind", ["mean", "sum"])
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


# ---- columns of parameters: term i reads parameter i ----------------------------------------------------


def params(n: int, seed: int = 7) -> Callable[[], list[Value]]:
    rng = random.Random(seed)
    values = [rng.uniform(-1, 1) for _ in range(n)]
    return lambda: [Value(v, label=f"p{k}") for k, v in enumerate(values)]


@pytest.mark.parametrize("builtin", [True, False])
@pytest.mark.parametrize("sgd", [True, False])
def test_a_sum_of_p_times_p_is_a_loop_over_the_parameters(builtin: bool, sgd: bool) -> None:
    def make(ps: list[Value]) -> Loss:
        def loss(x: float) -> Any:
            reg = sum(p * p for p in ps) if builtin else autograd.sum(p * p for p in ps)
            return reg * 1e-4 + (ps[0] * x).tanh()

        return loss

    source = check(make, params(6), [[0.5], [-1.5], [2.0]], sgd=sgd)
    assert "for p_i in p_i_all:" in source
    assert "p0 * p0" not in source  # no term written out


@pytest.mark.parametrize("before", [True, False])
def test_a_column_of_parameters_with_gradients_before_it(before: bool) -> None:
    """The other term first in backward()'s order (the root's second operand), or after the loop."""

    def make(ps: list[Value]) -> Loss:
        def loss(x: float) -> Any:
            other = (ps[0] * ps[3] * x).tanh() + ps[5] * x
            reg = sum(p * p for p in ps)
            return reg + other if before else other + reg

        return loss

    source = check(make, params(6), [[0.5], [-1.5], [2.0]], sgd=True)
    assert "for p_i in p_i_all:" in source
    assert ("d_p_i_before = [0.0] * 6" in source) != before


def test_two_columns_of_parameters() -> None:
    def make(ps: list[Value]) -> Loss:
        return lambda x: sum((a * b * x).tanh() for a, b in zip(ps[:4], ps[4:], strict=True))

    source = check(make, params(8), [[0.5], [-1.5], [2.0]], sgd=True, loop=True)
    assert source.count("_all = (") == 2


@pytest.mark.parametrize("terms", ["shared too", "twice", "overlapping"])
def test_a_parameter_in_two_terms_is_written_out(terms: str) -> None:
    def make(ps: list[Value]) -> Loss:
        def loss(x: float) -> Any:
            if terms == "shared too":  # p0 read by every term, and by term 0 as its own
                return sum(p * ps[0] * x for p in ps)
            if terms == "twice":
                return sum(p * p * x for p in [*ps, ps[1]])
            return sum(a * b * x for a, b in itertools.pairwise(ps))  # term i reads p_i and p_(i+1)

        return loss

    check(make, params(5), [[0.5], [-1.5]], sgd=True, loop=False)


COLUMN_SHAPES: list[Callable[[Value, Value, float], Value]] = [
    lambda p, w, x: p * p,
    lambda p, w, x: (p * x).tanh(),
    lambda p, w, x: p * w * x,
    lambda p, w, x: (p + x).relu() * (p - w),
]


@pytest.mark.parametrize("seed", range(12))
def test_random_columns_of_parameters_are_the_engines_bit_for_bit(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(2, 8)
    shape = rng.randrange(len(COLUMN_SHAPES))
    builtin = rng.random() < 0.5
    others = rng.choice(["none", "before", "after", "both"])
    picked = [rng.randrange(n) for _ in range(rng.randint(1, n))] if rng.random() < 0.3 else list(range(n))
    if rng.random() < 0.3:
        picked.reverse()

    def make(ps: list[Value]) -> Loss:
        w = ps[-1]  # read by every term (a shared leaf), in no column

        def loss(x: float) -> Any:
            terms = [COLUMN_SHAPES[shape](ps[k], w, x) for k in picked]
            total = sum(terms) if builtin else autograd.sum(terms)
            if others in ("before", "both"):
                total = total + (ps[0] * x).tanh()
            if others in ("after", "both"):
                total = ps[1] * x + total
            return total * 0.5

        return loss

    check(make, params(n + 1, seed), [[rng.uniform(-2, 2)] for _ in range(3)], sgd=rng.random() < 0.5,
          return_loss=rng.random() < 0.8)


# ---- a list op whose derivative reads the whole list ---------------------------------------------------


def _norm(x: list[float]) -> float:
    return math.sqrt(math.fsum(v * v for v in x))


def _scaled(out: float, x: list[float]) -> list[float]:
    total = sum(x)
    return [total * v / out for v in x]  # item i's derivative reads every item


SCALED = autograd.Op(name="compile_test_scaled", forward=_norm, derivatives={"x": _scaled},
                     formula="scaled({x}, …)", derivative_formulas={"x": "scaled"}, lists=("x",))


def test_a_list_op_whose_rule_reads_every_item_is_written_out() -> None:
    """Its terms are a batch's shape, but the loop would give each term's rule a list of one value."""

    def make(w: list[Value]) -> Loss:
        return lambda xs: SCALED([unit(w, x) for x in xs])

    check(make, weights(), [[samples(5, s)] for s in range(3)], sgd=True, loop=False)
