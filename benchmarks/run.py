"""`make bench`: this engine against PyTorch, micrograd and a hand-written floor, side by side.

    python benchmarks/run.py                # everything (about a minute); table + results.json
    python benchmarks/run.py --quick        # fewer repeats, micrograd's losses checked on 10 steps
    python benchmarks/run.py --only xor     # one workload: xor, moons or scaling

Every figure is a ratio of two timings taken in the same run, each the best of several repeats
(see `timing.best_of`), so a slower or busier machine changes the times more than the ratios.
The workloads are described in `xor_seed`, `moons` and `scaling`.  The results, with the machine
they were measured on, are written to ``benchmarks/results.json``.
"""

from __future__ import annotations

import argparse
import functools
import gc
import importlib.metadata
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import jax_moons  # noqa: E402
import jax_seed  # noqa: E402
import moons  # noqa: E402  (after the path set-up above)
import native  # noqa: E402
import scaling  # noqa: E402
import xor_seed  # noqa: E402
from timing import best_of  # noqa: E402

from autograd.files import check_writable, write_atomically  # noqa: E402
from demos.moons import learning_rate  # noqa: E402

Goal = dict[str, Any]


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for dist in ("torch", "micrograd"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "system": f"{platform.system()} {platform.release()}",
        **versions,
    }


