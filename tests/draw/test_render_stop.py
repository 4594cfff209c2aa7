"""Renders a user can stop: the embedded Graphviz's time limit, Ctrl-C (exit 130, no file), progress."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograd import Value, draw
from autograd.draw import embedded_graphviz
from autograd.draw import render as render_module
from autograd.draw.graph import Graph
from autograd.draw.render import RenderError, render

ROOT = Path(__file__).resolve().parents[2]
TERMS = 100  # x*y + x*y + ... : 201 nodes; drawn with x and y once each, minutes for either Graphviz
SLOW_EXPRESSION = " + ".join(["x*y"] * TERMS)


def slow_graph() -> Graph:
    """A graph that takes Graphviz half a minute or more: x and y drawn once, feeding 100 ranks."""
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    z = sum((x * y for _ in range(TERMS)), Value(0.0))
    z.backward()
    return draw(z, split_shared=False)


@pytest.mark.wasm
def test_the_embedded_graphviz_is_stopped_after_the_timeout_like_dot() -> None:
    start = time.monotonic()
    with pytest.raises(RenderError) as caught:
        render(slow_graph().source, "svg", backend="wasm", timeout=1.0)
    assert str(caught.value).startswith(
        "the embedded Graphviz did not finish within 1 s; the graph has 203 nodes: draw a smaller part"
    )
    assert time.monotonic() - start < 1.0 + embedded_graphviz.STARTUP_TIMEOUT
    assert embedded_graphviz._child is None  # killed, not left running


@pytest.mark.wasm
def test_the_embedded_graphviz_renders_again_after_a_timeout() -> None:
    with pytest.raises(RenderError, match=r"did not finish within 0\.5 s"):
        render(slow_graph().source, "svg", backend="wasm", timeout=0.5)
    assert b"</svg>" in render("digraph { a -> b }", "svg", backend="wasm")


@pytest.mark.wasm
def test_the_embedded_graphviz_uses_the_module_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render_module, "RENDER_TIMEOUT", 0.5)
    with pytest.raises(RenderError, match=r"^the embedded Graphviz did not finish within 0.5 s"):
        Graph(slow_graph().source, "wasm").render("svg")


@pytest.mark.wasm
def test_a_slow_embedded_render_says_so_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    render("digraph {}", "svg", backend="wasm")  # the child is up: the notice is about the render
    capsys.readouterr()
    monkeypatch.setattr(render_module, "PROGRESS_AFTER", 0.2)
    with pytest.raises(RenderError):
        render(slow_graph().source, "svg", backend="wasm", timeout=1.0)
    assert capsys.readouterr().err == (
        "rendering this graph (203 nodes) with the embedded Graphviz: still working after 0 s "
        "(stops after 1 s; Ctrl-C stops it now)\n"
    )


@pytest.mark.dot
def test_a_slow_dot_render_says_so_and_then_how_long_it_took(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    script = tmp_path / "dot"
    script.write_text('#!/bin/sh\nsleep 0.6\nexec "$REAL_DOT" "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    real = __import__("shutil").which("dot")
    monkeypatch.setenv("REAL_DOT", str(real))
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(render_module, "PROGRESS_AFTER", 0.2)
    assert b"</svg>" in render("digraph { a -> b }", "svg", backend="dot")
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == (
        "rendering this graph with dot: still working after 0 s (stops after 60 s; Ctrl-C stops it now)"
    )
    assert lines[1].startswith("rendered in 0.")
    assert len(lines) == 2


def test_a_quick_render_says_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # "quick": done before the threshold, here an hour, so that a busy machine cannot make it slow
    monkeypatch.setattr(render_module, "PROGRESS_AFTER", 3600.0)
    x = Value(2.0, label="x")
    (x * x).backward()
    try:
        draw(x * x).render("svg")
    except Exception as exc:  # no renderer here: nothing to time
        pytest.skip(f"no renderer: {exc}")
    assert capsys.readouterr().err == ""


def progress_after(value: str | None) -> str:
    """What `PROGRESS_AFTER` is, and what is said on stderr, in a new process importing
    autograd.draw.render with ``AUTOGRAD_PROGRESS_AFTER=value`` (``None``: unset)."""
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRAD_PROGRESS_AFTER"}
    env["PYTHONPATH"] = str(ROOT)
    if value is not None:
        env["AUTOGRAD_PROGRESS_AFTER"] = value
    code = "import autograd.draw.render as r; print(r.PROGRESS_AFTER)"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    return result.stdout + result.stderr


@pytest.mark.parametrize(
    ("value", "expected"), [(None, "2.0\n"), ("never", "None\n"), ("0.5", "0.5\n"), (" 10 ", "10.0\n")]
)
def test_the_progress_threshold_is_set_by_the_environment(value: str | None, expected: str) -> None:
    assert progress_after(value) == expected


@pytest.mark.parametrize("value", ["soon", "-1", "inf", "nan"])
def test_a_progress_threshold_that_is_not_seconds_is_ignored_with_a_warning(value: str) -> None:
    said = progress_after(value)
    assert said.startswith("2.0\n")
    assert f"UserWarning: AUTOGRAD_PROGRESS_AFTER={value!r} is ignored (progress after 2 s): " in said
    assert "set it to a number of seconds, such as 2, or to 'never'" in said


def test_the_suite_runs_with_no_progress_messages() -> None:
    # conftest: whether a render takes over 2 s depends on the machine, not on the code under test
    assert os.environ["AUTOGRAD_PROGRESS_AFTER"] == "never"
    assert render_module.PROGRESS_AFTER is None


def _interrupt_a_render(tmp_path: Path, backend: str) -> tuple[int, float, str]:
    """Run the CLI on the slow graph in a process group of its own, wait until it says the render is
    slow, send SIGINT to the whole group (as a terminal's Ctrl-C does); its status, the seconds it
    took to exit after the signal, and its stderr."""
    # (the embedded Graphviz is loaded first, so that the notice waited for is the render's own)
    wasm_only = "import autograd.draw.render as r; r.available_backends = lambda: ('wasm',); "
    wasm_only += "r.render('digraph {}'); "
    only = wasm_only if backend == "wasm" else ""
    code = (
        f"import sys; {only}from autograd.cli import main; "
        f"sys.exit(main([{SLOW_EXPRESSION!r}, 'x=2', 'y=3', '--no-split', '--backend', {backend!r}, "
        "'-o', 'out.svg']))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AUTOGRAD_PROGRESS_AFTER": "0.2"}
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, start_new_session=True,
    )
    assert process.stderr is not None
    err = b""
    deadline = time.monotonic() + 120
    while b"still working" not in err:
        assert time.monotonic() < deadline, f"no progress message: {err!r}"
        assert process.poll() is None, f"ended early: {err!r}"
        if select.select([process.stderr], [], [], 1.0)[0]:
            err += os.read(process.stderr.fileno(), 4096)
    sent = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)
    status = process.wait(timeout=30)
    took = time.monotonic() - sent
    err += process.stderr.read()
    process.stderr.close()
    time.sleep(0.2)
    with pytest.raises(ProcessLookupError):  # nothing of the group is left running (dot, the child)
        os.killpg(process.pid, 0)
    return status, took, err.decode("utf-8")


@pytest.mark.skipif(os.name != "posix", reason="process groups and SIGINT")
@pytest.mark.parametrize(
    "backend", [pytest.param("wasm", marks=pytest.mark.wasm), pytest.param("dot", marks=pytest.mark.dot)]
)
def test_ctrl_c_stops_a_render_at_once_with_130_and_no_file(tmp_path: Path, backend: str) -> None:
    status, took, err = _interrupt_a_render(tmp_path, backend)
    assert status == 130
    assert took < 20.0  # the render would run for minutes: stopped, not finished (a loaded machine may lag)
    assert err.endswith("interrupted\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no out.svg, no temporary file


@pytest.mark.wasm
def test_ctrl_c_while_waiting_for_the_embedded_graphviz_kills_its_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    render("digraph {}", "svg", backend="wasm")
    child = embedded_graphviz._child
    assert child is not None

    def interrupted(*args: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr("select.select", interrupted)
    with pytest.raises(KeyboardInterrupt):
        render("digraph { a }", "svg", backend="wasm")
    assert child.process.returncode is not None  # killed and waited for
    assert embedded_graphviz._child is None
