"""Workload 1: the seed's XOR run, five ways (the graph by hand with and without ordering; compiled
with and without the update generated in).

1000 epochs x 4 samples = 4000 SGD updates (lr 0.4, BCE, the seed's initial weights; see
REFERENCE.md), each sample its own update, in the seed's order:

- ``engine``: this engine through `nn` (the seed's model from ``demos/seed.py``, `nn.bce_loss`,
  `nn.SGD`), a graph built and differentiated per sample;
- ``torch``: PyTorch eager running the seed's own code (CPU, float32 as in the seed, one thread);
- ``floor``: the same training written by hand in plain Python floats with the derived formulas
  (no graph at all): the fastest any scalar Python code can do it;
- ``compiled``: through `autograd.compile`, the step traced once and run as generated Python,
  with SGD generated in or, with ``fused=False``, `nn.SGD` around it;
- ``graph_minimum``: what the graph itself costs, whatever the code around it: the same 7 nodes
  and 15 edges per update made by straight-line code (no `nn`, no checks), differentiated by
  `backward()`, or with ``ordered=False`` by one loop over a hard-coded order (no ordering at all).

Each returns the four final predictions, which must agree to 2 decimals.
"""

from __future__ import annotations

import math
from typing import Any

from autograd.core import Value

EPOCHS = 1000
LR = 0.4
XOR = [([1.0, 1.0], 0.0), ([0.0, 1.0], 1.0), ([1.0, 0.0], 1.0), ([0.0, 0.0], 0.0)]
W1 = [[0.1, -0.1], [-0.1, 0.1]]
B1 = [0.1, -0.1]
W2 = [0.1, -0.1]
B2 = 0.1


def engine_run(epochs: int = EPOCHS) -> list[float]:
    """The seed's run on this engine, written as a user of `nn` writes it (as ``demos/xor.py``)."""
    import nn
    from demos.seed import LEARNING_RATE, XOR_DATA, seed_model

    model = seed_model()
    opt = nn.SGD(model.parameters(), lr=LEARNING_RATE)
    for _ in range(epochs):
        for x, y in XOR_DATA:
            loss = nn.bce_loss(model(x), y)  # type: ignore[arg-type]  # one output: a Value
            opt.zero_grad()
            loss.backward()
            opt.step()
    return [model(x).data for x, _ in XOR_DATA]  # type: ignore[union-attr]


def compiled_run(epochs: int = EPOCHS, *, fused: bool = True) -> tuple[list[float], float]:
    """The seed's run through `autograd.compile`: one trace, then each update one call of the
    generated step, with SGD generated in and the loss not computed (``fused``: what the
    hand-written floor does), or as `nn.SGD` around it (the plain contract: ``zero_grad()``,
    ``step(x, y)`` returning the loss, ``optimizer.step()``).  Returns the final predictions and
    the seconds spent compiling (part of the run's time: the caller reports it with and without)."""
    import time

    import autograd
    import nn
    from demos.seed import LEARNING_RATE, XOR_DATA, seed_model

    model = seed_model()
    opt = nn.SGD(model.parameters(), lr=LEARNING_RATE)

    def loss(x: list[float], y: float) -> Value:
        return nn.bce_loss(model(x), y)  # type: ignore[arg-type]  # one output: a Value

    start = time.perf_counter()
    if fused:
        update = autograd.compile(loss, model.parameters(), *XOR_DATA[0], optimizer=opt, return_loss=False)
    else:
        step = autograd.compile(loss, model.parameters(), *XOR_DATA[0])
    compile_s = time.perf_counter() - start
    for _ in range(epochs):
        for x, y in XOR_DATA:
            if fused:
                update(x, y)
            else:
                opt.zero_grad()
                step(x, y)
                opt.step()
    return [model(x).data for x, _ in XOR_DATA], compile_s  # type: ignore[union-attr]


def compile_seconds() -> float:
    """How long `autograd.compile` takes on the seed's step (trace, generate, compile)."""
    import time

    import autograd
    import nn
    from demos.seed import XOR_DATA, seed_model

    model = seed_model()
    start = time.perf_counter()
    autograd.compile(lambda x, y: nn.bce_loss(model(x), y), model.parameters(), *XOR_DATA[0])  # type: ignore[arg-type]
    return time.perf_counter() - start


