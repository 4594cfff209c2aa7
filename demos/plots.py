"""The demos' pictures with matplotlib (the ``demo`` extra): loss curves and decision surfaces.

matplotlib runs on its Agg backend (no display needed), except in Jupyter, where figures show
inline.  A figure is rendered in memory and then written atomically
(`autograd.files.write_atomically`): the file is whole or not there at all.  `plot_path` checks a
path before any training, so a run never ends in a picture it cannot write.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from autograd.files import check_writable, write_atomically

__all__ = ["FORMATS", "PlotError", "decision_surface", "plot_path", "pyplot", "save_figure"]

FORMATS = (".png", ".svg", ".pdf")
"""The suffixes a picture may have; the suffix chooses the format."""


class PlotError(Exception):
    """A picture that cannot be made: no matplotlib, or a file that cannot be written (one line)."""


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend, or `PlotError` saying how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise PlotError(
            "matplotlib is not installed; install the demo extra: pip install -e '.[demo]' (or make demo)"
        ) from None
    if "ipykernel" not in sys.modules:  # Jupyter keeps its own (inline) backend
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "scalar-autograd"  # the same run gives the same SVG
    return plt


def plot_path(text: str) -> Path:
    """An argparse type: a picture path whose format is known and whose file can be written.

    Its directory is made if missing (``out/`` by default); a path that is a directory, has another
    suffix than .png, .svg or .pdf, or sits where no file can be written is an `ArgumentTypeError`.
    matplotlib must be importable too, so a run never ends without its picture.
    """
    path = Path(text)
    if text and path.is_dir():
        raise argparse.ArgumentTypeError(f"cannot draw to {text!r}: it is a directory")
    if not text or path.suffix.lower() not in FORMATS:
        raise argparse.ArgumentTypeError(
            f"cannot draw to {text!r}: give a file name ending in {', '.join(FORMATS)}, e.g. out/plot.png"
        )
    directory = path.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise argparse.ArgumentTypeError(
            f"cannot draw to {text!r}: cannot make the directory {str(directory)!r}: {exc.strerror or exc}"
        ) from None
    try:
        check_writable(path)  # a device, a named pipe, a socket (or a symlink to one) is refused too
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot draw to {text!r}: {exc.strerror or exc}") from None
    if not os.access(directory, os.W_OK):
        raise argparse.ArgumentTypeError(
            f"cannot draw to {text!r}: the directory {str(directory)!r} is not writable"
        )
    try:
        pyplot()
    except PlotError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return path


def save_figure(figure: Any, path: Path) -> Path:
    """Render ``figure`` in the format of ``path``'s suffix and write it whole; `PlotError` if not."""
    buffer = io.BytesIO()
    kind = path.suffix.lower().lstrip(".")
    metadata = {"Date": None} if kind in ("svg", "pdf") else {}  # no time stamp: the same run, the same file
    figure.savefig(buffer, format=kind, dpi=150, bbox_inches="tight", metadata=metadata)
    pyplot().close(figure)
    try:
        write_atomically(path, buffer.getvalue())
    except OSError as exc:
        raise PlotError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
    return path


def decision_surface(
    ax: Any,
    predict: Callable[[float, float], float],
    bounds: tuple[float, float, float, float],
    *,
    level: float,
    steps: int = 60,
    cmap: str = "RdBu",
) -> Any:
    """Fill ``ax`` with ``predict(x1, x2)`` over ``bounds`` (x1 min, x1 max, x2 min, x2 max).

    A grid of ``steps`` x ``steps`` points, shaded by the prediction, with the boundary
    ``predict = level`` drawn as a black line.  Returns the filled contour set (for a colour bar).
    """
    x_lo, x_hi, y_lo, y_hi = bounds
    xs = _grid(x_lo, x_hi, steps)
    ys = _grid(y_lo, y_hi, steps)
    zs = [[predict(x, y) for x in xs] for y in ys]
    from matplotlib.colors import TwoSlopeNorm

    low = min(min(row) for row in zs)
    high = max(max(row) for row in zs)
    spread = max(high - low, 1e-9)
    # the colour map's middle (white) at the boundary, whichever side holds more of the range
    margin = 1e-3 * spread
    norm = TwoSlopeNorm(vcenter=level, vmin=min(low, level - margin), vmax=max(high, level + margin))
    filled = ax.contourf(xs, ys, zs, levels=20, cmap=cmap, norm=norm, alpha=0.8)
    ax.contour(xs, ys, zs, levels=[level], colors="black", linewidths=1.5)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    return filled


def _grid(lo: float, hi: float, steps: int) -> Sequence[float]:
    return [lo + (hi - lo) * i / (steps - 1) for i in range(steps)]
