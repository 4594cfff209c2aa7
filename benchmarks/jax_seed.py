"""The seed's run in JAX (where it is installed): `make bench`'s rows for what a user would pick
instead of a scalar engine.

The same 4000 SGD updates (the 2-2-1 sigmoid network, BCE, lr 0.4, the seed's weights), in
float64, gradients by ``jax.grad``:

- ``per_update``: one ``jax.jit`` of one update, called 4000 times from a Python loop;
- ``whole_run``: the whole run in one ``jax.jit`` (``lax.fori_loop`` over epochs, ``lax.scan``
  over the four samples).

Each returns the final predictions and the best time of ``repeats`` runs (compiling excluded:
each function is called once first).
"""

from __future__ import annotations

import time
from typing import Any

from xor_seed import B1, B2, EPOCHS, LR, W1, W2, XOR


def available() -> bool:
    try:
        import jax  # noqa: F401
    except ImportError:
        return False
    return True


def runs(epochs: int = EPOCHS, repeats: int = 5) -> dict[str, Any]:
    """``{"per_update_s", "whole_run_s", "predictions", "jax"}`` (or ``{"skipped": why}``)."""
    if not available():
        return {"skipped": "JAX is not installed (pip install 'jax[cpu]')"}
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")

    def forward(p: Any, x: Any) -> Any:
        w1, b1, w2, b2 = p
        h = jax.nn.sigmoid(w1 @ x + b1)
        return jax.nn.sigmoid(w2 @ h + b2)

    def loss(p: Any, x: Any, y: Any) -> Any:
        o = forward(p, x)
        return -(y * jnp.log(o) + (1.0 - y) * jnp.log(1.0 - o))

    grad = jax.grad(loss)

    def update(p: Any, xy: Any) -> Any:
        x, y = xy
        g = grad(p, x, y)
        return tuple(w - LR * d for w, d in zip(p, g, strict=True)), None

    xs = jnp.array([x for x, _ in XOR], dtype=jnp.float64)
    ys = jnp.array([y for _, y in XOR], dtype=jnp.float64)
    p0 = (jnp.array(W1, dtype=jnp.float64), jnp.array(B1, dtype=jnp.float64),
          jnp.array(W2, dtype=jnp.float64), jnp.array(B2, dtype=jnp.float64))

    one = jax.jit(lambda p, x, y: update(p, (x, y))[0])

    @jax.jit
    def whole(p: Any) -> Any:
        def epoch(_: Any, q: Any) -> Any:
            return jax.lax.scan(update, q, (xs, ys))[0]

        return jax.lax.fori_loop(0, epochs, epoch, p)

    samples = [(xs[k], ys[k]) for k in range(len(XOR))]

    def per_update() -> Any:
        p = p0
        for _ in range(epochs):
            for x, y in samples:
                p = one(p, x, y)
        return jax.block_until_ready(p)

    def whole_run() -> Any:
        return jax.block_until_ready(whole(p0))

    best: dict[str, float] = {}
    results: dict[str, Any] = {}
    for name, work in (("per_update_s", per_update), ("whole_run_s", whole_run)):
        results[name] = work()  # compiles
        best[name] = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            work()
            best[name] = min(best[name], time.perf_counter() - start)
    p = results["whole_run_s"]
    predictions = [float(forward(p, xs[k])) for k in range(len(XOR))]
    return {**best, "predictions": predictions, "jax": jax.__version__}