def bench_xor(repeats: int) -> tuple[dict[str, Any], list[Goal]]:
    """Workload 1: the seed's XOR run, this engine vs PyTorch vs the hand-written floor."""
    # Interleaved, so that a burst of load on the machine hits all alike: each round runs every
    # workload once, then PyTorch once in a process of its own (see `xor_seed.main`); each figure
    # is the best of its rounds.  (This machine's speed can drift by 1.5x within a minute.)
    works: tuple[Callable[[], Any], ...] = (
        xor_seed.engine_run,
        xor_seed.floor_run,
        xor_seed.graph_minimum_run,
        lambda: xor_seed.graph_minimum_run(ordered=False),
        xor_seed.compiled_run,
        lambda: xor_seed.compiled_run(fused=False),
        xor_seed.tight_floor_run,
        xor_seed.compiled_loop_run,
    )
    have_numba = importlib.util.find_spec("numba") is not None
    if have_numba:
        works += (lambda: xor_seed.compiled_loop_run(backend="numba", runs=3),)  # timed warm, as C and JAX
    short = {1, 4, 5, 6, 7, 8}  # the floors and the compiled runs: a few ms each, so three times a round
    best: list[tuple[float, Any]] = [(float("inf"), None)] * len(works)
    # the compiled runs' updates alone: each run's time less its compiling (which it times itself)
    updates = {4: float("inf"), 5: float("inf"), 7: float("inf"), 8: float("inf")}
    numba_compile_s = float("inf")
    torch_rounds: list[dict[str, Any]] = []
    for _ in range(repeats):
        for k, work in enumerate(works):
            for _ in range(3 if k in short else 1):
                seconds, out = best_of(1, work)
                best[k] = min(best[k], (seconds, out), key=lambda pair: pair[0])
                if k in (7, 8):  # the loops time their run themselves (the predictions are the engine's)
                    updates[k] = min(updates[k], out[2])
                elif k in updates:
                    updates[k] = min(updates[k], seconds - out[1])
                if k == 8:
                    numba_compile_s = min(numba_compile_s, out[1])
        torch_rounds.append(_torch_round())
    (engine_s, engine_out), (floor_s, floor_out), (graph_s, graph_out), (bare_s, bare_out), \
        (fused_total_s, (fused_out, _)), (compiled_total_s, (compiled_out, _)), (tight_s, tight_out), \
        (loop_total_s, (loop_out, _, _)) = best[:8]
    fused_s, compiled_s, loop_s = updates[4], updates[5], updates[7]
    c = native.c_run(xor_seed.EPOCHS)
    jx = jax_seed.runs(xor_seed.EPOCHS, repeats)
    compile_s = min(xor_seed.compile_seconds() for _ in range(repeats))
    result: dict[str, Any] = {
        "updates": xor_seed.EPOCHS * len(xor_seed.XOR),
        "engine_s": engine_s,
        "floor_s": floor_s,
        "graph_minimum_s": graph_s,
        "graph_minimum_unordered_s": bare_s,
        "engine_predictions": engine_out,
        "floor_predictions": floor_out,
        "compiled_fused_s": fused_s,
        "compiled_fused_total_s": fused_total_s,
        "compiled_s": compiled_s,
        "compiled_total_s": compiled_total_s,
        "compile_s": compile_s,
        "tight_floor_s": tight_s,
        "compiled_loop_s": loop_s,
        "compiled_loop_total_s": loop_total_s,
        "c": c,
        "jax": jx,
    }
    if have_numba:
        numba_s, numba_out = updates[8], best[8][1][0]
        if numba_out != engine_out:
            raise AssertionError(f"xor: the numba loop ends with {numba_out}, not the engine's {engine_out}")
        result.update(numba_loop_s=numba_s, numba_compile_s=numba_compile_s,
                      numba=importlib.metadata.version("numba"))
    else:
        result["numba"] = "skipped: numba is not installed (pip install -e '.[fast]')"
    if fused_out != engine_out or compiled_out != engine_out or loop_out != engine_out:
        raise AssertionError(f"xor: the compiled runs end with other predictions: {fused_out}, {compiled_out}"
                             f" vs the engine's {engine_out} (they must be equal to the bit)")
    _agree(engine_out, floor_out, 5e-3, "xor: this engine and the hand-written floor")
    _agree(engine_out, tight_out, 5e-3, "xor: this engine and the tightest hand-written loop")
    if "predictions" in c:
        _agree(engine_out, c["predictions"], 5e-3, "xor: this engine and the C program")
    if "predictions" in jx:
        _agree(engine_out, jx["predictions"], 5e-3, "xor: this engine and JAX")
    _agree(graph_out, floor_out, 5e-3, "xor: the hand-made graph (backward()) and the floor")
    _agree(bare_out, floor_out, 5e-3, "xor: the hand-made graph (hard-coded order) and the floor")
    goals = [_goal("XOR: engine / hand-written floor", engine_s / floor_s, "<=", 6.0,
                   f"{engine_s / floor_s:.1f}x the floor's time (goal <= 6x); the same graph made by"
                   f" hand: {graph_s / floor_s:.1f}x with backward(), {bare_s / floor_s:.1f}x unordered"),
             _goal("XOR: compiled, SGD generated in / floor", fused_s / floor_s, "<=", 1.5,
                   f"{fused_s / floor_s:.2f}x the floor's time (goal <= 1.5x); with compiling (once,"
                   f" {_ms(compile_s)}) counted in: {fused_total_s / floor_s:.2f}x"),
             _goal("XOR: compiled step + nn.SGD / floor", compiled_s / floor_s, "<=", 3.0,
                   f"{compiled_s / floor_s:.2f}x the floor's time (goal <= 3x); with compiling counted"
                   f" in: {compiled_total_s / floor_s:.2f}x"),
             _goal("XOR: compiled loop (step.run) / tightest hand-written loop", loop_s / tight_s, "<=", 1.5,
                   f"{loop_s / tight_s:.2f}x the tightest loop's time (goal <= 1.5x); with compiling"
                   f" counted in: {loop_total_s / tight_s:.2f}x")]
    if have_numba and "whole_run_s" in jx:
        ratio = result["numba_loop_s"] / jx["whole_run_s"]
        goals.append(_goal("XOR: step.run with backend='numba' / JAX's whole-run jit", ratio, "<=", 1.0,
                           f"{ratio:.2f}x the time of JAX {jx['jax']}'s jit of the whole run (goal < 1x)"))
    if have_numba and "seconds" in c:
        ratio = result["numba_loop_s"] / c["seconds"]
        goals.append(_goal("XOR: step.run with backend='numba' / C", ratio, "<=", 2.5,
                           f"{ratio:.2f}x the C program's time (goal <= 2.5x); compiling (or loading"
                           f" numba's disk cache, as here after the first round): {_ms(numba_compile_s)}"))
    measured = min(torch_rounds, key=lambda r: r.get("seconds", 0.0))
    if "skipped" in measured:
        result["torch"] = f"skipped: {measured['skipped']}"
        return result, goals
    torch_s = measured["seconds"]
    _agree(engine_out, measured["predictions"], 5e-3, "xor: this engine and PyTorch")
    result.update(torch_s=torch_s, torch_predictions=measured["predictions"],
                  torch_threads=measured["threads"])
    goals.insert(0, _goal("XOR: PyTorch / engine", torch_s / engine_s, ">=", 5.0,
                          f"{torch_s / engine_s:.1f}x faster than PyTorch (goal >= 5x)"))
    return result, goals


