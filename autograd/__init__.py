"""A scalar autograd engine: `Value` nodes, an iterative `backward()`, `gradcheck`, a stepper.

    >>> from autograd import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x + x.exp()
    >>> y.backward()
    >>> round(x.grad, 6)  # d/dx (x^2 + e^x) = 2x + e^x
    11.389056

The package in layers, each importing only those before it: `autograd.core` (the `Value` and
`backward()`) and `autograd.ops` (the table of operations) at the root with `autograd.files` and
`autograd.higher` (`grad` and `hessian`: gradients of gradients);
then `autograd.draw` (pictures), `autograd.explain` (the chain rule in words, stepping),
`autograd.check` (gradcheck, gradgradcheck), `autograd.compiler` (loaded on the first use of `compile`), and
`autograd.cli` (the command line).
"""

from typing import TYPE_CHECKING, Any

from autograd.check.gradcheck import GradcheckError, GradcheckResult, InputCheck, gradcheck
from autograd.check.gradgradcheck import gradgradcheck
from autograd.core import GradientLostWarning, Operand, Value, backward, topological_order, zero_grad
from autograd.explain.steps import Edge, Step, backward_steps
from autograd.higher import grad, hessian
from autograd.ops import Op, cos, define_op, dot, exp, log, mean, relu, sigmoid, sin, sqrt, sum, tanh  # noqa: A004

if TYPE_CHECKING:
    from autograd.draw.graph import draw
else:  # the package, which is callable (`draw(root)`) and holds its modules (`autograd.draw.render`)
    from autograd import draw
if TYPE_CHECKING:
    from autograd.compiler import CompileCheckError, CompiledStep, CompiledUpdate, CompileError, compile  # noqa: A004

_COMPILER = ("CompileCheckError", "CompileError", "CompiledStep", "CompiledUpdate", "compile")


def __getattr__(name: str) -> Any:
    """`compile` and its types, from `autograd.compiler`, imported on first use: ``import autograd``
    does not load the compiler, and everything else works without it."""
    if name in _COMPILER:
        try:
            from autograd import compiler
        except ImportError as error:
            raise ImportError(f"autograd.{name} needs the compiler, autograd/compiler/, which this"
                              f" installation lacks ({error})") from None
        return getattr(compiler, name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")


__all__ = [
    "CompileCheckError",
    "CompileError",
    "CompiledStep",
    "CompiledUpdate",
    "Edge",
    "GradcheckError",
    "GradcheckResult",
    "GradientLostWarning",
    "InputCheck",
    "Op",
    "Operand",
    "Step",
    "Value",
    "backward",
    "backward_steps",
    "compile",
    "cos",
    "define_op",
    "dot",
    "draw",
    "exp",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "hessian",
    "log",
    "mean",
    "relu",
    "sigmoid",
    "sin",
    "sqrt",
    "sum",
    "tanh",
    "topological_order",
    "zero_grad",
]
