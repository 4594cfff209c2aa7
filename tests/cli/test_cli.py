"""`python -m autograd.draw EXPR NAME=VALUE ... -o FILE`: results, the whitelist, exit codes."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograd.cli.command import UsageError, evaluate, main
from autograd.core import Value

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def python_m(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "autograd.draw", *argv]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_prints_value_and_every_derivative_and_writes_the_graph(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_file = tmp_path / "g.dot"
    status, out, err = run(capsys, "x*y + exp(x)", "x=2", "y=3", "-o", str(out_file))
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        f"f = {6 + math.exp(2):.10g}",
        f"d/dx = {3 + math.exp(2):.10g}",
        "d/dy = 2",
        f"wrote {out_file}",
    ]
    assert "×7.389 → 7.389" in out_file.read_text(encoding="utf-8")


@pytest.mark.wasm
def test_the_graph_drawn_has_the_gradient_on_every_edge(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_file = tmp_path / "g.svg"
    assert run(capsys, "x*x", "x=3", "-o", str(out_file), "--backend", "wasm")[0] == 0
    assert out_file.read_text(encoding="utf-8").count("×3 → 3") == 2


@pytest.mark.wasm
def test_default_output_is_graph_svg_in_the_current_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(capsys, "tanh(x)", "x=0.5", "--backend=wasm")
    assert status == 0
    assert out.endswith("wrote graph.svg\n")
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]


def test_expression_may_start_with_a_minus(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, _ = run(capsys, "-x*y", "x=2", "y=3", "-o", str(tmp_path / "g.dot"))
    assert status == 0
    assert out.splitlines()[:3] == ["f = -6", "d/dx = -3", "d/dy = -2"]


def test_an_unused_variable_has_derivative_zero(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, _ = run(capsys, "2*x", "x=1", "y=5", "-o", str(tmp_path / "g.dot"))
    assert status == 0
    assert out.splitlines()[1:3] == ["d/dx = 2", "d/dy = 0"]


def test_every_engine_function_can_be_called() -> None:
    x = Value(0.5, label="x")
    for name in ("exp", "log", "tanh", "sigmoid", "relu", "abs"):
        assert evaluate(f"{name}(x)", {"x": x}).data == getattr(x, name)().data


def test_numbers_stay_plain_numbers_as_in_the_engine() -> None:
    x = Value(2.0, label="x")
    y = evaluate("x * 2 + 1", {"x": x})
    assert (y.op, y.operands[1], y.children[0].op, y.children[0].operands) == ("+", 1.0, "*", (x, 2.0))


def test_a_constant_expression_is_one_node() -> None:
    y = evaluate("2 ** 3 - 1 / 4", {})
    assert (y.data, y.children, y.label) == (7.75, (), "result")


def test_operators_and_precedence_follow_python() -> None:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    expected = -(2.0**2) + 3 / 2 - (2 - 3) * 3
    assert evaluate("-x ** 2 + y / x - (x - y) * +y", {"x": x, "y": y}).data == expected


def test_a_long_sum_is_computed_without_recursion() -> None:
    x = Value(1.0, label="x")
    assert evaluate("+".join(["x"] * 500), {"x": x}).data == 500.0


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("x.real", "attribute access"),
        ("x[0]", "subscripts"),
        ("(lambda: 1)()", "calling lambda"),  # 3.10 unparses it "lambda : 1"
        ("lambda: x", "lambdas"),
        ("[x for x in y]", "comprehensions"),
        ("sum(x for x in y)", "calling sum"),
        ("open('f')", "calling open"),
        ("__import__('os').system('true')", "calling __import__('os').system"),
        ("x.exp()", "calling x.exp"),
        ("z + 1", "unknown name 'z' (bound on the command line: x, y)"),
        ("exp", "exp is a function: call it"),
        ("exp(x, y)", "exp takes exactly one argument"),
        ("exp(x=1)", "exp takes exactly one argument"),
        ("exp(*y)", "exp takes exactly one argument"),
        ("x // y", "the operator //"),
        ("x % y", "the operator %"),
        ("x @ y", "the operator @"),
        ("~x", "the operator ~"),
        ("not x", "the operator not"),
        ("x < y", "comparisons"),
        ("x and y", "and/or"),
        ("x if y else 1", "if/else"),
        ("(x := 2)", "assignments"),
        ("(x, y)", "tuples"),
        ("[x]", "lists"),
        ("{x: y}", "dicts"),
        ("'text'", "the constant 'text' is not a number"),
        ("True", "the constant True is not a number"),
        ("1j", "the constant 1j is not a number"),
        ("f'{x}'", "f-strings"),
        ("x = 1", "not a valid expression"),
        ("x +", "not a valid expression"),
        ("import os", "not a valid expression"),
        ("", "not a valid expression"),
    ],
)
def test_anything_outside_the_whitelist_is_refused_with_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, expression: str, message: str
) -> None:
    status, out, err = run(capsys, expression, "x=2", "y=3", "-o", str(tmp_path / "g.dot"))
    assert (status, out) == (2, "")
    assert err.startswith("error: ")
    assert message in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_refused_code_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    with pytest.raises(UsageError):
        evaluate(f"__import__('pathlib').Path({str(marker)!r}).touch()", {})
    assert not marker.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["x", "x"], "expected NAME=VALUE, got 'x'"),
        (["x", "x=abc"], "'abc' is not a number"),
        (["x", "x="], "'' is not a number"),
        (["x", "=2"], "'' is not a name"),
        (["x", "1x=2"], "'1x' is not a name"),
        (["x", "for=2"], "'for' is not a name"),
        (["x", "exp=2"], "'exp' is a function's name"),
        (["x", "x=1", "x=2"], "'x' is bound twice"),
        (["x", "x=1", "-o", "g.jpg"], "the suffix must be one of .svg, .png, .pdf, .dot, not '.jpg'"),
        (["x", "x=1", "-o"], "-o needs a value"),
        (["x", "x=1", "--backend", "cairo"], "--backend must be auto, dot or wasm"),
        (["x", "x=1", "--max-nodes", "many"], "--max-nodes must be a whole number"),
        (["x", "x=1", "--max-nodes", "0"], "--max-nodes must be at least 1"),
        ([], "no expression given"),
    ],
)
def test_a_bad_command_line_is_refused_with_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, out, err = run(capsys, *argv)
    assert (status, out) == (2, "")
    assert err.startswith("error: ")
    assert message in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("log(x - 2)", "log: undefined for unlabelled Value (op='-', data=0.0)"),
        ("1 / (x - 2)", "/: division by zero"),
        ("(-x) ** 0.5", "**: a negative base needs an integer exponent"),
        ("(-8) ** 0.5", "**: a negative base needs an integer exponent"),
    ],
)
def test_an_engine_error_is_one_line_with_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, expression: str, message: str
) -> None:
    status, out, err = run(capsys, expression, "x=2", "-o", str(tmp_path / "g.dot"))
    assert (status, out) == (1, "")
    assert err.startswith("error: ")
    assert message in err
    assert err.count("\n") == 1


def test_a_graph_over_max_nodes_is_an_error_with_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, err = run(capsys, "x*x*x*x", "x=2", "--max-nodes", "3", "-o", str(tmp_path / "g.dot"))
    assert status == 1
    assert out.startswith("f = 16\n")
    assert err == "error: the graph of f has more than --max-nodes 3 nodes; draw a smaller expression," \
        " or pass a larger --max-nodes N (--max-nodes none for no limit)\n"


@pytest.mark.parametrize("no_limit", ["none", "None", "NONE"])
def test_max_nodes_none_is_no_limit_as_the_error_says(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, no_limit: str
) -> None:
    out_file = tmp_path / "g.dot"
    status, out, err = run(capsys, "x*x*x*x", "x=2", "--max-nodes", no_limit, "-o", str(out_file))
    assert (status, err) == (0, "")
    assert out.endswith(f"wrote {out_file}\n")


@pytest.mark.parametrize(("value", "message"), [
    ("0", "--max-nodes must be at least 1 (or none for no limit), not 0"),
    ("lots", "--max-nodes must be a whole number, or none for no limit; not 'lots'"),
])
def test_a_bad_max_nodes_says_what_the_command_line_takes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, value: str, message: str
) -> None:
    status, out, err = run(capsys, "x", "x=2", "--max-nodes", value, "-o", str(tmp_path / "g.dot"))
    assert (status, out, err) == (2, "", f"error: {message}\n")


def test_frames_over_max_nodes_is_refused_in_the_command_lines_words(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    frames = tmp_path / "f"
    status, out, err = run(capsys, "x*x*x", "x=2", "--max-nodes", "2", "--frames", str(frames), "-o",
                           str(tmp_path / "g.dot"))
    assert (status, out) == (1, "")
    assert err.startswith("error: --frames: the graph of f has more than --max-nodes 2 nodes;")
    assert "(--max-nodes none for no limit)" in err
    assert not frames.exists()


def test_an_unwritable_output_is_an_error_with_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, _, err = run(capsys, "x", "x=1", "-o", str(tmp_path / "missing" / "g.dot"))
    assert status == 1
    assert err.startswith("error: ")
    assert err.count("\n") == 1


def test_an_unwritable_output_names_the_file_asked_for(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "missing" / "g.dot"
    status, _, err = run(capsys, "x", "x=1", "-o", str(target))
    assert status == 1
    assert err == f"error: [Errno 2] No such file or directory: '{target}'\n"


@pytest.mark.parametrize("ending", ["/", "/."])
def test_an_output_file_with_a_trailing_slash_is_refused_with_exit_2_and_kept(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, ending: str
) -> None:
    kept = tmp_path / "keep.dot"
    kept.write_text("mine", encoding="utf-8")
    status, out, err = run(capsys, "x*2", "x=1", "-o", f"{kept}{ending}")
    assert (status, out) == (2, "")
    assert err == (
        f"error: -o {kept}{ending}: the name ends in '{ending}', so it names a directory, not a file"
        f" (to write the file '{kept}', leave out the '{ending}')\n"
    )
    assert kept.read_text(encoding="utf-8") == "mine"


def test_help_is_printed_with_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--help")
    assert status == 0
    assert out.startswith("usage: python -m autograd.draw EXPR")


@pytest.mark.wasm
def test_python_m_autograd_draw_renders_and_prints_derivatives(tmp_path: Path) -> None:
    done = python_m("x*y + exp(x)", "x=2", "y=3", "-o", "graph.svg", "--backend", "wasm", cwd=tmp_path)
    assert done.returncode == 0
    if done.stderr:  # loading the embedded Graphviz took over 2 s: said, then how long it all took
        said, took = done.stderr.splitlines()
        assert said.startswith("starting the embedded Graphviz for this graph (5 nodes): compiling it")
        assert took.startswith("rendered in ")
    assert done.stdout.splitlines()[1:] == ["d/dx = 10.3890561", "d/dy = 2", "wrote graph.svg"]
    assert "×7.389 → 7.389" in (tmp_path / "graph.svg").read_text(encoding="utf-8")


def test_python_m_autograd_draw_refuses_without_a_traceback(tmp_path: Path) -> None:
    done = python_m("__import__('os').system('touch pwned')", "-o", "g.svg", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("error: refused at column 1: calling __import__('os').system")
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_python_m_autograd_draw_engine_error_exits_1_without_a_traceback(tmp_path: Path) -> None:
    done = python_m("log(x)", "x=-1", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "error: log: undefined for Value 'x' (data=-1.0); log needs a value > 0\n"


def test_python_m_autograd_draw_bad_binding_exits_2_without_a_traceback(tmp_path: Path) -> None:
    done = python_m("x*2", "x=two", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "error: bad NAME=VALUE 'x=two': 'two' is not a number\n"


def test_calling_a_deeply_nested_expression_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, _, err = run(capsys, "(" + "-" * 900 + "x)(1)", "x=1", "-o", str(tmp_path / "g.svg"))
    assert status == 2
    assert err == (
        "error: refused at column 1: calling a UnaryOp expression (allowed: numbers, pi, NAME=VALUE names,"
        " + - * / **, unary -, and exp log tanh sigmoid relu abs sin cos sqrt)\n"
    )


def test_an_integer_too_large_for_a_float_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, _, err = run(capsys, str(10**400) + " + x", "x=1", "-o", str(tmp_path / "g.svg"))
    assert status == 2
    assert "too large for a float" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("literal", ["0x" + "f" * 4400, "0b" + "1" * 20000, "0o" + "7" * 6000])
def test_a_hex_or_binary_literal_of_any_length_is_too_large_for_a_float(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, literal: str
) -> None:
    # a power-of-two base has no 4,300-digit limit: the message must not need the int's decimal text
    status, out, err = run(capsys, literal + " + x", "x=1", "-o", str(tmp_path / "g.svg"))
    assert (status, out) == (2, "")
    assert "binary digits: too large for a float" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("1if x else 2", "invalid decimal literal"),
        ("0x1for x", "invalid hexadecimal literal"),
        ("1or x", "invalid decimal literal"),
    ],
)
def test_a_syntax_warning_is_the_one_line_refusal_not_a_warning_before_it(
    expression: str, message: str, tmp_path: Path
) -> None:
    result = python_m(expression, "x=1", "-o", "g.dot", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: not a valid expression at column ")
    assert result.stderr.endswith(f": {message}\n")
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "g.dot").exists()


def test_a_name_is_bound_as_python_reads_it_in_the_expression(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, _ = run(capsys, "𝐗*2", "𝐗=2", "-o", str(tmp_path / "g.svg"))  # NFKC: 𝐗 is X
    assert status == 0
    assert out.startswith("f = 4\nd/dX = 2\n")


def test_an_expression_that_is_not_valid_text_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, _, err = run(capsys, "x\udcff", "x=1", "-o", str(tmp_path / "g.svg"))  # a non-UTF-8 byte
    assert status == 2
    assert err == "error: the expression is not valid text (it holds bytes that are not UTF-8)\n"


def test_steps_prints_the_chain_rule_walk_of_the_expression(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, err = run(capsys, "x*y + exp(x)", "x=2", "y=3", "--steps", "-o", str(tmp_path / "g.dot"))
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"f = {6 + math.exp(2):.10g}"
    assert "── step 1 of 3: f passes ∂f/∂f = 1.0000 to its children ──" in lines
    assert "── step 3 of 3: x·y passes ∂f/∂x·y = 1.0000 to its children ──" in lines
    assert any(line.startswith("    ∂f/∂x = 7.3891 + ∂f/∂x·y · ∂x·y/∂x = ") for line in lines)
    assert lines[-3:] == [f"d/dx = {3 + math.exp(2):.10g}", "d/dy = 2", f"wrote {tmp_path / 'g.dot'}"]


def test_steps_writes_no_picture_unless_one_is_asked_for(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "x*y", "x=2", "y=3", "--steps")
    assert (status, err) == (0, "")
    assert out.splitlines()[-2:] == ["d/dx = 3", "d/dy = 2"]  # and no "wrote graph.svg"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.renderer
def test_frames_writes_no_picture_of_the_whole_graph_unless_one_is_asked_for(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(capsys, "x*y", "x=2", "y=3", "--frames", "steps")
    assert status == 0
    assert "wrote graph.svg" not in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["steps"]
    status, out, _ = run(capsys, "x*y", "x=2", "y=3", "--frames", "steps", "-o", "g.svg")
    assert status == 0
    assert out.endswith("wrote g.svg\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.svg", "steps"]


@pytest.mark.renderer
def test_a_bare_command_still_draws_graph_svg(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(capsys, "x*y", "x=2", "y=3")
    assert (status, out.splitlines()[-1]) == (0, "wrote graph.svg")
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]


def test_steps_leaves_each_grad_as_one_backward_would(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, stepped, _ = run(capsys, "x*x*y", "x=1.5", "y=-2", "--steps", "-o", str(tmp_path / "a.dot"))
    _, plain, _ = run(capsys, "x*x*y", "x=1.5", "y=-2", "-o", str(tmp_path / "b.dot"))
    assert [line for line in stepped.splitlines() if line.startswith("d/d")] == [
        line for line in plain.splitlines() if line.startswith("d/d")
    ]
    stepped_dot, plain_dot = ((tmp_path / name).read_text(encoding="utf-8") for name in ("a.dot", "b.dot"))
    assert stepped_dot == plain_dot


@pytest.mark.renderer
def test_frames_writes_one_picture_per_step_and_the_page(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    frames = tmp_path / "steps"
    out_file = str(tmp_path / "g.dot")
    status, out, err = run(capsys, "x*y + exp(x)", "x=2", "y=3", "--frames", str(frames), "-o", out_file)
    assert status == 0
    assert not err or err.startswith("starting the embedded Graphviz")  # loaded in a second or two
    names = ["index.html", "step-01.svg", "step-02.svg", "step-03.svg"]
    assert sorted(p.name for p in frames.iterdir()) == names
    page = (frames / "index.html").read_text(encoding="utf-8")
    assert "<title>Backpropagation, step by step: f = x*y + exp(x)</title>" in page
    assert '<button id="play"' in page
    assert f"wrote 3 frames and the page {frames / 'index.html'}" in out
    assert "── step" not in out  # --frames alone does not print the walk


def test_frames_with_an_empty_name_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, err = run(capsys, "x*y", "x=2", "y=3", "--frames", "", "-o", str(tmp_path / "g.dot"))
    assert (status, out) == (2, "")
    assert err.startswith("error: --frames: the frames directory name is empty; give one")


@pytest.mark.parametrize(("kind", "why"), [
    ("fifo", "it is a named pipe, not a directory"),
    ("file", "it is a regular file, not a directory"),
    ("under a file", "a part of the path is a file, not a directory"),
])
def test_frames_into_something_not_a_directory_is_refused_with_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str, why: str
) -> None:
    target = tmp_path / "steps"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.write_text("mine", encoding="utf-8")
    frames = target / "deeper" if kind == "under a file" else target
    argv = ["x*y", "x=2", "y=3", "--frames", str(frames), "-o", str(tmp_path / "g.dot")]
    status, out, err = run(capsys, *argv)
    assert (status, out) == (2, "")
    assert err == (
        f"error: --frames {frames}: cannot draw frames into '{frames}': {why};"
        " give a directory, or a new name (it is created)\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["steps"]


def test_frames_of_more_steps_than_max_frames_are_refused_up_front_with_the_numbers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def render(*args: object) -> bytes:
        raise AssertionError("a frame was rendered: the numbers should have refused it before")

    monkeypatch.setattr("autograd.draw.graph.render", render)
    frames = tmp_path / "big"
    expression = " + ".join(["x*y"] * 500)  # 1,001 nodes, 999 steps: 3 GB of frames, minutes to draw
    argv = [expression, "x=2", "y=3", "--frames", str(frames), "-o", str(tmp_path / "g.dot")]
    status, out, err = run(capsys, *argv)
    assert (status, out) == (2, "")
    assert re.fullmatch(
        r"error: --frames: 999 frames of a 1,001-node graph, about 3\.\d MB each \(3\.\d GB in all\): more"
        r" than --max-frames 100; draw a smaller expression, or pass --max-frames 999 \(none: no limit\)\n",
        err,
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("max_frames", "drawn"), [("3", 3), ("none", 3), ("2", None)])
def test_max_frames_raises_or_lifts_the_cap(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, max_frames: str, drawn: int | None
) -> None:
    frames = tmp_path / "steps"
    argv = ["x*y + exp(x)", "x=2", "y=3", "--frames", str(frames), "--max-frames", max_frames]
    status, out, err = run(capsys, *argv, "-o", str(tmp_path / "g.dot"))
    if drawn is None:
        assert (status, out) == (2, "")
        assert err.startswith("error: --frames: 3 frames of a 5-node graph, about ")
        assert not frames.exists()
    else:
        assert status == 0
        assert f"wrote {drawn} frames and the page" in out


def test_frames_without_any_graphviz_stops_before_the_walk(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("autograd.draw.render.available_backends", lambda: ())
    frames, out_file = str(tmp_path / "f"), str(tmp_path / "g.dot")
    status, out, err = run(capsys, "x*y", "x=2", "y=3", "--frames", frames, "-o", out_file)
    assert (status, out) == (1, "")
    assert err.startswith("error: --frames: cannot render SVG: no Graphviz found; ")
    assert list(tmp_path.iterdir()) == []


def test_no_split_shared_draws_a_shared_leaf_once_in_a_big_graph(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    expression = " + ".join(["x*y"] * 60)  # 121 nodes
    run(capsys, expression, "x=2", "y=3", "-o", str(tmp_path / "split.dot"))
    run(capsys, expression, "x=2", "y=3", "--no-split", "-o", str(tmp_path / "once.dot"))
    assert "x (60 of 60)" in (tmp_path / "split.dot").read_text(encoding="utf-8")
    assert " of 60)" not in (tmp_path / "once.dot").read_text(encoding="utf-8")
