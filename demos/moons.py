"""micrograd's own demo on this engine: an MLP learns to separate two interleaving half moons.

    python -m demos.moons                    # 100 steps; prints loss and accuracy; out/moons.png
    python -m demos.moons --out moons.svg    # the decision boundary as SVG (or .png, .pdf)
    python -m demos.moons --no-plot          # only train and print

micrograd's ``demo.ipynb``: 100 points of the two-moons set (noise 0.1), labels -1/+1,
``MLP(2, [16, 16, 1])`` with ReLU hidden layers and a linear output, initial weights drawn as
micrograd draws them (``random.uniform(-1, 1)`` from seed 1337, layer by layer, neuron by neuron;
biases 0), the max-margin loss ``mean(relu(1 - y * score)) + 1e-4 * sum(p * p)``, full-batch SGD
with ``lr = 1 - 0.9 * k / 100`` at step k.  Each step prints micrograd's line,
``step 99 loss 0.0112 accuracy 100%`` (loss and accuracy of the scores before that step's update).

The points are generated here (no scikit-learn) by sklearn's ``make_moons`` formula: 50 points on
the upper half circle (cos t, sin t) and 50 on (1 - cos t, 0.5 - sin t), t evenly spaced on
[0, pi], shuffled, plus Gaussian noise of standard deviation 0.1, from a seeded `random.Random`.

The picture needs matplotlib (``pip install -e '.[demo]'``; ``make demo`` installs it).  A path
that cannot be written, or no matplotlib, is refused before training (exit status 2); a write
that still fails is exit status 1.  ``make bench`` times this training against micrograd.
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import autograd
from autograd import Value
from autograd.cli.command import command_line
from demos.plots import PlotError, decision_surface, plot_path, pyplot, save_figure
from demos.xor import positive_int
from nn import MLP, SGD, mean_hinge_loss

__all__ = [
    "ALPHA",
    "NOISE",
    "N_POINTS",
    "SEED",
    "SIZES",
    "STEPS",
    "accuracy",
    "figure",
    "learning_rate",
    "main",
    "make_moons",
    "margin_loss",
    "moons_loss",
    "moons_model",
    "plot",
    "score",
    "train",
]

N_POINTS = 100
NOISE = 0.1
SEED = 1337
STEPS = 100
ALPHA = 1e-4
"""The weight of the L2 term, ``ALPHA * sum(p * p)``."""
SIZES = [2, 16, 16, 1]
DEFAULT_OUT = "out/moons.png"

Data = tuple[list[list[float]], list[float]]


def make_moons(n: int = N_POINTS, noise: float = NOISE, seed: int = SEED) -> Data:
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


def moons_model(seed: int = SEED) -> MLP:
    """``MLP(2, [16, 16, 1])``, ReLU then linear, weights drawn as micrograd's ``MLP`` draws them.

    micrograd's ``Neuron`` takes ``random.uniform(-1, 1)`` for each weight, in input order, and a
    bias of 0; its layers and neurons are built in order.  The same draws from a
    ``random.Random(seed)`` (the global ``random`` is never touched) give micrograd's weights after
    ``random.seed(seed)``, bit for bit.
    """
    rng = random.Random(seed)
    weights = []
    for nin, nout in itertools.pairwise(SIZES):
        rows = [[rng.uniform(-1.0, 1.0) for _ in range(nin)] for _ in range(nout)]
        weights.append((rows, [0.0] * nout))
    return MLP(SIZES[0], SIZES[1:], activation="relu", output_activation="linear", weights=weights)


def moons_loss(model: MLP, xs: Sequence[Sequence[float]], ys: Sequence[float]) -> Value:
    """``mean(relu(1 - y * score)) + ALPHA * sum(p * p)`` over the batch (micrograd's ``loss()``)."""
    return margin_loss([_output(model(x)) for x in xs], ys, model.parameters())


def margin_loss(scores: Sequence[Value], ys: Sequence[float], params: Sequence[Value]) -> Value:
    """The max-margin loss of ``scores`` against labels ``ys`` (-1/+1), plus ``ALPHA`` times L2."""
    return mean_hinge_loss(scores, ys) + autograd.sum(p * p for p in params) * ALPHA


def accuracy(scores: Sequence[float], ys: Sequence[float]) -> float:
    """The fraction of scores with the sign of their label (micrograd's accuracy)."""
    return sum((y > 0) == (s > 0) for s, y in zip(scores, ys, strict=True)) / len(ys)


def score(model: MLP, x: Sequence[float]) -> float:
    """The model's output for one point, as a float."""
    return _output(model(x)).data


def _output(out: Value | list[Value]) -> Value:
    assert isinstance(out, Value)  # one output
    return out


def learning_rate(k: int, steps: int = STEPS) -> float:
    """micrograd's schedule: ``1 - 0.9 * k / 100`` for 100 steps (from 1 down to 0.1 over ``steps``)."""
    return 1.0 - 0.9 * k / steps


def train(
    model: MLP, data: Data, steps: int = STEPS, emit: Callable[[str], object] = print
) -> list[tuple[float, float]]:
    """micrograd's training loop: full-batch SGD; ``emit`` gets each step's line.

    Returns (loss, accuracy) for each step, both measured before that step's update.
    """
    xs, ys = data
    params = model.parameters()
    opt = SGD(params, lr=learning_rate(0, steps))
    history = []
    for k in range(steps):
        scores = [_output(model(x)) for x in xs]
        loss = margin_loss(scores, ys, params)
        acc = accuracy([s.data for s in scores], ys)
        opt.zero_grad()
        loss.backward()
        opt.lr = learning_rate(k, steps)
        opt.step()
        history.append((loss.data, acc))
        emit(f"step {k} loss {loss.data:.4f} accuracy {acc:.0%}")
    return history


def plot(model: MLP, data: Data, history: Sequence[tuple[float, float]], path: Path) -> Path:
    """The decision boundary over the points, and the loss and accuracy per step, to ``path``."""
    return save_figure(figure(model, data, history), path)


def figure(model: MLP, data: Data, history: Sequence[tuple[float, float]]) -> Any:
    """`plot`'s matplotlib figure (in Jupyter, a cell ending with it shows it)."""
    plt = pyplot()
    from matplotlib.lines import Line2D

    xs, ys = data
    fig, (ax, ax_loss) = plt.subplots(1, 2, figsize=(11, 4.6), gridspec_kw={"width_ratios": [1.25, 1]})
    px = [x[0] for x in xs]
    py = [x[1] for x in xs]
    bounds = (min(px) - 0.5, max(px) + 0.5, min(py) - 0.5, max(py) + 0.5)
    filled = decision_surface(ax, lambda a, b: score(model, [a, b]), bounds, level=0.0)
    fig.colorbar(filled, ax=ax, label="score (> 0: class +1)")
    for label, colour in ((-1.0, "tab:red"), (1.0, "tab:blue")):
        chosen = [i for i, y in enumerate(ys) if y == label]
        ax.scatter([px[i] for i in chosen], [py[i] for i in chosen], c=colour, edgecolors="white",
                   s=36, label=f"class {label:+.0f}".replace("-", "−"))
    handles, _ = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color="black", label="decision boundary (score 0)"))
    ax.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.9)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    final_loss = history[-1][0]
    trained = accuracy([score(model, x) for x in xs], ys)  # after the last update
    ax.set_title(f"Decision boundary after {len(history)} steps (accuracy {trained:.0%})")

    steps = range(len(history))
    ax_loss.plot(steps, [h[0] for h in history], color="tab:purple", label="loss")
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss: mean hinge + L2 (log scale)")
    ax_acc = ax_loss.twinx()
    ax_acc.plot(steps, [100 * h[1] for h in history], color="tab:green", label="accuracy")
    ax_acc.set_ylabel("accuracy (%)")
    ax_acc.set_ylim(0, 105)
    lines = ax_loss.get_lines() + ax_acc.get_lines()
    ax_loss.legend(lines, [line.get_label() for line in lines], loc="center right", fontsize=8)
    ax_loss.set_title(f"Training: loss {final_loss:.4f} at step {len(history) - 1}")
    ax_loss.grid(alpha=0.3)
    fig.suptitle("micrograd's moons demo on this engine: MLP(2, [16, 16, 1]), ReLU, SGD", fontsize=12)
    fig.tight_layout()
    return fig


@command_line
def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo with command-line arguments ``argv`` (default: ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(
        prog="python -m demos.moons",
        description="micrograd's demo on this engine: an MLP learns two moons; draws its decision boundary.",
    )
    parser.add_argument("--steps", type=positive_int, default=STEPS, help=f"training steps ({STEPS})")
    parser.add_argument("--out", metavar="PATH", type=plot_path, default=None,
                        help=f"the picture: .png, .svg or .pdf (default: {DEFAULT_OUT})")
    parser.add_argument("--no-plot", action="store_true", help="only train and print")
    args = parser.parse_args(argv)
    if args.no_plot and args.out is not None:
        parser.error("--out and --no-plot cannot be used together")
    out = None
    if not args.no_plot:
        try:
            out = args.out or plot_path(DEFAULT_OUT)
        except argparse.ArgumentTypeError as exc:
            parser.error(str(exc))

    data = make_moons()
    model = moons_model()
    history = train(model, data, args.steps)
    if out is not None:
        try:
            print(f"wrote {plot(model, data, history, out)}")
        except PlotError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
