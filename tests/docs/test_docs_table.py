"""docs/engine.md's derivative table has one row per operation of `autograd.ops.OPS` (issue 11).

The ops are read in a fresh interpreter after ``import nn`` (which registers the losses), so ops
that other tests define with `define_op` in this process do not count.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ENGINE_PAGE = Path(__file__).resolve().parents[2] / "docs" / "engine.md"
SECTION = "## Operations and their derivatives"


def table_ops() -> list[str]:
    """The first column of the table under SECTION: each row's op name, in order."""
    text = ENGINE_PAGE.read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([^`]+)` \|", section, re.M)


def registered_ops() -> list[str]:
    """`autograd.ops.OPS`'s names in a fresh process, after ``import nn``."""
    code = "import json, nn\nfrom autograd.ops import OPS\nprint(json.dumps(list(OPS)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          timeout=60)
    names: list[str] = json.loads(done.stdout)
    return names


def test_every_op_has_a_row_in_the_docs_derivative_table() -> None:
    rows = table_ops()
    missing = [name for name in registered_ops() if name not in rows]
    assert not missing, f"docs/engine.md's table has no row for {missing}"


def test_every_row_of_the_docs_derivative_table_is_an_op_once() -> None:
    rows = table_ops()
    ops = registered_ops()
    assert [name for name in rows if name not in ops] == []
    assert len(rows) == len(set(rows))


def test_the_table_lists_the_built_ins_and_the_losses() -> None:
    builtins = ["+", "-", "*", "/", "**", "neg", "exp", "log", "tanh", "sigmoid", "relu", "abs",
                "sin", "cos", "sqrt", "sum", "mean", "dot"]
    assert table_ops() == [*builtins, "mse", "bce", "hinge"]