def floor_run(epochs: int = EPOCHS) -> list[float]:
    """The seed's run in plain floats, with the article's derivation (corrected, REFERENCE.md).

    With BCE on a sigmoid output, d loss / d (output pre-activation) = o - y; then
    d/dw2_j = (o - y) h_j, d/db2 = o - y, and for hidden neuron j with delta_j = (o - y) w2_j h_j (1 - h_j):
    d/dw1_jk = delta_j x_k, d/db1_j = delta_j.
    """
    w1 = [row[:] for row in W1]
    b1 = B1[:]
    w2 = W2[:]
    b2 = B2

    def sigmoid(z: float) -> float:
        if z >= 0.0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    for _ in range(epochs):
        for (x0, x1), y in XOR:
            h0 = sigmoid(w1[0][0] * x0 + w1[0][1] * x1 + b1[0])
            h1 = sigmoid(w1[1][0] * x0 + w1[1][1] * x1 + b1[1])
            o = sigmoid(w2[0] * h0 + w2[1] * h1 + b2)
            d = o - y
            d0 = d * w2[0] * h0 * (1.0 - h0)
            d1 = d * w2[1] * h1 * (1.0 - h1)
            w2[0] -= LR * d * h0
            w2[1] -= LR * d * h1
            b2 -= LR * d
            w1[0][0] -= LR * d0 * x0
            w1[0][1] -= LR * d0 * x1
            b1[0] -= LR * d0
            w1[1][0] -= LR * d1 * x0
            w1[1][1] -= LR * d1 * x1
            b1[1] -= LR * d1
    out = []
    for (x0, x1), _ in XOR:
        h0 = sigmoid(w1[0][0] * x0 + w1[0][1] * x1 + b1[0])
        h1 = sigmoid(w1[1][0] * x0 + w1[1][1] * x1 + b1[1])
        out.append(sigmoid(w2[0] * h0 + w2[1] * h1 + b2))
    return out


def tight_floor_run(epochs: int = EPOCHS) -> list[float]:
    """The seed's run as the tightest hand-written float loop: every weight a local variable, the
    sigmoid inlined, ``exp`` a local name, the samples unpacked in the ``for``: what plain Python
    can do at best, the floor `compiled_loop_run` is measured against (`floor_run` keeps its
    weights in lists, as a reader would write it first)."""
    exp = math.exp
    (w00, w01), (w10, w11) = W1
    b10, b11 = B1
    w20, w21 = W2
    b2 = B2
    lr = LR
    for _ in range(epochs):
        for (x0, x1), y in XOR:
            z = w00 * x0 + w01 * x1 + b10
            h0 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
            z = w10 * x0 + w11 * x1 + b11
            h1 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
            z = w20 * h0 + w21 * h1 + b2
            o = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
            d = o - y
            d0 = d * w20 * h0 * (1.0 - h0)
            d1 = d * w21 * h1 * (1.0 - h1)
            w20 -= lr * d * h0
            w21 -= lr * d * h1
            b2 -= lr * d
            w00 -= lr * d0 * x0
            w01 -= lr * d0 * x1
            b10 -= lr * d0
            w10 -= lr * d1 * x0
            w11 -= lr * d1 * x1
            b11 -= lr * d1
    out = []
    for (x0, x1), _ in XOR:
        h0 = 1.0 / (1.0 + exp(-(w00 * x0 + w01 * x1 + b10)))
        h1 = 1.0 / (1.0 + exp(-(w10 * x0 + w11 * x1 + b11)))
        out.append(1.0 / (1.0 + exp(-(w20 * h0 + w21 * h1 + b2))))
    return out


def compiled_loop_run(epochs: int = EPOCHS, backend: str = "python",
                      runs: int = 1) -> tuple[list[float], float, float]:
    """The seed's run as one ``step.run(samples, epochs)`` of the fused update (SGD generated in,
    the loss not computed): the parameters in local variables for the whole run; with
    ``backend="numba"`` that loop compiled by numba.  Returns the final predictions and the seconds
    spent compiling (the step and its loop; numba's compiling, or loading from its disk cache), and
    the seconds of the run itself (the predictions after it are the engine's: not the loop's time).
    With ``runs`` > 1 the run is timed that many times, each from the initial weights, and the best
    is returned: as the C program and JAX's jit are timed (warm, best of several runs), where the
    first run of a freshly loaded function also pays for the machine code's first touch."""
    import time

    import autograd
    import nn
    from demos.seed import LEARNING_RATE, XOR_DATA, seed_model

    model = seed_model()
    params = model.parameters()
    initial = [p.data for p in params]
    opt = nn.SGD(params, lr=LEARNING_RATE)
    start = time.perf_counter()
    update = autograd.compile(lambda x, y: nn.bce_loss(model(x), y), params,  # type: ignore[arg-type]
                              *XOR_DATA[0], optimizer=opt, return_loss=False, backend=backend)
    update.run(XOR_DATA, epochs=0)  # builds the loop (compiling), runs nothing
    compile_s = time.perf_counter() - start
    run_s = float("inf")
    for _ in range(runs):
        for p, w in zip(params, initial, strict=True):
            p.data, p.grad = w, 0.0
        start = time.perf_counter()
        update.run(XOR_DATA, epochs)
        run_s = min(run_s, time.perf_counter() - start)
    return [model(x).data for x, _ in XOR_DATA], compile_s, run_s  # type: ignore[union-attr]


def _sigmoid(z: Value) -> Value:
    s = 1.0 / (1.0 + math.exp(-z.data))
    return Value(s, (z,), (s * (1.0 - s),), "sigmoid")


def _hidden_dot(w: list[Value], b: Value, x0: float, x1: float) -> Value:
    return Value(w[0].data * x0 + w[1].data * x1 + b.data, (w[0], w[1], b), (x0, x1, 1.0), "dot")


