"""`autograd.draw`: the DOT text (no Graphviz needed), its labels, limits and determinism."""

from __future__ import annotations

import html
import math
import re
import unicodedata

import graphviz
import pytest

from autograd import Value, backward_steps, draw, topological_order, zero_grad
from autograd.draw import graph as graph_module
from autograd.draw.graph import record_field
from autograd.ops import display

# an edge's label ends with an empty line (\n\n in the DOT text), which keeps it clear of its edge
EDGE = re.compile(r'^\t(n\d+(?:_\d+)?) -> (n\d+) \[label="×(\S+?)(?: → (\S+?))?\\n\\n"(.*)\];$', re.M)


def abc() -> Value:
    """d = a*b + c with a = 2, b = -3, c = 10, after backward."""
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    d.backward()
    return d


def edges(source: str) -> list[tuple[str, str, str, str | None, str]]:
    return [(m[1], m[2], m[3], m[4], m[5]) for m in EDGE.finditer(source)]


def test_dot_text_of_a_small_graph_is_exactly_the_golden_text() -> None:
    assert draw(abc()).source == (
        "digraph autograd {\n"
        '\tgraph [rankdir=LR, nodesep=0.25, ranksep=0.5, fontname="Helvetica"];\n'
        '\tnode [shape=Mrecord, style=filled, fontname="Helvetica", fontsize=11];\n'
        '\tedge [fontname="Helvetica", fontsize=10, arrowsize=0.7];\n'
        '\tn4 [label="a|data 2|grad -3", fillcolor="#fde2b6"];\n'
        '\tn3 [label="b|data -3|grad 2", fillcolor="#fde2b6"];\n'
        '\tn2 [label="e (*)|data -6|grad 1", fillcolor="#dbeafe"];\n'
        '\tn1 [label="c|data 10|grad 1", fillcolor="#fde2b6"];\n'
        '\tn0 [label="d (+)|data 4|grad 1", fillcolor="#c9f2d0", penwidth=2];\n'
        '\tn2 -> n0 [label="×1 → 1\\n\\n", penwidth=2.73];\n'
        '\tn1 -> n0 [label="×1 → 1\\n\\n", penwidth=2.73];\n'
        '\tn4 -> n2 [label="×-3 → -3\\n\\n", penwidth=4.00];\n'
        '\tn3 -> n2 [label="×2 → 2\\n\\n", penwidth=3.45];\n'
        "}\n"
    )


def test_golden_text_of_unlabelled_nodes_shows_op_data_and_grad() -> None:
    x = Value(0.5)
    y = (x * 2).tanh()
    y.backward()
    lines = draw(y).source.splitlines()
    assert lines[4] == '\tn2 [label="data 0.5|grad 0.8399", fillcolor="#e6e6e6"];'
    assert lines[5] == '\tn1 [label="*2|data 1|grad 0.42", fillcolor="#dbeafe"];'
    assert lines[6] == '\tn0 [label="tanh|data 0.7616|grad 1", fillcolor="#c9f2d0", penwidth=2];'


def test_every_edge_label_is_local_grad_times_parent_grad() -> None:
    x, w, b = Value(0.7, label="x"), Value(-1.3, label="w"), Value(0.2, label="b")
    h = (w * x + b).sigmoid()
    loss = (h - 1.0) ** 2 + (w * w).log() / x - h.exp() * b
    loss.backward()
    order = topological_order(loss, leaves=True)
    source = draw(loss, digits=17).source
    found = edges(source)
    assert len(found) == sum(len(n.children) for n in order)
    remaining = [(c, p, lg) for p in order for c, lg in zip(p.children, p.local_grads, strict=True)]
    for (child_id, parent_id, local, flow, _), (child, parent, lg) in zip(found, remaining, strict=True):
        assert (order[int(child_id[1:])], order[int(parent_id[1:])]) == (child, parent)
        assert float(local) == lg
        assert flow is not None
        assert float(flow) == lg * parent.grad


def test_a_node_grad_is_the_sum_of_the_flows_on_its_edges() -> None:
    x = Value(1.5, label="x")
    y = x * x.exp() + x.tanh() * x
    y.backward()
    source = draw(y, digits=17).source
    flows = [float(flow or "nan") for child, _, _, flow, _ in edges(source) if child == "n5"]
    assert topological_order(y, leaves=True)[5] is x
    assert len(flows) == 4
    assert sum(flows) == pytest.approx(x.grad, rel=1e-15)


