# Slipway — `make help` lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: help
help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | sort | \
		awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-24s\033[0m %s\n", $$1, $$2}'

# Installs only what requirements/ locks, hash-checked: setuptools first, so that nothing
# is built with pip's unpinned build isolation. mk/deps.mk refreshes the lock.
PIP := $(PY) -m pip install -q --disable-pip-version-check
# What `make dev` runs: the services' own dependencies (requirements/services.txt, a quarter
# of the development environment). `make install` adds the development tools on top.
SERVICES_STAMP := $(VENV)/.services-stamp
$(SERVICES_STAMP): requirements/build.txt requirements/services.txt pyproject.toml
	@echo "Installing Slipway's dependencies into $(VENV) (from requirements/services.txt)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PIP) --require-hashes -r requirements/build.txt
	@$(PIP) --require-hashes --no-build-isolation -r requirements/services.txt
	@$(PIP) --no-deps --no-build-isolation -e .
	@touch $@

$(STAMP): requirements/build.txt requirements/dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) --require-hashes -r requirements/build.txt
	$(PIP) --require-hashes --no-build-isolation -r requirements/dev.txt
	$(PIP) --no-deps --no-build-isolation -e .
	$(PY) -m scripts.dependencies.installed requirements/dev.txt
	touch $(STAMP) $(SERVICES_STAMP)

.PHONY: install
install: $(STAMP) ## Create .venv and install Slipway with its dev tools, from the lock

.PHONY: dev
dev: $(SERVICES_STAMP) ## Run api, proxy and local builder on this machine (foreground)
	@scripts/dev-prereqs.sh
	@$(PY) -m scripts.cli.main dev

.PHONY: test
test: install ## Run every test
	@scripts/test-prereqs.sh
	$(PY) -m pytest

.PHONY: lint
lint: install ## ruff and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

.PHONY: bench soak
bench: ## Every benchmark (each area adds its own; figures go to docs/benchmarks.md)
soak: ## The long load and fault runs

-include mk/*.mk
