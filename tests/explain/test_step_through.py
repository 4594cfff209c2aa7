"""`python -m demos.step_through`: the seed's backward pass in the article's notation, its closed
forms and slips, the nine gradients, --pause, and --frames (SVGs and a page)."""

from __future__ import annotations

import builtins
import io
import itertools
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from autograd.draw import render as render_module
from autograd.explain.chain_rule import number
from demos import step_through, xor
from demos.frames import write_page
from demos.seed import XOR_DATA

ROOT = Path(__file__).resolve().parents[2]
PARAMETERS = ("w1[0][0]", "w1[0][1]", "b1[0]", "w1[1][0]", "w1[1][1]", "b1[1]", "w2[0]", "w2[1]", "b2")
STEPS = 7  # Cost, ô, o, ĥ2, h2, ĥ1, h1
# /work/shared/REFERENCE.md, "After the first update (sample [1,1], target 0)": the seed's PyTorch run
REFERENCE_GRADIENTS = (
    "w1 [[0.0131, 0.0131], [-0.0131, -0.0131]], w2 [0.2763, 0.2500], b1 [0.0131, -0.0131], b2 0.5262"
)
REFERENCE_WEIGHTS = (
    "w1 [[0.0948, -0.1052], [-0.0948, 0.1052]], w2 [-0.0105, -0.2000], b1 [0.0948, -0.0948], b2 -0.1105"
)
LINK = re.compile(
    r"^    ∂Cost/∂(?P<child>\S+) = (?:\S+ \+ )?∂Cost/∂(?P<parent>\S+) · ∂\S+ = (?:(?P<before>\S+) \+ )?"
    r"(?P<upstream>\S+) × (?P<local>\S+) (?P<sign>[=≈]) (?P<after>\S+)"
)
CHAIN = re.compile(
    r"^        = ∂Cost/∂ô · (?:∂\S+ · )*∂\S+ = (?P<factors>.+) (?P<sign>[=≈]) (?P<result>\S+)$"
)


