"""A scalar autograd engine: `Value` nodes, an iterative `backward()`, `gradcheck`, a stepper.

    >>> from autograd import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x + x.exp()
    >>> y.backward()
    >>> round(x.grad, 6)  # d/dx (x^2 + e^x) = 2x + e^x
    11.389056
"""

from autograd.backprop import Edge, Step, backward, backward_steps, topological_order, zero_grad
from autograd.compile import CompileCheckError, CompiledStep, CompiledUpdate, CompileError, compile  # noqa: A004
from autograd.gradcheck import GradcheckError, GradcheckResult, InputCheck, gradcheck
from autograd.graph import draw
from autograd.ops import Op, cos, define_op, dot, exp, log, mean, relu, sigmoid, sin, sqrt, sum, tanh  # noqa: A004
from autograd.value import Operand, Value

__all__ = [
    "CompileCheckError",
    "CompileError",
    "CompiledStep",
    "CompiledUpdate",
    "Edge",
    "GradcheckError",
    "GradcheckResult",
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
    "gradcheck",
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
