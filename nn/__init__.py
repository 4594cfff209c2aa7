"""A small neural-network layer on top of `autograd`, in PyTorch's vocabulary.

    >>> import nn
    >>> model = nn.MLP(2, [2, 1], activation="sigmoid", seed=1)
    >>> opt = nn.SGD(model.parameters(), lr=0.4)
    >>> loss = nn.bce_loss(model([1.0, 0.0]), 1.0)
    >>> opt.zero_grad(); loss.backward(); opt.step()
    >>> [name for name, _ in model.named_parameters()]
    ['w1[0][0]', 'w1[0][1]', 'b1[0]', 'w1[1][0]', 'w1[1][1]', 'b1[1]', 'w2[0]', 'w2[1]', 'b2']
"""

from nn.layers import ACTIVATIONS, MLP, Layer, LayerWeights, Neuron
from nn.losses import (
    BCE_EPSILON,
    bce_loss,
    hinge_loss,
    mean_bce_loss,
    mean_hinge_loss,
    mean_mse_loss,
    mse_loss,
)
from nn.module import Module
from nn.optim import SGD, Adam, Optimizer

__all__ = [
    "ACTIVATIONS",
    "BCE_EPSILON",
    "MLP",
    "SGD",
    "Adam",
    "Layer",
    "LayerWeights",
    "Module",
    "Neuron",
    "Optimizer",
    "bce_loss",
    "hinge_loss",
    "mean_bce_loss",
    "mean_hinge_loss",
    "mean_mse_loss",
    "mse_loss",
]
