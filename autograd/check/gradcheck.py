"""Check the engine's gradients against finite differences.

For each input x_i (all others fixed), with a step h = eps * max(1, |x_i|):

    numeric   = (f(x + h) - f(x - h)) / (2h)        (central difference, error O(h^2))
    right     = (f(x + h) - f(x)) / h                (one-sided slopes, to tell a kink)
    left      = (f(x) - f(x - h)) / h

The analytic gradient (from `backward()`) passes when |analytic - numeric| <= atol + rtol * |numeric|.
When the one-sided slopes disagree by more than that tolerance, and by about as much with a step
ten times smaller (for a smooth f the gap, about f''(x) h, shrinks with h), the function has a
kink there (relu or abs at 0): that is reported as "not differentiable", never as a wrong gradient.

Rounding: every op node v of f's graph rounds its result by up to eps_machine |v|, which moves f by
about that times d f / d v (what `backward()` leaves in v.grad).  So f is computed to about
eps_machine S, with S = |f| + sum over the op nodes of |v| |d f / d v|, and a difference quotient is
off by up to about noise = 4 eps_machine S / h.  S sees the large intermediate values that cancel
((x + 1e8) - 1e8 has |f| = 0.3 but S = 1e8).  A disagreement within that noise is reported as
"noisy" (cannot check here: use a larger eps, or compute f without cancelling large terms), not as
a wrong gradient, and never mistaken for a kink; the relative error is taken against
max(|numeric|, noise), so a numeric slope rounded to 0 does not make it inf.

On a mismatch, `autograd.check.blame.blame` checks each node of f's graph against its own op and the
report names the node whose local derivative is wrong.  ``random_points=N`` checks N more points
drawn in ``within`` (seeded; the points are in the result and the report).
"""

from __future__ import annotations

import html
import inspect
import math
import random
import reprlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from numbers import Real

from autograd.check.blame import Blame, _close, _grouped, _noise, blame
from autograd.core import Value, topological_order

__all__ = ["GradcheckError", "GradcheckResult", "InputCheck", "gradcheck"]


@dataclass(frozen=True)
class InputCheck:
    """The check of one input: analytic against numeric d f / d x_i."""

    index: int
    label: str
    value: float
    analytic: float
    numeric: float
    left: float
    right: float
    status: str  # "ok", "mismatch", "kink", "noisy" or "nonfinite"
    noise: float = 0.0  # the rounding error the numeric slope may have (see the module doc)
    point: int = 0  # which point: 0 the given inputs, 1.. the random ones
    largest: float = 0.0  # the largest |value| of f's graph at that point (what rounding scales with)

    @property
    def abs_error(self) -> float:
        """|analytic - numeric|."""
        return abs(self.analytic - self.numeric)

    @property
    def rel_error(self) -> float:
        """|analytic - numeric| / max(|numeric|, noise): numeric is only known to within its rounding
        noise, so a slope rounded to 0 gives a finite error (inf only when numeric and noise are 0)."""
        if self.abs_error == 0.0:
            return 0.0
        scale = max(abs(self.numeric), self.noise)
        return self.abs_error / scale if scale != 0.0 else math.inf


