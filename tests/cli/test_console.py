"""Output that stdout or stderr cannot encode is escaped, never a traceback (`autograd.cli.console`)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograd.cli import console

ROOT = Path(__file__).resolve().parents[2]


def python_m(module: str, *argv: str | bytes, cwd: Path, encoding: str) -> subprocess.CompletedProcess[bytes]:
    """``python -m module argv...`` with ``PYTHONIOENCODING=encoding``; its output as bytes."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": encoding}
    command: list[str | bytes] = [sys.executable, "-m", module, *argv]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=False, timeout=300)


def test_each_unencodable_character_is_written_as_a_python_escape() -> None:
    text = "d/dé ∂ 𝐗 ok"
    assert text.encode("ascii", console.ERRORS) == b"d/d\\xe9 \\u2202 \\U0001d417 ok"


def test_a_byte_that_was_not_utf8_is_written_as_that_byte_escaped() -> None:
    name = os.fsdecode(b"\xff.dot")  # as a command-line argument reaches Python
    assert f"wrote {name}".encode("utf-8", console.ERRORS) == b"wrote \\xff.dot"


def test_only_a_handler_that_can_raise_is_switched(monkeypatch: pytest.MonkeyPatch) -> None:
    strict = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict")
    chosen = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="replace")
    monkeypatch.setattr(sys, "stdout", strict)
    monkeypatch.setattr(sys, "stderr", chosen)
    console.escape_unencodable_output()
    assert (strict.errors, chosen.errors) == (console.ERRORS, "replace")


def test_the_cli_prints_a_non_ascii_name_escaped_under_an_ascii_stdout(tmp_path: Path) -> None:
    result = python_m("autograd.draw", "é*2", "é=1", "-o", "g.dot", cwd=tmp_path, encoding="ascii")
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout == b"f = 2\nd/d\\xe9 = 2\nwrote g.dot\n"


def test_the_cli_prints_a_non_utf8_file_name_escaped(tmp_path: Path) -> None:
    result = python_m("autograd.draw", "x", "x=1", "-o", b"\xff.dot", cwd=tmp_path, encoding="utf-8")
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout.endswith(b"\nwrote \\xff.dot\n")
    assert os.listdir(bytes(tmp_path)) == [b"\xff.dot"]


def test_a_cli_error_naming_a_non_ascii_name_is_one_escaped_line(tmp_path: Path) -> None:
    # Python's stderr escapes on its own (backslashreplace): switching the handler keeps it so
    result = python_m("autograd.draw", "é", "-o", "g.dot", cwd=tmp_path, encoding="ascii")
    assert result.returncode == 2
    assert result.stderr.startswith(b"error: refused at column 1: unknown name '\\xe9'")
    assert result.stderr.count(b"\n") == 1


def test_step_through_prints_its_notation_escaped_under_an_ascii_stdout(tmp_path: Path) -> None:
    result = python_m("demos.step_through", cwd=tmp_path, encoding="ascii")
    assert (result.returncode, result.stderr) == (0, b"")
    assert b"\\u2202Cost/\\u2202" in result.stdout


def test_xor_prints_a_non_ascii_save_path_escaped(tmp_path: Path) -> None:
    result = python_m("demos.xor", "--epochs", "1", "--save", "wé.json", cwd=tmp_path, encoding="ascii")
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout.endswith(b"weights saved to w\\xe9.json\n")
    assert (tmp_path / "wé.json").exists()


def test_xor_help_prints_its_non_ascii_formula_escaped(tmp_path: Path) -> None:
    result = python_m("demos.xor", "--help", cwd=tmp_path, encoding="ascii")
    assert (result.returncode, result.stderr) == (0, b"")
    assert b"(\\xf4 - y)^2" in result.stdout


@pytest.mark.renderer
def test_the_graph_demo_prints_a_non_ascii_directory_escaped(tmp_path: Path) -> None:
    result = python_m("demos.graph", "--out", "é", cwd=tmp_path, encoding="ascii")
    assert (result.returncode, result.stderr) == (0, b"")
    assert b"wrote \\xe9/xor_graph.svg\n" in result.stdout


def test_moons_prints_a_non_ascii_picture_path_escaped(tmp_path: Path) -> None:
    result = python_m("demos.moons", "--steps", "1", "--out", "é.svg", cwd=tmp_path, encoding="ascii")
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout.endswith(b"wrote \\xe9.svg\n")
    assert (tmp_path / "é.svg").exists()


@pytest.mark.compiler
def test_compiled_prints_its_code_and_formulas_escaped_under_an_ascii_stdout(tmp_path: Path) -> None:
    result = python_m("demos.compiled", cwd=tmp_path, encoding="ascii")
    assert (result.returncode, result.stderr) == (0, b"")
    assert b"d_\\xf4 = 2.0 * (\\xf4 - y)" in result.stdout


def test_newton_prints_its_formula_and_primes_escaped_under_an_ascii_stdout(tmp_path: Path) -> None:
    result = python_m("demos.newton", "--steps", "1", cwd=tmp_path, encoding="ascii")
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout.startswith(b"f(x) = x\\xb2 + e^(\\u2212x), from x = 3")


def test_every_demo_with_a_command_line_is_tested_above() -> None:
    demos = sorted(p.stem for p in (ROOT / "demos").glob("*.py") if re.search(r"^def main\(", p.read_text(
        encoding="utf-8"), re.MULTILINE))
    assert demos == ["compiled", "graph", "moons", "newton", "step_through", "xor"]
