"""`Neuron`, `Layer` and `MLP`: a multilayer perceptron made of `Value`s.

A neuron computes ``a = f(b + sum_i w_i x_i)``: ONE n-ary ``dot`` node for the weighted sum (its
pre-activation), then one node for the activation f.  Activations: ``"sigmoid"``, ``"tanh"``,
``"relu"`` and ``"linear"`` (no activation node: the neuron's output is its weighted sum).

The default activation is ``"tanh"``, everywhere, as in micrograd's lecture: its code,
``MLP(3, [4, 4, 1])`` trained with MSE against targets of -1 and 1, runs unchanged and learns
(tanh(t) = (e^{2t} - 1)/(e^{2t} + 1) reaches both targets; a sigmoid output, 1/(1 + e^{-t}) in
(0, 1), cannot reach -1, and that loop would end at a loss of about 4.2).  The article's network is
sigmoid, and says so: ``MLP(2, [2, 1], activation="sigmoid")`` (``demos.seed.seed_model()``).
micrograd's own ``MLP`` is ReLU then linear: ``activation="relu", output_activation="linear"``.

Parameter order (what `parameters()` lists and an optimizer steps): layer by layer, neuron by
neuron, each neuron's weights in input order and then its bias (micrograd's order).

Labels, in the article's and PyTorch's notation (layer l counts from 1, neuron j and input i from 0):

- parameters: ``w{l}[j][i]`` is the weight from input i into neuron j of layer l (row j of PyTorch's
  ``weight``), ``b{l}[j]`` that neuron's bias.  A layer of one neuron drops the j: ``w2[i]``, ``b2``.
- nodes of a forward pass: the hidden pre-activations ``h1, h2, ...`` and activations ``ĥ1, ĥ2, ...``;
  the output layer's ``o1, o2, ...`` and ``ô1, ô2, ...`` (``o`` and ``ô`` for a single output).  With
  several hidden layers the layer number comes first: ``h2.1`` is neuron 1 of hidden layer 2.

So the article's 2-2-1 network, ``MLP(2, [2, 1], activation="sigmoid")``, has the parameters
``w1[0][0], w1[0][1], b1[0], w1[1][0], w1[1][1], b1[1], w2[0], w2[1], b2`` and computes
``h1, h2 -> ĥ1, ĥ2 -> o -> ô``.

Initial weights: explicit, or drawn uniformly from [-1/sqrt(nin), 1/sqrt(nin)] (PyTorch's
``nn.Linear`` range) by the model's own ``random.Random(seed)``, in parameter order, so one seed
always gives the same weights; the global `random` state is never used or changed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from autograd import ops
from autograd.core import Op, Operand, Value, apply, number
from autograd.ops import dot
from nn.module import Module, _check_inputs, _length

__all__ = ["ACTIVATIONS", "MLP", "Layer", "LayerWeights", "Neuron"]

ACTIVATIONS: dict[str, Op | None] = {
    "sigmoid": ops.SIGMOID, "tanh": ops.TANH, "relu": ops.RELU, "linear": None
}  # fmt: skip
"""Activation name -> the operation of `autograd.ops` that applies it (``None``: no activation node)."""

LayerWeights = tuple[Sequence[Sequence[float]], Sequence[float]]
"""One layer's explicit weights in PyTorch's layout: (rows of weights, one row per neuron; biases)."""


class Neuron(Module):
    """``f(b + sum_i w_i x_i)`` with its own weights ``w`` and bias ``b`` (leaf Values).

    ``Neuron(nin, activation)`` draws its weights from ``random.Random(seed)``, or from ``rng`` when
    given; ``weights=`` and ``bias=`` set them instead.  Labels: parameters ``w[i]`` and ``b``,
    nodes ``z`` (pre-activation) and ``a`` (output), unless given (a `Layer` gives its own).
    """

    def __init__(
        self,
        nin: int,
        activation: str = "tanh",
        *,
        weights: Sequence[float] | None = None,
        bias: float | None = None,
        seed: int | None = 0,
        rng: random.Random | None = None,
        weight_labels: Sequence[str] | None = None,
        bias_label: str = "b",
        pre_label: str = "z",
        out_label: str = "a",
    ) -> None:
        _check_count(nin, "Neuron", "nin")
        self.nin = nin
        self.activation = _check_activation(activation, "Neuron")
        self._activate = ACTIVATIONS[activation]
        labels = list(weight_labels) if weight_labels is not None else [f"w[{i}]" for i in range(nin)]
        if len(labels) != nin:
            raise ValueError(f"Neuron: {len(labels)} weight labels for {nin} inputs; they must match")
        if weights is not None:
            count = _length(weights)
            if count is None:
                raise TypeError(
                    f"Neuron: weights must be a list, one number per input (e.g. {_example(nin)});"
                    f" got {_given(weights)}"
                )
            if count != nin:
                raise ValueError(f"Neuron: {count} weights for {nin} inputs; they must match")
        if (weights is None) != (bias is None):
            raise ValueError("Neuron: give both weights= and bias=, or neither (random initial weights)")
        if weights is None or bias is None:
            draw = rng if rng is not None else random.Random(seed)
            bound = 1.0 / math.sqrt(nin)
            weights = [draw.uniform(-bound, bound) for _ in range(nin)]
            bias = draw.uniform(-bound, bound)
        self.w = [Value(_weight(x, label), label=label) for x, label in zip(weights, labels, strict=True)]
        self.b = Value(_weight(bias, bias_label), label=bias_label)
        self.pre_label = pre_label
        self.out_label = out_label

    def __call__(self, x: Sequence[Operand]) -> Value:
        """The neuron's output for inputs ``x`` (numbers or Values): two nodes, one for linear."""
        _check_inputs(x, self.nin, self._who)
        z = dot(self.w, x, self.b)
        z.label = self.pre_label
        if self._activate is None:
            return z
        a = apply(self._activate, z)
        a.label = self.out_label
        return a

    def _who(self) -> str:
        return f"Neuron {self.out_label!r}"

    def parameters(self) -> list[Value]:
        """``[w[0], ..., w[nin-1], b]``."""
        return [*self.w, self.b]

    def architecture(self) -> dict[str, Any]:
        return {"module": "Neuron", "nin": self.nin, "activation": self.activation}

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, {self.activation!r})"


