"""The benchmark's workloads compute what they claim (no timing here: `make bench` times them)."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> ModuleType:
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))  # the modules import each other (`from timing import ...`)
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def xor_seed() -> ModuleType:
    return _load("xor_seed")


@pytest.fixture(scope="module")
def moons() -> ModuleType:
    return _load("moons")


@pytest.fixture(scope="module")
def scaling() -> ModuleType:
    return _load("scaling")


def test_xor_floor_matches_the_engine_update_for_update(xor_seed: ModuleType) -> None:
    # the hand-written formulas and the engine's graph are the same float64 computation
    engine = xor_seed.engine_run(epochs=30)
    floor = xor_seed.floor_run(epochs=30)
    assert engine == pytest.approx(floor, rel=1e-12, abs=1e-15)


def test_xor_graph_by_hand_is_the_engine_graph(xor_seed: ModuleType) -> None:
    # the "same graph by hand" rows time the graph `nn` makes, not a smaller one
    import nn
    from autograd import Value, topological_order
    from demos.seed import seed_model

    model = seed_model()
    w1 = [[Value(w) for w in row] for row in xor_seed.W1]
    b1 = [Value(b) for b in xor_seed.B1]
    w2 = [Value(w) for w in xor_seed.W2]
    b2 = Value(xor_seed.B2)
    for (x0, x1), y in xor_seed.XOR:
        engine = topological_order(nn.bce_loss(model([x0, x1]), y))  # type: ignore[arg-type]
        by_hand = xor_seed.graph_by_hand(w1, b1, w2, b2, (x0, x1), y)
        assert [n.op for n in by_hand] == [n.op for n in engine]
        assert [len(n.children) for n in by_hand] == [len(n.children) for n in engine]
        assert [n.data for n in by_hand] == pytest.approx([n.data for n in engine], rel=1e-15)
        for a, b in zip(by_hand, engine, strict=True):
            assert a.local_grads == pytest.approx(b.local_grads, rel=1e-12)


def test_xor_graph_by_hand_computes_the_engine_run(xor_seed: ModuleType) -> None:
    engine = xor_seed.engine_run(epochs=30)
    for ordered in (True, False):
        by_hand = xor_seed.graph_minimum_run(epochs=30, ordered=ordered)
        assert by_hand == pytest.approx(engine, rel=1e-12, abs=1e-15)


def test_xor_floor_reproduces_the_seed_predictions(xor_seed: ModuleType) -> None:
    assert [round(p, 4) for p in xor_seed.floor_run()] == [0.0307, 0.9825, 0.9821, 0.0140]


def test_moons_are_deterministic_balanced_and_on_two_half_circles(moons: ModuleType) -> None:
    xs, ys = moons.make_moons()
    assert (xs, ys) == moons.make_moons()
    assert len(xs) == 100
    assert ys.count(1.0) == ys.count(-1.0) == 50
    assert moons.make_moons(seed=1)[0] != xs
    for (x, y), label in zip(xs, ys, strict=True):
        cx, cy = (0.0, 0.0) if label == -1.0 else (1.0, 0.5)  # the circle's centre
        assert abs(math.hypot(x - cx, y - cy) - 1.0) < 0.5  # radius 1, noise sd 0.1
        assert (y - cy >= -0.5) if label == -1.0 else (y - cy <= 0.5)  # upper / lower half


def test_moons_engine_loss_is_mean_margin_plus_l2(moons: ModuleType) -> None:
    import nn
    from autograd import Value

    model = nn.MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=4)
    data = moons.make_moons()
    loss = moons.engine_graph(model, data)
    scores: list[float] = []
    for x in data[0]:
        out = model(x)
        assert isinstance(out, Value)  # one output
        scores.append(out.data)
    margins = [max(0.0, 1.0 - y * s) for s, y in zip(scores, data[1], strict=True)]
    l2 = sum(p.data * p.data for p in model.parameters())
    assert loss.data == pytest.approx(sum(margins) / len(margins) + 1e-4 * l2, rel=1e-12)


def test_scaling_chains_have_one_node_per_link(scaling: ModuleType) -> None:
    from autograd import topological_order

    for build, op in ((scaling.engine_chain, "*"), (scaling.engine_add_chain, "+")):
        order = topological_order(build(50))
        assert len(order) == 50
        assert {n.op for n in order} == {op}
        assert all(len(n.children) == 2 for n in order)


@pytest.mark.compiler
def test_xor_compiled_runs_are_the_engine_run_to_the_bit(xor_seed: ModuleType) -> None:
    engine = xor_seed.engine_run(epochs=30)
    assert xor_seed.compiled_run(epochs=30)[0] == engine
    assert xor_seed.compiled_run(epochs=30, fused=False)[0] == engine
    assert xor_seed.compile_seconds() > 0.0


@pytest.mark.compiler
def test_moons_compiled_run_gives_the_engine_losses_to_the_bit(moons: ModuleType) -> None:
    import nn

    def model() -> nn.MLP:
        return nn.MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=4)

    data = moons.make_moons()
    compiled, compile_s = moons.compiled_run(model(), 3, data)
    assert compiled == moons.engine_run(model(), 3, data)
    assert compile_s > 0.0


@pytest.mark.compiler
def test_xor_tightest_loop_and_compiled_loop_are_the_seeds_run(xor_seed: ModuleType) -> None:
    engine = xor_seed.engine_run(epochs=30)
    assert xor_seed.tight_floor_run(epochs=30) == pytest.approx(engine, rel=1e-12, abs=1e-15)
    predictions, compile_s, run_s = xor_seed.compiled_loop_run(epochs=30)
    assert predictions == engine  # step.run: the engine's, to the bit
    assert compile_s > 0.0
    assert run_s > 0.0


def test_the_c_reference_is_the_seeds_run_or_skipped_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    native = _load("native")
    result = native.c_run(30, repeats=1)
    if native.compiler() is None:
        assert "no C compiler" in result["skipped"]
    else:
        assert result["seconds"] > 0.0
        assert result["predictions"] == pytest.approx(_load("xor_seed").engine_run(epochs=30), rel=1e-9)
    monkeypatch.setattr(native.shutil, "which", lambda name: None)
    assert native.c_run(30) == {"skipped": "no C compiler (cc or gcc) on this machine"}


def test_the_jax_rows_are_the_seeds_run_or_skipped_with_a_reason() -> None:
    jax_seed = _load("jax_seed")
    if not jax_seed.available():
        assert "JAX is not installed" in jax_seed.runs(30, repeats=1)["skipped"]
        return
    result = jax_seed.runs(30, repeats=1)
    assert result["predictions"] == pytest.approx(_load("xor_seed").engine_run(epochs=30), rel=1e-9)
    assert result["whole_run_s"] > 0.0
    assert result["per_update_s"] > 0.0