def _output_dot(w: list[Value], b: Value, h0: Value, h1: Value) -> Value:
    d0, d1 = h0.data, h1.data
    return Value(w[0].data * d0 + w[1].data * d1 + b.data, (w[0], w[1], h0, h1, b),
                 (d0, d1, w[0].data, w[1].data, 1.0), "dot")


def graph_by_hand(
    w1: list[list[Value]], b1: list[Value], w2: list[Value], b2: Value, x: tuple[float, float], y: float
) -> tuple[Value, ...]:
    """One update's graph as the engine makes it, by straight-line code; its nodes, loss first.

    The nodes the engine makes (a ``dot`` and a ``sigmoid`` node per neuron, one ``bce``), each
    straight from the constructor the engine's operations use, with the local derivatives written
    out (BCE's is (p - y) / (p (1 - p))).  Returned in an order in which backpropagation may visit
    them (every node before its children), hard-coded.
    """
    z0 = _hidden_dot(w1[0], b1[0], x[0], x[1])
    h0 = _sigmoid(z0)
    z1 = _hidden_dot(w1[1], b1[1], x[0], x[1])
    h1 = _sigmoid(z1)
    z2 = _output_dot(w2, b2, h0, h1)
    o = _sigmoid(z2)
    p = o.data
    loss = Value(-math.log(p) if y == 1.0 else -math.log(1.0 - p), (o,), ((p - y) / (p * (1.0 - p)),), "bce")
    return loss, o, z2, h1, z1, h0, z0


def graph_minimum_run(epochs: int = EPOCHS, *, ordered: bool = True) -> list[float]:
    """The seed's run on graphs made by `graph_by_hand`: a lower bound for code built on the engine.

    ``ordered``: the gradients come from the engine's `backward()` (topological order, reset of the
    intermediate nodes, propagation); otherwise from one loop over the nodes in `graph_by_hand`'s
    order: then nothing is left but making 7 nodes and passing gradients along their 15 edges.
    """
    w1 = [[Value(w) for w in row] for row in W1]
    b1 = [Value(b) for b in B1]
    w2 = [Value(w) for w in W2]
    b2 = Value(B2)
    params = [w1[0][0], w1[0][1], b1[0], w1[1][0], w1[1][1], b1[1], w2[0], w2[1], b2]
    for _ in range(epochs):
        for (x0, x1), y in XOR:
            nodes = graph_by_hand(w1, b1, w2, b2, (x0, x1), y)
            for w in params:
                w.grad = 0.0
            if ordered:
                nodes[0].backward()
            else:
                nodes[0].grad = 1.0
                for node in nodes:
                    grad = node.grad
                    for child, local_grad in zip(node.children, node.local_grads):  # noqa: B905
                        child.grad += local_grad * grad
            for w in params:
                w.data -= LR * w.grad
    return [graph_by_hand(w1, b1, w2, b2, (x0, x1), y)[1].data for (x0, x1), y in XOR]


def torch_run(epochs: int = EPOCHS) -> list[float]:
    """The seed's own PyTorch code (its model, data handling, optimizer and loss), without the log."""
    import torch
    import torch.nn.functional as F  # noqa: N812 (the seed's spelling)
    from torch import nn

    xor_data = [[[1, 1], 0], [[0, 1], 1], [[1, 0], 1], [[0, 0], 0]]

    class XORNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w1 = nn.Parameter(torch.tensor([[0.1, -0.1], [-0.1, 0.1]]))
            self.w2 = nn.Parameter(torch.tensor([0.1, -0.1]))
            self.b1 = nn.Parameter(torch.tensor([0.1, -0.1]))
            self.b2 = nn.Parameter(torch.tensor(0.1))

        def forward(self, x: Any) -> Any:
            x = F.linear(x, weight=self.w1, bias=self.b1)
            x = torch.sigmoid(x)
            x = F.linear(x, weight=self.w2, bias=self.b2)
            x = torch.sigmoid(x)
            return x

    model = XORNet()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    for _ in range(1, epochs + 1):
        for data in xor_data:
            _input = torch.tensor(data[0]).to(torch.float)
            target = torch.tensor(data[1]).to(torch.float)
            output = model(_input)
            loss = F.binary_cross_entropy(output, target)
            optimizer.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
    with torch.no_grad():
        return [float(model(torch.tensor(x))) for x, _ in XOR]


def main() -> None:
    """``python benchmarks/xor_seed.py torch REPEATS``: time `torch_run` in this fresh process.

    `run.py` measures PyTorch in its own process: importing torch creates some 165,000 Python
    objects, and every later full garbage collection in that process would scan them all, which
    would slow the other workloads (by up to 1.6x on this engine's moons step) and not the engine's.
    Prints ``{"seconds": best, "predictions": [...]}`` or ``{"skipped": reason}`` as JSON.
    """
    import json
    import sys

    from timing import best_of

    repeats = int(sys.argv[2])
    try:
        import torch
    except ImportError:
        print(json.dumps({"skipped": "PyTorch is not installed (pip install torch==2.13.0)"}))
        return
    torch.set_num_threads(1)
    seconds, predictions = best_of(repeats, torch_run)
    print(json.dumps({"seconds": seconds, "predictions": predictions, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
