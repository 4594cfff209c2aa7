"""Neuron, Layer and MLP: parameter order and names, labels, forward pass, initial weights."""

from __future__ import annotations

import math
import random

import pytest

import nn
from autograd import Value, topological_order
from demos.seed import SEED_WEIGHTS, first_sample_graph, seed_model

SEED_NAMES = ["w1[0][0]", "w1[0][1]", "b1[0]", "w1[1][0]", "w1[1][1]", "b1[1]", "w2[0]", "w2[1]", "b2"]


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def test_seed_model_names_its_parameters_as_the_article() -> None:
    assert [name for name, _ in seed_model().named_parameters()] == SEED_NAMES


def test_named_parameters_are_the_parameters_in_order() -> None:
    model = seed_model()
    assert [p for _, p in model.named_parameters()] == model.parameters()


def test_parameters_go_layer_by_neuron_weights_then_bias() -> None:
    model = nn.MLP(3, [2, 2], weights=[
        ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [7.0, 8.0]),
        ([[9.0, 10.0], [11.0, 12.0]], [13.0, 14.0]),
    ])
    assert [p.data for p in model.parameters()] == [float(k) for k in
                                                    [1, 2, 3, 7, 4, 5, 6, 8, 9, 10, 13, 11, 12, 14]]
    assert [name for name, _ in model.named_parameters()][:4] == ["w1[0][0]", "w1[0][1]", "w1[0][2]", "b1[0]"]


def test_seed_model_holds_the_seeds_initial_weights() -> None:
    assert list(seed_model().state_dict().values()) == [0.1, -0.1, 0.1, -0.1, 0.1, -0.1, 0.1, -0.1, 0.1]


def test_seed_model_forward_matches_the_formula() -> None:
    h1 = _sigmoid(0.1 * 1.0 - 0.1 * 1.0 + 0.1)
    h2 = _sigmoid(-0.1 * 1.0 + 0.1 * 1.0 - 0.1)
    out = seed_model()([1.0, 1.0])
    assert isinstance(out, Value)
    assert out.data == pytest.approx(_sigmoid(0.1 * h1 - 0.1 * h2 + 0.1), rel=1e-15)


def test_forward_nodes_carry_the_articles_labels() -> None:
    _, loss = first_sample_graph()
    labels = [node.label for node in topological_order(loss)]
    assert labels == ["loss", "ô", "o", "ĥ2", "h2", "ĥ1", "h1"]


def test_input_values_keep_their_labels() -> None:
    _, loss = first_sample_graph()
    leaves = {node.label for node in topological_order(loss, leaves=True) if not node.children}
    assert leaves == {"x1", "x2", *SEED_NAMES}


def test_neuron_is_one_dot_node_then_its_activation() -> None:
    neuron = nn.Neuron(2, "tanh", weights=[0.5, -0.25], bias=0.1)
    out = neuron([Value(1.0), 2.0])
    assert out.op == "tanh"
    (z,) = out.children
    assert z.op == "dot"
    assert z.children[:2] == tuple(neuron.w)
    assert z.children[-1] is neuron.b
    assert z.data == pytest.approx(0.1 + 0.5 * 1.0 - 0.25 * 2.0, abs=1e-16)


def test_linear_neuron_returns_its_weighted_sum() -> None:
    out = nn.Neuron(2, "linear", weights=[2.0, 3.0], bias=1.0)([1.0, 1.0])
    assert (out.op, out.data) == ("dot", 6.0)


@pytest.mark.parametrize(("activation", "expected"), [
    ("sigmoid", _sigmoid(-0.5)), ("tanh", math.tanh(-0.5)), ("relu", 0.0), ("linear", -0.5),
])
def test_activations_apply_their_function(activation: str, expected: float) -> None:
    model = nn.MLP(1, [1], activation, weights=[([[1.0]], [0.0])])
    out = model([-0.5])
    assert isinstance(out, Value)
    assert out.data == pytest.approx(expected, rel=1e-15, abs=0.0)


