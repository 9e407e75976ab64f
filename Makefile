# Boxoffice developer commands. Everything installs itself on first use; nothing needs Docker or AWS.
#   make test   - virtualenvs, pinned dependencies, template checks, every test (unit + end to end)
#   make run    - the whole stack on a local AWS emulator, API at http://127.0.0.1:3000 (PORT, HOST)
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The template's runtime is python3.13; pyenv (as on our machines) or a python3.13 on PATH provides it.
export PYENV_VERSION ?= 3.13.0
PYTHON313 ?= $(shell command -v python3.13 2>/dev/null || echo python3.13)

VENV      := .venv
SAM_VENV  := .venvs/sam
EMU_VENV  := .venvs/emulator
PY        := $(VENV)/bin/python
SAM       := $(SAM_VENV)/bin/sam
CFN_LINT  := $(SAM_VENV)/bin/cfn-lint
PYTEST_ARGS ?=

.PHONY: help venvs test unit e2e check-template run build openapi stress bench clean

help:
	@echo "make test   - install everything pinned, check the template, run every test"
	@echo "make run    - start the local stack (emulator + sam deploy) and serve the API on :3000"
	@echo "make unit   - only the fast in-process tests (moto)"
	@echo "make stress - the longer load runs"
	@echo "make bench  - the benchmark (bench/results.json, bench/*.png)"

$(VENV)/.installed: requirements-dev.txt functions/requirements.txt pyproject.toml
	$(PYTHON313) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	$(VENV)/bin/pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

$(SAM_VENV)/.installed: tools/requirements-sam.txt
	$(PYTHON313) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q --disable-pip-version-check -r tools/requirements-sam.txt
	touch $@

# The emulator runs the functions on its own interpreter: the template's Python, with the functions' dependencies.
$(EMU_VENV)/.installed: tools/requirements-emulator.txt functions/requirements.txt
	$(PYTHON313) -m venv $(EMU_VENV)
	$(EMU_VENV)/bin/pip install -q --disable-pip-version-check -r tools/requirements-emulator.txt
	touch $@

venvs: $(VENV)/.installed $(SAM_VENV)/.installed $(EMU_VENV)/.installed

check-template: $(SAM_VENV)/.installed
	$(SAM) validate --lint --region us-east-1
	$(CFN_LINT) template.yaml

test: venvs check-template
	$(SAM) build --config-env dev
	$(PY) -m pytest tests -m "not stress" $(PYTEST_ARGS)

unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

e2e: venvs
	$(PY) -m pytest tests/e2e -m "not stress" $(PYTEST_ARGS)

stress: venvs
	$(PY) -m pytest tests -m stress $(PYTEST_ARGS)

build: $(SAM_VENV)/.installed
	$(SAM) build

run: venvs
	$(VENV)/bin/boxoffice run

bench: venvs
	$(PY) bench/run.py

openapi: $(VENV)/.installed
	PYTHONPATH=functions $(PY) -m boxoffice.openapi > openapi.json

clean:
	rm -rf .aws-sam .local
