"""The seed article's run: a 2-2-1 sigmoid network learns XOR, printing the seed's log line for line.

    python -m demos.xor                  # the seed's run: its weights, BCE, SGD lr 0.4, 1000 epochs
    python -m demos.xor --loss mse       # the article's text's loss, (ô - y)^2
    python -m demos.xor --seed 3 --save xor.json
    python -m demos.xor --plot out/xor.png   # also the loss curve and the XOR decision surface
    python -m demos.xor --compiled       # the same 40 lines, each update one generated function

It prints the weights before and after the first update and the first update's gradients (the
seed's figures, to 4 digits), then every 100 epochs one line per sample in the seed's format, then
the four predictions of the trained network, its mean loss and whether it solved XOR (every
output within 0.5 of its target; if not, the first sample whose output is not).

``--save PATH`` is checked before training: a PATH whose directory does not exist (or is not a
directory), or that is itself a directory, a device, a named pipe or a socket (or a symlink to
one), is refused at once like any other bad argument (exit status 2).  A symlink to a regular
file is written through.  The weights are written atomically at the end; if that still fails,
exit status 1.  ``--plot FILE`` (.png, .svg or .pdf) needs matplotlib (``pip install -e '.[demo]'``;
``make demo`` installs it): no matplotlib, or a FILE that cannot be written, is refused before
training too.  When stdout is closed early (``python -m demos.xor | head -1``) the run stops
quietly with exit status 1.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from autograd import Value
from autograd.cli.command import command_line
from autograd.files import check_writable
from demos.plots import PlotError, decision_surface, plot_path, pyplot, save_figure
from demos.seed import DEFAULT_LR, LOSSES, XOR_DATA, format_layout, seed_layout, seed_model
from nn import MLP, SGD

__all__ = ["DEFAULT_LR", "EPOCHS", "LOG_EVERY", "figure", "log_line", "main", "plot", "train", "verdict"]

EPOCHS = 1000
LOG_EVERY = 100
# DEFAULT_LR (the default learning rate for each loss, and why MSE's is 0.8) lives in demos.seed,
# shared with demos.step_through; it stays importable from here.


def log_line(epoch: int, inputs: Sequence[float], output: float, target: float, loss: float) -> str:
    """One line of the seed's log: ``epoch: 100 input: [1.0, 1.0] output: 0.5, target: 0.0 loss: 0.69``."""
    return (
        f"epoch: {epoch} input: {list(inputs)} output: {round(output, 2)}, target: {target}"
        f" loss: {round(loss, 2)}"
    )


