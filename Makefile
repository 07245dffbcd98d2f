SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | md5sum | cut -c1-12)

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/crm
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: help run test lint venv sysdeps-run sysdeps-test bench bench-peer seed-bench worker messages

help:
	@echo "make run    - set up everything and serve the app at http://127.0.0.1:8000"
	@echo "make test   - run the whole test suite against PostgreSQL and Redis"
	@echo "make bench  - seed data at scale and run the load scenarios (long)"
	@echo "make bench-peer - the same, with the Creme peer kit measured in the same run"
	@echo "make messages - update the translations (locale/) and check templates for untranslated text"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

venv: $(STAMP)

sysdeps-run:
	@bash scripts/sysdeps.sh run

sysdeps-test:
	@bash scripts/sysdeps.sh test

run: venv sysdeps-run
	@bash scripts/run.sh

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

test: venv sysdeps-test
	@DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" \
		bash scripts/test.sh $(ARGS)

# Translations: collect every translatable string into locale/<lang>/LC_MESSAGES/django.po
# (new ones start untranslated: translate them there), then compile the .mo files that ship.
I18N_IGNORE := --ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles \
	--ignore=node_modules --ignore=test-artifacts --ignore='*.egg-info'
messages: venv
	$(PY) manage.py makemessages -l de --no-location --no-obsolete $(I18N_IGNORE)
	$(PY) manage.py compilemessages $(I18N_IGNORE)
	$(PY) manage.py i18n_templates

bench: venv
	@bash scripts/bench.sh

bench-peer: venv
	@BENCH_PEER=1 bash scripts/bench.sh
