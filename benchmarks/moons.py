"""Workload 2: micrograd's own demo, on this engine and on `micrograd==0.1.0`, same initial weights.

micrograd's ``demo.ipynb``: 100 points of the two-moons set (noise 0.1), labels -1/+1,
``MLP(2, [16, 16, 1])`` with ReLU hidden layers and a linear output, the max-margin loss
``mean(relu(1 - y * score)) + 1e-4 * sum(p * p)``, full-batch SGD with ``lr = 1.0 - 0.9 * k / 100``
for k = 0..99.  micrograd builds its weights (``random.seed(1337)``); this engine's model draws the
same ones (`demos.moons.moons_model`, checked equal) and gets a copy, so both runs must give the
same loss at every step (to 1e-9: the sums are added in a different order, so the last bits
differ).  This engine's side is written with `nn`: ``nn.MLP``, ``nn.mean_hinge_loss``
(``mean(max(0, 1 - y * score))``) and ``nn.SGD``; `compiled_run` is the same through
`autograd.compile` (the engine's losses to the bit).

The data, the model, its loss and the learning rate are `demos.moons`'s (``python -m demos.moons``
runs the same training and draws it): the points by sklearn's ``make_moons`` formula from a seeded
`random.Random` (no scikit-learn).
"""

from __future__ import annotations

import random
from typing import Any

from demos.moons import ALPHA, SEED, SIZES, STEPS, learning_rate, make_moons, moons_loss, moons_model

__all__ = ["ALPHA", "STEPS", "builtin_sum_compile", "builtin_sum_graph", "engine_graph", "engine_model",
           "engine_run", "make_moons", "micrograd_graph", "micrograd_model", "micrograd_step", "numba_run",
           "numba_schedule_run", "numba_step"]


def micrograd_model() -> Any:
    """micrograd's ``MLP(2, [16, 16, 1])`` with the demo's seed."""
    from micrograd.nn import MLP

    random.seed(SEED)
    model = MLP(2, SIZES[1:])
    if [float(p.data) for p in model.parameters()] != [p.data for p in moons_model().parameters()]:
        raise AssertionError("moons: demos.moons.moons_model() does not draw micrograd's initial weights")
    return model


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
        opt.lr = learning_rate(k)
        opt.step()
        losses.append(total.data)
    return losses


Data = tuple[list[list[float]], list[float]]


def compiled_run(model: Any, steps: int, data: Data) -> tuple[list[float], float]:
    """`engine_run` through `autograd.compile`: the step traced once (its time returned too), then
    each step one call of the generated code, SGD generated in (its learning rate read each call)."""
    import time

    import autograd
    import nn

    opt = nn.SGD(model.parameters(), lr=1.0)
    start = time.perf_counter()
    step = autograd.compile(lambda xs, ys: engine_graph(model, (xs, ys)), model.parameters(), *data,
                            optimizer=opt)
    compile_s = time.perf_counter() - start
    losses = []
    for k in range(steps):
        opt.lr = learning_rate(k)
        losses.append(step(*data))
    return losses, compile_s


def numba_step(model: Any, data: Data) -> tuple[Any, Any, float]:
    """`compiled_run`'s step with ``backend="numba"``: (the step, its optimizer, the seconds spent
    compiling it: the trace, then numba's compiling, or loading from its disk cache, on a call
    that does no update)."""
    import time

    import autograd
    import nn

    opt = nn.SGD(model.parameters(), lr=1.0)
    start = time.perf_counter()
    step = autograd.compile(lambda xs, ys: engine_graph(model, (xs, ys)), model.parameters(), *data,
                            optimizer=opt, backend="numba")
    step.run([data], epochs=0)  # builds the loop and has numba compile it (no update)
    return step, opt, time.perf_counter() - start


def numba_run(step: Any, opt: Any, steps: int, data: Data) -> list[float]:
    """The demo's training by a `numba_step`: each step one call, ``step(xs, ys)``, the numba code
    (the learning rate read at each call, as the Python step reads it)."""
    losses = []
    for k in range(steps):
        opt.lr = learning_rate(k)
        losses.append(step(*data))
    return losses


def numba_schedule_run(step: Any, opt: Any, steps: int, data: Data) -> list[float]:
    """`numba_run`'s training as ONE call, ``step.run([data], epochs=steps, lr=learning_rate)``:
    the numba loop reads step k's rate from the schedule (``learning_rate(k)``, listed before the
    first step); the losses and weights are `numba_run`'s, to the bit."""
    del opt  # the run sets opt.lr itself (to the last step's rate)
    return step.run([data], epochs=steps, lr=learning_rate)  # type: ignore[no-any-return]


def engine_graph(model: Any, data: tuple[list[list[float]], list[float]]) -> Any:
    """One step's loss graph on this engine (what `engine_run` differentiates; also for its memory)."""
    return moons_loss(model, *data)


def builtin_sum_graph(model: Any, data: Data) -> Any:
    """micrograd's ``loss()`` on this engine as the demo writes it: Python's own ``sum`` over the
    samples and over ``p * p`` (chains of ``+``, where `engine_graph` has ``mean`` and ``sum`` nodes)."""
    xs, ys = data
    scores = [model(x) for x in xs]
    losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def builtin_sum_compile(repeats: int, data: Data) -> dict[str, float]:
    """Compiling the step (with SGD) of `builtin_sum_graph` and of `engine_graph`: the lines of each
    step's source and its compile seconds (best of ``repeats``); the first step of the builtin-sum
    loss is checked against the engine's, loss and every gradient to the bit."""
    import time

    import autograd
    import nn

    out: dict[str, float] = {}
    for key, graph in (("builtin_sum", builtin_sum_graph), ("autograd_sum", engine_graph)):
        best = float("inf")
        for _ in range(repeats):
            model = moons_model()
            opt = nn.SGD(model.parameters(), lr=1.0)
            start = time.perf_counter()
            step = autograd.compile(_bound(graph, model), model.parameters(), *data, optimizer=opt)
            best = min(best, time.perf_counter() - start)
        out[f"{key}_lines"] = step.source.count("\n")
        out[f"{key}_compile_s"] = best
        engine = moons_model()
        loss = graph(engine, data)
        loss.backward()
        grads = [p.grad for p in engine.parameters()]
        if step(*data) != loss.data or [p.grad for p in model.parameters()] != grads:
            raise AssertionError(f"moons: the compiled {key} step is not the engine's, to the bit")
    return out


def _bound(graph: Any, model: Any) -> Any:
    return lambda xs, ys: graph(model, (xs, ys))


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