@dataclass(frozen=True)
class GradcheckResult:
    """What `gradcheck` found: truthy when every input passed; ``str()`` is the report and table."""

    checks: tuple[InputCheck, ...]
    eps: float
    atol: float
    rtol: float
    points: tuple[tuple[float, ...], ...] = ()  # every point checked: the given inputs, then the random ones
    labels: tuple[str, ...] = ()
    seed: int | None = None  # set when random points were drawn (in `within`)
    within: tuple[float, float] | None = None
    blame: Blame | None = None  # on a mismatch: each node of f's graph against its op, at the worst point
    blame_point: int = 0

    @property
    def ok(self) -> bool:
        """True when every input passed."""
        return all(c.status == "ok" for c in self.checks)

    def __bool__(self) -> bool:
        return self.ok

    def table(self) -> str:
        """A table of every input, worst first."""
        return _table(self)

    def __str__(self) -> str:
        """What failed and the blamed node (nothing when all passed), then the table."""
        return "\n".join([*_report(self), self.table()])

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:  # IPython shows the report
        printer.text(str(self))  # type: ignore[attr-defined]

    def _repr_html_(self) -> str:
        """The table as HTML for Jupyter: the same rows, worst first, failing ones in red; then the
        report's lines (what failed, the blamed node)."""
        head = "".join(f"<th>{cell}</th>" for cell in _header(self))
        rows = []
        for check in _worst_first(self):
            style = "" if check.status == "ok" else ' style="color:#d62728"'
            cells = "".join(f"<td>{html.escape(cell)}</td>" for cell in _cells(self, check))
            rows.append(f"<tr{style}>{cells}</tr>")
        note = html.escape(_footer(self))
        report = "\n".join(_report(self))
        lines = f"<pre>{html.escape(report)}</pre>" if report else ""
        return f"<table><tr>{head}</tr>{''.join(rows)}</table><small>{note}</small>{lines}"


class GradcheckError(AssertionError):
    """Raised by `gradcheck` on a wrong gradient, a kink, a noisy input or an f that is not finite
    near an input; the message ends with the table."""

    def __init__(self, result: GradcheckResult) -> None:
        self.result = result
        super().__init__(str(result))

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:  # IPython: the message's lines
        printer.text(f"GradcheckError: {self}")  # type: ignore[attr-defined]


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float | Value] | Mapping[str, float | Value],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    random_points: int = 0,
    within: tuple[float, float] = (-2.0, 2.0),
    seed: int = 0,
) -> GradcheckResult:
    """Compare d f / d x_i from `backward()` with central differences, for every input.

    ``f`` takes one `Value` per input and returns a `Value`.  ``inputs`` are floats (labelled
    ``x0, x1, ...``) or Values (their data and labels are used; they are not modified), passed to
    ``f`` in order; or a mapping from f's parameter names to floats or Values, passed by name (so
    ``{"b": 2.0, "a": 1.0}`` gives ``f(a=1.0, b=2.0)``, and a name f does not take is a
    `TypeError`).  Every input must be finite.  Returns a truthy `GradcheckResult`; raises
    `GradcheckError` (an `AssertionError`) whose message says what failed and ends with a table,
    worst input first, when any input fails; with ``raise_exception=False`` (PyTorch's name)
    returns the result instead, falsy then (in Jupyter it shows as a table, failing rows in red).
    On a mismatch the report names the node of f's graph whose local derivative is wrong (see
    `autograd.check.blame`).

    ``random_points=N`` also checks f at N points drawn uniformly in ``within`` (every input, 6
    significant digits, from ``random.Random(seed)``), as an instructor checks a student's op; the
    given inputs are point #0, and the report gives each failing point and the seed.

    ``f`` is called with copies of the inputs, which are the points moved, so it must compute from
    its arguments (an input Value it reaches through a closure is refused with a `ValueError`);
    other Values it uses (a model's weights) keep the gradients they had.  A step that leaves f's
    domain (``log`` of a point moved below 0) is a `ValueError` naming the input and the point.
    """
    __tracebackhide__ = True  # pytest shows the caller's line and the message, not this source
    if not callable(f):
        raise TypeError(
            f"gradcheck: f must be a function taking one Value per input and returning a Value;"
            f" got {type(f).__name__} {reprlib.repr(f)}"
        )
    for option, number in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if isinstance(number, bool) or not isinstance(number, Real) or not math.isfinite(number):
            raise ValueError(f"gradcheck: {option} must be a finite number; got {number!r}")
    if not eps > 0.0:
        raise ValueError(f"gradcheck: eps must be > 0 (the finite-difference step); got {eps!r}")
    if atol < 0.0 or rtol < 0.0:
        raise ValueError(f"gradcheck: atol and rtol must be >= 0; got atol={atol!r}, rtol={rtol!r}")
    names: list[str] | None = None  # set: f is called with keywords
    if isinstance(inputs, Mapping):
        labels = names = [str(k) for k in inputs]
        _check_names(f, names)
        given = list(inputs.values())
    elif isinstance(inputs, Iterable) and not isinstance(inputs, (str, bytes)):
        given = list(inputs)  # a generator too: read once
        labels = [x.label if isinstance(x, Value) and x.label else f"x{i}" for i, x in enumerate(given)]
    else:
        raise TypeError(
            f"gradcheck: inputs must be a list of numbers or Values (or a dict from f's parameter"
            f" names); got {type(inputs).__name__}, e.g. write [{inputs!r}] for one input"
        )
    points = [v.data if isinstance(v, Value) else _as_float(v, n) for v, n in zip(given, labels, strict=True)]
    if not points:
        raise ValueError("gradcheck: needs at least one input")
    for name, x in zip(labels, points, strict=True):
        if not math.isfinite(x):
            raise ValueError(f"gradcheck: input {name!r} is {x!r}; finite differences need finite inputs")
    drawn = _random_points(random_points, within, seed, len(points))
    originals = [x for x in given if isinstance(x, Value)]

    checks: list[InputCheck] = []
    for p, point in enumerate([points, *drawn]):
        checks += _check_point(f, point, labels, names, p, originals, eps, atol, rtol)
    result = GradcheckResult(
        tuple(checks), eps, atol, rtol, tuple(map(tuple, [points, *drawn])), tuple(labels),
        seed if drawn else None, (float(within[0]), float(within[1])) if drawn else None,
    )  # fmt: skip
    worst = next((c for c in _worst_first(result) if c.status == "mismatch"), None)
    if worst is not None:  # which op is wrong: each node of f's graph at that point against its op
        at = result.points[worst.point]
        out = _call(f, [Value(x, label=n) for x, n in zip(at, labels, strict=True)], names)
        result = replace(result, blame=blame(out, eps=eps, atol=atol, rtol=rtol), blame_point=worst.point)
    if raise_exception and not result.ok:
        raise GradcheckError(result)
    return result


