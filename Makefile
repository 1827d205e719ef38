# Swimlanes — run `make` (or `make help`) for the list of targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help setup test test-fast report lab bench lint images clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
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

lint: setup ## Lint with ruff
	$(BIN)/ruff check kit tests benchmarks

images: setup ## Re-make the README's chart images from the bundled sample
	$(BIN)/python -m kit.report.readme_images

clean: ## Remove reports and caches (keeps .venv)
	rm -rf reports .pytest_cache
