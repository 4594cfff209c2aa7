"""docs/engine.md's derivative table has one row per operation of `autograd.ops.OPS` (issue 11),
and its last column is each rule as the table's code writes it, read from the code (issue 20).

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


RULES = (
    "import ast, json, nn\n"
    "from autograd.ops import OPS\n"
    "from autograd.rule_source import rule_expression\n"
    "print(json.dumps({name: {p: ast.unparse(rule_expression(r)) for p, r in op.derivatives.items()}"
    " for name, op in OPS.items()}))"
)


def rule_column(rules: dict[str, str]) -> str:
    """The last column of an op's row: each operand's rule as the code has it (for ``*``:
    `x`: `y`, `y`: `x`, each in backquotes)."""
    return ", ".join(f"`{param}`: `{rule}`" for param, rule in rules.items())


def registered_rules() -> dict[str, dict[str, str]]:
    """Each op's rules (operand -> the rule's expression, as `autograd.rule_source` reads it)."""
    done = subprocess.run([sys.executable, "-c", RULES], capture_output=True, text=True, check=True,
                          timeout=60)
    rules: dict[str, dict[str, str]] = json.loads(done.stdout)
    return rules


def table_rule_columns() -> dict[str, str]:
    text = ENGINE_PAGE.read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return {m[1]: m[2].strip() for m in re.finditer(r"^\| `([^`]+)` \|.*\|([^|]*)\|$", section, re.M)}


def test_the_table_shows_each_rule_as_the_code_writes_it() -> None:
    """Checked formula by formula: a rule changed in autograd/ops.py or nn/losses.py (a wrong
    derivative, say) without its row changed fails here, naming the op."""
    shown = table_rule_columns()
    wrong = {name: rule_column(rules) for name, rules in registered_rules().items()
             if shown.get(name) != rule_column(rules)}
    assert wrong == {}, "rows to write in docs/engine.md's last column:\n" + "\n".join(
        f"{name}: {column}" for name, column in wrong.items())


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
