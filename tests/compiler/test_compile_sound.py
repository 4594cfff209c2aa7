"""Issue 24: whatever f does with an argument is a guard or a refusal; the step checks its arguments."""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable
from typing import Any

import pytest

import autograd
import nn
from autograd import CompileError, Value
from autograd.compiler import step as step_module

pytestmark = pytest.mark.usefixtures("op_table_restored")

numpy: Any
try:
    import numpy
except ImportError:  # pragma: no cover (the optional tests' NumPy)
    numpy = None


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    return type(a) is type(b) and a == b


def engine(f: Callable[..., Value], w: Value, *args: Any) -> tuple[float, float]:
    w.grad = 0.0
    loss = f(*args)
    loss.backward()
    return loss.data, w.grad


def compiled(step: Callable[..., float], w: Value, *args: Any) -> tuple[float, float]:
    w.grad = 0.0
    return step(*args), w.grad


def agree(make: Callable[[Value], Callable[..., Value]], example: tuple[Any, ...],
          *calls: tuple[Any, ...]) -> None:
    w, w2 = Value(0.5, label="w"), Value(0.5, label="w")
    f, g = make(w), make(w2)
    step = autograd.compile(f, [w], *example)
    for args in calls:
        got, expected = compiled(step, w, *args), engine(g, w2, *args)
        assert all(same(a, b) for a, b in zip(got, expected, strict=True)), (args, got, expected)


def test_b1_equality_bool_isinstance_and_in_on_an_argument_are_guards() -> None:
    agree(lambda w: lambda x: w * x if x == 1 else -w * x, (2.0,), (1.0,), (2.0,), (1,), (3.0,))
    agree(lambda w: lambda x: w * x if x != 0 else w, (2.0,), (0.0,), (-0.0,), (2.0,))
    agree(lambda w: lambda x: w * x if x else w + 1.0, (2.0,), (0.0,), (3.0,))
    agree(lambda w: lambda x: w * x if isinstance(x, float) else w - x, (2.0,), (3,), (3.0,))
    agree(lambda w: lambda x: w * x if x in (0.0, 1.0) else w * 2.0, (2.0,), (1.0,), (0.0,), (5.0,))
    agree(lambda w: lambda x: w * x if x in {0.0, 1.0} else w * 2.0, (2.0,), (1.0,), (0.0,), (5.0,))
    agree(lambda w: lambda x: w * x if x + 1 == 2 else w * 3.0, (2.0,), (1.0,), (2.0,))


def test_the_issues_bce_written_with_an_if() -> None:
    model, twin = nn.MLP(2, [2, 1], seed=3), nn.MLP(2, [2, 1], seed=3)

    def loss_of(m: nn.MLP) -> Callable[..., Value]:
        def f(x: list[float], y: float) -> Value:
            p = autograd.sigmoid(m(x))  # type: ignore[arg-type]
            return -autograd.log(p) if y == 1 else -autograd.log(1 - p)
        return f

    step = autograd.compile(loss_of(model), model.parameters(), [1.0, 1.0], 0.0)
    for x, y in (([0.0, 1.0], 1.0), ([1.0, 1.0], 0.0), ([0.5, 0.2], 1)):
        got = step(x, y)
        loss = loss_of(twin)(x, y)
        for p in twin.parameters():
            p.grad = 0.0
        for p in model.parameters():
            p.grad = 0.0
        step(x, y)
        loss.backward()
        assert same(got, loss.data)
        assert all(same(p.grad, q.grad) for p, q in zip(model.parameters(), twin.parameters(), strict=True))


def test_b2_numpy_scalars_are_converted_and_arrays_refused_clearly() -> None:
    np = pytest.importorskip("numpy")
    agree(lambda w: lambda x: w * x, (2.0,), (np.float64(3.0),), (np.float32(0.1),), (np.int64(2),))
    w = Value(0.5)
    step = autograd.compile(lambda x: w * x[0], [w], [1.0])
    with pytest.raises(TypeError, match=r"argument x is .*\.tolist\(\)"):
        step(np.array([1.0], dtype=np.float32))
    step([np.float32(0.1)])
    assert type(w.grad) is float


