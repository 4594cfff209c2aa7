"""The seed's XOR run, reproduced: its 40 log lines and its first update, from the API and the demo."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

import nn
from autograd import Value
from demos import xor
from demos.seed import XOR_DATA, first_sample_graph, format_layout, seed_layout, seed_model

ROOT = Path(__file__).resolve().parents[2]

# The seed article's printed log (its PyTorch script's output), input tensors written as lists.
SEED_LOG = """\
epoch: 100 input: [1.0, 1.0] output: 0.5, target: 0.0 loss: 0.69
epoch: 100 input: [0.0, 1.0] output: 0.44, target: 1.0 loss: 0.82
epoch: 100 input: [1.0, 0.0] output: 0.5, target: 1.0 loss: 0.69
epoch: 100 input: [0.0, 0.0] output: 0.56, target: 0.0 loss: 0.82
epoch: 200 input: [1.0, 1.0] output: 0.5, target: 0.0 loss: 0.7
epoch: 200 input: [0.0, 1.0] output: 0.45, target: 1.0 loss: 0.8
epoch: 200 input: [1.0, 0.0] output: 0.5, target: 1.0 loss: 0.7
epoch: 200 input: [0.0, 0.0] output: 0.55, target: 0.0 loss: 0.8
epoch: 300 input: [1.0, 1.0] output: 0.52, target: 0.0 loss: 0.73
epoch: 300 input: [0.0, 1.0] output: 0.45, target: 1.0 loss: 0.79
epoch: 300 input: [1.0, 0.0] output: 0.5, target: 1.0 loss: 0.7
epoch: 300 input: [0.0, 0.0] output: 0.52, target: 0.0 loss: 0.74
epoch: 400 input: [1.0, 1.0] output: 0.65, target: 0.0 loss: 1.04
epoch: 400 input: [0.0, 1.0] output: 0.54, target: 1.0 loss: 0.62
epoch: 400 input: [1.0, 0.0] output: 0.57, target: 1.0 loss: 0.55
epoch: 400 input: [0.0, 0.0] output: 0.23, target: 0.0 loss: 0.26
epoch: 500 input: [1.0, 1.0] output: 0.69, target: 0.0 loss: 1.17
epoch: 500 input: [0.0, 1.0] output: 0.61, target: 1.0 loss: 0.5
epoch: 500 input: [1.0, 0.0] output: 0.64, target: 1.0 loss: 0.44
epoch: 500 input: [0.0, 0.0] output: 0.06, target: 0.0 loss: 0.06
epoch: 600 input: [1.0, 1.0] output: 0.68, target: 0.0 loss: 1.15
epoch: 600 input: [0.0, 1.0] output: 0.62, target: 1.0 loss: 0.47
epoch: 600 input: [1.0, 0.0] output: 0.67, target: 1.0 loss: 0.4
epoch: 600 input: [0.0, 0.0] output: 0.03, target: 0.0 loss: 0.03
epoch: 700 input: [1.0, 1.0] output: 0.43, target: 0.0 loss: 0.57
epoch: 700 input: [0.0, 1.0] output: 0.79, target: 1.0 loss: 0.23
epoch: 700 input: [1.0, 0.0] output: 0.81, target: 1.0 loss: 0.22
epoch: 700 input: [0.0, 0.0] output: 0.05, target: 0.0 loss: 0.05
epoch: 800 input: [1.0, 1.0] output: 0.1, target: 0.0 loss: 0.1
epoch: 800 input: [0.0, 1.0] output: 0.95, target: 1.0 loss: 0.05
epoch: 800 input: [1.0, 0.0] output: 0.95, target: 1.0 loss: 0.05
epoch: 800 input: [0.0, 0.0] output: 0.03, target: 0.0 loss: 0.03
epoch: 900 input: [1.0, 1.0] output: 0.05, target: 0.0 loss: 0.05
epoch: 900 input: [0.0, 1.0] output: 0.97, target: 1.0 loss: 0.03
epoch: 900 input: [1.0, 0.0] output: 0.97, target: 1.0 loss: 0.03
epoch: 900 input: [0.0, 0.0] output: 0.02, target: 0.0 loss: 0.02
epoch: 1000 input: [1.0, 1.0] output: 0.03, target: 0.0 loss: 0.03
epoch: 1000 input: [0.0, 1.0] output: 0.98, target: 1.0 loss: 0.02
epoch: 1000 input: [1.0, 0.0] output: 0.98, target: 1.0 loss: 0.02
epoch: 1000 input: [0.0, 0.0] output: 0.01, target: 0.0 loss: 0.01""".splitlines()

# The seed's first update (sample [1, 1] -> 0), as its script prints it (to 4 digits).
SEED_BEFORE = (
    "w1 [[0.1000, -0.1000], [-0.1000, 0.1000]], w2 [0.1000, -0.1000], b1 [0.1000, -0.1000], b2 0.1000"
)
SEED_GRADS = "w1 [[0.0131, 0.0131], [-0.0131, -0.0131]], w2 [0.2763, 0.2500], b1 [0.0131, -0.0131], b2 0.5262"
SEED_AFTER = (
    "w1 [[0.0948, -0.1052], [-0.0948, 0.1052]], w2 [-0.0105, -0.2000], b1 [0.0948, -0.0948], b2 -0.1105"
)
SEED_B2_GRAD = 0.5262248516082764  # printed in full by the seed (PyTorch float32)


def _first_update() -> nn.MLP:
    model, loss = first_sample_graph()
    nn.SGD(model.parameters(), lr=0.4).zero_grad()
    loss.backward()
    return model


def _output(model: nn.MLP, x: list[float]) -> Value:
    """The single output of the 2-2-1 model."""
    out = model(x)
    assert isinstance(out, Value)
    return out


def test_training_loop_prints_the_seeds_40_log_lines() -> None:
    lines: list[str] = []
    xor.train(seed_model(), emit=lines.append)
    assert [line for line in lines if line.startswith("epoch:")] == SEED_LOG


def test_training_loop_prints_the_first_update_before_the_log() -> None:
    lines: list[str] = []
    xor.train(seed_model(), epochs=100, emit=lines.append)
    assert lines[:3] == [
        f"weights before the first update: {SEED_BEFORE}",
        f"gradients of the first update:   {SEED_GRADS}",
        f"weights after the first update:  {SEED_AFTER}",
    ]
    assert lines[4:] == SEED_LOG[:4]


def _first_update_lines(model: nn.MLP, **options: object) -> list[str]:
    lines: list[str] = []
    xor.train(model, epochs=1, emit=lines.append, **options)  # type: ignore[arg-type]
    return lines[:3]


def _numbers(line: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+\.\d{4}", line)]


def _first_update_by_hand(nouts: list[int]) -> tuple[list[float], list[float], list[float]]:
    """``MLP(2, nouts, seed=1)``'s parameters before, gradients of and after the first update
    (sample [1, 1] -> 0, BCE, lr 0.4), in parameter order, without `xor.train`."""
    model = nn.MLP(2, nouts, "sigmoid", seed=1)
    before = [p.data for p in model.parameters()]
    (x, y) = XOR_DATA[0]
    nn.bce_loss(_output(model, x), y).backward()
    grads = [p.grad for p in model.parameters()]
    nn.SGD(model.parameters(), lr=0.4).step()
    return before, grads, [p.data for p in model.parameters()]


def test_training_loop_reports_every_hidden_neuron_of_a_wider_net() -> None:
    lines = _first_update_lines(nn.MLP(2, [3, 1], "sigmoid", seed=1))

    def layout(v: list[float]) -> str:  # parameter order: w1[0][0], w1[0][1], b1[0], w1[1][0], ...
        return format_layout({"w1": [v[0:2], v[3:5], v[6:8]], "w2": v[9:12],
                              "b1": [v[2], v[5], v[8]], "b2": v[12]})

    before, grads, after = _first_update_by_hand([3, 1])
    assert lines == [
        f"weights before the first update: {layout(before)}",
        f"gradients of the first update:   {layout(grads)}",
        f"weights after the first update:  {layout(after)}",
    ]


def test_training_loop_reports_every_layer_of_a_deeper_net() -> None:
    lines = _first_update_lines(nn.MLP(2, [4, 4, 1], "sigmoid", seed=1))
    assert all(re.findall(r"\b[wb]\d\b", line) == ["w1", "w2", "w3", "b1", "b2", "b3"] for line in lines)
    for line, values in zip(lines, _first_update_by_hand([4, 4, 1]), strict=True):
        assert sorted(_numbers(line)) == sorted(round(v, 4) for v in values)  # all 37, each once


@pytest.mark.parametrize("model", [nn.MLP(3, [2, 1]), nn.MLP(2, [2, 2]), nn.MLP(1, [1])], ids=repr)
def test_training_refuses_a_model_without_2_inputs_and_1_output(model: nn.MLP) -> None:
    with pytest.raises(ValueError, match=r"^train: XOR needs a model with 2 inputs and 1 output; got MLP\("):
        xor.train(model, epochs=1, emit=lambda line: None)


def test_training_refuses_an_unknown_loss() -> None:
    with pytest.raises(ValueError, match=r"^train: unknown loss 'l1'; choose one of bce, mse$"):
        xor.train(seed_model(), loss="l1", emit=lambda line: None)


def test_training_refuses_log_every_below_1() -> None:
    with pytest.raises(ValueError, match=r"^train: log_every must be at least 1; got 0$"):
        xor.train(seed_model(), log_every=0, emit=lambda line: None)


@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_training_without_lr_uses_the_losss_default_rate(loss: str) -> None:
    default = _first_update_lines(seed_model(), loss=loss)
    assert default == _first_update_lines(seed_model(), loss=loss, lr=xor.DEFAULT_LR[loss])
    assert xor.DEFAULT_LR == {"bce": 0.4, "mse": 0.8}


def test_demo_seed_option_prints_the_articles_2_2_1_layout(capsys: pytest.CaptureFixture[str]) -> None:
    assert xor.main(["--seed", "3", "--epochs", "1"]) == 0
    number = r"-?\d\.\d{4}"
    pair = rf"\[{number}, {number}\]"
    layout = rf"w1 \[{pair}, {pair}\], w2 {pair}, b1 {pair}, b2 {number}"
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(rf"weights before the first update: {layout}", lines[0])
    assert re.fullmatch(rf"gradients of the first update:   {layout}", lines[1])
    assert re.fullmatch(rf"weights after the first update:  {layout}", lines[2])


def test_first_gradients_match_the_seed() -> None:
    model = _first_update()
    assert format_layout(seed_layout(model, "grad")) == SEED_GRADS


def test_first_b2_gradient_matches_the_seeds_float32_digits() -> None:
    model = _first_update()
    b2 = dict(model.named_parameters())["b2"]
    assert b2.grad == pytest.approx(SEED_B2_GRAD, abs=1e-7)  # float32 has ~7 significant digits


def test_first_update_moves_the_weights_to_the_seeds() -> None:
    model = _first_update()
    nn.SGD(model.parameters(), lr=0.4).step()
    assert format_layout(seed_layout(model)) == SEED_AFTER


def test_first_sample_graph_has_not_been_backpropagated() -> None:
    model, loss = first_sample_graph()
    assert loss.label == "loss"
    assert all(p.grad == 0.0 for p in model.parameters())


def test_first_sample_graph_mse_is_the_articles_squared_error() -> None:
    _, loss = first_sample_graph("mse")
    _, bce = first_sample_graph("bce")
    o_hat = bce.children[0].data
    assert loss.data == (o_hat - 0.0) ** 2


def test_first_sample_graph_rejects_an_unknown_loss() -> None:
    with pytest.raises(ValueError, match="unknown loss 'l1'"):
        first_sample_graph("l1")


def test_log_line_has_the_seeds_format() -> None:
    assert xor.log_line(100, [0.0, 1.0], 0.4449, 1.0, 0.8163) == (
        "epoch: 100 input: [0.0, 1.0] output: 0.44, target: 1.0 loss: 0.82"
    )


def test_xor_data_is_the_seeds_samples_in_order() -> None:
    assert list(XOR_DATA) == [([1.0, 1.0], 0.0), ([0.0, 1.0], 1.0), ([1.0, 0.0], 1.0), ([0.0, 0.0], 0.0)]
    assert all(type(v) is float for x, y in XOR_DATA for v in [*x, y])


def test_mse_with_its_default_rate_solves_xor() -> None:
    model = seed_model()
    xor.train(model, loss="mse", lr=xor.DEFAULT_LR["mse"], emit=lambda line: None)
    for x, y in XOR_DATA:
        out = model(x)
        assert isinstance(out, Value)
        assert abs(out.data - y) < 0.1


def test_demo_main_reports_mse_solves_xor(capsys: pytest.CaptureFixture[str]) -> None:
    assert xor.main(["--loss", "mse"]) == 0
    out = capsys.readouterr().out
    assert "after 1000 epochs (mse, lr 0.8):" in out
    assert "XOR solved: yes" in out


def test_demo_seed_option_draws_reproducible_random_weights(capsys: pytest.CaptureFixture[str]) -> None:
    state = random.getstate()
    xor.main(["--seed", "3", "--epochs", "100"])
    first = capsys.readouterr().out
    xor.main(["--seed", "3", "--epochs", "100"])
    second = capsys.readouterr().out
    assert first == second
    assert f"weights before the first update: {SEED_BEFORE}" not in first
    assert random.getstate() == state


def test_demo_save_writes_the_trained_weights(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "xor.json"
    assert xor.main(["--epochs", "10", "--save", str(path)]) == 0
    assert f"weights saved to {path}" in capsys.readouterr().out
    trained = seed_model()
    xor.train(trained, epochs=10, emit=lambda line: None)
    loaded = seed_model()
    loaded.load(path)
    assert loaded.state_dict() == trained.state_dict()


def test_demo_save_to_a_missing_directory_is_refused_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("trained before checking --save")

    monkeypatch.setattr(xor, "train", no_training)
    target = tmp_path / "no" / "such" / "dir.json"
    with pytest.raises(SystemExit) as exit_info:
        xor.main(["--save", str(target)])
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[-1] == (
        f"python -m demos.xor: error: argument --save: cannot save to '{target}':"
        f" the directory '{target.parent}' does not exist"
    )


def test_demo_save_under_a_file_is_refused_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("not a directory", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        xor.main(["--save", str(tmp_path / "file" / "x.json")])
    assert exit_info.value.code == 2
    assert f"'{tmp_path / 'file'}' is not a directory" in capsys.readouterr().err


def test_demo_save_onto_a_directory_is_refused_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        xor.main(["--save", str(tmp_path)])
    assert exit_info.value.code == 2
    assert f"cannot save to '{tmp_path}': it is a directory" in capsys.readouterr().err


def test_demo_save_to_an_empty_path_is_refused_before_training(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        xor.main(["--save", ""])
    assert exit_info.value.code == 2
    assert "cannot save to '': give a file name, e.g. --save xor.json" in capsys.readouterr().err


def test_demo_save_to_a_file_in_the_current_directory_is_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert xor.main(["--epochs", "1", "--save", "xor.json"]) == 0
    assert (tmp_path / "xor.json").exists()


def test_demo_save_that_fails_after_training_is_one_line_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(fd: int, data: bytes | memoryview) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", full_disk)
    target = tmp_path / "xor.json"
    assert xor.main(["--epochs", "1", "--save", str(target)]) == 1
    monkeypatch.undo()
    assert capsys.readouterr().err == (
        f"error: could not save the weights to '{target}': No space left on device\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_demo_verdict_names_the_first_sample_that_is_not_solved(capsys: pytest.CaptureFixture[str]) -> None:
    assert xor.main(["--loss", "mse", "--lr", "0.4"]) == 0
    verdict = capsys.readouterr().out.splitlines()[-1]
    model = seed_model()
    xor.train(model, loss="mse", lr=0.4, emit=lambda line: None)
    failing = [(x, _output(model, x).data, y) for x, y in XOR_DATA if abs(_output(model, x).data - y) >= 0.5]
    assert failing, "the run this test describes no longer fails"
    x, out, y = failing[0]
    assert verdict == f"XOR solved: no (output {out:.4f} for {x} is not within 0.5 of its target {y})"


def test_verdict_is_not_solved_at_exactly_half_a_unit_from_the_target() -> None:
    results = [([0.0, 0.0], 0.1, 0.0), ([0.0, 1.0], 0.5, 1.0)]
    assert xor.verdict(results) == (
        "XOR solved: no (output 0.5000 for [0.0, 1.0] is not within 0.5 of its target 1.0)"
    )


def test_verdict_when_solved_is_the_line_docs_demos_quotes() -> None:
    assert xor.verdict([([1.0, 1.0], 0.2, 0.0), ([0.0, 1.0], 0.7, 1.0)]) == (
        "XOR solved: yes (every output within 0.5 of its target)"
    )


@pytest.mark.parametrize("argv", [["--epochs", "0"], ["--epochs", "x"], ["--lr", "-1"], ["--lr", "nan"],
                                  ["--loss", "l1"]])
def test_demo_rejects_bad_options(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        xor.main(argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_python_m_demos_xor_prints_the_seeds_log() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run(
        [sys.executable, "-m", "demos.xor"], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert [line for line in lines if line.startswith("epoch:")] == SEED_LOG
    assert f"gradients of the first update:   {SEED_GRADS}" in lines
    assert f"weights after the first update:  {SEED_AFTER}" in lines
    model = seed_model()
    xor.train(model, emit=lambda line: None)
    predictions = [f"  input: {x} output: {_output(model, x).data:.4f} target: {y}" for x, y in XOR_DATA]
    assert lines[-7:] == [
        "after 1000 epochs (bce, lr 0.4):",
        *predictions,
        f"mean loss: {sum(nn.bce_loss(_output(model, x), y).data for x, y in XOR_DATA) / 4:.4f}",
        "XOR solved: yes (every output within 0.5 of its target)",
    ]


def test_training_returns_the_mean_loss_of_each_epoch() -> None:
    losses = xor.train(seed_model(), epochs=3, emit=lambda line: None)
    model = seed_model()
    opt = nn.SGD(model.parameters(), lr=0.4)
    by_hand = []
    for _ in range(3):
        total = 0.0
        for x, y in XOR_DATA:
            loss = nn.bce_loss(model(x), y)  # type: ignore[arg-type]
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.data  # each sample's loss before its own update
        by_hand.append(total / 4)
    assert losses == by_hand


def test_demo_plot_draws_the_loss_curve_and_the_decision_surface(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "xor.svg"
    assert xor.main(["--epochs", "200", "--plot", str(out)]) == 0
    assert capsys.readouterr().out.endswith(f"wrote {out}\n")
    svg = out.read_text(encoding="utf-8")
    assert "Training loss" in svg
    assert "Decision surface" in svg


def test_demo_plot_writes_a_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "xor.png"
    assert xor.main(["--epochs", "10", "--plot", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("name", ["xor.gif", "sub"])
def test_demo_plot_path_that_cannot_be_drawn_to_is_refused_before_training(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sub").mkdir()
    with pytest.raises(SystemExit) as exit_info:
        xor.main(["--plot", str(tmp_path / name)])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"cannot draw to '{tmp_path / name}'" in captured.err
