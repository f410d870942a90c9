# tweets-etl: `make help` lists what you can do. Every target works from a fresh clone.
.DEFAULT_GOAL := help
SHELL := /bin/bash

## PYTHON  the Python that makes .venv (3.9 to 3.12; default python3)
PYTHON ?= python3
## VENV  the virtual environment the targets use (default .venv)
VENV ?= .venv
PY := $(VENV)/bin/python
CLI := $(VENV)/bin/tweets-etl
## ENV  the config: conf/ENV.yaml (local, cloudera, standalone; default local)
ENV ?= local
# All runtime data: VAR_DIR=DIR, else $TWEETS_ETL_VAR_DIR (as tweets-etl reads it), else var.
## VAR_DIR  all runtime data (default $TWEETS_ETL_VAR_DIR, else var)
VAR_DIR ?= $(or $(TWEETS_ETL_VAR_DIR),var)
VAR_DIR := $(VAR_DIR)
## PYTEST_ARGS  extra pytest arguments for test, test-unit and cluster-test, e.g. '-k ship -x'
PYTEST_ARGS ?=
STAMP := $(VENV)/.installed

export TWEETS_ETL_VAR_DIR := $(abspath $(VAR_DIR))

# Cluster, reporting and benchmark targets live in their own files; `make help` lists them all.
-include mk/*.mk

.PHONY: help
help: ## Show this help
	@echo "tweets-etl: ChatGPT tweets from the X API to a Hive star schema with PySpark"
	@echo
	@echo "Start here:  make run   (whole pipeline on bundled sample data)"
	@echo "             make test  (lint + the full test suite)"
	@echo
	@# Targets are the lines `name: ... ## what`; variables are documented by a `## NAME  what` line.
	@# Colour only on a terminal, and never with NO_COLOR set (https://no-color.org).
	@if [ -t 1 ] && [ -z "$${NO_COLOR:-}" ]; then on=$$'\033[36m' off=$$'\033[0m'; else on= off=; fi; \
	awk -v on="$$on" -v off="$$off" ' \
	  /^[a-zA-Z_-]+:.*## / { split($$0, part, ":.*## "); printf "  %s%-14s%s %s\n", on, part[1], off, part[2] } \
	  /^## [A-Z_]+  / { name = $$2; sub(/^## [A-Z_]+  /, ""); vars[++n] = sprintf("  %s%-14s%s %s", on, name, off, $$0) } \
	  END { print "\nVariables (make NAME=value TARGET):"; for (i = 1; i <= n; i++) print vars[i] }' $(MAKEFILE_LIST)

$(STAMP): setup.py
	@$(PYTHON) -c 'import sys; sys.exit(not (3, 9) <= sys.version_info[:2] <= (3, 12))' || { \
	  echo "$(PYTHON) is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'):" \
	       "Spark 3.5 needs 3.9 to 3.12; run e.g. 'make PYTHON=python3.12 $(MAKECMDGOALS)'" >&2; exit 1; }
	@# A venv made without pip (Debian/Ubuntu without python3-venv) is made again, not trusted.
	@test -x $(VENV)/bin/pip || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

.PHONY: install
install: $(STAMP) ## Make the virtual environment (.venv) and install the package with every extra

.PHONY: run
run: $(STAMP) ## Run the whole pipeline (bundled sample data when no input is configured)
	$(CLI) run --env $(ENV)

.PHONY: sample
sample: $(STAMP) ## Write the seeded sample raw pages to var/sample
	$(CLI) sample --env $(ENV)

.PHONY: collect
collect: $(STAMP) ## Collect new tweets from the X API into var/raw (needs X_BEARER_TOKEN)
	$(CLI) collect --env $(ENV)

.PHONY: ship
ship: $(STAMP) ## Ship finished raw files (var/raw) to the landing folder (local or SFTP, per ENV)
	$(CLI) ship --env $(ENV)

.PHONY: test
test: lint ## Lint, then run every test (unit, Hive, SFTP, cluster, browser)
	@bash scripts/pytest.sh $(PY) $(PYTEST_ARGS)

.PHONY: test-unit
test-unit: $(STAMP) ## Only the fast unit tests
	@bash scripts/pytest.sh $(PY) tests/unit $(PYTEST_ARGS)

.PHONY: lint
lint: $(STAMP) ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

.PHONY: format
format: $(STAMP) ## Apply ruff formatting and safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

.PHONY: clean
clean: ## Remove build output (dist/, caches); keeps var/ (your data)
	rm -rf dist build *.egg-info .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +

.PHONY: clean-var
clean-var: ## Delete all runtime data under VAR_DIR (warehouse, metastore, raw files)
	rm -rf $(VAR_DIR)
