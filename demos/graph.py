"""Draw the seed's network on its first sample, after one backward pass, gradient on every edge.

    python -m demos.graph                             # out/xor_graph.svg (+ .png with Graphviz's dot)
    python -m demos.graph --out docs --backend wasm   # the README's figure, docs/xor_graph.svg

The PNG is written when the system Graphviz ``dot`` is there (the embedded Graphviz writes SVG
only); without it the SVG is the picture, and nothing more is said.

The graph is the loss (binary cross-entropy, as in the seed's code) of the sample [1, 1] -> 0
through the 2-2-1 sigmoid net with the seed's initial weights.  Its edges into w2[0], w2[1], b2
and b1 carry the gradients the seed prints after its first update (0.2763, 0.25, 0.5262, ±0.0131).

When stdout is closed early (``python -m demos.graph | head -1``) it stops quietly with exit
status 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from autograd import draw
from autograd.cli.command import command_line
from autograd.draw.graph import Graph
from autograd.draw.render import BackendUnavailableError, choose_backend
from autograd.files import NotARegularFileError, check_writable
from demos.seed import first_sample_graph

__all__ = ["main", "xor_graph"]


def xor_graph(backend: str = "auto") -> Graph:
    """The seed model's first-sample loss graph, backpropagated once, parameters in orange."""
    model, loss = first_sample_graph()
    loss.backward()
    return draw(loss, params=model.parameters(), backend=backend)


@command_line
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.graph", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="output directory (default: out)")
    parser.add_argument(
        "--backend",
        choices=("auto", "dot", "wasm"),
        default="auto",
        help="auto: Graphviz `dot` if on PATH, else the embedded one (SVG only)",
    )
    args = parser.parse_args(argv)
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {str(args.out)!r} is a file; it must be a directory (made if missing)")
    for name in ("xor_graph.svg", "xor_graph.png", "xor_graph.dot"):  # the files it may write
        try:
            check_writable(args.out / name)
        except NotARegularFileError as exc:
            parser.error(f"--out {str(args.out)!r}: {exc}")
        except OSError:
            pass  # --out is made if missing; one that cannot be made is reported then (exit status 1)
    graph = xor_graph(args.backend)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"error: cannot make the directory {str(args.out)!r}: {exc.strerror}", file=sys.stderr)
        return 1
    shape = f"{graph.nodes} nodes, {graph.edges} edges"
    print(f"the seed's XOR net, first sample [1, 1] -> 0, after one backward pass: {shape}")
    try:
        print(f"wrote {graph.save(args.out / 'xor_graph.svg')}")
    except BackendUnavailableError as exc:  # no image without any Graphviz: the DOT text still helps
        print(f"no SVG: {exc}")
        print(f"wrote {graph.save(args.out / 'xor_graph.dot')} (the DOT text; any Graphviz renders it)")
        return 0
    if _can_render_png(args.backend):  # else the SVG is the picture: nothing is missing, nothing said
        print(f"wrote {graph.save(args.out / 'xor_graph.png')}")
    return 0


def _can_render_png(backend: str) -> bool:
    """Whether `backend` can write a PNG (only the system `dot` can; the embedded one writes SVG)."""
    try:
        choose_backend("png", backend)
    except BackendUnavailableError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
