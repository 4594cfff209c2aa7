"""The README's figure, docs/xor_graph.svg, and `python -m demos.graph` that makes it."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from demos.graph import main, xor_graph

FIGURE = Path(__file__).resolve().parents[2] / "docs" / "xor_graph.svg"
REGENERATE = "python -m demos.graph --out docs --backend wasm"


def svg_texts(svg: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg)]


@pytest.mark.wasm
def test_committed_figure_shows_what_the_engine_computes_now() -> None:
    committed = svg_texts(FIGURE.read_text(encoding="utf-8"))
    fresh = svg_texts(xor_graph(backend="wasm").render("svg").decode("utf-8"))
    assert committed == fresh, f"docs/xor_graph.svg is stale: regenerate it with `{REGENERATE}`"


def test_figure_shows_the_gradients_the_seed_prints_after_its_first_sample() -> None:
    texts = svg_texts(FIGURE.read_text(encoding="utf-8"))
    for expected in ["w2[0]", "grad 0.2763", "grad 0.25", "grad 0.5262", "grad 0.01312", "grad -0.01312"]:
        assert expected in texts
    assert "×0.525 → 0.2763" in texts  # d loss/d w2[0] = ĥ1 * d loss/d o, on the edge into o
    assert "loss (bce)" in texts


def straight_edge_gaps(svg: str) -> list[tuple[str, float]]:
    """Each horizontal edge's label, and how far its text stands clear of the line: the gap
    between the baseline and the line, less half the line's width and the descenders (0.3 em)."""
    gaps = []
    for edge in re.findall(r'<g id="edge\d+" class="edge">(.*?)</g>', svg, re.S):
        path = re.search(r' d="M([^"]+)"', edge)
        text = re.search(r'<text[^>]* y="(-?[\d.]+)"[^>]*font-size="([\d.]+)"[^>]*>([^<]*)</text>', edge)
        assert path is not None
        ys = {round(float(y), 1) for y in re.findall(r"-?[\d.]+,(-?[\d.]+)", path[1])}
        if len(ys) != 1 or text is None:
            continue
        width = re.search(r'stroke-width="([\d.]+)"', edge)
        half_line = float(width[1]) / 2 if width else 0.5
        gap = abs(ys.pop() - float(text[1])) - half_line - 0.3 * float(text[2])
        gaps.append((html.unescape(text[3]), gap))
    return gaps


def test_figure_edge_labels_stand_clear_of_their_edges() -> None:
    # the label of ô -> loss sat on its thick edge (3 pt from baseline to line, a 4 pt line)
    gaps = straight_edge_gaps(FIGURE.read_text(encoding="utf-8"))
    assert [label for label, _ in gaps] == ["×0.1 → 0.05262", "×0.2493 → 0.5262", "×2.111 → 2.111"]
    assert all(gap >= 3.0 for _, gap in gaps), gaps


@pytest.mark.renderer
def test_a_fresh_picture_keeps_its_edge_labels_clear_of_their_edges() -> None:
    gaps = straight_edge_gaps(xor_graph().render("svg").decode("utf-8"))
    assert gaps
    assert all(gap >= 3.0 for _, gap in gaps), gaps


def test_readme_scales_the_figure_to_the_page() -> None:
    # 1,416 px wide as drawn: at its own size the loss node fell off a 1200 px window
    readme = (FIGURE.parent.parent / "README.md").read_text(encoding="utf-8")
    assert re.search(r'<img src="docs/xor_graph.svg" width="100%" alt="[^"]+">', readme)
    width = re.search(r'<svg width="([\d.]+)pt"', FIGURE.read_text(encoding="utf-8"))
    assert width is not None
    assert float(width[1]) * 4 / 3 > 1200  # why it must be scaled


@pytest.mark.wasm
def test_demo_writes_the_svg_into_the_output_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--out", str(tmp_path / "figs"), "--backend", "wasm"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == f"wrote {tmp_path / 'figs' / 'xor_graph.svg'}"  # a success ends so
    assert "PNG" not in out  # the embedded Graphviz writes SVG only: nothing missing to report
    assert [p.name for p in (tmp_path / "figs").iterdir()] == ["xor_graph.svg"]
    made = (tmp_path / "figs" / "xor_graph.svg").read_text(encoding="utf-8")
    assert svg_texts(made) == svg_texts(FIGURE.read_text(encoding="utf-8"))


@pytest.mark.dot
def test_demo_with_graphviz_writes_svg_and_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["xor_graph.png", "xor_graph.svg"]
    assert (tmp_path / "xor_graph.png").read_bytes().startswith(b"\x89PNG")
    assert capsys.readouterr().out.count("wrote ") == 2


def test_demo_out_that_is_a_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    taken = tmp_path / "figs"
    taken.write_text("not a directory", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["--out", str(taken)])
    assert exit_info.value.code == 2
    assert f"--out '{taken}' is a file; it must be a directory" in capsys.readouterr().err
    assert taken.read_text(encoding="utf-8") == "not a directory"


def test_demo_out_that_cannot_be_made_is_one_line_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    assert main(["--out", str(tmp_path / "file" / "figs")]) == 1
    err = capsys.readouterr().err
    assert err == f"error: cannot make the directory '{tmp_path / 'file' / 'figs'}': Not a directory\n"