def _check_point(
    f: Callable[..., Value],
    points: list[float],
    labels: list[str],
    names: list[str] | None,
    p: int,
    originals: list[Value],
    eps: float,
    atol: float,
    rtol: float,
) -> list[InputCheck]:
    """f's graph at one point, and the check of every input there (the central difference)."""
    __tracebackhide__ = True  # so are the helpers between the test and f: an error in f shows f
    leaves = [Value(x, label=name) for x, name in zip(points, labels, strict=True)]
    out = _call_at(f, leaves, names, p, labels, points)
    graph = topological_order(out, leaves=True)  # ordered once, for both uses below
    _check_own_inputs(graph, originals)
    scale, largest = _backward_keeping_other_gradients(out, graph, leaves)

    checks = []
    for i, (x, name, leaf) in enumerate(zip(points, labels, leaves, strict=True)):
        h = eps * max(1.0, abs(x))
        left, right = _one_sided_slopes(f, points, labels, names, i, h, out.data)
        noise = _noise(scale, left, right, h)
        kink = False
        if _apart(left, right, atol, rtol, noise):
            # Smooth f: right - left ~ f''(x) h, shrinking with h.  A kink: a jump that stays.
            left10, right10 = _one_sided_slopes(f, points, labels, names, i, h / 10.0, out.data)
            noise10 = _noise(scale, left10, right10, h / 10.0)
            jump, jump10 = abs(right - left), abs(right10 - left10)
            if 0.5 * jump < jump10 < 2.0 * jump:  # a gap from rounding would grow about tenfold
                kink = True
            elif jump10 < jump:  # high curvature, or a kink between x and x +- h: the finer step is better
                left, right, noise = left10, right10, noise10
        numeric = (left + right) / 2.0  # = (f(x+h) - f(x-h)) / 2h
        analytic = leaf.grad
        if kink:
            status = "kink"
        elif _close(analytic, numeric, atol, rtol):
            status = "ok"
        elif not math.isfinite(numeric):
            status = "nonfinite"  # f overflows (or is NaN) near x: nothing to compare with
        else:
            status = "noisy" if _close(analytic, numeric, atol + noise, rtol) else "mismatch"
        checks.append(InputCheck(i, name, x, analytic, numeric, left, right, status, noise, p, largest))
    return checks


