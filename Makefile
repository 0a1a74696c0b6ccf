# Two commands on a fresh machine: `make serve` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install serve test lint fuzz bench clean

# First run: a few minutes of downloads, so every step says what it does and pip shows its progress.
$(STAMP): pyproject.toml
	@echo "==> [1/4] creating $(VENV) (first run only)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> [2/4] upgrading pip"
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "==> [3/4] installing torch, CPU wheel (the largest download, with a progress bar)"
	# CPU wheel first: an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --progress-bar on torch==2.13.0
	@echo "==> [4/4] installing policybot and its dependencies (one line per package)"
	$(BIN)/python -m pip install --progress-bar on -e ".[dev]"
	touch $(STAMP)
	@echo "==> installed"

install: $(STAMP)

# `make serve PORT=8080 HOST=0.0.0.0`; without them the settings decide (POLICYBOT_SERVER_PORT, default 8000).
serve: install  ## start the service on its embedded defaults (builds the index on first start)
	$(BIN)/policybot serve $(if $(PORT),--port $(PORT)) $(if $(HOST),--host $(HOST))

test: install  ## the whole test suite; browser tests need /usr/bin/chromium and fonts-noto-cjk (.ci/run installs them)
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