def test_b3_an_error_caught_in_f_on_python_arithmetic_is_baked_in() -> None:
    def make(w: Value) -> Callable[[float], Value]:
        def f(x: float) -> Value:
            try:
                r = 1.0 / x
            except ZeroDivisionError:
                r = 0.0
            return w * r
        return f

    agree(make, (0.0,), (4.0,), (0.0,), (2.0,))


def test_b4_baked_arguments_are_compared_to_the_bit() -> None:
    agree(lambda w: lambda x: w * math.atan2(x, -1.0), (0.0,), (-0.0,), (0.0,), (-0.0,))
    agree(lambda w: lambda x: w * math.sqrt(x) if x == x else w * 2.0, (4.0,), (math.nan,), (math.nan,),
          (9.0,))


def test_b6_the_step_checks_its_arguments() -> None:
    w = Value(0.5, label="w")
    step = autograd.compile(lambda x, y: (w * x[0] - y) ** 2, [w], [1.0], 0.0)
    for bad in ({1.0: 2}, {1.0}, (v for v in [1.0])):
        with pytest.raises(TypeError):
            step(bad, 0.0)
    with pytest.raises(TypeError, match="bool"):
        step([1.0], True)
    with pytest.raises(TypeError):
        step([w], 0.0)
    assert type(w.grad) is float


def test_b7_an_int_exponent() -> None:
    agree(lambda w: lambda k: w ** k, (3,), (3,), (2,), (2.0,))
    w, w2 = Value(-1.5, label="w"), Value(-1.5, label="w")
    for example in (3, 3.0):
        step = autograd.compile(lambda k: w ** k, [w], example)
        for k in (3, 2, 3.0):
            w.grad = w2.grad = 0.0
            loss = w2 ** k
            loss.backward()
            assert (step(k), w.grad) == (loss.data, w2.grad)
        assert step(3) == -3.375


def test_b9_a_define_op_derivative_that_raises_is_named_as_the_engine_names_it() -> None:
    inv = autograd.define_op("inv24", lambda x: x, lambda out, x: 1.0 / (x - 1.0))
    w = Value(0.5, label="w")
    step = autograd.compile(lambda x: inv(w * x), [w], 1.0)
    with pytest.raises(ZeroDivisionError, match="inv24"):
        step(2.0)


def test_b10_errors_while_retracing_name_the_engines_operand() -> None:
    w = Value(0.5, label="w")
    step = autograd.compile(lambda ys: autograd.sum([autograd.log(y) for y in ys]) * w, [w], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"log: undefined for unlabelled Value \(data=-9.0\)"):
        step([1.0, 2.0, -9.0])  # traced again (another length): the engine's message, not Value 'ys[2]'


def test_b12_python_arithmetic_on_two_arguments_overflows_as_the_engine_does() -> None:
    w = Value(0.5, label="w")
    step = autograd.compile(lambda x, y: w * x ** y, [w], 2.0, 3.0)
    assert step(2.0, 3.0) == 4.0
    with pytest.raises(OverflowError):
        step(10.0, 400.0)


def test_the_trace_cache_is_bounded() -> None:
    w = Value(0.5, label="w")
    step = autograd.compile(lambda x: w * math.sqrt(x), [w], 4.0)
    for k in range(step_module.MAX_VARIANTS + 20):
        step(float(k))
    assert len(step.variants) <= step_module.MAX_VARIANTS


# ---- a fuzz: user code as people write it, compared with the engine bit for bit --------------------

NUMBERS = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, 3, 0, -2, math.nan, math.inf, 1e308, 1e-300, 7.25]

