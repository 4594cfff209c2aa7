"""Shared test set-up: optional dependencies are skipped with a reason, except in CI (CI=true),
where a missing `dot` or PyTorch is a failure, so the optional tests really run there."""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
HAVE_DOT = shutil.which("dot") is not None
HAVE_TORCH = importlib.util.find_spec("torch") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    needs = {"dot": (HAVE_DOT, "the Graphviz `dot` executable is not on PATH"),
             "torch": (HAVE_TORCH, "PyTorch is not installed (pip install torch==2.13.0)")}
    for item in items:
        for marker, (present, reason) in needs.items():
            if marker in item.keywords and not present:
                if IN_CI:
                    raise pytest.UsageError(f"CI=true but {reason}; .ci/run must install it")
                item.add_marker(pytest.mark.skip(reason=reason))
