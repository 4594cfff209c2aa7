"""micrograd's moons step in JAX and in PyTorch, batched: `make bench`'s rows for what a user
would pick instead of a scalar engine for the demo's training.

The same 100 steps as `moons` (``MLP(2, [16, 16, 1])`` ReLU then linear, micrograd's initial
weights, the loss ``mean(relu(1 - y * score)) + 1e-4 * sum(p * p)``, full-batch SGD with
``lr = 1 - 0.9 * k / 100``), in float64, on the whole batch as matrices:

- `jax_steps`: one ``jax.jit`` of one step (loss, ``jax.value_and_grad``, the SGD update), the
  learning rate an argument (no recompiling), called once per step from a Python loop; with
  ``whole=True``, the 100 steps as one ``jax.jit`` (``jax.lax.scan`` of that step over the
  learning rates): the peer of the engine's ``step.run`` with a schedule;
- `torch_steps`: PyTorch eager, one thread, ``loss.backward()`` and the update under ``no_grad``.

Each step's loss is taken as a Python float at that step (``float(value)``, ``.item()``), as the
engine's ``step(xs, ys)`` returns it and as the demo prints it: JAX waits for each step there
instead of queueing the next (``jax_steps(..., sync=False)`` keeps the device values and waits
once at the end).

Each returns the seconds per step (the best of ``repeats`` runs of the 100 steps, each from the
initial weights; JAX's compiling excluded: the step is called once first, and its compile time
returned apart) and the losses, which `benchmarks/run.py` compares to the engine's (to 1e-12:
matrix products add in another order than the engine's left-to-right sums).
"""

from __future__ import annotations

import time
from typing import Any, cast

from timing import best_of

from demos.moons import ALPHA

Weights = list[tuple[list[list[float]], list[float]]]


def weights_of(model: Any) -> Weights:
    """An `nn.MLP`'s weights, layer by layer: (rows of weights, biases)."""
    return [([[w.data for w in n.w] for n in layer.neurons], [n.b.data for n in layer.neurons])
            for layer in model.layers]


def available(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def jax_steps(weights: Weights, data: tuple[list[list[float]], list[float]], lrs: list[float],
              repeats: int = 5, sync: bool = True, whole: bool = False) -> dict[str, Any]:
    """``{"step_s", "compile_s", "losses", "jax"}``, or ``{"skipped": why}`` without JAX."""
    if not available("jax"):
        return {"skipped": "JAX is not installed (pip install 'jax[cpu]')"}
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    xs = jnp.array(data[0], dtype=jnp.float64)
    ys = jnp.array(data[1], dtype=jnp.float64)
    p0 = tuple((jnp.array(w, dtype=jnp.float64), jnp.array(b, dtype=jnp.float64)) for w, b in weights)

    def loss(params: Any) -> Any:
        h = xs
        for k, (w, b) in enumerate(params):
            h = h @ w.T + b
            if k < len(params) - 1:
                h = jax.nn.relu(h)
        margins = jax.nn.relu(1.0 - ys * h[:, 0])
        l2 = sum(jnp.sum(w * w) + jnp.sum(b * b) for w, b in params)
        return jnp.mean(margins) + ALPHA * l2

    @jax.jit
    def step(params: Any, lr: Any) -> Any:
        value, grads = jax.value_and_grad(loss)(params)
        return jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads), value

    if whole:  # the 100 steps as one jitted function: jax.lax.scan over the learning rates
        rates = jnp.array(lrs, dtype=jnp.float64)
        steps = jax.jit(lambda params: jax.lax.scan(step, params, rates))
        began = time.perf_counter()
        jax.block_until_ready(steps(p0))
        compile_s = time.perf_counter() - began

        def whole_run() -> list[float]:
            _, values = jax.block_until_ready(steps(p0))
            return [float(x) for x in values]

        best, losses = best_of(repeats, whole_run)
        return {"step_s": best / len(lrs), "compile_s": compile_s, "losses": losses,
                "jax": jax.__version__}

    def run() -> list[float]:
        params, values = p0, []
        for lr in lrs:
            params, value = step(params, lr)
            values.append(float(value) if sync else value)  # each step's loss, as the demo prints it
        jax.block_until_ready(params)
        return [float(x) for x in values]

    began = time.perf_counter()
    jax.block_until_ready(step(p0, lrs[0]))
    compile_s = time.perf_counter() - began
    best, losses = best_of(repeats, run)
    return {"step_s": best / len(lrs), "compile_s": compile_s, "losses": losses,
            "jax": jax.__version__}


def torch_steps(weights: Weights, data: tuple[list[list[float]], list[float]], lrs: list[float],
                repeats: int = 5) -> dict[str, Any]:
    """``{"step_s", "losses", "torch", "threads"}``, or ``{"skipped": why}`` without PyTorch."""
    if not available("torch"):
        return {"skipped": "PyTorch is not installed"}
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        xs = torch.tensor(data[0], dtype=torch.float64)
        ys = torch.tensor(data[1], dtype=torch.float64)

        def run() -> list[float]:
            params = [(torch.tensor(w, dtype=torch.float64, requires_grad=True),
                       torch.tensor(b, dtype=torch.float64, requires_grad=True)) for w, b in weights]
            flat = [t for pair in params for t in pair]
            losses = []
            for lr in lrs:
                h = xs
                for k, (w, b) in enumerate(params):
                    h = h @ w.T + b
                    if k < len(params) - 1:
                        h = torch.relu(h)
                margins = torch.relu(1.0 - ys * h[:, 0])
                total = margins.mean() + ALPHA * sum((t * t).sum() for t in flat)
                for t in flat:
                    t.grad = None
                total.backward()  # type: ignore[no-untyped-call]
                with torch.no_grad():
                    for t in flat:
                        t -= lr * cast(Any, t.grad)
                losses.append(total.item())
            return losses

        best, losses = best_of(repeats, run)
    finally:
        torch.set_num_threads(threads)
    return {"step_s": best / len(lrs), "losses": losses, "torch": torch.__version__, "threads": 1}
