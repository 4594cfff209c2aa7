"""The end of one update in `step.run`'s loop, as the Python loop (`autograd.compiler.loop`) and
its numba form (`autograd.compiler.native`) both write it: one place, so that the two cannot drift
apart (and `make mutate`'s code mutants of these lines are killed by both paths' tests).  The
per-call step (`autograd.compiler.codegen`) writes its `nn.Adam` and momentum updates with these
lines too, on the optimizer's own lists.

Each optimizer's update is its ``step()``'s arithmetic, operation for operation (`nn.optim`):
``beta1 ** t`` with t the step count, ``math.sqrt``, the same order.  The hyper-parameters other
than the learning rate (``weight_decay``, ``momentum``, ``betas``, ``eps``) are generated in as
numbers when the step is compiled; ``_lr`` is read from the optimizer by the code around them.
"""

from __future__ import annotations

import math
from typing import Any

from nn.optim import SGD, Adam

__all__ = ["ARRAYS", "buffers_ready", "math_name", "state_lists", "update_lines"]

# The numba loop's array for each of the optimizer's per-parameter lists (`state_lists`).
ARRAYS = {"m": "_M", "v": "_V", "t": "_T", "velocity": "_B"}


def state_lists(optimizer: Any) -> tuple[str, ...]:
    """The optimizer's per-parameter lists that its step reads and writes (its state beside the
    parameters): Adam's ``m``, ``v``, ``t``; SGD's ``velocity`` with momentum; none else."""
    if type(optimizer) is Adam:
        return ("m", "v", "t")
    if type(optimizer) is SGD and optimizer.momentum != 0.0:
        return ("velocity",)
    return ()


def buffers_ready(optimizer: Any) -> bool:
    """Whether the optimizer's state is all numbers, as the loops' update lines take it: a momentum
    buffer is None before its parameter's first step (the buffer is then the gradient), which only
    the step's own update writes (``first=True``)."""
    return "velocity" not in state_lists(optimizer) or None not in optimizer.velocity


def math_name(objects: dict[str, object]) -> str:
    """The name a step's code gives the `math` module (its ``objects``: name -> object)."""
    return next((name for name, obj in objects.items() if obj is math), "_math")


def update_lines(state: list[tuple[str, str | None, str | None]], data: list[str], grads: list[str],
                 optimizer: Any, slots: dict[str, list[str]] | None = None, *, math: str = "_math",
                 first: bool = False) -> list[str]:
    """One update's end, for each parameter k (its value ``data[k]``, its gradient ``grads[k]``,
    this step's ``d`` of the state): with ``optimizer`` the fused step (the gradient stored, then
    the optimizer's step on ``data[k]``; its state in ``slots[name][k]`` for each name of
    `state_lists`, ``math`` the name of the math module), without it the plain step's
    ``p.grad += d``.  ``first``: a momentum buffer may still be None (PyTorch's first step: the
    buffer is the gradient); the loops start with floats (`Run` does a first update by the step)."""
    update: list[str] = []
    if optimizer is None:
        for k, (_, _, d) in enumerate(state):
            update.append(f"{grads[k]} = {grads[k]} + {d}")  # backward() adds to p.grad
        return update
    decay = optimizer.weight_decay
    kind = state_lists(optimizer)
    named = slots or {}
    for k, (_, _, d) in enumerate(state):
        g = d or "0.0"
        update.append(f"{grads[k]} = {g}")
        if kind == ("m", "v", "t"):
            update += _adam(optimizer, data[k], g, named["m"][k], named["v"][k], named["t"][k], math)
        elif kind == ("velocity",):
            b = named["velocity"][k]
            step = g
            if decay != 0.0:
                update.append(f"_upd_g = {g} + {decay!r} * {data[k]}")  # g + λ w
                step = "_upd_g"
            mu = optimizer.momentum
            velocity = f"{mu!r} * {b} + {step}"  # nn.SGD's momentum buffer: v = momentum * v + g
            update.append(f"{b} = {step} if {b} is None else {velocity}" if first else f"{b} = {velocity}")
            update.append(f"{data[k]} = {data[k]} - _lr * {b}")  # and p.data -= lr * v
        else:
            step = f"({g} + {decay!r} * {data[k]})" if decay != 0.0 else g
            update.append(f"{data[k]} = {data[k]} - _lr * {step}")  # nn.SGD's p.data -= lr * g
    return update


def _adam(optimizer: Any, w: str, g: str, m: str, v: str, t: str, math: str) -> list[str]:
    """nn.Adam's step of one parameter ``w`` with gradient ``g`` (its moments ``m``, ``v``, its
    step count ``t``), in `Adam.step`'s order: t += 1; m += (1 - β1)(g - m); v = v β2 + (1 - β2) g²;
    w -= lr / (1 - β1^t) · m / (√v / √(1 - β2^t) + eps)."""
    beta1, beta2 = optimizer.betas
    lines = []
    if optimizer.weight_decay != 0.0:
        lines.append(f"_upd_g = {g} + {optimizer.weight_decay!r} * {w}")  # g + λ w, read before w moves
        g = "_upd_g"
    step = f"(_lr / (1.0 - {beta1!r} ** {t}))"  # lr / (1 - β1^t): m's bias correction, in the step size
    root = f"{math}.sqrt({v}) / {math}.sqrt(1.0 - {beta2!r} ** {t})"  # √v / √(1 - β2^t): v's
    lines += [
        f"{t} = {t} + 1",
        f"{m} = {m} + (1.0 - {beta1!r}) * ({g} - {m})",
        f"{v} = {v} * {beta2!r} + (1.0 - {beta2!r}) * ({g} * {g})",
        f"{w} = {w} - {step} * ({m} / ({root} + {optimizer.eps!r}))",
    ]
    return lines
