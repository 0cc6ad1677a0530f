# Two commands on a fresh machine: `make reports` and `make test`.
# Each builds .venv from pyproject.toml when it is missing or older than pyproject.toml, or was made
# with a Python this project does not support (or not the PYTHON you name), registers the project
# Jupyter kernel inside it, then runs.
#
# Python: 3.11, 3.12 or 3.13. Without PYTHON=..., the first of python3.11, python3.12, python3.13,
# python3 that runs and is one of those versions builds .venv.
SUPPORTED   := 3.11 3.12 3.13
CANDIDATES  := python3.11 python3.12 python3.13 python3
VENV        := .venv
PY          := $(VENV)/bin/python
STAMP       := $(VENV)/.installed
KERNEL      := gonv
NB          ?=

# "3.11" for an interpreter that runs, nothing for one that does not (a pyenv shim without that version).
pyver = $(shell $(1) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
supported = $(filter $(SUPPORTED),$(call pyver,$(1)))

# Deferred (=): only worked out when .venv has to be built.
ifeq ($(origin PYTHON),undefined)
BASE_PY = $(firstword $(foreach p,$(CANDIDATES),$(if $(call supported,$(p)),$(p))))
else
BASE_PY = $(PYTHON)
endif

# A .venv that does not run, runs an unsupported Python, or another version than the PYTHON named is rebuilt.
VENV_VER := $(if $(wildcard $(VENV)),$(call pyver,$(PY)))
ifneq ($(wildcard $(VENV)),)
ifeq ($(VENV_VER),)
VENV_STALE := $(VENV) does not run (its Python is gone?): rebuilding it
else ifeq ($(filter $(SUPPORTED),$(VENV_VER)),)
VENV_STALE := $(VENV) was made with Python $(VENV_VER) (supported: $(SUPPORTED)): rebuilding it
else ifneq ($(origin PYTHON),undefined)
ifneq ($(call pyver,$(PYTHON)),$(VENV_VER))
VENV_STALE := $(VENV) was made with Python $(VENV_VER), PYTHON=$(PYTHON) is $(call pyver,$(PYTHON)): rebuilding it
endif
endif
endif

.PHONY: reports test lab check bench refresh diff-setup clean-reports venv FORCE

venv: $(STAMP)

$(STAMP): pyproject.toml $(if $(VENV_STALE),FORCE)
	@py='$(BASE_PY)'; \
	if [ -z "$$py" ]; then echo "error: no Python $(SUPPORTED) found (tried $(CANDIDATES)); install one or run make PYTHON=/path/to/python3.12 ..."; exit 1; fi; \
	v=$$($$py -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	if [ -z "$$v" ]; then echo "error: PYTHON=$$py does not run; supported: Python $(SUPPORTED)"; exit 1; fi; \
	case " $(SUPPORTED) " in *" $$v "*) ;; *) echo "error: $$py is Python $$v; supported: $(SUPPORTED) (run make PYTHON=/path/to/python3.12 ...)"; exit 1;; esac
	$(if $(VENV_STALE),@echo "$(VENV_STALE)" && rm -rf $(VENV))
	@test -x $(PY) || $(BASE_PY) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (gonv)" >/dev/null
	@touch $(STAMP)

FORCE:

reports: $(STAMP)
	$(PY) -m helpers run

test: $(STAMP)
	$(PY) -m pytest tests
	$(PY) -m helpers run --needs-of-defaults --no-progress
	$(PY) -m pytest --nbval --nbval-current-env --sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider notebooks

check: $(STAMP)
	$(PY) -m helpers check

# Build what the notebooks' defaults need (upstream derived tables), then re-execute notebooks in place,
# cleaned, and rewrite their text pairs: `make refresh NB=10_recompute_distributions`
# (several: NB="10_recompute_distributions 20_compare_years"; all when NB is not given).
refresh: $(STAMP)
	$(PY) -m helpers run --needs-of-defaults --no-progress
	$(PY) -m helpers refresh-notebooks $(NB)

# Started at the repository root, in notebooks/: jupytext reads jupytext.toml only inside the server's root,
# and pairs each notebook with its notebooks/py/ script on save. JupyterLab refuses to start as root unless
# told (containers run as root).
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=. --LabApp.default_url=/lab/tree/notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

# Notebook-aware `git diff` and merges for this clone (.gitattributes routes *.ipynb to nbdime's drivers);
# the drivers are called from .venv, so they work without activating it.
diff-setup: $(STAMP)
	$(VENV)/bin/nbdime config-git --enable
	git config diff.jupyternotebook.command "$(abspath $(VENV))/bin/git-nbdiffdriver diff"
	git config merge.jupyternotebook.driver "$(abspath $(VENV))/bin/git-nbmergedriver merge %O %A %B %L %P"

bench: $(STAMP)
	$(PY) benchmarks/bench_runner.py
	$(PY) benchmarks/bench_continuity.py
	$(PY) benchmarks/bench_keyfit.py

clean-reports:
	rm -rf reports/* data/derived/*
