SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
# Every install comes from the lock file (pinned versions of everything, dev tools included);
# `make lock` refreshes it from pyproject.toml. The venv is rebuilt when either changes.
LOCK := requirements.lock
PIP_TOOLS := pip-tools==7.7.0
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) 2>/dev/null | md5sum | cut -c1-12)

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/crm
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: help run test lint venv lock sysdeps-run sysdeps-test bench bench-peer seed-bench worker messages

help:
	@echo "make run    - set up everything and serve the app at http://127.0.0.1:8000"
	@echo "make test   - run the whole test suite against PostgreSQL and Redis"
	@echo "make bench  - seed data at scale and run the load scenarios (long)"
	@echo "make bench-peer - the same, with the Creme peer kit measured in the same run"
	@echo "make messages - update the translations (locale/) and check templates for untranslated text"
	@echo "make lock   - refresh requirements.lock from pyproject.toml (UPGRADE=1: newest allowed versions)"

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r $(LOCK)
	$(PY) -m pip install -q --no-deps -e .
	@$(PY) -m pip check >/dev/null || { $(PY) -m pip check; \
		echo "$(LOCK) does not satisfy pyproject.toml: run 'make lock'." >&2; exit 1; }
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

venv: $(STAMP)

# Keeps the pinned versions that still satisfy pyproject.toml and pins what is new;
# `make lock UPGRADE=1` moves every pin to the newest allowed release.
lock:
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q "$(PIP_TOOLS)"
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet --extra dev \
		--strip-extras --no-emit-index-url --no-emit-find-links \
		$(if $(UPGRADE),--upgrade) --output-file $(LOCK) pyproject.toml

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
