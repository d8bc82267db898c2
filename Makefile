# The two commands of the README: `make run` and `make test`, each doing its own set-up.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint bench setup

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/clameur up

lint: $(STAMP)
	$(VENV)/bin/ruff check wall moderator_tui tests benchmarks
	$(VENV)/bin/mypy wall moderator_tui

# In parallel, one worker per core (pytest-xdist); a test file stays on one worker, so its
# module-scoped server starts once. `make test JOBS=0` runs the suite in this one process.
JOBS ?= auto
test: lint
	$(VENV)/bin/pytest -q -p no:cacheprovider -n $(JOBS) --dist loadfile

# Sized by flags, e.g. make bench ARGS="--workers 1,2,4,8 --phones 2000 --rate 150000"
# (also --walls, --posts-connections, --quick, --only NAME..., --json FILE).
bench: $(STAMP)
	$(PY) -m benchmarks $(ARGS)
