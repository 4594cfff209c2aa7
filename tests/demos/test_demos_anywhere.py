"""Every demo runs however a user starts it: as a file or as a module, from another directory.

Each run is a fresh interpreter in an empty directory with no PYTHONPATH, so ``demos`` must come
from the installed package (``make demo`` installs it), as it does for a user's own script.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

# demo -> (arguments that keep the run short, a line its output must hold)
DEMOS = {
    "xor": (["--epochs", "100"], "epoch: 100 input: [1.0, 1.0] output: 0.5, target: 0.0 loss: 0.69"),
    "graph": (["--out", "figs"], "wrote figs"),
    "step_through": ([], "── step 7 of 7: h1 passes ∂Cost/∂h1 = 0.0131 to its children ──"),
    "moons": (["--steps", "2", "--no-plot"], "step 1 loss "),
    "compiled": ([], "d_ô = 2.0 * (ô - y)"),
    "newton": (["--steps", "5"], "   4   0.351733711232543   4.50e-11"),
}


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=300, check=False)


def test_every_demo_module_is_listed() -> None:
    helpers = {"__init__", "frames", "plots", "seed"}
    assert {p.stem for p in (ROOT / "demos").glob("*.py")} - helpers == set(DEMOS)


def _demos() -> list[Any]:
    return [pytest.param(d, marks=pytest.mark.compiler) if d == "compiled" else d for d in sorted(DEMOS)]


@pytest.mark.parametrize("demo", _demos())
def test_demo_runs_as_a_module_from_another_directory(demo: str, tmp_path: Path) -> None:
    args, expected = DEMOS[demo]
    done = run(["-m", f"demos.{demo}", *args], tmp_path)
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout


@pytest.mark.parametrize("demo", _demos())
def test_demo_runs_as_a_file_from_another_directory(demo: str, tmp_path: Path) -> None:
    args, expected = DEMOS[demo]
    done = run([str(ROOT / "demos" / f"{demo}.py"), *args], tmp_path)
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout


def test_demo_runs_as_a_file_from_the_repository_root() -> None:
    done = run(["demos/xor.py", "--epochs", "100"], ROOT)
    assert done.returncode == 0, done.stderr
    assert "XOR solved" in done.stdout


def test_a_script_anywhere_imports_the_seed_and_the_moons(tmp_path: Path) -> None:
    (tmp_path / "mine.py").write_text(
        "from demos.seed import XOR_DATA, seed_model\n"
        "from demos.moons import make_moons, moons_model\n"
        "print(len(XOR_DATA), len(seed_model().parameters()), len(make_moons()[0]),"
        " len(moons_model().parameters()))\n",
        encoding="utf-8",
    )
    done = run(["mine.py"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "4 9 100 337\n"


# demo -> arguments that keep it running long enough to be interrupted after its first line
LONG_RUNS = {
    "moons": ["--steps", "100000", "--no-plot"],
    "xor": ["--epochs", "10000000"],
}


@pytest.mark.parametrize("demo", sorted(LONG_RUNS))
def test_ctrl_c_prints_one_line_and_exits_130(demo: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHONIOENCODING="utf-8", PYTHONUNBUFFERED="1")  # the first line comes at once
    process = subprocess.Popen([sys.executable, "-m", f"demos.{demo}", *LONG_RUNS[demo]], cwd=tmp_path,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               encoding="utf-8")
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # training has started: main is running
        assert first, process.stderr.read() if process.stderr else ""
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert (process.returncode, err) == (130, "interrupted\n")