def test_a_leaf_accumulates_past_its_flows_after_a_second_backward_as_the_doc_says() -> None:
    doc = " ".join((graph_module.__doc__ or "").split())
    assert "after one ``root.backward()`` from zeroed gradients" in doc
    assert "after a second ``backward()``, or on a leaf that held a gradient before" in doc
    x = Value(1.5, label="x")
    y = x * x.exp()
    y.backward()
    y.backward()
    source = draw(y, digits=17).source
    flows = [float(flow or "nan") for child, _, _, flow, _ in edges(source) if child == "n2"]
    assert topological_order(y, leaves=True)[2] is x
    assert x.grad == pytest.approx(2.0 * sum(flows), rel=1e-15)
    zero_grad(y)
    y.backward()
    assert x.grad == pytest.approx(sum(flows), rel=1e-15)


def test_repeated_operand_x_times_x_gives_two_edges() -> None:
    x = Value(3.0, label="x")
    y = x * x
    y.backward()
    assert [(c, p, lg, flow) for c, p, lg, flow, _ in edges(draw(y).source)] == [
        ("n1", "n0", "3", "3"),
        ("n1", "n0", "3", "3"),
    ]


def test_numbers_keep_significant_digits() -> None:
    x = Value(1e-6, label="x")
    y = x * 2.5e-7
    y.backward()
    source = draw(y).source
    assert "data 2.5e-13" in source
    assert 'label="x|data 1e-06|grad 2.5e-07"' in source
    assert "×2.5e-07 → 2.5e-07" in source


def test_negative_zero_is_shown_as_zero() -> None:
    x = Value(-0.0, label="x")
    y = x * 1.0
    assert "data 0|grad 0" in draw(y).source


def test_zero_gradient_edges_are_dashed_and_others_are_not() -> None:
    x, y = Value(-1.0, label="x"), Value(2.0, label="y")
    z = x.relu() + y
    z.backward()
    styles = {child: rest for child, _, _, _, rest in edges(draw(z).source)}
    relu_input = "n3"
    assert topological_order(z, leaves=True)[3] is x
    assert "style=dashed" in styles[relu_input]
    assert sum("style=dashed" in rest for rest in styles.values()) == 1


def test_pen_width_grows_with_the_gradient_and_is_bounded() -> None:
    a, b = Value(1.0, label="a"), Value(1.0, label="b")
    z = a * 1000.0 + b * 0.001
    z.backward()
    order = topological_order(z, leaves=True)
    width = {
        order[int(child[1:])].label or display(order[int(child[1:])]): float(rest.split("penwidth=")[1])
        for child, _, _, _, rest in edges(draw(z).source)
    }
    assert width["a"] == 4.0  # flow 1000, the largest
    assert 1.0 < width["*1000"] == width["*0.001"] < 4.0  # flow 1
    assert width["b"] == 1.0  # flow 0.001: 1 + 3 * sqrt(0.001 / 1000) = 1.003, the floor of 1


def test_non_finite_gradient_edges_are_red_and_say_so() -> None:
    x = Value(1000.0, label="x")
    y = x.exp() * 2.0
    y.backward()
    source = draw(y).source
    assert "×inf → inf" in source
    assert 'color="#d62728"' in source


def test_parameters_inputs_and_operations_have_different_fills() -> None:
    w, x = Value(0.5, label="w"), Value(2.0, label="x")
    y = (w * x + Value(1.0)) * 3.0
    y.backward()
    default = draw(y).source
    with_params = draw(y, params=[w]).source

    def fill(source: str, label: str) -> str:
        m = re.search(rf'label="{label}\|[^"]*", fillcolor="(#\w+)"', source)
        assert m is not None, label
        return m[1]

    assert fill(default, "w") == fill(default, "x") == "#fde2b6"  # labelled leaves: parameters
    assert fill(with_params, "w") == "#fde2b6"
    assert fill(with_params, "x") == "#e6e6e6"  # not in params: an input
    assert fill(default, "data 1") == "#e6e6e6"  # an unlabelled leaf: a constant
    assert fill(default, r"\+") == "#dbeafe"
    assert fill(default, r"\*3") == "#c9f2d0"  # the root


@pytest.mark.parametrize(
    ("label", "escaped"),
    [
        ('say "hi"', 'say \\"hi\\"'),
        ("{braces}", "\\{braces\\}"),
        ("a|b", "a\\|b"),
        ("<tag>", "\\<tag\\>"),
        ("x & y", "x &amp; y"),
        ("back\\slash", "back\\\\slash"),
        ("two\nlines", "two\\nlines"),
        ("tab\tand\rreturn", "tab and return"),
        ("a\x00b", "a\\\\x00b"),
        ("esc\x1b[0m", "esc\\\\x1b[0m"),
        ("del\x7f", "del\\\\x7f"),
        ("c1\x85", "c1\\\\x85"),
        ("lone\ud800", "lone\\\\ud800"),
    ],
)
def test_record_field_escapes_each_special_character(label: str, escaped: str) -> None:
    assert record_field(label) == escaped


