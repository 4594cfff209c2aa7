"""Command lines and `Graph.save` refuse, up front, a path where something other than a regular
file is (a named pipe, a device, a socket, a directory), and never touch it (`autograd.files`)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from autograd import Value, draw, files
from autograd.cli import command as cli
from autograd.draw.graph import Graph
from demos import frames, graph, step_through, xor


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


# ---- python -m autograd.draw -o ------------------------------------------------------------------


def test_the_cli_refuses_a_named_pipe_as_output_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipe = _fifo(tmp_path / "g.dot")
    status, out, err = _run_cli(capsys, "x*2", "x=1", "-o", str(pipe))
    assert (status, out) == (2, "")
    assert err == f"error: -o {pipe}: it is a named pipe, not a regular file\n"
    assert stat.S_ISFIFO(pipe.lstat().st_mode)


def test_the_cli_refuses_a_symlink_to_a_device_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "g.svg").symlink_to(os.devnull)
    status, _, err = _run_cli(capsys, "x", "x=1", "-o", str(tmp_path / "g.svg"))
    assert status == 2
    assert err.endswith(": it is a character device, not a regular file\n")


def test_the_cli_refuses_a_directory_as_output_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "g.svg").mkdir()
    status, _, err = _run_cli(capsys, "x", "x=1", "-o", str(tmp_path / "g.svg"))
    assert status == 2
    assert err == f"error: -o {tmp_path / 'g.svg'}: it is a directory, not a regular file\n"


@pytest.mark.parametrize("n", [2**1024, 2**1024 - 2**970, 2**1024 + 1])
def test_every_integer_float_refuses_is_a_usage_error(
    n: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _run_cli(capsys, f"{n} + x", "x=1", "-o", str(tmp_path / "g.dot"))
    assert (status, out) == (2, "")
    assert "too large for a float" in err


def test_the_largest_integer_a_float_holds_is_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    n = 2**1024 - 2**970 - 1  # rounds down to the largest float
    status, out, _ = _run_cli(capsys, f"{n} + x", "x=1", "-o", str(tmp_path / "g.dot"))
    assert status == 0
    assert out.startswith("f = 1.797693135e+308\n")


def test_graph_save_refuses_a_named_pipe_before_rendering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_render(self: Graph, fmt: str = "svg") -> bytes:
        raise AssertionError("rendered before checking the path")

    monkeypatch.setattr(Graph, "render", no_render)
    pipe = _fifo(tmp_path / "g.svg")
    with pytest.raises(files.NotARegularFileError, match="it is a named pipe"):
        draw(Value(2.0, label="x") * 3).save(pipe)
    assert stat.S_ISFIFO(pipe.lstat().st_mode)


# ---- python -m demos.xor --save ------------------------------------------------------------------


@pytest.fixture
def no_training(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("trained before checking --save")

    monkeypatch.setattr(xor, "train", refuse)


def test_xor_save_to_a_named_pipe_is_refused_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_training: None
) -> None:
    pipe = _fifo(tmp_path / "w.json")
    with pytest.raises(SystemExit) as info:
        xor.main(["--save", str(pipe)])
    assert info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"python -m demos.xor: error: argument --save: cannot save to '{pipe}':"
        " it is a named pipe, not a regular file"
    )
    assert stat.S_ISFIFO(pipe.lstat().st_mode)


def test_xor_save_to_a_symlink_to_a_device_is_refused_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_training: None
) -> None:
    (tmp_path / "w.json").symlink_to(os.devnull)
    with pytest.raises(SystemExit) as info:
        xor.main(["--save", str(tmp_path / "w.json")])
    assert info.value.code == 2
    assert "it is a character device, not a regular file" in capsys.readouterr().err


# ---- python -m demos.step_through --frames, and demos.graph --out --------------------------------


def test_frames_into_an_empty_name_is_refused_and_the_current_directory_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("step-01.svg", "step-99.svg"):
        (tmp_path / name).write_text("mine", encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        step_through.main(["--frames", ""])
    assert info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "python -m demos.step_through: error: argument --frames: the frames directory name is empty;"
        " give one, e.g. out/steps (or . for here)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["step-01.svg", "step-99.svg"]
    assert (tmp_path / "step-99.svg").read_text(encoding="utf-8") == "mine"


def test_a_frame_writer_refuses_an_empty_directory_name() -> None:
    with pytest.raises(ValueError, match="the frames directory name is empty"):
        frames.FrameWriter(Value(1.0), "")


@pytest.mark.parametrize("name", ["index.html", "step-02.svg"])
def test_frames_where_a_pipe_has_a_frames_name_are_refused_before_drawing(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipe = _fifo(tmp_path / name)
    with pytest.raises(SystemExit) as info:
        step_through.main(["--frames", str(tmp_path)])
    assert info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"python -m demos.step_through: error: argument --frames: cannot write '{pipe}':"
        " it is a named pipe, not a regular file"
    )
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_the_graph_demo_refuses_a_pipe_where_it_would_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipe = _fifo(tmp_path / "xor_graph.png")
    with pytest.raises(SystemExit) as info:
        graph.main(["--out", str(tmp_path)])
    assert info.value.code == 2
    assert f"cannot write '{pipe}': it is a named pipe, not a regular file" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["xor_graph.png"]


def test_the_benchmark_refuses_a_pipe_as_its_json_before_running(tmp_path: Path) -> None:
    pipe = _fifo(tmp_path / "results.json")
    run_py = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"
    command = [sys.executable, str(run_py), "--only", "xor", "--json", str(pipe)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 2
    assert result.stdout == ""  # nothing run
    assert result.stderr.splitlines()[-1] == (
        f"run.py: error: --json: cannot write '{pipe}': it is a named pipe, not a regular file"
    )
