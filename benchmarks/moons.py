"""Workload 2: micrograd's own demo, on this engine and on `micrograd==0.1.0`, same initial weights.

micrograd's ``demo.ipynb``: 100 points of the two-moons set (noise 0.1), labels -1/+1,
``MLP(2, [16, 16, 1])`` with ReLU hidden layers and a linear output, the max-margin loss
``mean(relu(1 - y * score)) + 1e-4 * sum(p * p)``, full-batch SGD with ``lr = 1.0 - 0.9 * k / 100``
for k = 0..99.  micrograd builds its weights (``random.seed(1337)``); this engine's model gets a copy
of them, so both runs must give the same loss at every step (to 1e-9: the sums are added in a
different order, so the last bits differ).  This engine's side is written with `nn`: ``nn.MLP``,
``nn.mean_hinge_loss`` (``mean(max(0, 1 - y * score))``) and ``nn.SGD``.

The points are generated here (no scikit-learn) by sklearn's ``make_moons`` formula: 50 points on
the upper half circle (cos t, sin t) and 50 on (1 - cos t, 0.5 - sin t), t evenly spaced on [0, pi],
shuffled, plus Gaussian noise of standard deviation 0.1, from a seeded `random.Random`.
"""

from __future__ import annotations

import math
import random
from typing import Any

N_POINTS = 100
NOISE = 0.1
SEED = 1337
STEPS = 100
ALPHA = 1e-4
SIZES = [2, 16, 16, 1]


def make_moons(
    n: int = N_POINTS, noise: float = NOISE, seed: int = SEED
) -> tuple[list[list[float]], list[float]]:
    """Two interleaving half circles, as sklearn's ``make_moons(n, noise=noise)``; labels -1/+1."""
    rng = random.Random(seed)
    n_out = n // 2
    n_in = n - n_out

    def linspace(k: int) -> list[float]:
        return [math.pi * i / (k - 1) for i in range(k)] if k > 1 else [0.0]

    points = [[math.cos(t), math.sin(t)] for t in linspace(n_out)]
    points += [[1.0 - math.cos(t), 1.0 - math.sin(t) - 0.5] for t in linspace(n_in)]
    labels = [-1.0] * n_out + [1.0] * n_in
    order = list(range(n))
    rng.shuffle(order)
    xs = [[points[i][0] + rng.gauss(0.0, noise), points[i][1] + rng.gauss(0.0, noise)] for i in order]
    ys = [labels[i] for i in order]
    return xs, ys


def micrograd_model() -> Any:
    """micrograd's ``MLP(2, [16, 16, 1])`` with the demo's seed."""
    from micrograd.nn import MLP

    random.seed(SEED)
    return MLP(2, SIZES[1:])


def micrograd_step(model: Any, k: int, data: tuple[list[list[float]], list[float]]) -> float:
    """Step k of the demo's training loop on micrograd (its ``loss()`` without the accuracy); the loss."""
    total = micrograd_graph(model, data)
    model.zero_grad()
    total.backward()
    lr = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= lr * p.grad
    return float(total.data)


def engine_model(micrograd_mlp: Any) -> Any:
    """This engine's ``nn.MLP(2, [16, 16, 1])``, ReLU then linear, with a copy of micrograd's weights."""
    import nn

    weights = [
        ([[float(w.data) for w in n.w] for n in layer.neurons], [float(n.b.data) for n in layer.neurons])
        for layer in micrograd_mlp.layers
    ]
    model = nn.MLP(2, SIZES[1:], activation="relu", output_activation="linear", weights=weights)
    ours = [p.data for p in model.parameters()]
    theirs = [float(p.data) for p in micrograd_mlp.parameters()]
    if ours != theirs:
        raise AssertionError("moons: the weights copied from micrograd are not in micrograd's order")
    return model


def engine_run(model: Any, steps: int, data: tuple[list[list[float]], list[float]]) -> list[float]:
    """The same training written with `nn`: ``mean_hinge_loss`` is ``mean(relu(1 - y * score))``."""
    import nn

    opt = nn.SGD(model.parameters(), lr=1.0)
    losses = []
    for k in range(steps):
        total = engine_graph(model, data)
        opt.zero_grad()
        total.backward()
        opt.lr = 1.0 - 0.9 * k / 100
        opt.step()
        losses.append(total.data)
    return losses


def engine_graph(model: Any, data: tuple[list[list[float]], list[float]]) -> Any:
    """One step's loss graph on this engine (what `engine_run` differentiates; also for its memory)."""
    import autograd
    import nn

    xs, ys = data
    params = model.parameters()
    return nn.mean_hinge_loss([model(x) for x in xs], ys) + autograd.sum(p * p for p in params) * ALPHA


def micrograd_graph(model: Any, data: tuple[list[list[float]], list[float]]) -> Any:
    """One step's loss graph on micrograd, written as the demo's ``loss()`` (also for its memory)."""
    from micrograd.engine import Value

    xs, ys = data
    inputs = [list(map(Value, row)) for row in xs]
    scores = list(map(model, inputs))
    margins = [(1 + -yi * si).relu() for yi, si in zip(ys, scores, strict=True)]
    data_loss = sum(margins) * (1.0 / len(margins))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    return data_loss + reg_loss