def _random_points(count: int, within: tuple[float, float], seed: int, n: int) -> list[list[float]]:
    """``count`` points of ``n`` coordinates, uniform in ``within``, rounded to 6 significant digits
    (so the report prints them exactly), from ``random.Random(seed)``."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"gradcheck: random_points must be an int >= 0; got {count!r}")
    if count == 0:
        return []
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"gradcheck: seed must be an int; got {type(seed).__name__} {seed!r}")
    try:
        low, high = (float(w) for w in within)
        ordered = math.isfinite(low) and math.isfinite(high) and low < high
    except (TypeError, ValueError):
        ordered = False
    if not ordered:
        raise ValueError(f"gradcheck: within must be (low, high), finite with low < high; got {within!r}")
    rng = random.Random(seed)
    return [[float(f"{rng.uniform(low, high):.6g}") for _ in range(n)] for _ in range(count)]


def _call_at(
    f: Callable[..., Value],
    args: list[Value],
    names: list[str] | None,
    p: int,
    labels: list[str],
    point: list[float],
) -> Value:
    """``_call`` at point ``p``; at a random point an error from f says which point it was."""
    __tracebackhide__ = True
    if p == 0:
        return _call(f, args, names)
    try:
        return _call(f, args, names)
    except (ArithmeticError, ValueError) as e:
        raise ValueError(
            f"gradcheck: f fails at random point #{p} ({_coordinates(labels, point)}): {type(e).__name__}:"
            f" {e}; choose `within` inside f's domain"
        ) from e


def _one_sided_slopes(
    f: Callable[..., Value],
    points: list[float],
    labels: list[str],
    names: list[str] | None,
    i: int,
    h: float,
    f0: float,
) -> tuple[float, float]:
    """(f(x) - f(x - h)) / h and (f(x + h) - f(x)) / h, moving input i alone."""
    __tracebackhide__ = True

    def at(delta: float) -> float:
        __tracebackhide__ = True
        moved = [
            Value(p + delta if j == i else p, label=n)
            for j, (p, n) in enumerate(zip(points, labels, strict=True))
        ]
        try:
            return _call(f, moved, names).data
        except (ArithmeticError, ValueError) as e:  # e.g. log of a point moved below 0
            raise ValueError(
                f"gradcheck: f fails at input {labels[i]!r} = {points[i]!r} moved by {delta:+.2g} (the"
                f" finite-difference step) to {points[i] + delta!r}: {type(e).__name__}: {e}; use a"
                f" smaller eps, or a point farther from the edge of f's domain"
            ) from e

    return (f0 - at(-h)) / h, (at(h) - f0) / h


def _apart(left: float, right: float, atol: float, rtol: float, noise: float) -> bool:
    """The one-sided slopes differ by more than the tolerance and twice the rounding noise."""
    return abs(right - left) > atol + rtol * max(abs(left), abs(right)) + 2.0 * noise


def _call(f: Callable[..., Value], args: list[Value], names: list[str] | None) -> Value:
    """``f(*args)``, or with ``names``, ``f(name_0=args[0], ...)``; the result must be a Value."""
    __tracebackhide__ = True
    out = f(*args) if names is None else f(**dict(zip(names, args, strict=True)))
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value; it returned {type(out).__name__}")
    return out


def _check_names(f: Callable[..., Value], names: list[str]) -> None:
    """A mapping's keys must be names f takes: say so before calling it, not f's own TypeError."""
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError):  # no signature to read (some builtins): let the call decide
        return
    try:
        signature.bind(**dict.fromkeys(names))
    except TypeError as e:
        params = ", ".join(signature.parameters) or "none"
        raise TypeError(
            f"gradcheck: f cannot take the inputs {names} by name ({e}); a mapping's keys are f's"
            f" parameter names (f takes: {params}), or pass a list to give the inputs in order"
        ) from None


def _as_float(x: object, name: str) -> float:
    if isinstance(x, Real) and not isinstance(x, bool):
        try:
            return float(x)
        except OverflowError:
            big = reprlib.repr(x)
            raise ValueError(f"gradcheck: input {name!r} is too large for a float: {big}") from None
    raise TypeError(f"gradcheck: input {name!r} must be a number or a Value; got {type(x).__name__}")


def _check_own_inputs(graph: list[Value], originals: list[Value]) -> None:
    """f must compute from the copies it was given: an input Value it reached another way (a
    closure, a global) is never moved, so its gradient would be checked against nothing."""
    if not originals:
        return
    reached = set(graph)
    for v in originals:  # never one of the copies, which are new Values
        if v in reached:
            raise ValueError(
                f"gradcheck: f used the input Value {v.label or 'unlabelled'!r} itself (from a closure or"
                f" a global?) instead of the argument it was called with; gradcheck calls f with copies"
                f" of the inputs and moves those, so f must compute from its arguments"
            )


def _backward_keeping_other_gradients(
    out: Value, graph: list[Value], leaves: list[Value]
) -> tuple[float, float]:
    """``out.backward()``, leaving the gradient of every node of f's graph (``graph``) that is not
    one of the inputs' copies as it was (f may use Values from outside, e.g. a model's weights).

    Returns f's rounding scale S = |f| + sum over the op nodes v below the root of |v| |d f / d v|
    (read from the gradients before they are put back), and the largest |v| in the graph."""
    own = set(leaves)
    others = [(n, n.grad) for n in graph if n not in own]
    out.backward()
    terms = [abs(n.data * n.grad) for n in graph[1:] if n.children]
    scale = math.fsum(t for t in [abs(out.data), *terms] if math.isfinite(t))
    largest = max((abs(n.data) for n in graph if math.isfinite(n.data)), default=0.0)
    for node, grad in others:
        node.grad = grad
    return scale, largest


def _name(c: InputCheck) -> str:
    return f"#{c.index} {c.label!r}"


def _coordinates(labels: Sequence[str], point: Sequence[float]) -> str:
    return ", ".join(f"{n}={x!r}" for n, x in zip(labels, point, strict=True))


def _by_input(checks: list[InputCheck]) -> list[list[InputCheck]]:
    """The failed checks grouped by (status, input), each group in the order given (worst first):
    with random points one line per input and kind of failure, not one per point."""
    return _grouped([c for c in checks if c.status != "ok"], lambda c: (c.status, c.index))


def _report(result: GradcheckResult) -> list[str]:
    """The lines above the table: what failed where, and what to try; then the blamed node."""
    bad = [c for c in result.checks if c.status != "ok"]
    many = len(result.points) > 1
    lines = []
    mismatches = [c for c in bad if c.status == "mismatch"]
    if mismatches and not many:
        names = ", ".join(_name(c) for c in mismatches)
        lines.append(f"gradcheck: analytic gradient disagrees with finite differences for {names}")
    for group in _by_input(_worst_first(result)):
        c = group[0]
        if many:
            more = f" (and at {len(group) - 1} more points)" if len(group) > 1 else ""
            where = f" at point #{c.point} ({_coordinates(result.labels, result.points[c.point])}){more}"
        else:
            where = ""
        if c.status == "mismatch" and many:
            disagree = "gradcheck: analytic gradient disagrees with finite differences"
            lines.append(f"{disagree} for {_name(c)}{where}")
        elif c.status == "kink":
            h = result.eps * max(1.0, abs(c.value))
            lines.append(
                f"gradcheck: f is not differentiable at input {_name(c)} = {c.value!r}, or has a kink"
                f" within the step h = {h:.2g} of it: left slope {c.left:.6g}, right slope {c.right:.6g}"
                f" (analytic gives {c.analytic:.6g}){where}"
            )
        elif c.status == "nonfinite":
            lines.append(
                f"gradcheck: cannot check input {_name(c)} = {c.value!r}: f is not finite within the"
                f" step of it (numeric slope {c.numeric:.6g}, analytic {c.analytic:.6g}); overflow?{where}"
            )
        elif c.status == "noisy":
            lines.append(
                f"gradcheck: cannot check input {_name(c)} = {c.value!r}{where}: rounding in f (whose values"
                f" reach {c.largest:.2g}) gives the finite difference an error up to {c.noise:.2g} at this"
                f" step; try a larger eps (the error shrinks as 1/eps) or compute f without cancelling"
                f" large terms"
            )
    if result.blame is not None:
        where = f" (at point #{result.blame_point})" if many else ""
        lines += [line.replace("blame:", f"blame{where}:", 1) for line in result.blame.lines()]
        if not result.blame.wrong and not result.blame.unchecked:
            lines.append(
                "gradcheck: every node's local derivatives agree with its op, so the gradient is lost"
                " between nodes: does f compute with .data (a float the graph does not see)?"
            )
    return lines


_HEADER = ("input", "value", "analytic", "numeric", "abs err", "rel err", "")
_ROWS = 8  # with random points, the text table shows this many rows, worst first


def _header(result: GradcheckResult) -> tuple[str, ...]:
    return ("point", *_HEADER) if len(result.points) > 1 else _HEADER


def _worst_first(result: GradcheckResult) -> list[InputCheck]:
    """The checks, the furthest outside the tolerance first (kinks and NaN errors before all)."""
    atol, rtol = result.atol, result.rtol

    def badness(c: InputCheck) -> float:
        if c.status == "kink" or math.isnan(c.abs_error):
            return math.inf
        return c.abs_error / (atol + rtol * abs(c.numeric))

    return sorted(result.checks, key=lambda c: (-badness(c), c.point, c.index))


def _cells(result: GradcheckResult, c: InputCheck) -> tuple[str, ...]:
    cells = (
        f"#{c.index} {c.label}",
        f"{c.value:.6g}",
        f"{c.analytic:.9g}",
        f"{c.numeric:.9g}",
        f"{c.abs_error:.2e}",
        f"{c.rel_error:.2e}",
        _verdict(c),
    )
    return (f"#{c.point}", *cells) if len(result.points) > 1 else cells


def _footer(result: GradcheckResult) -> str:
    tolerances = f"eps={result.eps:g}, atol={result.atol:g}, rtol={result.rtol:g}"
    if result.seed is None or result.within is None:
        return f"({tolerances}; worst first)"
    low, high = result.within
    drawn = len(result.points) - 1
    return (
        f"({tolerances}; worst first; point #0 is the given inputs, #1-#{drawn} random in"
        f" [{low:g}, {high:g}], seed={result.seed})"
    )


def _table(result: GradcheckResult) -> str:
    checks = _worst_first(result)
    shown = checks if len(result.points) == 1 else checks[:_ROWS]
    header = _header(result)
    rows = [header, *(_cells(result, c) for c in shown)]
    widths = [max(len(r[k]) for r in rows) for k in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    if len(shown) < len(checks):
        failing = sum(c.status != "ok" for c in checks[len(shown) :])
        rest = len(checks) - len(shown)
        lines.append(f"... and {rest} more rows, {failing} failing (result.checks has all)")
    lines.append(_footer(result))
    return "\n".join(lines)


def _verdict(c: InputCheck) -> str:
    if c.status == "kink":
        return f"KINK (left {c.left:.6g}, right {c.right:.6g})"
    if c.status == "noisy":
        return f"NOISY (rounding up to {c.noise:.2g})"
    if c.status == "nonfinite":
        return "NOT FINITE"
    return "MISMATCH" if c.status == "mismatch" else "ok"