def train(
    model: MLP,
    *,
    epochs: int = EPOCHS,
    lr: float | None = None,
    loss: str = "bce",
    log_every: int = LOG_EVERY,
    emit: Callable[[str], object] = print,
    compiled: bool = False,
) -> list[float]:
    """The seed's loop: one SGD update per sample, in `XOR_DATA`'s order, ``epochs`` times.

    ``model``: any MLP with 2 inputs and 1 output (the seed's is ``seed_model()``).  ``lr``: by
    default `DEFAULT_LR` for the loss (0.4 for ``"bce"``, 0.8 for ``"mse"``).  ``emit`` gets each
    printed line: the first update's weights and gradients (grouped per layer by `seed_layout`),
    then every ``log_every`` epochs one `log_line` per sample (output and loss before that
    sample's update).  A model, loss or ``log_every`` that cannot run raises `ValueError`.
    Returns the mean loss of each epoch (each sample's loss before its update).
    ``compiled``: each update is one call of `autograd.compile`'s step, SGD generated in.
    """
    if loss not in LOSSES:
        raise ValueError(f"train: unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    if model.nin != 2 or model.nouts[-1] != 1:
        raise ValueError(f"train: XOR needs a model with 2 inputs and 1 output; got {model!r}")
    if log_every < 1:
        raise ValueError(f"train: log_every must be at least 1; got {log_every}")
    loss_fn = LOSSES[loss]
    optimizer = SGD(model.parameters(), lr=DEFAULT_LR[loss] if lr is None else lr)
    epoch_losses = []
    step = None
    if compiled:  # the compiler is loaded only when asked for: the seed's run works without it
        from autograd import compile as compile_step

        step = compile_step(lambda x, y: loss_fn(model(x), y), model.parameters(),  # type: ignore[arg-type]
                            *XOR_DATA[0], optimizer=optimizer)
    for epoch in range(1, epochs + 1):
        logging = epoch % log_every == 0
        total = 0.0
        for sample, (x, y) in enumerate(XOR_DATA):
            out = model(x) if step is None or logging else Value(0.0)  # compiled: for the log only
            assert isinstance(out, Value)
            first = epoch == 1 and sample == 0
            if first:
                emit(f"weights before the first update: {format_layout(seed_layout(model))}")
            if step is None:
                cost = loss_fn(out, y)
                optimizer.zero_grad()
                cost.backward()
                optimizer.step()
            else:
                cost = Value(step(x, y))  # zero_grad(), backward() and step() in one generated function
            if first:
                emit(f"gradients of the first update:   {format_layout(seed_layout(model, 'grad'))}")
                emit(f"weights after the first update:  {format_layout(seed_layout(model))}")
                emit("")
            if logging:
                emit(log_line(epoch, x, out.item(), y, cost.item()))  # the seed: output.item(), loss.item()
            total += cost.data
        epoch_losses.append(total / len(XOR_DATA))
    return epoch_losses


def plot(model: MLP, epoch_losses: Sequence[float], path: Path, how: str = "") -> Path:
    """The loss curve and the trained network's output over the plane, with the four samples."""
    return save_figure(figure(model, epoch_losses, how), path)


def figure(model: MLP, epoch_losses: Sequence[float], how: str = "") -> Any:
    """`plot`'s matplotlib figure (in Jupyter, a cell ending with it shows it); ``how``: in the title."""
    plt = pyplot()
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter

    fig, (ax_loss, ax) = plt.subplots(1, 2, figsize=(11, 4.6), gridspec_kw={"width_ratios": [1, 1.2]})
    epochs = range(1, len(epoch_losses) + 1)
    ax_loss.plot(epochs, epoch_losses, color="tab:purple", label="mean loss of the 4 samples")
    ax_loss.set_yscale("log")
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    ax_loss.yaxis.set_major_formatter(plain)
    ax_loss.yaxis.set_minor_formatter(plain)
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss (log scale)")
    ax_loss.set_title(f"Training loss: {epoch_losses[-1]:.4f} in epoch {len(epoch_losses)}")
    ax_loss.grid(alpha=0.3)
    ax_loss.legend(loc="upper right", fontsize=8)

    filled = decision_surface(ax, lambda a, b: _output(model([a, b])), (-0.25, 1.25, -0.25, 1.25), level=0.5)
    fig.colorbar(filled, ax=ax, label="network output ô")
    for target, colour in ((0.0, "tab:red"), (1.0, "tab:blue")):
        points = [x for x, y in XOR_DATA if y == target]
        ax.scatter([p[0] for p in points], [p[1] for p in points], c=colour, s=120, edgecolors="white",
                   linewidths=1.5, label=f"target {target:.0f}", zorder=3)
    handles, _ = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color="black", label="decision boundary (ô = 0.5)"))
    ax.legend(handles=handles, loc="center", fontsize=8, framealpha=0.9)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title("Decision surface: the trained network's output")
    fig.suptitle(f"XOR with the article's 2-2-1 sigmoid network ({how})" if how else "XOR", fontsize=12)
    fig.tight_layout()
    return fig