BODIES: list[Callable[[Value, Any, Any], Value]] = [
    lambda w, x, y: w * x if x == 1 else w * y,
    lambda w, x, y: w * x if x != y else w - y,
    lambda w, x, y: (w * x) if x else (w + y),
    lambda w, x, y: w * x if isinstance(x, int) else w * y,
    lambda w, x, y: w * x if x in (0, 1.0, -0.0) else w / 2.0,
    lambda w, x, y: w * (x + y) if x > y else w * (x - y),
    lambda w, x, y: w * x * y if y in {0.0, 1.0, 2.0} else w * 1.0,
    lambda w, x, y: w * math.copysign(1.0, x) + y,
    lambda w, x, y: w ** 2 * (x * 2 + y),
    lambda w, x, y: (w * x).tanh() + (y if y == y else 0.0) * w,
    lambda w, x, y: w * abs(x) - y * w,
    lambda w, x, y: w * (x // 1 if x == x and abs(x) < 1e300 else 1.0),
    lambda w, x, y: _caught(w, x, y),
    lambda w, x, y: autograd.log(x) * w + y,  # raises for x <= 0, in both
    lambda w, x, y: w / x if y == y else w * y,  # the engine's division raises at x == 0
    lambda w, x, y: w * 2.0 + x ** y * 0.0,  # Python's ** of two numbers: OverflowError, or a complex
    lambda w, x, y: _scaled24(w * x) + y * w,
    lambda w, x, y: w * (x - y) if {x: 1.0}.get(0.0) else w * (y ** 2 if abs(y) < 1e100 else 1.0),
]


def _caught(w: Value, x: Any, y: Any) -> Value:
    try:
        out: Value = w * (y / x)
        return out
    except ZeroDivisionError:
        return w * 1.0


SCALE24 = 2.0


def _scaled24(v: Value) -> Value:
    op = autograd.core.OPS.get("scale_by_global24") or autograd.define_op(
        "scale_by_global24", lambda x: SCALE24 * x, lambda out, x: SCALE24)
    out: Value = op(v)
    return out


def _outcome(f: Callable[[], tuple[float, float]]) -> tuple[str, Any]:
    try:
        return "ok", f()
    except (ArithmeticError, TypeError, ValueError, AttributeError, CompileError) as e:
        return "error", type(e).__name__


def _engine_run(body: Callable[..., Value], w: Value, args: tuple[Any, Any]) -> tuple[float, float]:
    loss = body(w, *args)
    loss.backward()
    return loss.data, w.grad


def _compiled_run(step: Callable[..., float], w: Value, args: tuple[Any, Any]) -> tuple[float, float]:
    return step(*args), w.grad


def fuzz(cases: int, seed: int = 24) -> dict[str, int]:
    """``cases`` functions of BODIES compiled at random numbers, each called at six others; every
    call agrees with the engine bit for bit, or both raise."""
    rng = random.Random(seed)
    counts = {"functions": 0, "calls": 0, "agreed": 0, "both raised": 0, "both raised at compile": 0,
              "compile refused": 0}
    for _ in range(cases):
        body = rng.choice(BODIES)
        w, w2 = Value(0.5, label="w"), Value(0.5, label="w")
        example = (rng.choice(NUMBERS), rng.choice(NUMBERS))
        try:
            step = autograd.compile(functools.partial(body, w), [w], *example)
        except (CompileError, ArithmeticError, TypeError, ValueError) as e:
            if not isinstance(e, CompileError):  # the engine's error: the engine raises too
                assert _outcome(functools.partial(_engine_run, body, w2, example))[0] == "error", example
            counts["compile refused" if isinstance(e, CompileError) else "both raised at compile"] += 1
            continue
        counts["functions"] += 1
        for _ in range(6):
            args = (rng.choice(NUMBERS), rng.choice(NUMBERS))
            if numpy is not None and rng.random() < 0.2:  # a NumPy number: the float the engine makes of it
                args = (numpy.float64(args[0]), args[1]) if rng.random() < 0.5 else (numpy.float32(0.1),
                                                                                      args[1])
            globals()["SCALE24"] = rng.choice((2.0, 3.0))
            w.grad = w2.grad = 0.0
            got = _outcome(functools.partial(_compiled_run, step, w, args))
            expected = _outcome(functools.partial(_engine_run, body, w2, args))
            counts["calls"] += 1
            if got[0] == "ok" and expected[0] == "ok":
                assert all(same(a, b) for a, b in zip(got[1], expected[1], strict=True)), (example, args)
                counts["agreed"] += 1
            else:
                assert got[0] == expected[0] == "error", (body, example, args, got, expected)
                counts["both raised"] += 1
    return counts


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's float32 overflowing, in both
def test_a_fuzz_of_user_code_agrees_with_the_engine() -> None:
    counts = fuzz(150)
    assert counts["calls"] > 500


# ---- B5, B13: the rules the engine runs -------------------------------------------------------------


def test_b5_a_rules_module_global_is_read_at_each_call(tmp_path: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "myops24.py").write_text(
        "import autograd\nSCALE = 2.0\n"
        "scaled = autograd.define_op('scaled24', lambda x: SCALE * x, lambda out, x: SCALE)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import myops24  # type: ignore[import-not-found]

    w = Value(0.5, label="w")
    step = autograd.compile(lambda x: myops24.scaled(w * x), [w], 1.0)
    assert step(1.0) == 1.0
    myops24.SCALE = 3.0
    w.grad = 0.0
    assert step(1.0) == 1.5
    assert w.grad == 3.0


def test_b5_a_rule_whose_file_was_edited_after_import_is_called_not_inlined(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "myops24b.py"
    rule = "import autograd\ntwice = autograd.define_op('twice24', lambda x: {0} * x, lambda out, x: {0})\n"
    path.write_text(rule.format("2.0"))
    monkeypatch.syspath_prepend(str(tmp_path))
    import myops24b  # type: ignore[import-not-found]

    path.write_text(rule.format("20.0"))
    w = Value(0.5, label="w")
    step = autograd.compile(lambda x: myops24b.twice(w * x), [w], 2.0)
    assert step(2.0) == 2.0
    assert w.grad == 4.0


def test_b13_a_define_op_forward_giving_an_int_is_the_engines_float() -> None:
    nine = autograd.define_op("nine24", lambda x: 9, lambda out, x: 0.0)
    w = Value(0.5, label="w")
    step = autograd.compile(lambda x: nine(w * x), [w], 1.0, check=True)
    assert type(step(1.0)) is float


# ---- B8, B3: what f makes off the loss's path, and errors f catches ----------------------------------


def test_b8_a_node_off_the_loss_path_still_raises_as_the_engine_does() -> None:
    w = Value(0.5, label="w")

    def f(x: float) -> Value:
        autograd.log(x)  # computed and dropped: the engine raises for x <= 0 all the same
        return w * x

    step = autograd.compile(f, [w], 2.0)
    assert step(2.0) == 1.0
    with pytest.raises(ValueError, match="log"):
        step(-1.0)


def test_b8_python_arithmetic_off_the_loss_path_still_raises() -> None:
    w = Value(0.5, label="w")

    def f(x: float, y: float) -> Value:
        x ** y  # dropped, but overflows in the engine
        return w * x

    step = autograd.compile(f, [w], 2.0, 3.0)
    with pytest.raises(OverflowError):
        step(10.0, 400.0)


def test_b3_an_engine_error_f_catches_is_baked_in() -> None:
    def make(w: Value) -> Callable[[float], Value]:
        def f(x: float) -> Value:
            try:
                return autograd.log(x) * w
            except ValueError:
                return w * 2.0
        return f

    agree(make, (-1.0,), (2.0,), (3.0,), (-2.0,), (2.0,))


def test_b3_an_error_on_a_parameter_that_f_catches_is_refused_naming_the_line() -> None:
    w = Value(0.5, label="w")

    def f(x: float) -> Value:
        try:
            return autograd.log(w - 1.0) * x  # log(-0.5) raises; whether it does depends on w
        except ValueError:
            return w * x

    with pytest.raises(CompileError, match=r"catches the error of log at .*test_compile_sound\.py:\d+"):
        autograd.compile(f, [w], 1.0)


def test_b6_a_value_as_a_number_argument_is_refused() -> None:
    w = Value(0.5, label="w")
    step = autograd.compile(lambda x: w * x, [w], 1.0)
    with pytest.raises(TypeError, match="argument x is Value"):
        step(w)
    assert w.grad == 0.0


def test_b11_with_the_optimizer_an_error_in_f_leaves_the_grads_as_the_engines_sequence_does() -> None:
    w, w2 = Value(0.5, label="w"), Value(0.5, label="w")
    fused, plain = nn.SGD([w], lr=0.1), nn.SGD([w2], lr=0.1)
    step = autograd.compile(lambda x: autograd.log(w * x), [w], 1.0, optimizer=fused)
    step(1.0)
    data, w2.data, w2.grad = w.data, w.data, w.grad
    plain.zero_grad()  # the engine's sequence: zero_grad(), then f raises
    with pytest.raises(ValueError, match="log"):
        autograd.log(w2 * -1.0)
    with pytest.raises(ValueError, match="log"):
        step(-1.0)
    assert (w.data, w.grad) == (w2.data, w2.grad) == (data, 0.0)
