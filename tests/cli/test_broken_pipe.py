"""Every command line that prints stops quietly, exit status 1, when its reader goes away (`| head -1`).

Each test runs the command with stdout a pipe, reads one line and closes the pipe.  So that the
command surely still has something to print after that, whatever the scheduling: the pipe holds
one page (4096 bytes) and the command prints more than that page and the first line together, so
it must wait for the reader, which has gone; or (demos.graph, which prints a few lines only) the
command is held inside a stand-in `dot` until the pipe has been closed.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIPE_BYTES = 4096
NAMES = [f"x{i}" for i in range(700)]  # 700 lines `d/dxN = 1`: over 8 KB

COMMANDS = {
    "demos.xor": ["demos.xor", "--epochs", "3000"],  # 120 log lines: over 8 KB
    "demos.step_through": ["demos.step_through"],  # over 7 KB
    "autograd.draw": ["autograd.draw", "+".join(NAMES), *(f"{n}=1" for n in NAMES), "-o", "g.dot",
                      "--max-nodes", "5000"],
}


@dataclass(frozen=True)
class Closed:
    """What a command did when its stdout was closed after one line."""

    first_line: str
    status: int
    stderr: str


def close_after_first_line(argv: list[str], *, cwd: Path, env: dict[str, str],
                           after_close: Path | None = None) -> Closed:
    """Run ``python -m argv``, read one line of its stdout, close the pipe, wait for its exit.

    ``after_close``: a file created once the pipe is closed (to release a stand-in `dot`).
    """
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    with subprocess.Popen([sys.executable, "-m", *argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          stdout=write_end, stderr=subprocess.PIPE) as child:
        os.close(write_end)
        line = b""
        while not line.endswith(b"\n"):
            byte = os.read(read_end, 1)  # one byte at a time: nothing after the line is taken
            if not byte:
                break
            line += byte
        os.close(read_end)
        if after_close is not None:
            after_close.touch()
        _, stderr = child.communicate(timeout=120)
    return Closed(line.decode("utf-8"), child.returncode, stderr.decode("utf-8"))


def environment(*, unbuffered: bool, path: str | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8",
           "PYTHONUNBUFFERED": "1" if unbuffered else ""}
    if path is not None:
        env["PATH"] = path
    return env


@pytest.mark.parametrize("unbuffered", [True, False], ids=["unbuffered", "buffered"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_command_line_stops_quietly_with_status_1_when_stdout_closes_early(
    command: str, unbuffered: bool, tmp_path: Path
) -> None:
    closed = close_after_first_line(COMMANDS[command], cwd=tmp_path, env=environment(unbuffered=unbuffered))
    assert closed.first_line.endswith("\n")
    assert (closed.status, closed.stderr) == (1, "")


def test_the_graph_demo_stops_quietly_with_status_1_when_stdout_closes_early(tmp_path: Path) -> None:
    released = tmp_path / "released"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    dot = bin_dir / "dot"
    dot.write_text(
        f"#!{sys.executable}\n"
        "import os, sys, time\n"
        "deadline = time.monotonic() + 120\n"
        f"while not os.path.exists({str(released)!r}) and time.monotonic() < deadline:\n"
        "    time.sleep(0.01)\n"
        "sys.stdin.buffer.read()\n"
        "sys.stdout.write('<svg xmlns=\"http://www.w3.org/2000/svg\"/>')\n",
        encoding="utf-8",
    )
    dot.chmod(0o755)
    env = environment(unbuffered=True, path=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    closed = close_after_first_line(["demos.graph", "--out", str(tmp_path / "out")], cwd=ROOT, env=env,
                                    after_close=released)
    assert closed.first_line.startswith("the seed's XOR net")
    assert (closed.status, closed.stderr) == (1, "")
    assert not (tmp_path / "out" / "xor_graph.png").exists()  # it stopped at the first print after

