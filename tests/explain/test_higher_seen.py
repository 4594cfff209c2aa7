"""A derivative's own graph, seen by a learner: drawn with its ∂y/∂x label, stepped through."""

from __future__ import annotations

import autograd
from autograd import Value


def _derivative() -> tuple[Value, Value]:
    x = Value(2.0, label="x")
    y = x * x + x.exp()
    y.label = "y"
    dx, = autograd.grad(y, [x], create_graph=True)  # 2x + e^x
    return x, dx


def test_draw_shows_the_derivatives_graph_with_its_label() -> None:
    _, dx = _derivative()
    graph = autograd.draw(dx)
    assert graph.nodes == 4
    assert 'label="∂y/∂x (+)|data 11.39' in graph.source


def test_backward_steps_walk_through_the_derivative() -> None:
    x, dx = _derivative()
    steps = list(autograd.backward_steps(dx))
    assert steps[0].node is dx
    assert "∂y/∂x" in str(steps[0])
    assert x.grad == 2.0 + dx.children[0].children[0].data  # d(2x + e^x)/dx = 2 + e^x
