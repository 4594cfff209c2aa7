"""``python -m autograd.draw "x*y + exp(x)" x=2 y=3 -o graph.svg``: runs `autograd.cli.main`.

`autograd.draw`, the function, is `autograd.graph.draw`; this module exists only for ``-m``.
Importing it (``import autograd.draw``, as documentation tools and ``pytest --doctest-modules``
do) makes Python put this module where the function was, as the package's attribute ``draw``; so
the module is callable too, and ``autograd.draw(root)`` keeps drawing either way.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from autograd.cli import main
from autograd.graph import Graph
from autograd.graph import draw as _draw


class _CallableModule(types.ModuleType):
    """This module, which when called is `autograd.graph.draw`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Graph:
        return _draw(*args, **kwargs)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
else:
    sys.modules[__name__].__class__ = _CallableModule
