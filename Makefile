# saas-airlock: `make synth` and `make test` are all a new checkout needs.
# Every target installs what is missing first (a .venv with pinned Python packages and
# Node.js 24 from PyPI, the pinned CDK CLI from npm) and is safe to run again.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
export CDK_DISABLE_CLI_TELEMETRY := true
export CDK_DISABLE_VERSION_CHECK := true
export NPM_CONFIG_UPDATE_NOTIFIER := false
export NPM_CONFIG_FUND := false
export NPM_CONFIG_AUDIT := false
# Node.js from PyPI trusts only its bundled CAs; add the system's, as Debian's own Node does.
ifeq ($(NODE_EXTRA_CA_CERTS),)
SYSTEM_CA := $(wildcard /etc/ssl/certs/ca-certificates.crt)
ifneq ($(SYSTEM_CA),)
export NODE_EXTRA_CA_CERTS := $(SYSTEM_CA)
endif
endif
SPEC ?= examples/landing-zone.yaml
PIP_QUIET := 2>&1 | { grep -v -e "^WARNING: Location" -e "^$$" || true; }

.PHONY: help setup synth test lint typecheck format schema docs clean distclean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.runtime: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "saas-airlock needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing Python packages into $(VENV) ..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -e ".[cli]" $(PIP_QUIET)
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	@echo "installing test tools into $(VENV) ..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt $(PIP_QUIET)
	@touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.runtime
	@echo "installing the pinned CDK CLI (npm ci) ..."
	@$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(VENV)/.dev node_modules/.installed ## install everything (idempotent)

synth: $(VENV)/.runtime node_modules/.installed ## synthesize SPEC (default: the example) with the real CDK CLI
	@rm -rf cdk.out
	@cdk synth --quiet --no-notices -c airlock:spec=$(SPEC)
	@$(BIN)/airlock summary cdk.out

.PHONY: bench
bench: $(VENV)/.runtime ## synth benchmark (1-100 integrations, every plugin) -> benchmarks/results/, README
	@$(BIN)/python -m benchmarks.synth_scale --readme $(BENCH_ARGS)

test: $(VENV)/.dev node_modules/.installed lint ## lint, then run the whole test suite
	@$(BIN)/python -m pytest -n 2 --dist loadgroup

lint: $(VENV)/.dev typecheck ## ruff lint and format check, strict type check of the constructs
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev ## mypy --strict on the public construct library
	@$(BIN)/mypy

docs: $(VENV)/.dev ## build the API reference of airlock.constructs into docs/api (warnings fail)
	@rm -rf docs/api
	@PDOC_ALLOW_EXEC=1 $(BIN)/python -W error -m pdoc airlock.constructs --docformat restructuredtext -o docs/api
	@echo "API reference written to docs/api/index.html"

format: $(VENV)/.dev ## apply ruff's formatting and fixes
	@$(BIN)/ruff format .
	@$(BIN)/ruff check --fix .

schema: $(VENV)/.runtime ## regenerate schema/*.schema.json (spec and register) and docs/spec-reference.md from the models
	@$(BIN)/airlock schema --out schema/airlock-spec.schema.json
	@$(BIN)/airlock schema --register --out schema/airlock-register.schema.json
	@$(BIN)/airlock schema --reference --out docs/spec-reference.md

clean: ## remove build and test output
	rm -rf cdk.out docs/api .pytest_cache .ruff_cache .hypothesis build dist *.egg-info
	find . -name __pycache__ -not -path './$(VENV)/*' -not -path './node_modules/*' -prune -exec rm -rf {} +

distclean: clean ## also remove the virtualenv and node_modules
	rm -rf $(VENV) node_modules
