# Boxoffice developer commands. Everything installs itself on first use; nothing needs Docker or AWS.
#   make test   - virtualenvs, pinned dependencies, the portal's build, the gate (lint, types, template), every tier
#   make run    - the whole stack on a local AWS emulator, the portal and the API at http://127.0.0.1:3000 (PORT, HOST)
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The template's runtime is python3.13; pyenv (as on our machines) or a python3.13 on PATH provides it.
export PYENV_VERSION ?= 3.13.0
PYTHON313 ?= $(shell command -v python3.13 2>/dev/null || echo python3.13)

VENV      := .venv
SAM_VENV  := .venvs/sam
EMU_VENV  := .venvs/emulator
LS_VENV   := .venvs/localstripe
CHECKOV_VENV := .venvs/checkov
PY        := $(VENV)/bin/python
SAM       := $(SAM_VENV)/bin/sam
CFN_LINT  := $(SAM_VENV)/bin/cfn-lint
PYTEST_ARGS ?=
LINTED    := functions tools bench tests
# Line coverage of functions/ by the unit and integration tiers (the end-to-end tier runs them in the emulator).
# The floor holds for the whole suite: the Stripe adapter is covered only end to end.
COVERAGE_REPORT := --cov=functions/boxoffice --cov-report=term:skip-covered
COVERAGE  := $(COVERAGE_REPORT) --cov-fail-under=95
# The portal (npm): installed from its lockfile, built into portal/dist; a stamp makes a repeated build instant.
PORTAL       := portal
PORTAL_DEPS  := $(PORTAL)/node_modules/.installed
PORTAL_BUILT := $(PORTAL)/dist/.built
PORTAL_SRC   := $(shell find $(PORTAL)/src $(PORTAL)/public -type f 2>/dev/null) \
                $(wildcard $(PORTAL)/index.html $(PORTAL)/vite.config.ts $(PORTAL)/tsconfig*.json)
STACK     ?= boxoffice-dev

.PHONY: help venvs portal lint lint-ops test unit integration e2e browser check-template run build deploy-portal contracts openapi stress bench clean

help:
	@echo "make test        - install everything pinned, run the gate and every tier of tests"
	@echo "make run         - start the local stack (emulator + sam deploy), serve the portal and the API on :3000"
	@echo "make lint        - ruff (lint and format) and mypy"
	@echo "make lint-ops    - the deploy pipeline offline: workflows (actionlint), pipeline/template.yaml (cfn-lint, roles)"
	@echo "make unit        - the pure tier: domain rules, validation, contracts (seconds)"
	@echo "make integration - the template's stack in moto, functions in-process"
	@echo "make e2e         - over HTTP against the local stack"
	@echo "make browser     - the portal in a real browser (Debian's chromium) against the local stack"
	@echo "make portal      - install and build the portal (portal/dist)"
	@echo "make deploy-portal STACK=boxoffice-dev STRIPE_PUBLISHABLE_KEY=pk_... - upload the portal to a deployed stack"
	@echo "make contracts   - regenerate docs/contracts/ (OpenAPI, event schemas) after changing routes or events"
	@echo "make stress      - the longer load runs"
	@echo "make bench       - the benchmark (bench/results.json, bench/*.png)"

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

# The local payment provider (localstripe), reached by the functions as Stripe would be; it pins its own aiohttp.
$(LS_VENV)/.installed: tools/requirements-localstripe.txt
	$(PYTHON313) -m venv $(LS_VENV)
	$(LS_VENV)/bin/pip install -q --disable-pip-version-check -r tools/requirements-localstripe.txt
	touch $@

# checkov pins many libraries of its own: its own virtualenv.
$(CHECKOV_VENV)/.installed: tools/requirements-checkov.txt
	$(PYTHON313) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q --disable-pip-version-check -r tools/requirements-checkov.txt
	touch $@

venvs: $(VENV)/.installed $(SAM_VENV)/.installed $(EMU_VENV)/.installed $(LS_VENV)/.installed $(CHECKOV_VENV)/.installed

# npm ci: exactly the lockfile; portal/.npmrc refuses any dependency's install script (strict-allow-scripts).
$(PORTAL_DEPS): $(PORTAL)/package.json $(PORTAL)/package-lock.json $(PORTAL)/.npmrc
	cd $(PORTAL) && npm ci --no-audit --no-fund
	touch $@

$(PORTAL_BUILT): $(PORTAL_DEPS) $(PORTAL_SRC)
	cd $(PORTAL) && npm run build
	touch $@

portal: $(PORTAL_BUILT)

# Every checkov finding is fixed or skipped in the template with its reason (docs/adr/0013).
check-template: $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed
	$(SAM) validate --lint --region us-east-1
	$(CFN_LINT) template.yaml
	$(CHECKOV_VENV)/bin/checkov -f template.yaml --framework cloudformation --compact --quiet --skip-download

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)
	$(VENV)/bin/mypy
	$(VENV)/bin/pre-commit validate-config .pre-commit-config.yaml

# The deploy pipeline, offline (seconds): the workflows with actionlint (and the pinned ShellCheck on their run:
# scripts; pyflakes off, no step runs Python inline); pipeline/template.yaml with cfn-lint; and whether its
# execution roles allow what CloudFormation needs for every resource of template.yaml (README, "Pipeline").
lint-ops: $(VENV)/.installed $(SAM_VENV)/.installed
	$(VENV)/bin/actionlint -shellcheck $(VENV)/bin/shellcheck -pyflakes= .github/workflows/*.yml
	$(CFN_LINT) pipeline/template.yaml
	$(SAM_VENV)/bin/python tools/check_pipeline_roles.py

# The gate first (seconds), then every tier: unit, integration (with coverage), end to end.
test: venvs portal lint lint-ops check-template
	$(SAM) build --config-env dev
	$(PY) -m pytest tests -m "not stress" $(COVERAGE) $(PYTEST_ARGS)

unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

integration: $(VENV)/.installed $(SAM_VENV)/.installed $(LS_VENV)/.installed
	$(PY) -m pytest tests/integration $(COVERAGE_REPORT) $(PYTEST_ARGS)

e2e: venvs
	$(PY) -m pytest tests/e2e -m "not stress" $(PYTEST_ARGS)

browser: venvs portal
	$(PY) -m pytest tests/browser $(PYTEST_ARGS)

stress: venvs
	$(PY) -m pytest tests -m stress $(PYTEST_ARGS)

build: $(SAM_VENV)/.installed
	$(SAM) build

run: venvs portal
	$(VENV)/bin/boxoffice run

# After `sam deploy` (AWS credentials in the environment): the build and its config.json to the stack's bucket.
deploy-portal: $(VENV)/.installed portal
	$(VENV)/bin/boxoffice deploy-portal --stack $(STACK)

bench: venvs
	$(PY) bench/run.py

contracts: $(VENV)/.installed
	$(PY) tools/boxoffice_dev/contracts.py

openapi: contracts

clean:
	rm -rf .aws-sam .local $(PORTAL)/dist