class Layer(Module):
    """``nout`` neurons that all read the same ``nin`` inputs; calling it gives a list of outputs.

    ``index`` is the layer's number l in the labels (``w{l}[j][i]``, ``b{l}[j]``); ``node_labels``
    gives each neuron's (pre-activation, output) labels, by default ``(h{j+1}, ĥ{j+1})``, or
    ``(h, ĥ)`` for a layer of one neuron.
    ``weights=(rows, biases)`` sets the weights (row j: neuron j's weights); otherwise they are
    drawn from ``rng``, or from ``random.Random(seed)``.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "tanh",
        *,
        index: int = 1,
        weights: LayerWeights | None = None,
        seed: int | None = 0,
        rng: random.Random | None = None,
        node_labels: Sequence[tuple[str, str]] | None = None,
    ) -> None:
        _check_count(nin, "Layer", "nin")
        _check_count(nout, "Layer", "nout")
        self.nin = nin
        self.nout = nout
        self.index = index
        self.activation = _check_activation(activation, "Layer")
        if node_labels is None:
            node_labels = [("h", "ĥ")] if nout == 1 else [(f"h{j + 1}", f"ĥ{j + 1}") for j in range(nout)]
        node_labels = list(node_labels)
        if len(node_labels) != nout:
            raise ValueError(f"Layer {index}: {len(node_labels)} node labels for {nout} neurons")
        rows: Sequence[Sequence[float]] | None = None
        biases: Sequence[float] | None = None
        if weights is not None:
            rows, biases = _check_layer_weights(weights, nin, nout, index)
        draw = rng if rng is not None else random.Random(seed)
        self.neurons: list[Neuron] = []
        for j in range(nout):
            name = f"{index}" if nout == 1 else f"{index}[{j}]"
            self.neurons.append(
                Neuron(
                    nin,
                    activation,
                    weights=rows[j] if rows is not None else None,
                    bias=biases[j] if biases is not None else None,
                    rng=draw,
                    weight_labels=[f"w{name}[{i}]" for i in range(nin)],
                    bias_label=f"b{name}",
                    pre_label=node_labels[j][0],
                    out_label=node_labels[j][1],
                )
            )

    def __call__(self, x: Sequence[Operand]) -> list[Value]:
        """Each neuron's output, in order."""
        _check_inputs(x, self.nin, self._who)
        out = []
        for neuron in self.neurons:
            out.append(neuron(x))
        return out

    def _who(self) -> str:
        return f"Layer {self.index}"

    def parameters(self) -> list[Value]:
        """Neuron by neuron: each neuron's weights in input order, then its bias."""
        return [p for n in self.neurons for p in n.parameters()]

    def architecture(self) -> dict[str, Any]:
        return {"module": "Layer", "nin": self.nin, "nout": self.nout, "activation": self.activation}

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {self.nout}, {self.activation!r})"