def test_output_activation_differs_from_the_hidden_one() -> None:
    weights = [([[1.0]], [0.0]), ([[-2.0]], [0.0])]
    model = nn.MLP(1, [1, 1], "relu", output_activation="linear", weights=weights)
    out = model([3.0])
    assert isinstance(out, Value)
    assert (out.op, out.data) == ("dot", -6.0)


def test_unknown_activation_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown activation 'softplus'; choose one of sigmoid, tanh, relu"):
        nn.MLP(2, [1], "softplus")


def test_single_output_model_returns_a_value() -> None:
    assert isinstance(nn.MLP(2, [3, 1])([0.0, 1.0]), Value)


def test_multi_output_model_returns_a_list() -> None:
    out = nn.MLP(2, [3, 2])([0.0, 1.0])
    assert isinstance(out, list)
    assert [o.label for o in out] == ["ô1", "ô2"]


def test_layer_returns_a_list_even_for_one_neuron() -> None:
    out = nn.Layer(2, 1)([0.0, 1.0])
    assert isinstance(out, list)
    assert len(out) == 1


@pytest.mark.parametrize("module", [nn.MLP(2, [2, 1]), nn.Layer(2, 3), nn.Neuron(2)],
                         ids=["mlp", "layer", "neuron"])
def test_wrong_number_of_inputs_names_both_numbers(module: nn.Module) -> None:
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        module([1.0, 2.0, 3.0])  # type: ignore[operator]


def test_a_bare_number_is_not_an_input_sequence() -> None:
    with pytest.raises(TypeError, match="expects a sequence of 2 inputs, got float"):
        seed_model()(1.0)  # type: ignore[arg-type]


def test_several_hidden_layers_number_their_nodes() -> None:
    model = nn.MLP(1, [2, 2, 1], seed=0)
    out = model([1.0])
    assert isinstance(out, Value)
    labels = {node.label for node in topological_order(out)}
    assert labels == {"ô", "o", "ĥ2.1", "h2.1", "ĥ2.2", "h2.2", "ĥ1.1", "h1.1", "ĥ1.2", "h1.2"}


def test_parameter_names_number_layers_from_one() -> None:
    names = [name for name, _ in nn.MLP(1, [2, 2, 1]).named_parameters()]
    assert names == ["w1[0][0]", "b1[0]", "w1[1][0]", "b1[1]", "w2[0][0]", "w2[0][1]", "b2[0]",
                     "w2[1][0]", "w2[1][1]", "b2[1]", "w3[0]", "w3[1]", "b3"]


def test_same_seed_gives_the_same_weights() -> None:
    assert nn.MLP(3, [4, 2], seed=7).state_dict() == nn.MLP(3, [4, 2], seed=7).state_dict()


def test_different_seeds_give_different_weights() -> None:
    assert nn.MLP(3, [4, 2], seed=7).state_dict() != nn.MLP(3, [4, 2], seed=8).state_dict()


def test_seeded_weights_come_from_the_models_own_generator() -> None:
    rng = random.Random(5)
    bound = 1.0 / math.sqrt(3.0)
    expected = [rng.uniform(-bound, bound) for _ in range(4 * 4)]  # layer 1: 4 neurons of 3 weights + bias
    assert [p.data for p in nn.MLP(3, [4, 2], seed=5).parameters()][:16] == expected


def test_random_init_leaves_the_global_random_state_alone() -> None:
    state = random.getstate()
    nn.MLP(3, [4, 2], seed=1)
    nn.MLP(3, [4, 2], seed=None)
    assert random.getstate() == state


def test_random_weights_lie_within_one_over_root_fan_in() -> None:
    model = nn.MLP(4, [16, 9], seed=3)
    for layer in model.layers:
        bound = 1.0 / math.sqrt(layer.nin)
        assert all(-bound <= p.data <= bound for p in layer.parameters())


def test_seed_none_draws_fresh_weights() -> None:
    assert nn.MLP(3, [8], seed=None).state_dict() != nn.MLP(3, [8], seed=None).state_dict()


