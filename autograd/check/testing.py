"""Test helpers: check an op's derivatives in one line, as an instructor checks a student's op.

    >>> from autograd.ops import OPS
    >>> from autograd.check.testing import check_op
    >>> bool(check_op(OPS["tanh"]))
    True

`check_op` is `gradcheck` of ``op(x1, ..., xk)`` at the middle of ``within`` and at seeded random
points in it.  Like `gradcheck` it raises `GradcheckError` (an `AssertionError`) on a failure, so
under pytest a bare ``check_op(op)`` is the test, and the failure shows the table and the node
whose local derivative is wrong, not this module's source.
"""

from __future__ import annotations

from autograd.check.blame import _operand_names
from autograd.check.gradcheck import GradcheckResult, gradcheck
from autograd.core import Value
from autograd.ops import Op, split

__all__ = ["check_op"]


def check_op(
    op: Op,
    *,
    within: tuple[float, float] = (-2.0, 2.0),
    random_points: int = 20,
    seed: int = 0,
    n: int = 3,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> GradcheckResult:
    """Check every local derivative of ``op`` (a built-in, or one made by `autograd.define_op`):
    `gradcheck` of ``op(x1, ..., xk)`` with every operand a Value, at the middle of ``within`` and at
    ``random_points`` points drawn in it from ``seed``.  The operands are named as the op's params
    (``x``, ``y``); a variadic op gets ``n`` elements per group and then its tail (dot: ``w1, w2,
    w3, x1, x2, x3, b``).  Pick ``within`` inside the op's domain (``(0.1, 3.0)`` for log)."""
    __tracebackhide__ = True  # pytest shows the caller's line and the report
    if not isinstance(op, Op):
        kind = type(op).__name__
        raise TypeError(f"check_op: op must be an Op (from autograd.ops or define_op); got {kind}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"check_op: n (elements per group of a variadic op) must be an int >= 1; got {n!r}")
    names = _operand_names(op, len(op.params) + (n - 1) * len(op.lists))
    middle = (float(within[0]) + float(within[1])) / 2.0
    return gradcheck(
        lambda *operands: op(*split(op, operands)),
        [Value(middle, label=name) for name in names],
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        random_points=random_points,
        within=within,
        seed=seed,
    )
