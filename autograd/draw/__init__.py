"""Pictures of a graph: `draw` (DOT text, SVG/PNG/PDF, Jupyter), the renderers, the frames page.

`autograd.draw`, the function, is `autograd.draw.graph.draw`; this package is callable too, so
``autograd.draw(root)`` draws whether the name holds the function or (once ``import
autograd.draw`` has put it there) the package.  ``python -m autograd.draw`` is the command line
(`autograd.cli`).
"""

from __future__ import annotations

import sys
import types
from typing import Any

from autograd.draw.graph import Graph, draw

__all__ = ["Graph", "draw"]


class _CallableModule(types.ModuleType):
    """This package, which when called is `autograd.draw.graph.draw`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Graph:
        return draw(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
