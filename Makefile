# Two commands on a fresh machine: `make serve` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install serve test lint fuzz bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# CPU wheel first: an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

serve: install  ## start the service on its embedded defaults (builds the index on first start)
	$(BIN)/policybot serve

test: install  ## the whole test suite
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

fuzz: install  ## property tests and schemathesis against the OpenAPI spec (also part of `make test`)
	$(BIN)/python -m pytest tests/api/test_schemathesis.py tests/bot/test_properties.py

bench: install
	$(BIN)/python bench/retrieval.py
	$(BIN)/python bench/chat.py

clean:
	rm -rf .data