def test_escaped_labels_appear_in_the_dot_text() -> None:
    x = Value(1.0, label='w["a"]{|}<&>\\')
    assert 'label="w[\\"a\\"]\\{\\|\\}\\<&amp;\\>\\\\|data 1|grad 0"' in draw(x).source


CONTROL_LABEL = "a\x00b\x01c\x1bd\x7fe\x85f\ud800g"
CONTROL_SHOWN = r"a\x00b\x01c\x1bd\x7fe\x85f\ud800g"  # what the picture shows: the escapes as typed


def test_control_characters_in_a_label_are_written_as_visible_escapes() -> None:
    source = draw(Value(1.0, label=CONTROL_LABEL)).source
    raw = [ch for ch in source if unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t"]
    assert raw == []
    assert 'label="a\\\\x00b\\\\x01c\\\\x1bd\\\\x7fe\\\\x85f\\\\ud800g|data 1|grad 0"' in source
    source.encode("utf-8")  # no lone surrogate left to fail on
    assert draw(Value(1.0, label=CONTROL_LABEL)).source == source


def test_control_characters_in_a_custom_op_are_escaped_too() -> None:
    custom = Value(2.0, (Value(1.0),), (1.0,), "f\x00")
    assert '\tn0 [label="f\\\\x00|data 2|grad 0"' in draw(custom).source


def svg_texts(svg: bytes) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg.decode("utf-8"))]


@pytest.mark.dot
def test_control_characters_render_visibly_with_dot() -> None:
    assert CONTROL_SHOWN in svg_texts(draw(Value(1.0, label=CONTROL_LABEL), backend="dot").render("svg"))


@pytest.mark.wasm
def test_control_characters_render_visibly_with_the_embedded_renderer() -> None:
    assert CONTROL_SHOWN in svg_texts(draw(Value(1.0, label=CONTROL_LABEL), backend="wasm").render("svg"))


def test_same_graph_gives_byte_identical_dot_twice() -> None:
    d = abc()
    assert draw(d).source == draw(d).source


def test_rebuilt_graph_gives_byte_identical_dot() -> None:
    def build() -> Value:
        x, y = Value(0.3, label="x"), Value(-2.0, label="y")
        z = (x * y).tanh() + x * x - y.exp() / (x + 1.0)
        z.backward()
        return z

    assert draw(build()).source == draw(build()).source


def test_node_ids_follow_the_topological_order() -> None:
    d = abc()
    order = topological_order(d, leaves=True)
    ids = re.findall(r'^\t(n\d+) \[label="([^|"]*)', draw(d).source, re.M)
    expected = [(f"n{i}", f"{n.label} ({n.op})" if n.op else n.label) for i, n in enumerate(order)]
    assert ids == expected[::-1]  # listed leaves first, numbered from the root


def chain(n: int) -> Value:
    v = Value(0.5, label="x")
    for i in range(n):
        v = v * 1.0001 if i % 2 else v.tanh()
    return v


def test_graph_over_max_nodes_raises_naming_the_limit() -> None:
    limit = r"more than max_nodes=2000 nodes.*larger max_nodes \(None for no limit\)"
    with pytest.raises(ValueError, match=limit):
        draw(chain(2000))


def test_graph_at_max_nodes_is_drawn() -> None:
    assert draw(chain(1999)).nodes == 2000
    with pytest.raises(ValueError, match="max_nodes=10 "):
        draw(chain(10), max_nodes=10)


def test_max_nodes_must_be_positive_or_none() -> None:
    with pytest.raises(ValueError, match="max_nodes must be a positive int or None, got 0"):
        draw(chain(1), max_nodes=0)


def test_200000_node_graph_is_refused_by_default_and_drawn_with_no_limit() -> None:
    """How long either takes is the benchmark's business, not a test's (no test depends on how
    fast the machine is): here, what each gives."""
    root = chain(199_999)
    with pytest.raises(ValueError, match="max_nodes=2000"):
        draw(root)
    root.backward()
    graph = draw(root, max_nodes=None)
    assert (graph.nodes, graph.edges) == (200_000, 199_999)


def test_root_must_be_a_value() -> None:
    with pytest.raises(TypeError, match="root must be a Value, got float"):
        draw(1.0)  # type: ignore[arg-type]


