# The two commands: `make demo` and `make test`. Each sets up its own venv from
# the lock file, so a fresh clone needs nothing but python3.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test setup system-packages lint format lock bench evaluate clean

demo: $(STAMP)
	$(BIN)/rapport demo

test: $(STAMP) system-packages
	$(BIN)/pytest

system-packages:
	./scripts/ensure-system-packages.sh

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
	$(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-resolve the lock after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra postgres --extra spark --extra local-org --extra dev \
		--python-version 3.11 --generate-hashes -o requirements.lock

# Typology accuracy against the generator's ground truth (bench/evaluate.py).
evaluate: $(STAMP)
	$(BIN)/python -m bench.evaluate --accounts 2000

clean:
	rm -rf $(VENV) warehouse .rapport dbt_project/target dbt_project/logs