def run_demo(
    *args: str, stdin: str | None = None, close_stdin: bool = False
) -> subprocess.CompletedProcess[str]:
    """The demo as a user runs it, from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "demos.step_through", *args],
        cwd=ROOT,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        preexec_fn=(lambda: os.close(0)) if close_stdin else None,
    )


def walked(loss: str) -> tuple[step_through.Walk, list[str]]:
    lines: list[str] = []
    result = step_through.walk(loss, write=lines.append)
    text = "\n".join(lines).splitlines()
    return result, text


@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_every_printed_chain_rule_step_is_the_engines_arithmetic(loss: str) -> None:
    result, lines = walked(loss)
    nodes = result.nodes
    last: dict[str, str] = {}
    for line in lines:
        m = LINK.match(line)
        if not m:
            continue
        parent, child = nodes[m["parent"]], nodes[m["child"]]
        assert m["upstream"] == number(parent.grad)
        assert m["local"] == number(parent.local_grads[parent.children.index(child)])
        if m["before"] is not None:  # a second path: what the first one left
            assert m["before"] == last[m["child"]]
        # "=" exactly when a reader redoing the printed arithmetic gets the printed result
        shown = float(m["before"] or 0.0) + float(m["upstream"]) * float(m["local"])
        assert (m["sign"] == "=") == (number(shown) == m["after"]), line
        last[m["child"]] = m["after"]
    assert set(last) == set(PARAMETERS) | {"o", "h1", "h2", "ĥ1", "ĥ2", "x1", "x2"}
    assert all(after == number(nodes[name].grad) for name, after in last.items())


def test_the_issues_example_line_is_printed() -> None:
    _, lines = walked("bce")
    example = "    ∂Cost/∂w2[0] = ∂Cost/∂o · ∂o/∂w2[0] = 0.5262 × 0.5250 = 0.2763"
    assert any(line.startswith(example) for line in lines)


def test_the_step_through_the_sigmoid_names_its_derivative() -> None:
    _, lines = walked("bce")
    assert any(line.strip().endswith("∂ô/∂o = ô(1 − ô)") and "0.2493" in line for line in lines)


@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_every_weight_gets_the_whole_chain_and_it_multiplies_out(loss: str) -> None:
    result, lines = walked(loss)
    grads = {name: p.grad for name, p in result.model.named_parameters()}
    chains = {}
    for line, below in itertools.pairwise(lines):
        m, c = LINK.match(line), CHAIN.match(below)
        if m and c:
            chains[m["child"]] = c
    assert set(chains) == set(PARAMETERS)
    for name, c in chains.items():
        factors = [float(f) for f in c["factors"].split(" × ")]
        assert c["result"] == number(grads[name])
        assert math.prod(factors) == pytest.approx(grads[name], abs=2e-4)  # factors rounded to 4 places
        assert (c["sign"] == "=") == (number(math.prod(factors)) == c["result"])


def test_the_table_ends_with_the_seeds_first_update() -> None:
    result, _ = walked("bce")
    table = step_through.summary(result, "bce")
    assert f"  gradients: {REFERENCE_GRADIENTS}" in table
    assert f"  weights:   {REFERENCE_WEIGHTS}" in table
    rows = [line.split() for line in table if line.split() and line.split()[0] in PARAMETERS]
    assert [r[0] for r in rows] == list(PARAMETERS)


@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_the_sgd_step_gives_demos_xors_weights_after_the_first_update(
    loss: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert step_through.main(["--loss", loss]) == 0
    (stepped,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  weights:   ")]
    assert xor.main(["--loss", loss, "--epochs", "1"]) == 0
    trained = capsys.readouterr().out.splitlines()
    assert f"weights after the first update:  {stepped.removeprefix('  weights:   ')}" in trained


@pytest.mark.parametrize(("loss", "lr"), [("bce", "0.4"), ("mse", "0.8")])
def test_the_sgd_table_is_labelled_with_the_learning_rate_it_used(loss: str, lr: str) -> None:
    result, _ = walked(loss)
    table = step_through.summary(result, loss)
    assert f"  parameter   value     ∂Cost/∂   after w − {lr}·∂Cost/∂w" in table
    assert xor.DEFAULT_LR[loss] == float(lr)


@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_closed_forms_equal_the_engines_gradients(loss: str) -> None:
    result, _ = walked(loss)
    grads = {name: p.grad for name, p in result.model.named_parameters()}
    forms = step_through.closed_forms(result.nodes, XOR_DATA[0][1], loss)
    assert sorted(f.parameter for f in forms) == sorted(PARAMETERS)
    for form in forms:
        assert form.value == pytest.approx(grads[form.parameter], rel=1e-12)


def test_mse_prints_the_articles_derivation_with_numbers() -> None:
    result, _ = walked("mse")
    table = step_through.summary(result, "mse")
    out, h1 = result.nodes["ô"].data, result.nodes["ĥ1"].data
    (k,) = [i for i, line in enumerate(table) if line.startswith("  ∂Cost/∂w2[0] = ")]
    assert table[k].startswith("  ∂Cost/∂w2[0] = 2(ô − y) · ô(1 − ô) · ĥ1")
    grad = dict(result.model.named_parameters())["w2[0]"].grad
    expected = f"{number(2 * out)} × {number(out * (1 - out))} × {number(h1)} = {number(grad)}"
    assert table[k + 1].split(" = ", 1)[1].startswith(expected)
    (w11,) = [line for line in table if line.startswith("  ∂Cost/∂w1[0][0] = ")]
    assert w11.startswith("  ∂Cost/∂w1[0][0] = 2(ô − y) · ô(1 − ô) · w2[0] · ĥ1(1 − ĥ1) · x1")


def test_mse_notes_where_the_article_slipped_with_the_numbers() -> None:
    result, _ = walked("mse")
    text = " ".join(step_through.summary(result, "mse"))
    out = result.nodes["ô"].data
    assert "2(y − ô)" in text
    assert f"the article's 2(y − ô) = {number(-2 * out)}" in " ".join(text.split())
    assert "ĥ(1 − ĥ) without the index" in text
    assert "ĥ1(1 − ĥ1)" in text


def test_bce_explains_why_its_chains_start_with_o_hat_minus_y() -> None:
    result, _ = walked("bce")
    table = step_through.summary(result, "bce")
    (w2,) = [line for line in table if line.startswith("  ∂Cost/∂w2[0] = ")]
    assert w2.startswith("  ∂Cost/∂w2[0] = (ô − y) · ĥ1")
    assert not any("slipped" in line for line in table)


def test_without_pause_it_never_reads_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class NoReading(io.StringIO):
        def read(self, *args: object) -> str:
            raise AssertionError("stdin was read")

        readline = read  # type: ignore[assignment]  # typeshed: StringIO's base _IOBase reads bytes

    def no_input(*args: object) -> str:
        raise AssertionError("input() was called")

    monkeypatch.setattr(sys, "stdin", NoReading())
    monkeypatch.setattr(builtins, "input", no_input)
    assert step_through.main([]) == 0
    assert "gradients: " in capsys.readouterr().out


def test_without_pause_it_runs_with_stdin_closed() -> None:
    done = run_demo(close_stdin=True)
    assert f"  gradients: {REFERENCE_GRADIENTS}" in done.stdout
    assert "Enter" not in done.stdout


def test_pause_waits_for_enter_between_steps() -> None:
    done = run_demo("--pause", stdin="\n" * (STEPS - 1))
    assert done.stdout.count("[Enter: next step, q: quit]") == STEPS - 1
    assert f"  gradients: {REFERENCE_GRADIENTS}" in done.stdout


def test_pause_quits_on_q() -> None:
    done = run_demo("--pause", stdin="\nq\n")
    assert done.stdout.count("[Enter: next step, q: quit]") == 2
    assert "(stopped)" in done.stdout
    assert "── step 2 of" in done.stdout
    assert "── step 3 of" not in done.stdout
    assert "gradients: " not in done.stdout


def test_pause_runs_on_when_stdin_ends() -> None:
    done = run_demo("--pause", stdin="")
    assert f"  gradients: {REFERENCE_GRADIENTS}" in done.stdout


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script = ""
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script += data


@pytest.fixture(scope="module")
def frames(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("frames")
    result = step_through.walk("bce", write=lambda line: None, frames=directory)
    assert result.page == directory / "index.html"
    return directory


@pytest.mark.renderer
def test_frames_are_one_svg_per_step_and_parse_as_xml(frames: Path) -> None:
    svgs = sorted(frames.glob("*.svg"))
    assert [p.name for p in svgs] == [f"step-{k:02d}.svg" for k in range(1, STEPS + 1)]
    for svg in svgs:
        assert ET.parse(svg).getroot().tag == "{http://www.w3.org/2000/svg}svg"


@pytest.mark.renderer
def test_each_frame_marks_its_node_and_highlights_more_edges_than_the_last(frames: Path) -> None:
    flowed = []
    for svg in sorted(frames.glob("*.svg")):
        text = svg.read_text(encoding="utf-8")
        assert "#d62728" in text  # the current node and its edges
        flowed.append(text.count("#1f5fbf") + text.count("#d62728"))
    assert flowed == sorted(flowed)
    assert flowed[0] < flowed[-1]


@pytest.mark.renderer
def test_the_page_references_every_frame_in_order(frames: Path) -> None:
    page = _Page()
    page.feed((frames / "index.html").read_text(encoding="utf-8"))
    images = [attrs["src"] for tag, attrs in page.tags if tag == "img"]
    assert images == [f"step-{k:02d}.svg" for k in range(1, STEPS + 1)]
    assert all((frames / str(src)).exists() for src in images)


@pytest.mark.renderer
def test_the_page_has_buttons_arrow_keys_and_a_counter(frames: Path) -> None:
    page = _Page()
    page.feed((frames / "index.html").read_text(encoding="utf-8"))
    ids = {attrs.get("id"): tag for tag, attrs in page.tags}
    assert ids["prev"] == ids["next"] == "button"
    assert ids["counter"] == "span"
    assert '"ArrowLeft"' in page.script
    assert '"ArrowRight"' in page.script
    assert f"Step 1 of {STEPS}" in (frames / "index.html").read_text(encoding="utf-8")


@pytest.mark.renderer
def test_the_page_is_self_contained(frames: Path) -> None:
    page = _Page()
    page.feed((frames / "index.html").read_text(encoding="utf-8"))
    assert not [tag for tag, attrs in page.tags if tag == "link" or (tag == "script" and "src" in attrs)]
    urls = [v for _, attrs in page.tags for k, v in attrs.items() if k in ("src", "href") and v]
    assert not [u for u in urls if "//" in u or u.startswith("/")]


@pytest.mark.renderer
def test_the_page_shows_each_steps_text(frames: Path) -> None:
    html = (frames / "index.html").read_text(encoding="utf-8")
    assert "∂Cost/∂w2[0] = ∂Cost/∂o · ∂o/∂w2[0] = 0.5262 × 0.5250 = 0.2763" in html


def test_a_page_needs_at_least_one_frame(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no frames"):
        write_page(tmp_path, "empty", [])


@pytest.mark.renderer
def test_the_command_line_writes_the_frames(tmp_path: Path) -> None:
    done = run_demo("--frames", str(tmp_path / "steps"))
    assert f"{STEPS} frames and the page: " in done.stdout
    assert (tmp_path / "steps" / "index.html").exists()


def test_frames_without_any_graphviz_stop_before_the_first_step_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(render_module, "available_backends", lambda: ())
    assert step_through.main(["--frames", str(tmp_path / "steps")]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("step_through: --frames needs Graphviz to draw SVG: ")
    assert "the Graphviz `dot` executable" in err
    assert "Python 3.11+ for the embedded renderer" in err
    assert list(tmp_path.iterdir()) == []


def test_without_frames_no_graphviz_is_needed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(render_module, "available_backends", lambda: ())
    assert step_through.main([]) == 0
    assert f"step {STEPS} of {STEPS}" in capsys.readouterr().out


@pytest.mark.renderer
def test_frames_into_a_file_are_refused_before_the_walk_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "taken").write_text("a file", encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        step_through.main(["--frames", str(tmp_path / "taken")])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.endswith(
        f"error: argument --frames: cannot draw frames into '{tmp_path / 'taken'}': it is a regular file,"
        " not a directory; give a directory, or a new name (it is created)\n"
    )
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "a file"


def test_the_closed_form_says_approximately_where_its_printed_factors_round_otherwise() -> None:
    result, _ = walked("bce")
    forms = step_through.closed_forms(result.nodes, 0.0, "bce")  # the first sample's target is 0
    text = "\n".join(line for form in forms for line in form.lines(0.25))
    assert "= 0.5262 × 0.4750 ≈ 0.2500" in text  # 0.5262 × 0.4750 = 0.24995: the exact product rounds up
    assert "= 0.5262 × 0.5250 = 0.2763" in text