def test_stepping_mode_labels_only_traversed_edges_with_their_flow() -> None:
    d = abc()
    steps = backward_steps(d)
    first = next(steps)
    source = draw(d, traversed={first.node}, current=first.node).source
    found = {(child, parent): (flow, rest) for child, parent, _, flow, rest in edges(source)}
    assert found[("n2", "n0")][0] == "1"
    assert "#d62728" in found[("n2", "n0")][1]
    assert found[("n4", "n2")][0] is None
    assert "#a8a8a8" in found[("n4", "n2")][1]
    assert '\tn0 [label="d (+)|data 4|grad 1", fillcolor="#c9f2d0", color="#d62728", penwidth=3];' in source


def test_stepping_mode_after_every_step_matches_the_flows_of_the_finished_pass() -> None:
    d = abc()
    done: list[Value] = []
    for step in backward_steps(d):
        done.append(step.node)
    stepped = draw(d, traversed=done).source
    assert [e[:4] for e in edges(stepped)] == [e[:4] for e in edges(draw(d).source)]
    assert "#a8a8a8" not in stepped


def test_stepping_mode_with_nothing_traversed_shows_local_derivatives_only() -> None:
    d = abc()
    assert all(flow is None for _, _, _, flow, _ in edges(draw(d, traversed=()).source))


def test_current_node_edges_show_their_flow_in_red_even_if_not_listed_as_traversed() -> None:
    d = abc()
    steps = backward_steps(d)
    first = next(steps)
    listed = draw(d, traversed={first.node}, current=first.node).source
    assert draw(d, traversed=(), current=first.node).source == listed


def test_current_node_edges_are_red_with_their_flow_in_the_finished_pass() -> None:
    d = abc()
    source = draw(d, current=d).source
    found = {(child, parent): (flow, rest) for child, parent, _, flow, rest in edges(source)}
    for edge in [("n2", "n0"), ("n1", "n0")]:  # d's edges, to e and c
        assert found[edge][0] == "1"
        assert 'color="#d62728", fontcolor="#d62728"' in found[edge][1]
        assert "penwidth=2.73" in found[edge][1]  # still as thick as its flow
    for edge in [("n4", "n2"), ("n3", "n2")]:  # e's edges: not current
        assert "#d62728" not in found[edge][1]
    plain = {(c, p): (flow, rest) for c, p, _, flow, rest in edges(draw(d).source)}
    assert {e: v[0] for e, v in found.items()} == {e: v[0] for e, v in plain.items()}


def test_current_node_edges_are_red_with_their_flow_in_stepping_mode() -> None:
    d = abc()
    e = d.children[0]
    source = draw(d, traversed={d}, current=e).source
    found = {(child, parent): (flow, rest) for child, parent, _, flow, rest in edges(source)}
    for edge in [("n4", "n2"), ("n3", "n2")]:  # e's edges, to a and b
        assert found[edge][1] == ', color="#d62728", fontcolor="#d62728", penwidth=2'
    assert (found[("n4", "n2")][0], found[("n3", "n2")][0]) == ("-3", "2")
    assert found[("n2", "n0")][1] == ', color="#1f5fbf", fontcolor="#1f5fbf", penwidth=2'  # traversed


def test_current_must_be_in_the_graph() -> None:
    with pytest.raises(ValueError, match="current=Value 'z' is not a node of the graph of Value 'd'"):
        draw(abc(), current=Value(1.0, label="z"))


def test_importing_the_cli_module_keeps_autograd_draw_drawing() -> None:
    import autograd
    import autograd.draw  # what documentation tools and pytest --doctest-modules do

    graph = autograd.draw(Value(2.0, label="x") * 3)
    assert callable(autograd.draw)
    assert "x" in graph.source


def shared_sum(terms: int) -> tuple[Value, Value, Value]:
    """x*y added `terms` times with Python's sum (which starts from 0): x and y used `terms` times."""
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    z = sum(x * y for _ in range(terms))
    assert isinstance(z, Value)
    z.backward()
    return z, x, y


def test_a_big_graph_draws_each_shared_leaf_once_per_use_with_its_total_grad() -> None:
    z, x, _ = shared_sum(250)  # 502 nodes
    source = draw(z).source
    copy = r'^\tn\d+_(\d+) \[label="x \((\d+) of 250\)\|data 2\|grad 750 \(all 250 uses\)"'
    copies = re.findall(copy, source, re.M)
    assert [(int(a), int(b)) for a, b in copies] == [(k, k) for k in range(1, 251)]
    assert x.grad == 750.0
    assert source.count('style="filled,dashed"') == 500


