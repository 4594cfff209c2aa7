"""`SGD`: stochastic gradient descent, with PyTorch's ``torch.optim.SGD`` semantics.

For each parameter w with gradient g, one `step()` does (PyTorch's defaults: no dampening, no
Nesterov):

    g = g + λ w                   (weight_decay λ: the article's regularisation term, L2 on w)
    v = g          on the first step,  v = μ v + g  after it      (momentum μ; skipped when μ = 0)
    w = w - lr v   (or w - lr g without momentum)

with PyTorch's operations in PyTorch's order.  One difference in the last bit: PyTorch's CPU kernel
computes ``w + (-lr) v`` as one fused multiply-add (a single rounding), plain Python rounds the
product and then the sum; a float64 run therefore agrees with ``torch.optim.SGD`` on float64
tensors to about 1e-16 per step, not always bit for bit (the seed's log is the same either way).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd.value import Value

__all__ = ["SGD"]


class SGD:
    """``SGD(params, lr, momentum=0.0, weight_decay=0.0)``; `zero_grad()` then `step()`."""

    def __init__(
        self, params: Iterable[Value], lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("SGD: got an empty parameter list; pass model.parameters()")
        seen: set[Value] = set()
        for k, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"SGD: parameter #{k} is {p!r} ({type(p).__name__}), not a Value")
            if p in seen:
                raise ValueError(
                    f"SGD: parameter #{k} ({p.label!r}) appears twice; it would be stepped twice"
                )
            seen.add(p)
        self.lr = _hyper(lr, "lr")
        self.momentum = _hyper(momentum, "momentum")
        self.weight_decay = _hyper(weight_decay, "weight_decay")
        self.velocity: list[float] | None = None  # PyTorch's momentum_buffer, one per parameter

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0 (call before each ``backward()``)."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Move every parameter against its gradient (see the module doc for the update)."""
        lr = self.lr
        momentum = self.momentum
        decay = self.weight_decay
        if momentum == 0.0:
            if decay == 0.0:
                for p in self.params:
                    p.data -= lr * p.grad
            else:
                for p in self.params:
                    p.data -= lr * (p.grad + decay * p.data)
            return
        grads = [p.grad + decay * p.data if decay != 0.0 else p.grad for p in self.params]
        if self.velocity is None:
            self.velocity = grads
        else:
            self.velocity = [momentum * v + g for v, g in zip(self.velocity, grads, strict=True)]
        for p, v in zip(self.params, self.velocity, strict=True):
            p.data -= lr * v

    def __repr__(self) -> str:
        return (
            f"SGD({len(self.params)} parameters, lr={self.lr!r}, momentum={self.momentum!r},"
            f" weight_decay={self.weight_decay!r})"
        )


def _hyper(x: object, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"SGD: {name} must be an int or float; got {x!r} ({type(x).__name__})")
    value = float(x)
    if not (math.isfinite(value) and value >= 0.0):
        raise ValueError(f"SGD: {name} must be a finite number >= 0; got {value!r}")
    return value
