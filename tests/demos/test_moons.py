"""`python -m demos.moons`: micrograd's demo, its log line, its picture, and its refusals."""

from __future__ import annotations

import os
import random
import re
import sys
from pathlib import Path

import pytest

import nn
from demos import moons, plots

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def trained() -> tuple[nn.MLP, moons.Data, list[tuple[float, float]], list[str]]:
    """The demo's whole run, once: its model after 100 steps, its data, history and printed lines."""
    lines: list[str] = []
    data = moons.make_moons()
    model = moons.moons_model()
    history = moons.train(model, data, emit=lines.append)
    return model, data, history, lines


def test_model_draws_micrographs_weights_from_its_seed() -> None:
    rng = random.Random(1337)
    model = moons.moons_model()
    assert len(model.parameters()) == 337
    first_neuron = model.layers[0].neurons[0]
    assert [w.data for w in first_neuron.w] == [rng.uniform(-1, 1), rng.uniform(-1, 1)]
    assert all(neuron.b.data == 0.0 for layer in model.layers for neuron in layer.neurons)
    assert moons.moons_model().state_dict() == model.state_dict()


def test_loss_is_the_mean_margin_plus_l2() -> None:
    model = moons.moons_model()
    xs, ys = moons.make_moons(n=10)
    scores = [moons.score(model, x) for x in xs]
    margins = [max(0.0, 1.0 - y * s) for s, y in zip(scores, ys, strict=True)]
    l2 = sum(p.data * p.data for p in model.parameters())
    expected = sum(margins) / len(margins) + moons.ALPHA * l2
    assert moons.moons_loss(model, xs, ys).data == pytest.approx(expected, rel=1e-12)


def test_learning_rate_falls_from_1_to_0_1_as_micrographs() -> None:
    assert [moons.learning_rate(k) for k in (0, 50, 99)] == [1.0, 1.0 - 0.45, 1.0 - 0.9 * 99 / 100]


def test_accuracy_counts_the_signs_that_match() -> None:
    assert moons.accuracy([0.5, -2.0, 3.0, -0.1], [1.0, -1.0, -1.0, 1.0]) == 0.5


def test_training_prints_micrographs_line_and_reaches_every_point(
    trained: tuple[nn.MLP, moons.Data, list[tuple[float, float]], list[str]],
) -> None:
    _, _, history, lines = trained
    assert len(lines) == len(history) == 100
    assert lines[0] == "step 0 loss 0.9094 accuracy 50%"
    assert re.fullmatch(r"step 99 loss 0\.0\d{3} accuracy 100%", lines[-1])
    assert history[-1][0] < history[0][0] / 20


def test_plot_writes_a_png_and_an_svg(
    trained: tuple[nn.MLP, moons.Data, list[tuple[float, float]], list[str]], tmp_path: Path
) -> None:
    model, data, history, _ = trained
    assert moons.plot(model, data, history, tmp_path / "m.png").read_bytes().startswith(PNG)
    svg = moons.plot(model, data, history, tmp_path / "m.svg").read_text(encoding="utf-8")
    assert "<svg" in svg
    assert "micrograd's moons demo on this engine" in svg  # the title, as text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.png", "m.svg"]


def test_the_same_run_draws_the_same_svg(tmp_path: Path) -> None:
    model, data = moons.moons_model(), moons.make_moons(n=6)
    history = moons.train(model, data, steps=1, emit=lambda line: None)
    first = moons.plot(model, data, history, tmp_path / "a.svg").read_bytes()
    assert first == moons.plot(model, data, history, tmp_path / "b.svg").read_bytes()


def test_main_trains_prints_and_draws(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "figs" / "moons.png"
    assert moons.main(["--steps", "3", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" loss")[0] for line in lines[:3]] == ["step 0", "step 1", "step 2"]
    assert lines[3] == f"wrote {out}"
    assert out.read_bytes().startswith(PNG)


def test_main_draws_to_out_moons_png_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert moons.main(["--steps", "1"]) == 0
    assert capsys.readouterr().out.endswith("wrote out/moons.png\n")
    assert (tmp_path / "out" / "moons.png").read_bytes().startswith(PNG)


def test_no_plot_only_trains(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert moons.main(["--steps", "2", "--no-plot"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("moons.txt", "cannot draw to '{path}': give a file name ending in .png, .svg, .pdf"),
        ("pictures.png", "cannot draw to '{path}': it is a directory"),
        ("file/moons.png", "cannot draw to '{path}': cannot make the directory '{dir}': "),
    ],
)
def test_a_path_that_cannot_be_drawn_to_is_refused_before_training(
    where: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    (tmp_path / "pictures.png").mkdir()
    path = tmp_path / where
    with pytest.raises(SystemExit) as exit_info:
        moons.main(["--out", str(path)])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing trained
    assert message.format(path=path, dir=path.parent) in captured.err
    assert len(captured.err.strip().splitlines()) == 2  # usage line, then the error on one line


def test_a_named_pipe_is_refused_before_training(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pipe = tmp_path / "moons.png"
    os.mkfifo(pipe)
    with pytest.raises(SystemExit) as exit_info:
        moons.main(["--out", str(pipe)])
    assert exit_info.value.code == 2
    assert f"cannot draw to '{pipe}': it is a named pipe, not a regular file" in capsys.readouterr().err


def test_without_matplotlib_the_demo_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    with pytest.raises(SystemExit) as exit_info:
        moons.main(["--out", str(tmp_path / "m.png")])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "matplotlib is not installed; install the demo extra: pip install -e '.[demo]'" in captured.err
    assert moons.main(["--steps", "1", "--no-plot"]) == 0  # training alone needs no matplotlib


def test_a_write_that_fails_after_training_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def full_disk(path: object, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(plots, "write_atomically", full_disk)
    out = tmp_path / "m.png"
    assert moons.main(["--steps", "1", "--out", str(out)]) == 1
    assert capsys.readouterr().err == f"error: cannot write '{out}': No space left on device\n"
    assert not out.exists()


def test_out_and_no_plot_together_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        moons.main(["--out", "x.png", "--no-plot"])
    assert exit_info.value.code == 2
    assert "--out and --no-plot cannot be used together" in capsys.readouterr().err
