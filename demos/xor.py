"""The seed article's run: a 2-2-1 sigmoid network learns XOR, printing the seed's log line for line.

    python -m demos.xor                  # the seed's run: its weights, BCE, SGD lr 0.4, 1000 epochs
    python -m demos.xor --loss mse       # the article's text's loss, (ô - y)^2
    python -m demos.xor --seed 3 --save xor.json

It prints the weights before and after the first update and the first update's gradients (the
seed's figures, to 4 digits), then every 100 epochs one line per sample in the seed's format, then
the four predictions of the trained network and its mean loss.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence

from autograd import Value
from demos.seed import LEARNING_RATE, LOSSES, XOR_DATA, format_layout, seed_layout, seed_model
from nn import MLP, SGD

__all__ = ["DEFAULT_LR", "EPOCHS", "LOG_EVERY", "log_line", "main", "train"]

EPOCHS = 1000
LOG_EVERY = 100
DEFAULT_LR = {"bce": LEARNING_RATE, "mse": 2 * LEARNING_RATE}
"""The default learning rate for each loss: the seed's 0.4 for BCE; twice that for MSE, whose
gradient at the output's pre-activation, 2(ô - y) ô(1 - ô), is half BCE's ô - y near ô = 1/2
(with lr 0.4 MSE needs about 1400 epochs to solve XOR; with 0.8 it does in the seed's 1000)."""


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
    lr: float = LEARNING_RATE,
    loss: str = "bce",
    log_every: int = LOG_EVERY,
    emit: Callable[[str], object] = print,
) -> None:
    """The seed's loop: one SGD update per sample, in `XOR_DATA`'s order, ``epochs`` times.

    ``emit`` gets each printed line: the first update's weights and gradients, then every
    ``log_every`` epochs one `log_line` per sample (output and loss before that sample's update).
    """
    loss_fn = LOSSES[loss]
    optimizer = SGD(model.parameters(), lr=lr)
    for epoch in range(1, epochs + 1):
        logging = epoch % log_every == 0
        for sample, (x, y) in enumerate(XOR_DATA):
            out = model(x)
            assert isinstance(out, Value)
            cost = loss_fn(out, y)
            first = epoch == 1 and sample == 0
            if first:
                emit(f"weights before the first update: {format_layout(seed_layout(model))}")
            optimizer.zero_grad()
            cost.backward()
            optimizer.step()
            if first:
                emit(f"gradients of the first update:   {format_layout(seed_layout(model, 'grad'))}")
                emit(f"weights after the first update:  {format_layout(seed_layout(model))}")
                emit("")
            if logging:
                emit(log_line(epoch, x, out.item(), y, cost.item()))  # the seed: output.item(), loss.item()


def _positive_int(text: str) -> int:
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo with command-line arguments ``argv`` (default: ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(
        prog="python -m demos.xor",
        description="Train the seed article's 2-2-1 sigmoid network on XOR and print its log.",
    )
    parser.add_argument("--epochs", type=_positive_int, default=EPOCHS,
                        help="passes over the 4 samples (1000)")
    parser.add_argument("--lr", type=_learning_rate, default=None,
                        help="SGD learning rate (0.4 for bce, the seed's; 0.8 for mse)")
    parser.add_argument("--loss", choices=sorted(LOSSES), default="bce",
                        help="bce: the seed's code (default); mse: the article's text, (ô - y)^2")
    parser.add_argument("--seed", type=int, default=None,
                        help="random initial weights from this seed instead of the seed's weights")
    parser.add_argument("--save", metavar="PATH", help="write the trained weights to this JSON file")
    args = parser.parse_args(argv)
    lr = DEFAULT_LR[args.loss] if args.lr is None else args.lr

    model = seed_model() if args.seed is None else MLP(2, [2, 1], activation="sigmoid", seed=args.seed)
    train(model, epochs=args.epochs, lr=lr, loss=args.loss)

    loss_fn = LOSSES[args.loss]
    print()
    print(f"after {args.epochs} epochs ({args.loss}, lr {lr}):")
    losses = []
    solved = True
    for x, y in XOR_DATA:
        out = model(x)
        assert isinstance(out, Value)
        losses.append(loss_fn(out, y).data)
        solved = solved and abs(out.data - y) < 0.5
        print(f"  input: {x} output: {out.data:.4f} target: {y}")
    print(f"mean loss: {sum(losses) / len(losses):.4f}")
    print(f"XOR solved: {'yes' if solved else 'no'} (every output within 0.5 of its target)")
    if args.save:
        try:
            model.save(args.save)
        except OSError as e:
            print(f"error: could not save the weights to {args.save!r}: {e}", file=sys.stderr)
            return 1
        print(f"weights saved to {args.save}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
