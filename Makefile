# `make demo` and `make test` are all the set-up a fresh machine needs: each creates .venv on first
# use and installs the project with what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet

.PHONY: demo test lint bench mutate clean

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) -e '.[test,dev]'
	touch $@

$(VENV)/.installed-demo: $(VENV)/.installed
	$(PIP) -e '.[demo]'
	touch $@

$(VENV)/.installed-bench: $(VENV)/.installed
	$(PIP) -e '.[bench]'
	touch $@

demo: $(VENV)/.installed-demo
	$(BIN)/python -m demos.xor --plot out/xor.png
	$(BIN)/python -m demos.graph

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy --strict autograd nn demos benchmarks tests

bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/run.py

mutate: $(VENV)/.installed-test
	$(BIN)/python tests/mutate.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis
