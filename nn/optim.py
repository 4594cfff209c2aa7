"""`SGD` and `Adam`, with PyTorch's ``torch.optim.SGD`` and ``torch.optim.Adam`` semantics.

SGD: for each parameter w with gradient g, one `step()` does (PyTorch's defaults: no dampening, no
Nesterov):

    g = g + λ w                   (weight_decay λ: the article's regularisation term, L2 on w)
    v = g          on the first step,  v = μ v + g  after it      (momentum μ; skipped when μ = 0)
    w = w - lr v   (or w - lr g without momentum)

with PyTorch's operations in PyTorch's order.  One difference in the last bit: PyTorch's CPU kernel
computes ``w + (-lr) v`` as one fused multiply-add (a single rounding), plain Python rounds the
product and then the sum; a float64 run therefore agrees with ``torch.optim.SGD`` on float64
tensors to about 1e-16 per step, not always bit for bit (the seed's log is the same either way).

Adam (PyTorch's defaults lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0; not AdamW, no
amsgrad): at step t = 1, 2, ... for each parameter w with gradient g,

    g = g + λ w
    m = m + (1 - β1)(g - m)            (PyTorch's lerp; = β1 m + (1 - β1) g, m starting at 0)
    v = β2 v + (1 - β2) g²             (v starting at 0)
    w = w - (lr / (1 - β1^t)) · m / (√v / √(1 - β2^t) + eps)

again in PyTorch's order; its fused kernels round a few products once where Python rounds twice, so
float64 runs agree to about 1e-12 relative over 20 steps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd.core import Value, number
from nn.module import _check_set_to_none

__all__ = ["SGD", "Adam", "Optimizer"]


class Optimizer:
    """What every optimizer shares: its checked parameter list and `zero_grad()`."""

    def __init__(self, params: Iterable[Value]) -> None:
        name = type(self).__name__
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{name}: got an empty parameter list; pass model.parameters()")
        seen: set[Value] = set()
        for k, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{name}: parameter #{k} is {p!r} ({type(p).__name__}), not a Value")
            if p in seen:
                raise ValueError(
                    f"{name}: parameter #{k} ({p.label!r}) appears twice; it would be stepped twice"
                )
            seen.add(p)

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Set every parameter's ``grad`` to 0.0 (call before each ``backward()``), or to ``None``
        with ``set_to_none=True`` (PyTorch's habit): ``backward()`` counts ``None`` as 0, and `step`
        skips a parameter whose ``grad`` is still ``None``."""
        none = _check_set_to_none(set_to_none, f"{type(self).__name__}.zero_grad")
        for p in self.params:
            p.grad = None if none else 0.0  # type: ignore[assignment]  # Value.grad: None is 0.0

    @staticmethod
    def _gradient(p: Value, decay: float) -> float | None:
        """``p``'s gradient with the weight decay ``decay * p`` added, as PyTorch adds it; None when
        it has no gradient yet (PyTorch's ``set_to_none``: the parameter is skipped)."""
        g = p.grad
        return g + decay * p.data if g is not None and decay != 0.0 else g

    def _hyper(self, x: object, name: str, below: float | None = None) -> float:
        """A hyper-parameter: a finite int or float >= 0 (and < ``below`` if given)."""
        optimizer = type(self).__name__
        value = number(x, f"{optimizer}: {name}", None, "an int or float")
        if not (math.isfinite(value) and value >= 0.0):
            raise ValueError(f"{optimizer}: {name} must be a finite number >= 0; got {value!r}")
        if below is not None and not value < below:
            raise ValueError(f"{optimizer}: {name} must be below {below}; got {value!r}")
        return value


class SGD(Optimizer):
    """``SGD(params, lr, momentum=0.0, weight_decay=0.0)``; `zero_grad()` then `step()`."""

    def __init__(
        self, params: Iterable[Value], lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params)
        self.lr = self._hyper(lr, "lr")
        self.momentum = self._hyper(momentum, "momentum")
        self.weight_decay = self._hyper(weight_decay, "weight_decay")
        # PyTorch's momentum_buffer, one per parameter: None until the parameter's first step
        self.velocity: list[float | None] = [None] * len(self.params)

    def step(self) -> None:
        """Move every parameter against its gradient (see the module doc for the update).

        A parameter whose ``grad`` is None (no gradient yet, PyTorch's ``set_to_none``) is skipped,
        as PyTorch skips it: it does not move and its momentum buffer waits.
        """
        lr, momentum, decay, velocity = self.lr, self.momentum, self.weight_decay, self.velocity
        for k, p in enumerate(self.params):
            g = p.grad
            if g is None:  # no gradient yet (PyTorch's set_to_none): skipped
                continue
            if decay != 0.0:
                g = g + decay * p.data
            if momentum != 0.0:  # v = momentum * v + g (v = g the first time), and the step is along v
                v = velocity[k]
                g = velocity[k] = g if v is None else momentum * v + g
            p.data -= lr * g

    def __repr__(self) -> str:
        return (
            f"SGD({len(self.params)} parameters, lr={self.lr!r}, momentum={self.momentum!r},"
            f" weight_decay={self.weight_decay!r})"
        )


class Adam(Optimizer):
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)``, as PyTorch's.

    `zero_grad()` then `step()`; the update is in the module doc.  ``m`` and ``v`` (PyTorch's
    ``exp_avg`` and ``exp_avg_sq``) hold one float per parameter; ``t`` the steps each has taken.

        >>> from autograd import Value
        >>> w = Value(1.0, label="w")
        >>> opt = Adam([w], lr=0.1)
        >>> w.grad = 4.0
        >>> opt.step()         # the first step moves by about lr, whatever the gradient's size
        >>> round(w.data, 6)
        0.9
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params)
        self.lr = self._hyper(lr, "lr")
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam: betas must be a pair (beta1, beta2); got {betas!r}")
        self.betas = (self._hyper(betas[0], "beta1", below=1.0), self._hyper(betas[1], "beta2", below=1.0))
        self.eps = self._hyper(eps, "eps")
        self.weight_decay = self._hyper(weight_decay, "weight_decay")
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)
        self.t = [0] * len(self.params)  # steps taken by each parameter (PyTorch's state["step"])

    def step(self) -> None:
        """One Adam update of every parameter (see the module doc).

        A parameter whose ``grad`` is None (no gradient yet) is skipped, as PyTorch skips it: it
        does not move, and its moments and step count wait.
        """
        beta1, beta2 = self.betas
        lr, eps, decay = self.lr, self.eps, self.weight_decay
        m, v, t = self.m, self.v, self.t
        for k, p in enumerate(self.params):
            g = self._gradient(p, decay)
            if g is None:
                continue
            t[k] += 1
            step_size = lr / (1.0 - beta1 ** t[k])
            correction2_sqrt = math.sqrt(1.0 - beta2 ** t[k])
            m[k] += (1.0 - beta1) * (g - m[k])
            v[k] = v[k] * beta2 + (1.0 - beta2) * (g * g)
            p.data -= step_size * (m[k] / (math.sqrt(v[k]) / correction2_sqrt + eps))

    def __repr__(self) -> str:
        return (
            f"Adam({len(self.params)} parameters, lr={self.lr!r}, betas={self.betas!r}, eps={self.eps!r},"
            f" weight_decay={self.weight_decay!r})"
        )
