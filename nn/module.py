"""`Module`: what every model shares (its parameters, their names, their gradients, its weights).

A module's parameters are leaf `Value`s, listed by `parameters()` in a fixed, documented order.
Each parameter's ``label`` is its name: `named_parameters()` and `state_dict()` use it, and a
computation graph drawn from the model shows it on the node (``w1[0][1]``, ``b2``).
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any

from autograd.core import Value
from nn import weights

__all__ = ["Module"]


def _length(x: object) -> int | None:
    """``len(x)`` for a list-like collection (a list, a tuple, a NumPy array, ...), else None.

    None for what only looks like one: a string or bytes (characters are not numbers), a mapping
    (its keys are not its values), a set (no order), an iterator or generator (no length, used up
    once read), a number or a `Value`.
    """
    if isinstance(x, (str, bytes, bytearray, Mapping)) or not hasattr(type(x), "__getitem__"):
        return None
    try:
        return len(x)  # type: ignore[arg-type]
    except TypeError:  # e.g. a 0-d NumPy array
        return None


def _check_inputs(x: object, nin: int, who: Callable[[], str]) -> None:
    """``x`` must be a list-like collection of ``nin`` inputs: `TypeError` or `ValueError` naming
    ``who()`` (a bound method: the name is made only for an error).

    The common case, a list or a tuple, costs two identity tests and ``len``.
    """
    kind = type(x)
    n = len(x) if kind is list or kind is tuple else _length(x)  # type: ignore[arg-type]
    if n is None:
        raise TypeError(f"{who()}: expects a sequence of {nin} inputs, got {kind.__name__}")
    if n != nin:
        raise ValueError(f"{who()}: expects {nin} inputs, got {n}")


class Module(ABC):
    """The base of `Neuron`, `Layer` and `MLP` (PyTorch's vocabulary, none of its machinery)."""

    @abstractmethod
    def parameters(self) -> list[Value]:
        """The trainable leaves, in the module's documented order (a new list each call)."""

    @abstractmethod
    def architecture(self) -> dict[str, Any]:
        """What a weight file records to make sure it is loaded into the same kind of model."""

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, parameter)`` pairs in `parameters()` order; the name is the parameter's label."""
        return [(p.label, p) for p in self.parameters()]

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Set every parameter's ``grad`` to 0.0 (leaves accumulate across ``backward()`` calls), or
        to ``None`` with ``set_to_none=True`` (PyTorch's habit; ``backward()`` counts ``None`` as 0)."""
        none = _check_set_to_none(set_to_none, f"{type(self).__name__}.zero_grad")
        for p in self.parameters():
            p.grad = None if none else 0.0  # type: ignore[assignment]  # Value.grad: None is 0.0

    def state_dict(self) -> dict[str, float]:
        """``{name: value}`` for every parameter, in `parameters()` order (a copy: plain floats)."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Set every parameter from ``{name: number}``, after checking all of it.

        The names must be exactly this module's (missing and unexpected names are listed), and each
        value a finite int or float (not a bool).  On any problem `ValueError` is raised and no
        parameter has changed.  Gradients are left as they are.
        """
        values = weights.check_state(self, state, "load_state_dict")
        for p, x in zip(self.parameters(), values, strict=True):
            p.data = x

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the weights to a JSON file, atomically: a regular file or a new path only, a
        symlink written through (see `nn.weights.save`)."""
        weights.save(self, path)

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read weights written by `save`, checking all of the file first (see `nn.weights.load`).

        Only a regular file is read: a named pipe, a device or a directory is refused at once.
        """
        weights.load(self, path)


def _check_set_to_none(set_to_none: object, where: str) -> bool:
    """``set_to_none`` as a bool, or a `TypeError` naming `where` and the value given."""
    if not isinstance(set_to_none, bool):
        raise TypeError(f"{where}: set_to_none must be True or False, got {set_to_none!r}")
    return set_to_none
