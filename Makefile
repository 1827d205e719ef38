# Swimlanes — run `make` (or `make help`) for the list of targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help setup test test-fast report lab bench lint format pre-commit images clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask]'  # dask: the LocalCluster tests run too
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (swimlanes)" > /dev/null
	@touch $(STAMP)

setup: $(STAMP) ## Create .venv and install the kit with its dependencies

test: setup ## Run every test (notebooks and browser tests included)
	$(BIN)/python -m pytest

test-fast: setup ## Run the tests that execute no notebook or browser
	$(BIN)/python -m pytest -m 'not slow'

report: setup ## Batch reports for every company in the bundled sample -> reports/
	$(BIN)/kit report

lab: setup ## Open JupyterLab on the notebooks
	$(BIN)/jupyter lab notebooks/

bench: setup ## Run the benchmarks (figures beside their baselines)
	$(BIN)/python -m benchmarks

lint: setup ## Lint: ruff (incl. docstrings), the layer contracts, notebooks without outputs
	$(BIN)/ruff check kit tests benchmarks tools setup.py
	$(BIN)/lint-imports
	$(BIN)/python tools/check_notebooks.py notebooks/*.ipynb

# Fixes and formats only the files given (default: the ones changed against main), so a branch does not
# reformat the whole tree: make format FILES="kit/core/paths.py tests/test_bundle.py"
FILES ?= $(shell git diff --name-only --diff-filter=d main -- '*.py' 2>/dev/null)
format: setup ## ruff check --fix + ruff format on FILES (default: .py files changed against main)
	@if [ -z "$(strip $(FILES))" ]; then echo "nothing to format (no .py file changed against main; pass FILES=...)"; \
	else $(BIN)/ruff check --fix $(FILES) && $(BIN)/ruff format $(FILES); fi

pre-commit: setup ## Run the pre-commit hooks on every file (offline: local hooks, tools from .venv)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/pre-commit run --all-files

images: setup ## Re-make the README's chart images from the bundled sample
	$(BIN)/python -m kit.report.readme_images

clean: ## Remove reports and caches (keeps .venv)
	rm -rf reports .pytest_cache