def _torch_round() -> dict[str, Any]:
    """The seed's PyTorch code timed in a fresh process: the better of two runs (the first warms up)."""
    done = subprocess.run([sys.executable, str(HERE / "xor_seed.py"), "torch", "2"],
                          capture_output=True, text=True, check=True)
    measured: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return measured


def bench_moons(repeats: int, micrograd_timed: int, checked: int) -> tuple[dict[str, Any], list[Goal]]:
    """Workload 2: micrograd's demo, per step, and the losses compared at every checked step."""
    data = moons.make_moons()
    steps = moons.STEPS

    def ours() -> list[float]:
        return moons.engine_run(moons.engine_model(moons.micrograd_model()), steps, data)

    engine_s, engine_losses = best_of(repeats, ours)
    compiled_s, (compiled_losses, compile_s) = best_of(
        repeats, lambda: moons.compiled_run(moons.engine_model(moons.micrograd_model()), steps, data))
    if compiled_losses != engine_losses:
        raise AssertionError("moons: the compiled step's losses are not the engine's, to the bit")
    # micrograd: the first `micrograd_timed` steps timed one by one (collector on, as a user runs
    # it); the rest of the `checked` steps untimed, collecting micrograd's cyclic garbage after
    # each (its closures make every node a reference cycle), only to compare the losses.
    mg = moons.micrograd_model()
    mg_losses: list[float] = []
    mg_step_s = float("inf")
    for k in range(checked):
        timed = k < micrograd_timed
        if timed:
            gc.collect()
            start = time.perf_counter()
            mg_losses.append(moons.micrograd_step(mg, k, data))
            mg_step_s = min(mg_step_s, time.perf_counter() - start)
        else:
            gc.disable()
            try:
                mg_losses.append(moons.micrograd_step(mg, k, data))
            finally:
                gc.enable()
            gc.collect()
    worst = max(abs(a - b) for a, b in zip(engine_losses[:checked], mg_losses, strict=True))
    if worst > 1e-9:
        raise AssertionError(f"moons: losses differ from micrograd's by {worst:.3g} (> 1e-9)")
    engine_step_s = engine_s / steps
    model = moons.engine_model(mg)  # built before tracing, as micrograd's: only the graph is counted
    engine_graph_b = scaling.traced_bytes(lambda: moons.engine_graph(model, data))
    micrograd_graph_b = scaling.traced_bytes(lambda: moons.micrograd_graph(mg, data))
    result = {
        "steps": steps,
        "engine_step_s": engine_step_s,
        "micrograd_step_s": mg_step_s,
        "micrograd_steps_timed": micrograd_timed,
        "steps_checked": checked,
        "max_loss_difference": worst,
        "engine_graph_bytes": engine_graph_b,
        "micrograd_graph_bytes": micrograd_graph_b,
        "first_loss": engine_losses[0],
        "last_loss": engine_losses[-1],
        "compiled_step_s": compiled_s / steps,
        "compile_s": compile_s,
        **moons.builtin_sum_compile(repeats, data),  # micrograd's loss with Python's sum, compiled
    }
    ratio = mg_step_s / engine_step_s
    compiled_ratio = mg_step_s / result["compiled_step_s"]
    goals = [_goal("moons: micrograd / engine", ratio, ">=", 5.0,
                   f"{ratio:.1f}x faster than micrograd per step (goal >= 5x)"),
             _goal("moons: micrograd / compiled", compiled_ratio, ">=", 100.0,
                   f"{compiled_ratio:.0f}x faster than micrograd per step (goal >= 100x);"
                   f" compiling took {_ms(compile_s)} (goal < 1 s)")]
    lines, seconds = result["builtin_sum_lines"], result["builtin_sum_compile_s"]
    goals += [_goal("moons: builtin-sum loss, lines", lines, "<=", 5000,
                    f"Python's sum compiles to {lines:,.0f} lines (goal: at most 5,000; autograd.sum:"
                    f" {result['autograd_sum_lines']:,.0f})"),
              _goal("moons: builtin-sum loss, compiling", seconds, "<=", 0.3,
                    f"Python's sum compiles in {_ms(seconds)} (goal: at most 0.3 s; autograd.sum:"
                    f" {_ms(result['autograd_sum_compile_s'])})")]
    goals += _moons_native(result, repeats, data, engine_losses)
    return result, goals


def _moons_native(result: dict[str, Any], repeats: int, data: Any, engine_losses: list[float]) -> list[Goal]:
    """The moons rows measured side by side: the step with backend="numba" (each step one call of
    the numba code, and the 100 steps as one ``step.run`` with the schedule as ``lr=``), JAX's
    jitted batched step, JAX's jit of the 100 steps and PyTorch eager's (`jax_moons`), same weights
    and data; the numba losses the engine's to the bit, the batched ones to 1e-12."""
    steps = len(engine_losses)
    lrs = [learning_rate(k) for k in range(steps)]
    weights = jax_moons.weights_of(moons.engine_model(moons.micrograd_model()))
    goals: list[Goal] = []
    if importlib.util.find_spec("numba") is not None:
        step, opt, numba_compile_s = moons.numba_step(moons.engine_model(moons.micrograd_model()), data)

        initial = [q.data for q in moons.engine_model(moons.micrograd_model()).parameters()]

        def best(run: Any, what: str) -> float:
            """The best seconds of ``run(step, opt, steps, data)``, each from the initial weights."""
            fastest = float("inf")
            for _ in range(2 * repeats):
                for p, w in zip(opt.params, initial, strict=True):
                    p.data, p.grad = w, 0.0
                seconds, losses = best_of(1, lambda: run(step, opt, steps, data))
                if losses != engine_losses:
                    raise AssertionError(f"moons: {what}'s losses are not the engine's, to the bit")
                fastest = min(fastest, seconds)
            return fastest

        numba_s = best(moons.numba_run, "the numba step")
        run_s = best(moons.numba_schedule_run, "the numba step.run")  # the 100 steps as one run, lr=
        result.update(numba_step_s=numba_s / steps, numba_run_step_s=run_s / steps,
                      numba_compile_s=numba_compile_s, numba=importlib.metadata.version("numba"))
    else:
        result["numba"] = "skipped: numba is not installed (pip install -e '.[fast]')"
    peers = (("jax", jax_moons.jax_steps), ("torch_eager", jax_moons.torch_steps),
             ("jax_whole", functools.partial(jax_moons.jax_steps, whole=True)))
    for key, measure in peers:
        measured = measure(weights, data, lrs, repeats=2 * repeats)
        if "losses" in measured:
            worst = max(abs(a - b) for a, b in zip(measured.pop("losses"), engine_losses, strict=True))
            if worst > 1e-12:
                raise AssertionError(f"moons: {key}'s losses differ from the engine's by {worst:.3g}"
                                     " (> 1e-12)")
            measured["max_loss_difference"] = worst
        result[f"{key}_moons"] = measured
    if "numba_step_s" in result:
        for key, what in (("jax", "JAX's jitted batched step"),
                          ("torch_eager", "PyTorch eager's batched step")):
            other = result[f"{key}_moons"]
            if "step_s" in other:
                for ours, how in (("numba_run_step_s", "a step of step.run with backend='numba'"),
                                  ("numba_step_s", "step(xs, ys) with backend='numba'")):
                    ratio = result[ours] / other["step_s"]
                    goals.append(_goal(f"moons: {how} / {what}", ratio, "<=", 1.0,
                                       f"{ratio:.2f}x the time of {what} (goal: < 1x)"))
    return goals