class MLP(Module):
    """A multilayer perceptron: ``MLP(nin, [n1, n2, ..., nout])``.

    Every hidden layer uses ``activation`` (``"tanh"`` unless told: the lecture's choice, see the
    module doc); the output layer uses ``output_activation`` (by default the same).  Calling the
    model on ``nin`` inputs (numbers or Values) returns a `Value` when it has one output, else a list
    of them; the wrong number of inputs raises `ValueError`.

    ``weights`` sets every layer's weights, one ``(rows, biases)`` pair per layer in PyTorch's
    layout (row j of layer l: the weights into its neuron j).  Without it they are drawn from
    ``random.Random(seed)`` (``seed=None``: from the operating system's entropy).

        >>> seed_weights = [([[0.1, -0.1], [-0.1, 0.1]], [0.1, -0.1]), ([[0.1, -0.1]], [0.1])]
        >>> net = MLP(2, [2, 1], "sigmoid", weights=seed_weights)
        >>> [name for name, _ in net.named_parameters()][:3]
        ['w1[0][0]', 'w1[0][1]', 'b1[0]']
        >>> round(net([1.0, 1.0]).data, 4)  # the article's first output, ô
        0.5262
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "tanh",
        output_activation: str | None = None,
        *,
        weights: Sequence[LayerWeights] | None = None,
        seed: int | None = 0,
    ) -> None:
        _check_count(nin, "MLP", "nin")
        try:
            nouts = list(nouts)
        except TypeError:
            raise TypeError(
                f"MLP: nouts must be a list of layer sizes, e.g. MLP(2, [2, 1]); got {_given(nouts)}"
            ) from None
        if not nouts:
            raise ValueError("MLP: nouts must list at least one layer size, e.g. MLP(2, [2, 1])")
        for k, n in enumerate(nouts):
            _check_count(n, "MLP", f"nouts[{k}]")
        _check_activation(activation, "MLP")
        output_activation = activation if output_activation is None else output_activation
        _check_activation(output_activation, "MLP")
        if weights is not None:
            count = _length(weights)
            if count is None:
                raise TypeError(
                    f"MLP: weights must be a list of (rows, biases) pairs, one per layer;"
                    f" got {_given(weights)}"
                )
            if count != len(nouts):
                raise ValueError(f"MLP: weights for {count} layers, but the model has {len(nouts)}")
        self.nin = nin
        self.nouts = nouts
        self.activation = activation
        self.output_activation = output_activation
        rng = random.Random(seed)
        sizes = [nin, *nouts]
        hidden = len(nouts) - 1
        self.layers: list[Layer] = []
        for k, nout in enumerate(nouts):
            last = k == hidden
            self.layers.append(
                Layer(
                    sizes[k],
                    nout,
                    output_activation if last else activation,
                    index=k + 1,
                    weights=weights[k] if weights is not None else None,
                    rng=rng,
                    node_labels=_node_labels("o", "ô", "", nout) if last
                    else _node_labels("h", "ĥ", f"{k + 1}." if hidden > 1 else "", nout),
                )
            )
        self._single = nouts[-1] == 1

    def __call__(self, x: Sequence[Operand]) -> Value | list[Value]:
        """The model's output: a `Value` for a single output, else a list of them."""
        _check_inputs(x, self.nin, self.__repr__)
        for layer in self.layers:
            x = layer(x)
        return x[0] if self._single else x  # type: ignore[return-value]

    def parameters(self) -> list[Value]:
        """Layer by layer, neuron by neuron, each neuron's weights in input order, then its bias."""
        return [p for layer in self.layers for p in layer.parameters()]

    def architecture(self) -> dict[str, Any]:
        return {
            "module": "MLP",
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": self.activation,
            "output_activation": self.output_activation,
        }

    def __repr__(self) -> str:
        acts = f"{self.activation!r}"
        if self.output_activation != self.activation:
            acts += f", output_activation={self.output_activation!r}"
        return f"MLP({self.nin}, {self.nouts}, {acts})"


