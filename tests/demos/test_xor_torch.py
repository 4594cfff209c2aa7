"""The seed's own PyTorch script, run beside ours: the first update and the whole log agree."""

from __future__ import annotations

from typing import Any

import pytest

import nn
from demos import xor
from demos.seed import XOR_DATA, first_sample_graph, seed_layout, seed_model

pytestmark = pytest.mark.torch


def _torch_xornet(dtype: Any) -> Any:
    """The seed's XORNet (its code, in its parameter layout) in the given dtype."""
    import torch
    import torch.nn.functional as F  # noqa: N812 (PyTorch's own idiom)

    class XORNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w1 = torch.nn.Parameter(torch.tensor([[0.1, -0.1], [-0.1, 0.1]], dtype=dtype))
            self.w2 = torch.nn.Parameter(torch.tensor([0.1, -0.1], dtype=dtype))
            self.b1 = torch.nn.Parameter(torch.tensor([0.1, -0.1], dtype=dtype))
            self.b2 = torch.nn.Parameter(torch.tensor(0.1, dtype=dtype))

        def forward(self, x: Any) -> Any:
            x = torch.sigmoid(F.linear(x, weight=self.w1, bias=self.b1))
            return torch.sigmoid(F.linear(x, weight=self.w2, bias=self.b2))

    return XORNet()


def _as_lists(net: Any, attribute: str) -> dict[str, object]:
    return {name: getattr(p, attribute).tolist() for name, p in net.named_parameters()}


def _flat(x: object) -> list[float]:
    if isinstance(x, list):
        return [v for item in x for v in _flat(item)]
    assert isinstance(x, float)
    return [x]


def _close(ours: dict[str, object], theirs: dict[str, object], rel: float = 1e-14) -> None:
    assert list(ours) == list(theirs) == ["w1", "w2", "b1", "b2"]
    for name in ours:
        assert _flat(ours[name]) == pytest.approx(_flat(theirs[name]), rel=rel, abs=1e-16), name


def _torch_first_update() -> Any:
    import torch
    import torch.nn.functional as F  # noqa: N812

    net = _torch_xornet(torch.float64)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.4)
    x, y = XOR_DATA[0]
    target = torch.tensor(y, dtype=torch.float64)
    loss = F.binary_cross_entropy(net(torch.tensor(x, dtype=torch.float64)), target)
    optimizer.zero_grad()
    loss.backward()  # type: ignore[no-untyped-call]  # torch's Tensor.backward is unannotated
    optimizer.step()
    return net


def test_first_gradients_agree_with_pytorch_float64() -> None:
    model, loss = first_sample_graph()
    loss.backward()
    _close(seed_layout(model, "grad"), _as_lists(_torch_first_update(), "grad"))


def test_first_update_agrees_with_pytorch_float64() -> None:
    model, loss = first_sample_graph()
    loss.backward()
    nn.SGD(model.parameters(), lr=0.4).step()
    _close(seed_layout(model), _as_lists(_torch_first_update(), "data"))


def _torch_run(dtype: Any) -> tuple[list[str], Any]:
    """The seed's training loop in PyTorch: its 40 log lines and the trained network."""
    import torch
    import torch.nn.functional as F  # noqa: N812

    net = _torch_xornet(dtype)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.4)
    lines = []
    for epoch in range(1, 1001):
        for x, y in XOR_DATA:
            out = net(torch.tensor(x, dtype=dtype))
            loss = F.binary_cross_entropy(out, torch.tensor(y, dtype=dtype))
            optimizer.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]  # torch's Tensor.backward is unannotated
            optimizer.step()
            if epoch % 100 == 0:
                lines.append(xor.log_line(epoch, x, out.item(), y, loss.item()))
    return lines, net


def _our_run() -> tuple[list[str], nn.MLP]:
    model = seed_model()
    lines: list[str] = []
    xor.train(model, emit=lines.append)
    return [line for line in lines if line.startswith("epoch:")], model


def test_pytorch_float32_prints_the_same_40_lines_as_ours() -> None:
    import torch

    assert _our_run()[0] == _torch_run(torch.float32)[0]


def test_pytorch_float64_prints_the_same_40_lines_and_ends_at_the_same_weights() -> None:
    import torch

    ours, model = _our_run()
    theirs, net = _torch_run(torch.float64)
    assert ours == theirs
    _close(seed_layout(model), _as_lists(net, "data"), rel=1e-12)