def test_every_copy_of_a_shared_leaf_has_one_edge_and_their_flows_sum_to_its_grad() -> None:
    z, x, _ = shared_sum(150)
    source = draw(z).source
    x_id = re.search(r'^\t(n\d+)_1 \[label="x ', source, re.M)
    assert x_id is not None
    flows = [float(m[3]) for m in EDGE.finditer(source) if m[1].startswith(f"{x_id[1]}_")]
    assert len(flows) == 150
    assert math.fsum(flows) == x.grad


def test_the_split_picture_says_what_a_dashed_box_is() -> None:
    z, _, _ = shared_sum(100)
    lines = draw(z).source.splitlines()
    assert lines[4] == (
        '\tgraph [label="dashed: a value used n times, drawn beside each use as x (k of n) (a result also '
        "once, solid, where it is computed); its grad, on each, is the sum of the flows from all n copies"
        '\\l", labelloc=t, labeljust=l, fontsize=12];'
    )


def test_a_shared_result_is_drawn_once_with_its_inputs_and_beside_each_use() -> None:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    h = (x * y).tanh()
    h.label = "h"
    z = sum(h * float(k) for k in range(120))
    assert isinstance(z, Value)
    z.backward()
    source = draw(z).source
    hid = re.search(r'^\t(n\d+) \[label="h \(tanh\)\|data 1\|grad ([^"]+) \(all 120 uses\)"', source, re.M)
    assert hid is not None
    assert hid[2] == f"{h.grad:.4g}"
    copies = [m for m in EDGE.finditer(source) if m[1].startswith(f"{hid[1]}_")]
    assert len(copies) == 120
    assert math.fsum(float(m[4]) for m in copies) == h.grad
    assert [m[1] for m in EDGE.finditer(source) if m[2] == hid[1]] != []  # its input edge, from x*y
    assert not [m for m in EDGE.finditer(source) if m[1] == hid[1]]  # its uses: all from the copies
    assert len(re.findall(rf'^\t{hid[1]}_\d+ \[label="h \(tanh\) \(\d+ of 120\)', source, re.M)) == 120


def test_graphs_up_to_the_threshold_draw_each_leaf_once() -> None:
    terms = (graph_module.SPLIT_SHARED_OVER - 2) // 2  # 2 leaves + 2 nodes a term: at the limit
    z, _, _ = shared_sum(terms)
    graph = draw(z)
    assert graph.nodes == graph_module.SPLIT_SHARED_OVER
    assert "dashed" not in graph.source
    assert " of " not in graph.source
    bigger, _, _ = shared_sum(terms + 1)
    assert "(1 of" in draw(bigger).source


def test_split_shared_can_be_forced_either_way() -> None:
    small = abc()
    assert draw(small, split_shared=True).source == draw(small).source  # no leaf is used twice
    x = Value(3.0, label="x")
    y = x * x
    y.backward()
    forced = draw(y, split_shared=True).source
    assert '"x (1 of 2)|data 3|grad 6 (all 2 uses)"' in forced
    assert '"x (2 of 2)|data 3|grad 6 (all 2 uses)"' in forced
    z, _, _ = shared_sum(150)
    assert "dashed" not in draw(z, split_shared=False).source
    with pytest.raises(TypeError, match="split_shared must be True, False or None"):
        draw(y, split_shared="yes")  # type: ignore[arg-type]


def test_an_unlabelled_shared_leaf_is_numbered() -> None:
    c = Value(2.0)
    y = c * c
    y.backward()
    assert '"1 of 2|data 2|grad 4 (all 2 uses)"' in draw(y, split_shared=True).source


def test_a_graph_drawn_before_backward_says_every_grad_is_0() -> None:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    z = x * y
    lines = draw(z).source.splitlines()
    caption = '\tgraph [label="no backward() yet: every grad is 0\\l", labelloc=t, labeljust=l, fontsize=12];'
    assert lines[4] == caption
    z.backward()
    assert "no backward() yet" not in draw(z).source
    zero_grad(z)
    assert "no backward() yet" in draw(z).source


def test_a_graph_whose_grads_are_not_all_0_has_no_caption() -> None:
    x = Value(2.0, label="x")
    z = x * 0.0  # after backward: root grad 1, x's 0
    z.backward()
    assert "label=\"no backward" not in draw(z).source


def test_to_graphviz_is_a_graphviz_source_of_the_same_dot_text() -> None:
    graph = draw(abc())
    source = graph.to_graphviz()
    assert isinstance(source, graphviz.Source)
    assert source.source == graph.source