def test_explicit_weights_of_the_wrong_shape_are_refused() -> None:
    rows, biases = SEED_WEIGHTS[0]
    with pytest.raises(ValueError, match="Layer 1: row 1 has 3 weights; the layer has 2 inputs"):
        nn.MLP(2, [2, 1], weights=[([rows[0], [1.0, 2.0, 3.0]], biases), SEED_WEIGHTS[1]])
    with pytest.raises(ValueError, match="expected 1 rows of weights and 1 biases"):
        nn.MLP(2, [2, 1], weights=[SEED_WEIGHTS[0], ([[0.1, 0.1]], [0.1, 0.2])])
    with pytest.raises(ValueError, match="weights for 1 layers, but the model has 2"):
        nn.MLP(2, [2, 1], weights=[SEED_WEIGHTS[0]])


@pytest.mark.parametrize(("bad", "error", "message"), [
    (True, TypeError, r"initial weight w1\[0\]\[0\]: cannot use True \(type bool\); expected an int"),
    ("0.1", TypeError, r"initial weight w1\[0\]\[0\]: cannot use .0.1. \(type str\); expected an int"),
    (math.nan, ValueError, r"initial weight w1\[0\]\[0\]: must be finite, got nan"),
    (math.inf, ValueError, r"must be finite, got inf"),
])
def test_bad_explicit_weight_is_refused_by_name(bad: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        nn.MLP(2, [2, 1], weights=[([[bad, -0.1], [-0.1, 0.1]], [0.1, -0.1]), SEED_WEIGHTS[1]])  # type: ignore[list-item]


@pytest.mark.parametrize("nouts", [[], [2, 0], [2, -1], [2.0]])
def test_bad_layer_sizes_are_refused(nouts: list[int]) -> None:
    with pytest.raises(ValueError, match="MLP: nouts"):
        nn.MLP(2, nouts)


def test_neuron_needs_both_weights_and_bias_or_neither() -> None:
    with pytest.raises(ValueError, match="give both weights= and bias="):
        nn.Neuron(2, weights=[1.0, 2.0])


def test_zero_grad_clears_every_parameter() -> None:
    model, loss = first_sample_graph()
    loss.backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_zero_grad_set_to_none_leaves_none_and_backward_counts_it_as_zero() -> None:
    model, loss = first_sample_graph()
    loss.backward()
    expected = [p.grad for p in model.parameters()]
    model.zero_grad(set_to_none=True)  # PyTorch's habit
    assert all(p.grad is None for p in model.parameters())
    model2, loss2 = first_sample_graph()
    model2.zero_grad(set_to_none=True)
    loss2.backward()
    assert [p.grad for p in model2.parameters()] == expected
    with pytest.raises(TypeError, match=r"^MLP.zero_grad: set_to_none must be True or False, got 'no'$"):
        model.zero_grad(set_to_none="no")  # type: ignore[arg-type]


def test_state_dict_is_names_to_floats_in_order() -> None:
    model = nn.MLP(2, [3, 1], seed=2)
    state = model.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    assert list(state.values()) == [p.data for p in model.parameters()]


def test_load_state_dict_sets_every_parameter() -> None:
    model = seed_model()
    source = nn.MLP(2, [2, 1], seed=4)
    model.load_state_dict(source.state_dict())
    assert model.state_dict() == source.state_dict()


def test_load_state_dict_accepts_ints() -> None:
    model = seed_model()
    model.load_state_dict(dict.fromkeys(SEED_NAMES, 1))
    assert all(type(p.data) is float and p.data == 1.0 for p in model.parameters())


@pytest.mark.parametrize(("change", "message"), [
    (lambda s: s.pop("b2"), r"missing 'b2'"),
    (lambda s: s.update(b3=0.0), r"unexpected 'b3'"),
    (lambda s: s.update(b2=True), r"parameter 'b2' is True \(bool\); expected a number"),
    (lambda s: s.update(b2="0.1"), r"parameter 'b2' is '0.1' \(str\)"),
    (lambda s: s.update(b2=None), r"parameter 'b2' is None"),
    (lambda s: s.update(b2=math.nan), r"parameter 'b2' is nan; weights must be finite"),
    (lambda s: s.update(b2=-math.inf), r"parameter 'b2' is -inf"),
    (lambda s: s.update(b2=10**400), r"parameter 'b2' is an integer too large"),
], ids=["missing", "unexpected", "bool", "str", "none", "nan", "inf", "huge-int"])
def test_bad_state_dict_is_refused_and_the_model_is_unchanged(change: object, message: str) -> None:
    model = seed_model()
    before = model.state_dict()
    state: dict[str, object] = dict.fromkeys(SEED_NAMES, 0.5)
    change(state)  # type: ignore[operator]
    with pytest.raises(ValueError, match=message):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_repr_reads_like_the_constructor() -> None:
    assert repr(nn.MLP(2, [2, 1], "tanh", output_activation="sigmoid")) == (
        "MLP(2, [2, 1], 'tanh', output_activation='sigmoid')"
    )


def test_a_bias_given_as_a_plain_number_names_the_layer_and_shows_a_list() -> None:
    with pytest.raises(TypeError, match=r"^Layer 2: the biases must be a list, one number per neuron"
                                        r" \(e\.g\. \[0\.1\]\); got 0\.1 \(float\)$"):
        nn.MLP(2, [2, 1], weights=[([[0.1, -0.1], [-0.1, 0.1]], [0.1, -0.1]), ([[0.1, -0.1]], 0.1)])  # type: ignore[list-item]


def test_a_flat_row_of_weights_names_the_layer_and_the_row() -> None:
    with pytest.raises(TypeError, match=r"^Layer 1: row 0 is 0\.1 \(float\); each row must be a list of one"
                                        r" neuron's 1 weight, so the weights are a list of rows"
                                        r" \(e\.g\. \[\[0\.1\]\]\)$"):
        nn.MLP(1, [1], weights=[([0.1], [0.1])])  # type: ignore[list-item]


def test_weights_given_as_a_generator_are_refused() -> None:
    with pytest.raises(TypeError, match=r"^MLP: weights must be a list of \(rows, biases\) pairs, one per"
                                        r" layer; got a generator$"):
        nn.MLP(1, [1], weights=(w for w in [([[0.1]], [0.1])]))  # type: ignore[arg-type]


def test_rows_given_as_a_generator_are_refused() -> None:
    with pytest.raises(TypeError, match=r"^Layer 1: the weights must be a list of rows, one list of weights"
                                        r" per neuron \(e\.g\. \[\[0\.1, 0\.1\], \[0\.1, 0\.1\]\]\);"
                                        r" got a generator$"):
        nn.Layer(2, 2, weights=((r for r in [[0.1, 0.1], [0.1, 0.1]]), [0.1, 0.1]))  # type: ignore[arg-type]


def test_biases_given_as_a_string_are_refused() -> None:
    with pytest.raises(TypeError, match=r"^Layer 1: the biases must be a list.*got '0\.1' \(str\)$"):
        nn.Layer(1, 1, weights=([[0.1]], "0.1"))  # type: ignore[arg-type]


def test_neuron_weights_given_as_a_plain_number_are_refused() -> None:
    with pytest.raises(TypeError, match=r"^Neuron: weights must be a list, one number per input"
                                        r" \(e\.g\. \[0\.1, 0\.1\]\); got 0\.5 \(float\)$"):
        nn.Neuron(2, weights=0.5, bias=0.1)  # type: ignore[arg-type]


def test_explicit_weights_may_be_tuples() -> None:
    model = nn.MLP(2, [1], weights=((((0.5, -0.5),), (0.25,)),))
    assert list(model.state_dict().values()) == [0.5, -0.5, 0.25]


@pytest.mark.parametrize(("module", "prefix"), [
    (nn.Neuron(1), "Neuron 'a'"),
    (nn.Layer(1, 2), "Layer 1"),
    (nn.MLP(1, [1]), r"MLP\(1, \[1\], 'tanh'\)"),
], ids=["neuron", "layer", "mlp"])
def test_a_bare_number_input_is_refused_by_every_module(module: nn.Module, prefix: str) -> None:
    with pytest.raises(TypeError, match=rf"^{prefix}: expects a sequence of 1 inputs, got float$"):
        module(1.0)  # type: ignore[operator]


@pytest.mark.parametrize("module", [nn.Neuron(2), nn.Layer(2, 2), nn.MLP(2, [2, 1])],
                         ids=["neuron", "layer", "mlp"])
@pytest.mark.parametrize("inputs", [{0: 5.0, 1: 6.0}, "ab", b"ab", {5.0, 6.0}, iter([5.0, 6.0]), Value(1.0)],
                         ids=["dict", "str", "bytes", "set", "iterator", "value"])
def test_inputs_that_only_look_like_a_sequence_are_refused(module: nn.Module, inputs: object) -> None:
    with pytest.raises(TypeError, match=rf"expects a sequence of 2 inputs, got {type(inputs).__name__}$"):
        module(inputs)  # type: ignore[operator]


def test_a_tuple_or_a_range_is_an_input_sequence() -> None:
    model = nn.MLP(2, [2, 1], seed=3)
    expected = model([0.0, 1.0])
    assert isinstance(expected, Value)
    for inputs in [(0.0, 1.0), range(2)]:
        out = model(inputs)
        assert isinstance(out, Value)
        assert out.data == expected.data


def test_a_numpy_array_is_an_input_sequence() -> None:
    np = pytest.importorskip("numpy")
    model = nn.MLP(2, [2, 1], seed=3)
    expected = model([0.5, 1.0])
    out = model(np.array([0.5, 1.0]))
    assert isinstance(out, Value)
    assert isinstance(expected, Value)
    assert out.data == expected.data


def test_a_list_or_tuple_input_skips_the_general_sequence_check(monkeypatch: pytest.MonkeyPatch) -> None:
    def general_check(x: object) -> int | None:
        raise AssertionError("the general check ran on a list or tuple")

    model = nn.MLP(2, [2, 1])
    monkeypatch.setattr(nn.layers, "_length", general_check)
    model([1.0, 2.0])
    model((1.0, 2.0))
    nn.Layer(2, 2)([1.0, 2.0])
    nn.Neuron(2)((1.0, 2.0))


def test_a_single_layer_size_is_not_a_list_of_sizes() -> None:
    with pytest.raises(TypeError, match=r"^MLP: nouts must be a list of layer sizes,"
                                        r" e\.g\. MLP\(2, \[2, 1\]\); got 3 \(int\)$"):
        nn.MLP(2, 3)  # type: ignore[arg-type]


def test_an_activation_that_is_not_a_string_is_unknown() -> None:
    with pytest.raises(ValueError, match=r"unknown activation \['tanh'\]; choose one of sigmoid"):
        nn.MLP(2, [1], ["tanh"])  # type: ignore[arg-type]


LECTURE_XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
LECTURE_YS = [1.0, -1.0, -1.0, 1.0]


def _one_output(out: Value | list[Value]) -> Value:
    assert isinstance(out, Value)  # a model with one output returns a Value
    return out


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_the_lectures_training_loop_learns_with_the_default_activation(seed: int) -> None:
    # micrograd's lecture, word for word but for the seed: MSE against -1 and 1, 20 steps at lr 0.05
    # (with a sigmoid default, whose outputs cannot reach -1, it ended at a loss of 4.18)
    n = nn.MLP(3, [4, 4, 1], seed=seed)
    for _ in range(20):
        ypred = [_one_output(n(x)) for x in LECTURE_XS]
        loss = sum(((yout - ygt) ** 2 for ygt, yout in zip(LECTURE_YS, ypred, strict=True)), Value(0.0))
        for p in n.parameters():
            p.grad = 0.0
        loss.backward()
        for p in n.parameters():
            p.data += -0.05 * p.grad
    assert loss.data < 0.5


def test_the_default_activation_is_the_lectures_tanh_and_the_seed_says_sigmoid() -> None:
    assert (nn.Neuron(2).activation, nn.Layer(2, 2).activation) == ("tanh", "tanh")
    assert repr(nn.MLP(3, [4, 4, 1])) == "MLP(3, [4, 4, 1], 'tanh')"
    assert repr(seed_model()) == "MLP(2, [2, 1], 'sigmoid')"
