"""`autograd.explain.naming.node_names`: every node of a graph a distinct, deterministic, short name."""

from __future__ import annotations

import re

import pytest
from expression_trees import VALUE_FUNCTIONS, Tree, Unsuitable, evaluate, trees
from hypothesis import given, reject

from autograd import Value, draw, topological_order
from autograd.explain.naming import LONGEST_EXPRESSION, node_names
from autograd.explain.stepping import walk_steps
from demos.seed import first_sample_graph


def _twice() -> tuple[Value, Value, Value]:
    """``x*y + x*y``: two unlabelled products of the same op and operands; (first, second, sum)."""
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    first, second = x * y, x * y
    return first, second, first + second


def test_two_unlabelled_nodes_of_the_same_op_get_distinct_names() -> None:
    first, second, total = _twice()
    names = node_names(total)
    assert (names[first], names[second]) == ("x·y#2", "x·y#1")
    assert names[total] == "x·y#2 + x·y#1"  # the formulas above say which is which


def test_the_k_of_a_name_is_the_nodes_box_in_the_picture() -> None:
    _, _, total = _twice()
    names = node_names(total)
    order = topological_order(total, leaves=True)
    for name in names.values():
        if match := re.fullmatch(r"\S*#(\d+)", name):  # a whole name with its #k
            node = order[int(match[1])]
            assert names[node] == name
            dot = draw(total).source
            assert re.search(rf"^\tn{match[1]} \[label=\"{re.escape(node.op)}", dot, re.M)


def test_the_same_graph_built_again_gets_the_same_names() -> None:
    a = node_names(_twice()[2])
    b = node_names(_twice()[2])
    assert list(a.values()) == list(b.values())


def test_equal_labels_and_equal_constants_are_told_apart() -> None:
    x1, x2 = Value(1.0, label="x"), Value(2.0, label="x")
    two_a, two_b = Value(2.0), Value(2.0)
    root = x1 * two_a + x2 * two_b
    names = node_names(root)
    assert len(set(names.values())) == len(names) == 7
    assert {names[x1], names[x2]} == {f"x#{k}" for k in _positions(root, x1, x2)}
    assert {names[two_a], names[two_b]} == {f"2#{k}" for k in _positions(root, two_a, two_b)}


def _positions(root: Value, *nodes: Value) -> set[int]:
    order = topological_order(root, leaves=True)
    return {order.index(node) for node in nodes}


def test_a_label_that_looks_like_a_renamed_node_stays_distinct() -> None:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    first, second = x * y, x * y
    order = topological_order(first + second, leaves=True)
    k = order.index(first)
    impostor = Value(1.0, label=f"x·y#{k}")  # what `first` would be called
    root = first + second + impostor
    names = node_names(root)
    assert len(set(names.values())) == len(names)
    assert names[impostor] == f"x·y#{k}" or names[first] != f"x·y#{k}"


def test_a_long_expression_is_named_by_its_op_and_box() -> None:
    xs = [Value(float(i), label=f"input{i}") for i in range(6)]
    root = sum(xs[1:], xs[0])  # ((((input0 + input1) + input2) + input3) + input4) + input5
    names = node_names(root)
    assert [names[node] for node in topological_order(root, leaves=True) if node.children] == [
        "+#4 + input4 + input5",
        "+#4 + input4",
        "+#4",  # "input0 + input1 + input2 + input3" is longer than LONGEST_EXPRESSION
        "input0 + input1 + input2",
        "input0 + input1",
    ]
    assert len("input0 + input1 + input2 + input3") > LONGEST_EXPRESSION


def test_root_name_names_the_root_and_no_other_node() -> None:
    f = Value(1.0, label="f")
    root = f * 2 + f.exp()
    names = node_names(root, root_name="f")
    assert names[root] == "f"
    assert names[f] != "f"
    assert len(set(names.values())) == len(names)


@pytest.mark.parametrize("bad", ["", 3])
def test_root_name_must_be_a_non_empty_string(bad: object) -> None:
    expected = rf"^node_names: root_name must be a non-empty string or None, got {bad!r}$"
    with pytest.raises(ValueError, match=expected):
        node_names(Value(1.0), root_name=bad)  # type: ignore[arg-type]


def test_the_seeds_nodes_keep_their_labels() -> None:
    _, loss = first_sample_graph()
    names = node_names(loss)
    labelled = {node: node.label for node in names if node.label}
    assert all(names[node] == label for node, label in labelled.items())


def test_the_stepper_text_tells_two_products_apart() -> None:
    lines: list[str] = []
    walk_steps(_twice()[2], root_name="f", write=lines.append)
    text = "\n".join(lines)
    assert "x·y#1 passes" in text
    assert "x·y#2 passes" in text


@given(trees())
def test_every_node_of_any_expression_gets_a_distinct_non_empty_name(tree: Tree) -> None:
    xs = [Value(0.5 + i, label=f"x{i}") for i in range(3)]
    try:
        root = evaluate(tree, xs, VALUE_FUNCTIONS, guard=True)
    except (Unsuitable, ArithmeticError, ValueError):  # 1/0, log(-1): no graph to name
        reject()
    assert isinstance(root, Value)
    names = node_names(root)
    assert set(names) == set(topological_order(root, leaves=True))
    assert all(names.values())
    assert len(set(names.values())) == len(names)
    assert names == node_names(root)  # deterministic
