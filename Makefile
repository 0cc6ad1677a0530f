# Two commands on a fresh machine: `make reports` and `make test`.
# Each builds .venv from pyproject.toml when it is missing or older than pyproject.toml,
# registers the project Jupyter kernel inside it, then runs.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
KERNEL := gonv

.PHONY: reports test lab check bench clean-reports venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (gonv)" >/dev/null
	@touch $(STAMP)

reports: $(STAMP)
	$(PY) -m helpers run

test: $(STAMP)
	$(PY) -m pytest tests
	$(PY) -m helpers run --needs-of-defaults --no-progress
	$(PY) -m pytest --nbval --nbval-current-env --sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider notebooks

check: $(STAMP)
	$(PY) -m helpers check

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

bench: $(STAMP)
	$(PY) benchmarks/bench_runner.py
	$(PY) benchmarks/bench_continuity.py

clean-reports:
	rm -rf reports/* data/derived/*
