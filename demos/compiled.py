"""The seed's network as `autograd.compile` writes it: its derivative code beside the article's formulas.

    python -m demos.compiled              # the article's loss, Cost = (ô − y)²
    python -m demos.compiled --loss bce   # the seed's code: binary cross-entropy

The step of the seed's 2-2-1 sigmoid network on its first sample, [1, 1] -> 0, traced once and
written out as Python: the forward block, then the backward block, one line per edge, in the
order `backward()` takes them.  Beside each line of the backward block, what it computes in the
article's notation (``d_v`` is ∂Cost/∂v): each node's local factor, and under each weight its
whole chain from the cost, as the article derives it, with its two slips corrected (the sign of
2(ô − y), and the index of ĥ1(1 − ĥ1)).  The generated code takes its local factors from the op
table's rules, so what it prints is what the compiled step runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import autograd
from autograd.cli.command import command_line
from autograd.core import topological_order
from demos.seed import LOSSES, XOR_DATA, first_sample_graph, seed_model
from demos.step_through import closed_forms

__all__ = ["lines", "main"]

WIDTH = 46


def _local(label: str, loss: str) -> str:
    """A node's line in the article's notation: the factor its edge multiplies by."""
    if label == "ô":
        if loss == "mse":
            return "∂Cost/∂ô = 2(ô − y)        (the article: 2(y − ô), a sign slip)"
        return "∂Cost/∂ô = (ô − y)/(ô(1 − ô))"
    if label == "o":
        tail = "        (BCE: = ô − y)" if loss == "bce" else ""
        return f"∂Cost/∂o = ô(1 − ô) · ∂Cost/∂ô{tail}"
    if label.startswith("ĥ"):
        return f"∂Cost/∂{label} = w2[{int(label[1:]) - 1}] · ∂Cost/∂o"
    if label.startswith("h"):
        h = "ĥ" + label[1:]
        return f"∂Cost/∂{label} = {h}(1 − {h}) · ∂Cost/∂{h}        (the article: ĥ(1 − ĥ), no index)"
    return ""


def lines(loss: str = "mse") -> list[str]:
    """The generated source, its backward lines annotated with the article's formulas."""
    model = seed_model()
    x, y = XOR_DATA[0]
    step = autograd.compile(lambda x, y: LOSSES[loss](model(x), y), model.parameters(), x, y)  # type: ignore[arg-type]
    _, root = first_sample_graph(loss)
    nodes = {n.label: n for n in topological_order(root, leaves=True) if n.label}
    forms = {f.parameter: f for f in closed_forms(nodes, y, loss)}
    out = []
    backward = False
    for line in step.source.splitlines():
        backward = backward or line.strip().startswith("# backward")
        target = line.split("=")[0].strip().removeprefix("d_") if backward and " = " in line else ""
        label = step.labels.get(target, "")
        if label in forms:
            form = forms[label]
            note = f"        (the article's {form.article_name})" if form.article_name else ""
            formula = f"∂Cost/∂{label} = " + " · ".join(name for name, _ in form.factors) + note
        else:
            formula = _local(label, loss) if label else ""
        out.append(f"{line:<{WIDTH}}  {formula}".rstrip() if formula else line)
    return out


@command_line
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demos.compiled",
        description="Print the seed's step as autograd.compile writes it, beside the article's formulas.",
    )
    parser.add_argument("--loss", choices=sorted(LOSSES), default="mse",
                        help="mse: the article's text, (ô - y)^2 (default); bce: the seed's code")
    args = parser.parse_args(argv)
    print(f"The seed's network on [1, 1] -> 0, its step as autograd.compile writes it ({args.loss});")
    print("beside the backward block, the article's formulas (its slips corrected). d_v is ∂Cost/∂v.")
    print()
    for line in lines(args.loss):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