def bench_scaling(repeats: int) -> tuple[dict[str, Any], list[Goal]]:
    """Workload 3: backward() ns per node at 1e4 and 1e6 nodes; bytes per node vs micrograd."""
    small, large = scaling.SIZES
    (small_ns, large_ns), collections = scaling.backward_ns_per_node((small, large), 2 * repeats)
    mixed_ns, micrograd_mixed_ns = scaling.mixed_ns_per_link(20 * repeats)
    engine_b = scaling.graph_bytes_per_node(scaling.engine_chain)
    micrograd_b = scaling.graph_bytes_per_node(scaling.micrograd_chain)
    engine_add_b = scaling.graph_bytes_per_node(scaling.engine_add_chain)
    micrograd_add_b = scaling.graph_bytes_per_node(scaling.micrograd_add_chain)
    grad_b, peak_b = scaling.backward_bytes_per_node()
    result = {
        "chain": "v = v * w, n times (w one shared leaf)",
        f"backward_ns_per_node_{small}": small_ns,
        f"backward_ns_per_node_{large}": large_ns,
        "collections_during_backward": collections,
        "mixed_chain": "z = z * y + x - y, built then backward(), per link",
        "engine_mixed_ns_per_link": mixed_ns,
        "micrograd_mixed_ns_per_link": micrograd_mixed_ns,
        "memory_nodes": scaling.MEMORY_NODES,
        "engine_bytes_per_node": engine_b,
        "micrograd_bytes_per_node": micrograd_b,
        "engine_add_bytes_per_node": engine_add_b,
        "micrograd_add_bytes_per_node": micrograd_add_b,
        "backward_grad_bytes_per_node": grad_b,
        "backward_peak_bytes_per_node": peak_b,
    }
    goals = [
        _goal("scaling: backward ns/node 1e6 / 1e4", large_ns / small_ns, "<=", 1.5,
              f"{large_ns / small_ns:.2f}x (goal <= 1.5x)"),
        _goal("x * y, +, - and backward(): engine / micrograd", mixed_ns / micrograd_mixed_ns, "<=", 1.0,
              f"{mixed_ns / micrograd_mixed_ns:.2f}x micrograd's time (goal: no slower)"),
        _goal("memory: engine / micrograd bytes per node (v * w)", engine_b / micrograd_b, "<=", 0.3,
              f"{engine_b / micrograd_b:.2f}x (goal <= 0.3x)"),
    ]
    return result, goals


def _agree(a: list[float], b: list[float], tol: float, what: str) -> None:
    if len(a) != len(b) or any(abs(x - y) > tol for x, y in zip(a, b, strict=True)):
        raise AssertionError(f"{what} end with different predictions: {a} vs {b}")


def _goal(name: str, value: float, relation: str, target: float, text: str) -> Goal:
    met = value >= target if relation == ">=" else value <= target
    return {"goal": name, "value": value, "relation": relation, "target": target, "met": met, "text": text}


def _ms(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e3:.1f} ms" if seconds < 1.0 else f"{seconds:.2f} s"


