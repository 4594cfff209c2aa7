"""Walk a backward pass one node at a time, in the chain rule's words and, optionally, pictures.

`walk_steps` runs ``backward_steps(root)`` and writes what each step did with `ChainRule`
(``∂f/∂x = ∂f/∂z · ∂z/∂x = 1.0000 × 3.0000 = 3.0000``); given a `FrameWriter` it also draws the
graph after each step.  ``python -m autograd.draw EXPR ... --steps`` walks the user's own
expression with it, ``python -m demos.step_through`` the seed's network.

    >>> from autograd import Value
    >>> x, y = Value(2.0, label="x"), Value(3.0, label="y")
    >>> walked = walk_steps(x * y, root_name="f", write=print)
    <BLANKLINE>
    ── step 1 of 1: f passes ∂f/∂f = 1.0000 to its children ──
    f = x·y = 6.0000        ∂f/∂f = 1.0000
        ∂f/∂x = y = 3.0000
        ∂f/∂y = x = 2.0000
    >>> walked.completed, x.grad
    (True, 3.0)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from autograd.core import Value, topological_order
from autograd.draw.frames import FrameWriter
from autograd.explain.chain_rule import ChainRule, StepExplanation, number
from autograd.explain.steps import backward_steps

__all__ = ["Walked", "caption", "walk_steps"]


@dataclass(frozen=True)
class Walked:
    """What `walk_steps` did: each step's explanation, whether it ran to the end, its step count."""

    explanations: list[StepExplanation]
    completed: bool
    total: int


def caption(explanation: StepExplanation) -> str:
    """One line for a step: ``ô passes ∂Cost/∂ô = 2.1107 to its children``."""
    grad = number(explanation.step.grad)
    return f"{explanation.title} passes ∂{explanation.root}/∂{explanation.name} = {grad} to its children"


def walk_steps(
    root: Value,
    *,
    root_name: str,
    write: Callable[[str], None],
    pause: Callable[[], bool] | None = None,
    writer: FrameWriter | None = None,
) -> Walked:
    """Run root's backward pass step by step, writing each step (and drawing it into `writer`).

    ``pause`` is called after every step but the last; it returns False to stop the walk early
    (the steps not taken are never propagated).  ``root_name``: the root's name in the formulas.
    """
    try:
        return _walk(root, root_name, write, pause, writer)
    except BaseException:  # Ctrl-C or an error while drawing: the frames' folder is left as it was
        if writer is not None:
            writer.discard()
        raise


def _walk(
    root: Value,
    root_name: str,
    write: Callable[[str], None],
    pause: Callable[[], bool] | None,
    writer: FrameWriter | None,
) -> Walked:
    explainer = ChainRule(root, root_name=root_name)
    total = len(topological_order(root))  # one step per node that has children
    explanations: list[StepExplanation] = []
    stepper = backward_steps(root)
    for step in stepper:
        explanation = explainer.explain(step)
        explanations.append(explanation)
        text = "\n".join(explanation.lines())
        title = caption(explanation)
        write(f"\n── step {step.index + 1} of {total}: {title} ──")
        write(text)
        if writer is not None:
            writer.add(step, title, text)
        if pause is not None and step.index + 1 < total and not pause():
            stepper.close()
            write("(stopped)")
            return Walked(explanations, False, total)
    return Walked(explanations, True, total)
