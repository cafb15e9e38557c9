# portkit's own developer commands. `make demo` and `make test` are the README's two commands.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
UV     := $(shell command -v uv 2>/dev/null)

.PHONY: help setup demo test test-fast lint bench bench-cli bench-update bench-check bench-green bench-retrieval clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-13s %s\n", $$1, $$2}'

# Bytecode is compiled at install time: with PYTHONDONTWRITEBYTECODE set, every process would
# otherwise recompile copier, cookiecutter and friends from source (seconds per command).
$(BIN)/portkit: pyproject.toml
ifdef UV
	uv venv --quiet --allow-existing -p $(PYTHON) $(VENV)
	uv pip install --quiet --compile-bytecode -p $(BIN)/python -e ".[dev]"
else
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
endif
	@touch $@

setup: $(BIN)/portkit  ## Create .venv and install portkit with its dev tools

demo: setup  ## Generate the model-api project into ./demo, set it up and train its model
	rm -rf demo
	$(BIN)/portkit new model-api demo --defaults
	$(MAKE) -C demo setup train
	@echo "Done: ./demo holds a trained, tracked model. Serve it with: cd demo && make run"

test: lint  ## Lint, then run the whole test suite (unit, CLI and end-to-end)
	$(BIN)/python -m pytest

test-fast: setup  ## Only the fast tests
	$(BIN)/python -m pytest -m "not slow"

lint: setup  ## ruff and mypy
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

# `make bench RUNS=1` for a quick pass; each script's default number of runs otherwise.
RUNS ?=
RUNS_OPTION := $(if $(RUNS),--runs $(RUNS))

bench: bench-cli bench-update bench-check bench-green bench-retrieval  ## Run every benchmark (see benchmarks/README.md)

bench-cli: setup  ## portkit --help and portkit new against their floors
	$(BIN)/python benchmarks/bench_cli.py $(RUNS_OPTION)

bench-update: setup  ## portkit update against copier update, same change
	$(BIN)/python benchmarks/bench_update.py $(RUNS_OPTION)

bench-check: setup  ## portkit update --check on up-to-date projects (target: under a second)
	$(BIN)/python benchmarks/bench_check.py $(RUNS_OPTION)

bench-green: setup  ## Time-to-green of each built-in template (minutes)
	$(BIN)/python benchmarks/bench_time_to_green.py $(RUNS_OPTION)

bench-retrieval: setup  ## rag-chatbot's default retriever against plain bm25s on real docs
	$(BIN)/python benchmarks/bench_retrieval.py $(RUNS_OPTION)

clean:  ## Remove the venv and caches
	rm -rf $(VENV) build dist demo .pytest_cache .mypy_cache .ruff_cache
