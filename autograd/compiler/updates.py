"""The end of one update in `step.run`'s loop, as the Python loop (`autograd.compiler.loop`) and
its numba form (`autograd.compiler.native`) both write it: one place, so that the two cannot drift
apart (and `make mutate`'s code mutants of these lines are killed by both paths' tests)."""

from __future__ import annotations

from typing import Any

__all__ = ["update_lines"]


def update_lines(state: list[tuple[str, str | None, str | None]], data: list[str], grads: list[str],
                 optimizer: Any) -> list[str]:
    """One update's end, for each parameter k (its value ``data[k]``, its gradient ``grads[k]``,
    this step's ``d`` of the state): with ``optimizer`` the fused step (``nn.SGD``: the gradient
    stored, then ``p.data -= lr * (g + decay * p.data)``), without it the plain step's
    ``p.grad += d``.  The Python loop and its numba form both write these lines."""
    update: list[str] = []
    if optimizer is not None:
        decay = optimizer.weight_decay
        for k, (_, _, d) in enumerate(state):
            g = d or "0.0"
            update.append(f"{grads[k]} = {g}")
            step = f"({g} + {decay!r} * {data[k]})" if decay != 0.0 else g
            update.append(f"{data[k]} = {data[k]} - _lr * {step}")  # nn.SGD's p.data -= lr * g
    else:
        for k, (_, _, d) in enumerate(state):
            update.append(f"{grads[k]} = {grads[k]} + {d}")  # backward() adds to p.grad
    return update