def _node_labels(pre: str, post: str, layer: str, n: int) -> list[tuple[str, str]]:
    if n == 1 and not layer:
        return [(pre, post)]
    return [(f"{pre}{layer}{j + 1}", f"{post}{layer}{j + 1}") for j in range(n)]


def _check_count(n: object, where: str, name: str) -> None:
    if type(n) is not int or n < 1:
        raise ValueError(f"{where}: {name} must be a positive int; got {n!r}")


def _check_activation(name: str, where: str) -> str:
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"{where}: unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
    return name


def _weight(x: object, label: str) -> float:
    """An explicit initial weight: a finite int or float (a bool is refused)."""
    value = number(x, f"initial weight {label}", None, "an int or float")
    if not math.isfinite(value):
        raise ValueError(f"initial weight {label}: must be finite, got {value!r}")
    return value


def _check_layer_weights(
    weights: LayerWeights, nin: int, nout: int, index: int
) -> tuple[Sequence[Sequence[float]], Sequence[float]]:
    """Shapes of one layer's explicit weights: ``nout`` rows of ``nin`` weights, ``nout`` biases.

    Each must be a list (or tuple, or array); a bare number, a string, a generator or a flat row
    is refused with `TypeError` naming the layer and showing the shape it wants (a layer that is
    not a (rows, biases) pair at all is a `ValueError`).
    """
    if _length(weights) != 2:
        raise ValueError(
            f"Layer {index}: weights must be a pair (rows, biases); got {type(weights).__name__}"
        )
    rows, biases = weights
    row_count = _length(rows)
    if row_count is None:
        raise TypeError(
            f"Layer {index}: the weights must be a list of rows, one list of weights per neuron"
            f" (e.g. {_example(nout, _example(nin))}); got {_given(rows)}"
        )
    bias_count = _length(biases)
    if bias_count is None:
        raise TypeError(
            f"Layer {index}: the biases must be a list, one number per neuron (e.g. {_example(nout)});"
            f" got {_given(biases)}"
        )
    if row_count != nout or bias_count != nout:
        raise ValueError(
            f"Layer {index}: expected {nout} rows of weights and {nout} biases (one per neuron);"
            f" got {row_count} rows and {bias_count} biases"
        )
    for j, row in enumerate(rows):
        count = _length(row)
        if count is None:
            weights_word = "weight" if nin == 1 else "weights"
            raise TypeError(
                f"Layer {index}: row {j} is {_given(row)}; each row must be a list of one neuron's"
                f" {nin} {weights_word}, so the weights are a list of rows"
                f" (e.g. {_example(nout, _example(nin))})"
            )
        if count != nin:
            raise ValueError(f"Layer {index}: row {j} has {count} weights; the layer has {nin} inputs")
    return rows, biases


def _example(n: int, item: str = "0.1") -> str:
    """A list of ``n`` items as an example in a message: ``[0.1]``, ``[0.1, 0.1]``, ``[0.1, ...]``."""
    return f"[{item}]" if n == 1 else f"[{item}, {item}]" if n == 2 else f"[{item}, ...]"


def _given(x: object) -> str:
    """What was given, for a message: ``0.1 (float)``, or ``a generator`` when its repr is long."""
    text = repr(x)
    return f"{text} ({type(x).__name__})" if len(text) <= 40 else f"a {type(x).__name__}"
