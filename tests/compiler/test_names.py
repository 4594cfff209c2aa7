"""The names the compiled code gives a node: a label that is no Python identifier compiles too."""

from __future__ import annotations

import pytest

import autograd
from autograd import Value


@pytest.mark.parametrize("label", ["a\u0bf0", "\u0bf0", "x\u2160", "9lives", "w[0]", "∂f/∂x", "_"])
def test_a_label_that_is_no_identifier_compiles_and_gives_the_engines_gradient(label: str) -> None:
    """issue 23: ``\\w`` matched U+0BF0 (a Tamil numeral), which no identifier may hold, and the
    generated code was a SyntaxError of the compiler's own."""
    w = Value(0.5, label=label)
    step = autograd.compile(lambda x: w * x + w.exp(), [w], 2.0)
    loss = step(3.0)
    compiled = w.grad
    w.grad = 0.0
    engine = w * 3.0 + w.exp()
    engine.backward()
    assert (loss, compiled) == (engine.data, w.grad)