def table(results: dict[str, Any]) -> str:
    """The results as a text table (the README's table is this one)."""
    rows: list[tuple[str, str, str, str]] = []
    xor = results.get("xor")
    if xor:
        n = xor["updates"]
        if "torch_s" in xor:
            rows.append((f"1. seed XOR run, {n} updates", _ms(xor["engine_s"]),
                         f"PyTorch eager, 1 thread: {_ms(xor['torch_s'])}",
                         f"{xor['torch_s'] / xor['engine_s']:.1f}x faster"))
        else:
            rows.append((f"1. seed XOR run, {n} updates", _ms(xor["engine_s"]), xor["torch"], ""))
        rows.append(("", "", f"hand-written floats: {_ms(xor['floor_s'])}",
                     f"{xor['engine_s'] / xor['floor_s']:.1f}x slower"))
        floor = xor["floor_s"]
        compiled = (("compiled, SGD generated in", "compiled_fused"), ("compiled step + nn.SGD", "compiled"))
        for what, key in compiled:
            steps, total = xor[f"{key}_s"] / floor, xor[f"{key}_total_s"] / floor
            rows.append((f"   {what}", _ms(xor[f"{key}_s"]), "hand-written floats",
                         f"{steps:.2f}x ({total:.2f}x with compiling)"))
        rows.append(("   compiling the step (once)", _ms(xor["compile_s"]), "", ""))
        if "tight_floor_s" in xor:
            tight, loop = xor["tight_floor_s"], xor["compiled_loop_s"]
            rows.append(("   compiled loop, step.run", _ms(loop), f"tightest float loop: {_ms(tight)}",
                         f"{loop / tight:.2f}x ({xor['compiled_loop_total_s'] / tight:.2f}x with compiling)"))
            c = xor["c"]
            if "seconds" in c:
                rows.append(("", "", f"C, {c['compiler']}: {_ms(c['seconds'])}",
                             f"{loop / c['seconds']:.1f}x slower"))
            else:
                rows.append(("", "", f"C: skipped ({c['skipped']})", ""))
            jx = xor.get("jax", {"skipped": "not measured"})
            if "whole_run_s" in jx:
                for what, key in (("jit, whole run", "whole_run_s"), ("jit per update", "per_update_s")):
                    rows.append(("", "", f"JAX {jx['jax']}, {what}: {_ms(jx[key])}",
                                 f"{loop / jx[key]:.2f}x"))
            else:
                rows.append(("", "", f"JAX: skipped ({jx['skipped']})", ""))
            if "numba_loop_s" in xor:
                base = c.get("seconds")
                rows.append((f"   compiled loop, numba {xor['numba']}", _ms(xor["numba_loop_s"]),
                             f"C, {c['compiler']}: {_ms(base)}" if base else "",
                             f"{xor['numba_loop_s'] / base:.2f}x" if base else ""))
                rows.append(("   compiling the numba loop (disk cache)", _ms(xor["numba_compile_s"]), "", ""))
            else:
                rows.append(("   compiled loop, numba", "", xor["numba"], ""))
        by_hand = (("backward()", "graph_minimum_s"), ("hard-coded order", "graph_minimum_unordered_s"))
        for what, key in by_hand:
            rows.append((f"   same graph by hand, {what}", _ms(xor[key]), "hand-written floats",
                         f"{xor[key] / xor['floor_s']:.1f}x slower"))
    mo = results.get("moons")
    if mo:
        rows.append(("2. micrograd demo, one step", _ms(mo["engine_step_s"]),
                     f"micrograd 0.1.0: {_ms(mo['micrograd_step_s'])}",
                     f"{mo['micrograd_step_s'] / mo['engine_step_s']:.1f}x faster"))
        rows.append(("   compiled, one step", _ms(mo["compiled_step_s"]),
                     f"micrograd 0.1.0: {_ms(mo['micrograd_step_s'])}",
                     f"{mo['micrograd_step_s'] / mo['compiled_step_s']:.0f}x faster"))
        rows.append(("   compiling the step", _ms(mo["compile_s"]), "", ""))
        if "builtin_sum_lines" in mo:
            rows.append(("   compiling, Python's sum loss", _ms(mo["builtin_sum_compile_s"]),
                         f"autograd.sum: {_ms(mo['autograd_sum_compile_s'])}",
                         f"{mo['builtin_sum_lines']:,.0f} vs {mo['autograd_sum_lines']:,.0f} lines"))
        if "numba_step_s" in mo:
            nb = mo["numba_step_s"]
            rows.append((f"   compiled, numba {mo['numba']}, one step", _ms(nb),
                         f"compiled, Python: {_ms(mo['compiled_step_s'])}",
                         f"{mo['compiled_step_s'] / nb:.1f}x faster"))
            def against(ours: float, peers: tuple[tuple[str, str], ...]) -> None:
                """A row per peer that was measured: its time, and ours faster or slower."""
                for key, what in peers:
                    other = mo.get(key, {})
                    if "step_s" in other:
                        ratio = other["step_s"] / ours
                        rows.append(("", "", f"{what.format(**other)}: {_ms(other['step_s'])}",
                                     f"{ratio:.2f}x faster" if ratio >= 1.0 else f"{1 / ratio:.2f}x slower"))
                    else:
                        skipped = other.get("skipped", "not measured")
                        rows.append(("", "", f"{what.split(' ')[0]}: {skipped}", ""))

            against(nb, (("jax_moons", "JAX {jax}, jit batched step"),
                         ("torch_eager_moons", "PyTorch {torch} eager, batched")))
            if "numba_run_step_s" in mo:
                run = mo["numba_run_step_s"]
                rows.append(("   numba, step.run of 100, a step", _ms(run),
                             f"numba, one call a step: {_ms(nb)}", f"{nb / run:.1f}x faster"))
                against(run, (("jax_moons", "JAX {jax}, jit batched step"),
                              ("jax_whole_moons", "JAX {jax}, jit of the 100 (scan)")))
            rows.append(("   compiling the numba step (disk cache)", _ms(mo["numba_compile_s"]), "", ""))
        else:
            rows.append(("   compiled, numba", "", mo.get("numba", ""), ""))
        rows.append(("   memory of one step's graph", f"{mo['engine_graph_bytes'] / 2**20:.1f} MiB",
                     f"micrograd 0.1.0: {mo['micrograd_graph_bytes'] / 2**20:.1f} MiB",
                     f"{mo['engine_graph_bytes'] / mo['micrograd_graph_bytes']:.2f}x"))
    sc = results.get("scaling")
    if sc:
        small, large = scaling.SIZES
        a, b = sc[f"backward_ns_per_node_{small}"], sc[f"backward_ns_per_node_{large}"]
        rows.append(("3. backward(), chain of 1e4", f"{a:.0f} ns/node", "", ""))
        rows.append(("   backward(), chain of 1e6", f"{b:.0f} ns/node", "1e6 vs 1e4", f"{b / a:.2f}x"))
        m, mg = sc["engine_mixed_ns_per_link"], sc["micrograd_mixed_ns_per_link"]
        rows.append(("   z = z*y + x - y, build + backward", f"{m:.0f} ns/link",
                     f"micrograd: {mg:.0f} ns/link", f"{mg / m:.2f}x faster"))
        rows.append(("   memory, v * w chain", f"{sc['engine_bytes_per_node']:.0f} B/node",
                     f"micrograd: {sc['micrograd_bytes_per_node']:.0f} B/node",
                     f"{sc['engine_bytes_per_node'] / sc['micrograd_bytes_per_node']:.2f}x"))
        rows.append(("   memory, v + w chain", f"{sc['engine_add_bytes_per_node']:.0f} B/node",
                     f"micrograd: {sc['micrograd_add_bytes_per_node']:.0f} B/node",
                     f"{sc['engine_add_bytes_per_node'] / sc['micrograd_add_bytes_per_node']:.2f}x"))
    header = ("workload", "this engine", "compared with", "ratio")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("")
    if mo:
        lines.append("moons: the compiled step's losses are the engine's, to the bit, at every step")
        lines.append(f"moons: this engine's loss equals micrograd's at each of the {mo['steps_checked']}"
                     f" steps checked (largest difference {mo['max_loss_difference']:.1g}; 1e-9 allowed)")
    if xor:
        lines.append("xor: the final predictions agree to 2 decimals: "
                     + ", ".join(f"{p:.4f}" for p in xor["engine_predictions"]))
    lines.append("")
    for g in results["goals"]:
        lines.append(f"{'met   ' if g['met'] else 'MISSED'}  {g['goal']}: {g['text']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats; micrograd checked on 10 steps")
    parser.add_argument("--only", choices=["xor", "moons", "scaling"], action="append",
                        help="run only this workload (repeatable)")
    parser.add_argument("--json", type=Path, default=HERE / "results.json", help="where to write the results")
    args = parser.parse_args(argv)
    try:
        check_writable(args.json)  # before minutes of work: a pipe, device or directory is refused
    except OSError as exc:
        parser.error(f"--json: {exc}")
    only = set(args.only or ["xor", "moons", "scaling"])
    if only & {"moons", "scaling"} and importlib.util.find_spec("micrograd") is None:
        parser.error("workloads 2 and 3 compare with micrograd: run `make bench` (it installs it),"
                     " or pip install micrograd==0.1.0, or use --only xor")
    repeats = 3 if args.quick else 5
    results: dict[str, Any] = {"machine": machine(), "goals": []}
    print(f"machine: {results['machine']['cpu']}, {results['machine']['cpus']} CPUs,"
          f" Python {results['machine']['python']}", flush=True)
    if "xor" in only:
        print("1. the seed's XOR run ...", flush=True)
        results["xor"], goals = bench_xor(repeats)
        results["goals"] += goals
    if "moons" in only:
        print("2. micrograd's demo (2-moons) ...", flush=True)
        results["moons"], goals = bench_moons(
            repeats=2 if args.quick else 3,
            micrograd_timed=2 if args.quick else 3,
            checked=10 if args.quick else moons.STEPS,
        )
        results["goals"] += goals
    if "scaling" in only:
        print("3. scaling and memory ...", flush=True)
        results["scaling"], goals = bench_scaling(repeats)
        results["goals"] += goals
    print()
    print(table(results))
    write_atomically(args.json, (json.dumps(results, indent=2) + "\n").encode("utf-8"))
    print(f"\nwritten to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
