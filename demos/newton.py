"""Newton's method beside gradient descent, with f' and f'' from the engine.

    python -m demos.newton                       # f(x) = x² + e^(−x) from x = 3
    python -m demos.newton --start -2 --lr 0.3   # another start, another step for gradient descent

Gradient descent steps by the slope alone, x ← x − lr · f'(x), and gains about the same number of
digits each step.  Newton's method also asks how the slope changes, x ← x − f'(x) / f''(x): it
jumps to the bottom of the parabola that matches f at x, and near the minimum the number of right
digits doubles each step (quadratic convergence: watch |f'| go 1e-2, 1e-5, 1e-11).  Both
derivatives come from the engine: ``autograd.grad(y, [x], create_graph=True)`` gives f'(x) as a
Value with its own graph, and ``autograd.grad`` of that gives f''(x).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence

import autograd
from autograd import Value
from autograd.cli.command import command_line

__all__ = ["FORMULA", "derivatives", "f", "main", "newton_step"]

FORMULA = "f(x) = x² + e^(−x)"


def f(x: Value) -> Value:
    """x² + e^(−x): convex (f'' = 2 + e^(−x) > 0), its minimum where 2x = e^(−x), x ≈ 0.3517."""
    return x * x + (-x).exp()


def derivatives(x0: float) -> tuple[float, float, float]:
    """f(x0), f'(x0) and f''(x0), the last two from `autograd.grad`."""
    x = Value(x0, label="x")
    y = f(x)
    y.label = "f"
    slope, = autograd.grad(y, [x], create_graph=True)  # a Value: ∂f/∂x, with its own graph
    curvature, = autograd.grad(slope, [x])  # ∂²f/∂x², a float
    return y.data, slope.data, curvature


def newton_step(x: float) -> float:
    """x − f'(x) / f''(x): the minimum of the parabola that matches f, f' and f'' at x."""
    _, slope, curvature = derivatives(x)
    return x - slope / curvature


@command_line
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.newton", description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=float, default=3.0, help="the starting x (default: 3)")
    parser.add_argument("--lr", type=float, default=0.1, help="gradient descent's step (default: 0.1)")
    parser.add_argument("--steps", type=int, default=8, help="iterations (default: 8)")
    args = parser.parse_args(argv)
    if not math.isfinite(args.start) or not math.isfinite(args.lr) or args.lr <= 0 or args.steps < 0:
        parser.error("--start must be finite, --lr > 0 and --steps >= 0")
    print(f"{FORMULA}, from x = {args.start:g}; f' and f'' from autograd.grad(..., create_graph=True)")
    descent_title = f"gradient descent (lr {args.lr:g}): x"
    print(f"{'step':>4}  {'Newton: x':>18}  {'|f′(x)|':>9}    {descent_title:>30}  {'|f′(x)|':>9}")
    newton = descent = args.start
    for step in range(args.steps + 1):
        n_slope, d_slope = derivatives(newton)[1], derivatives(descent)[1]
        print(f"{step:>4}  {newton:>18.15f}  {abs(n_slope):>9.2e}    {descent:>30.15f}  {abs(d_slope):>9.2e}")
        if step < args.steps:
            newton = newton_step(newton) if n_slope != 0.0 else newton
            descent -= args.lr * d_slope
    value, _, curvature = derivatives(newton)
    print(f"Newton's minimum: x = {newton:.15f}, f(x) = {value:.15f}, f''(x) = {curvature:.6g} > 0")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