def _output(out: Value | list[Value]) -> float:
    assert isinstance(out, Value)  # one output
    return out.data


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1 (the demos' epochs and steps)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def _learning_rate(text: str) -> float:
    try:
        lr = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(lr) and lr > 0.0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return lr


def _save_path(text: str) -> str:
    """A --save PATH that can be written: its directory exists, a regular file or nothing is there."""
    if not text:
        raise argparse.ArgumentTypeError("cannot save to '': give a file name, e.g. --save xor.json")
    directory = os.path.dirname(text) or "."
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"cannot save to {text!r}: it is a directory")
    if not os.path.exists(directory):
        raise argparse.ArgumentTypeError(
            f"cannot save to {text!r}: the directory {directory!r} does not exist"
        )
    if not os.path.isdir(directory):
        raise argparse.ArgumentTypeError(f"cannot save to {text!r}: {directory!r} is not a directory")
    try:
        check_writable(text)  # a device, pipe or socket (or a symlink to one) is never written to
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot save to {text!r}: {exc.strerror or exc}") from None
    return text


def verdict(results: Sequence[tuple[Sequence[float], float, float]]) -> str:
    """``XOR solved: yes (...)`` or, naming the first sample that fails, ``XOR solved: no (...)``.

    ``results``: (input, output, target) for each sample; solved when every output is within (less
    than) 0.5 of its target, so that rounding it gives the target.
    """
    for x, out, y in results:
        if not abs(out - y) < 0.5:
            return f"XOR solved: no (output {out:.4f} for {list(x)} is not within 0.5 of its target {y})"
    return "XOR solved: yes (every output within 0.5 of its target)"


@command_line
def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo with command-line arguments ``argv`` (default: ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(
        prog="python -m demos.xor",
        description="Train the seed article's 2-2-1 sigmoid network on XOR and print its log.",
    )
    parser.add_argument("--epochs", type=positive_int, default=EPOCHS,
                        help="passes over the 4 samples (1000)")
    parser.add_argument("--lr", type=_learning_rate, default=None,
                        help="SGD learning rate (0.4 for bce, the seed's; 0.8 for mse)")
    parser.add_argument("--loss", choices=sorted(LOSSES), default="bce",
                        help="bce: the seed's code (default); mse: the article's text, (ô - y)^2")
    parser.add_argument("--seed", type=int, default=None,
                        help="random initial weights from this seed instead of the seed's weights")
    parser.add_argument("--compiled", action="store_true",
                        help="train through autograd.compile (the same log, from generated code)")
    parser.add_argument("--save", metavar="PATH", type=_save_path,
                        help="write the trained weights to this JSON file (its directory must exist)")
    parser.add_argument("--plot", metavar="FILE", type=plot_path,
                        help="draw the loss curve and the decision surface: .png, .svg or .pdf")
    args = parser.parse_args(argv)
    lr = DEFAULT_LR[args.loss] if args.lr is None else args.lr

    model = seed_model() if args.seed is None else MLP(2, [2, 1], activation="sigmoid", seed=args.seed)
    epoch_losses = train(model, epochs=args.epochs, lr=lr, loss=args.loss, compiled=args.compiled)

    loss_fn = LOSSES[args.loss]
    print()
    print(f"after {args.epochs} epochs ({args.loss}, lr {lr}):")
    losses = []
    results = []
    for x, y in XOR_DATA:
        out = model(x)
        assert isinstance(out, Value)
        losses.append(loss_fn(out, y).data)
        results.append((x, out.data, y))
        print(f"  input: {x} output: {out.data:.4f} target: {y}")
    print(f"mean loss: {sum(losses) / len(losses):.4f}")
    print(verdict(results))
    if args.save:
        try:
            model.save(args.save)
        except OSError as e:
            reason = e.strerror or str(e)
            print(f"error: could not save the weights to {args.save!r}: {reason}", file=sys.stderr)
            return 1
        print(f"weights saved to {args.save}")
    if args.plot:
        try:
            print(f"wrote {plot(model, epoch_losses, args.plot, f'{args.loss}, lr {lr}')}")
        except PlotError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
