"""The seed article's network and data: a 2-2-1 sigmoid net learning XOR (see REFERENCE.md).

- `XOR_DATA`: the four samples in the seed's order, inputs as floats.
- `seed_model()`: ``MLP(2, [2, 1])`` with the seed's initial weights.  Its parameters carry the
  article's (and PyTorch's) names: ``w1[j][i]`` (row j: the weights into hidden neuron j),
  ``b1[j]``, ``w2[i]``, ``b2``; a forward pass labels its nodes ``h1, h2`` (hidden
  pre-activations), ``ĥ1, ĥ2`` (hidden activations), ``o`` (output pre-activation), ``ô``.
- `first_sample_graph()`: the graph of the first sample's loss, ready for ``backward()``.
- `seed_layout()`: a model's values or gradients grouped as the seed's PyTorch tensors (any MLP:
  one weight tensor and one bias tensor per layer).
- `LEARNING_RATE`, `DEFAULT_LR`: the seed's learning rate, and the demos' default for each loss.
"""

from __future__ import annotations

from autograd import Value
from nn import MLP, LayerWeights, bce_loss, mse_loss

__all__ = [
    "DEFAULT_LR",
    "LEARNING_RATE",
    "LOSSES",
    "SEED_WEIGHTS",
    "XOR_DATA",
    "first_sample_graph",
    "format_layout",
    "seed_layout",
    "seed_model",
]

XOR_DATA: tuple[tuple[list[float], float], ...] = (
    ([1.0, 1.0], 0.0),
    ([0.0, 1.0], 1.0),
    ([1.0, 0.0], 1.0),
    ([0.0, 0.0], 0.0),
)
"""The seed's samples, in its order: (inputs, target)."""

SEED_WEIGHTS: tuple[LayerWeights, LayerWeights] = (
    ([[0.1, -0.1], [-0.1, 0.1]], [0.1, -0.1]),  # w1 (row j: into hidden neuron j), b1
    ([[0.1, -0.1]], [0.1]),  # w2, b2
)
"""The seed's initial weights, one (rows, biases) pair per layer, in PyTorch's layout."""

LEARNING_RATE = 0.4
"""The seed's SGD learning rate."""

LOSSES = {"bce": bce_loss, "mse": mse_loss}
"""The losses the demos offer: the seed's code (BCE) and the article's text (MSE, ``(ô - y)^2``)."""

DEFAULT_LR = {"bce": LEARNING_RATE, "mse": 2 * LEARNING_RATE}
"""The default learning rate for each loss, in every demo: the seed's 0.4 for BCE; twice that for
MSE, whose gradient at the output's pre-activation, 2(ô - y) ô(1 - ô), is half BCE's ô - y near
ô = 1/2 (with lr 0.4 MSE needs about 1400 epochs to solve XOR; with 0.8 it does in the seed's 1000)."""


def seed_model() -> MLP:
    """The seed's 2-2-1 sigmoid network with its initial weights (a new model each call)."""
    return MLP(2, [2, 1], activation="sigmoid", weights=SEED_WEIGHTS)


def first_sample_graph(loss: str = "bce") -> tuple[MLP, Value]:
    """The seed model and the loss of its first sample, [1, 1] -> 0, nothing backpropagated yet.

    The inputs are leaves labelled ``x1`` and ``x2``; ``loss`` is ``"bce"`` (the seed's code) or
    ``"mse"`` (the article's text, ``(ô - y)^2``).
    """
    if loss not in LOSSES:
        raise ValueError(f"first_sample_graph: unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    model = seed_model()
    (x, y) = XOR_DATA[0]
    inputs = [Value(x[0], label="x1"), Value(x[1], label="x2")]
    out = model(inputs)
    assert isinstance(out, Value)  # one output
    return model, LOSSES[loss](out, y)


def seed_layout(model: MLP, attribute: str = "data") -> dict[str, object]:
    """A model's parameter values (or ``attribute="grad"``: gradients) as the seed's tensors.

    For the seed's 2-2-1 network: ``{"w1": [[w1[0][0], w1[0][1]], [w1[1][0], w1[1][1]]],
    "w2": [w2[0], w2[1]], "b1": [b1[0], b1[1]], "b2": b2}``, in the order PyTorch's
    ``state_dict()`` lists them.  Any other MLP likewise: every layer's weights ``w1, w2, ...``
    (row j: the weights into its neuron j; a layer of one neuron: that neuron's weights), then
    every layer's biases ``b1, b2, ...`` (a layer of one neuron: a number).
    """
    if attribute not in ("data", "grad"):
        raise ValueError(f"seed_layout: attribute must be 'data' or 'grad'; got {attribute!r}")
    weights: dict[str, object] = {}
    biases: dict[str, object] = {}
    for layer in model.layers:
        rows = [[getattr(w, attribute) for w in neuron.w] for neuron in layer.neurons]
        bias = [getattr(neuron.b, attribute) for neuron in layer.neurons]
        one = len(layer.neurons) == 1
        weights[f"w{layer.index}"] = rows[0] if one else rows
        biases[f"b{layer.index}"] = bias[0] if one else bias
    return {**weights, **biases}


def format_layout(layout: dict[str, object], digits: int = 4) -> str:
    """``w1 [[0.0948, -0.1052], [-0.0948, 0.1052]], w2 [...], b1 [...], b2 -0.1105`` (fixed digits)."""

    def fmt(x: object) -> str:
        if isinstance(x, list):
            return "[" + ", ".join(fmt(v) for v in x) + "]"
        assert isinstance(x, float)
        return f"{x:.{digits}f}"

    return ", ".join(f"{name} {fmt(value)}" for name, value in layout.items())
