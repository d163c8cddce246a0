# Two commands set everything up on a fresh machine:
#   make demo   creates .venv, installs creditlab, runs the in-silico BCI experiment, writes its report
#   make test   installs the dev tools, runs ruff and pytest
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_OUT ?= runs/demo-$(shell date +%Y%m%d-%H%M%S)

.PHONY: demo test test-slow lint bench clean figures

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# compileall: an editable install leaves creditlab's own modules uncompiled, and where
# PYTHONDONTWRITEBYTECODE is set every command would compile them again (0.05 s).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m compileall -q src
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m compileall -q src
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/creditlab bci --rule dendritic --no-nwb --out $(DEMO_OUT)

# the README's figures and the numbers beside them, from one run each of the current code
figures: $(VENV)/.installed
	$(BIN)/python scripts/figures.py

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests benchmarks scripts

test: lint
	$(BIN)/python -m pytest

test-slow: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -m slow

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache
