# Two commands on a fresh machine (Python 3.11+, no GPU, no server):
#   make run    sets up .venv and runs the main job (README)
#   make test   sets up .venv, lints and runs the tests (about 10 min on 2 cores)
#   make test-long  the long integration runs `make test` leaves out (CI runs both)
#   make docs   builds the site into docs/_build/html (warnings are errors)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-long lint docs

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch first, pinned: the CPU build (an unpinned torch pulls a multi-GB CUDA build)
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[all,test,docs]"
	# peers compared side by side (cymr compiles a Cython extension); their tests skip without them
	$(BIN)/python -m pip install -q "cymr>=0.14" || echo "cymr could not be installed: its peer checks will skip"
	touch $@

run: $(BIN)/.installed
	$(BIN)/neuromem run working-memory --model compte2000 --delays 0.5 1 2 3 --trials 20 --seed 1 --out results/

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# one test process per core (at most 4); a file's tests stay in one process, so its module fixtures
# (a built network, the figures made once) are made once
test: lint
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4 --dist loadfile --durations=15

# the tests marked long (whole pipelines, worker pools, spiking networks of 20 s or more each); CI runs them after `make test`
test-long: $(BIN)/.installed
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4 --dist loadfile --durations=15 -m "long and not slow"

# the site; -W: a warning (a broken link or reference, a docstring that does not parse) fails the build;
# -E: every page is read again, so no page keeps a stale sidebar after the contents change (35 s)
docs: $(BIN)/.installed
	$(BIN)/sphinx-build -W --keep-going -E -q -b html docs docs/_build/html
