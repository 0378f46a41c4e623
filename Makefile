# Trợ lý DVC Giáo dục: every step from a fresh clone to a running bot lives here.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
RASA_VENV := .venv-rasa
PY        := $(VENV)/bin/python
RASA      := $(RASA_VENV)/bin/rasa
MODEL     := models/dvc.tar.gz

export PYTHONPATH := $(CURDIR)
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 3
export RASA_TELEMETRY_ENABLED := false
export PYTHONWARNINGS := ignore::DeprecationWarning
export API_PORT ?= 8000
export RASA_PORT ?= 5005
export ACTIONS_PORT ?= 5055

MODEL_INPUTS := config.yml $(shell find bot textnorm -type f \( -name '*.yml' -o -name '*.py' \) 2>/dev/null)

.PHONY: help setup browser nginx audit migrate load load-test demo draft train run test bench lint validate purge admin clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: $(VENV)/.installed $(RASA_VENV)/.installed ## Create both Python environments from the lock files

$(VENV)/.installed: requirements/api.lock
	@scripts/venv.sh 3.11 $(VENV) requirements/api.lock

$(RASA_VENV)/.installed: requirements/rasa.lock
	@scripts/venv.sh 3.10 $(RASA_VENV) requirements/rasa.lock

migrate: $(VENV)/.installed ## Apply database migrations (SQLite by default, DVC_DATABASE_URL to change)
	@$(PY) -m api.cli migrate

load: migrate ## Validate kb/ and load it into the database (idempotent; reports what changed)
	@$(PY) -m api.cli load-kb

demo: load ## Seed the demo dossiers listed in the README (refused in the production profile)
	@if [ "$${DVC_PROFILE:-dev}" = production ]; then echo "==> production profile: no demo dossiers"; else $(PY) -m api.cli seed-demo; fi

draft: $(VENV)/.installed ## Draft a kb file from the national TTHC database: make draft CODE=1.005095 (review before committing)
	@$(PY) -m api.cli draft-kb "$(CODE)"

train: $(MODEL) ## Train the Rasa model, only when data, domain or config changed

$(MODEL): $(RASA_VENV)/.installed $(MODEL_INPUTS)
	@echo "==> training the Rasa model"
	@mkdir -p models var/log
	@flock models/.train.lock $(RASA) train --quiet --domain bot/domain --data bot/data --config config.yml --out models \
		--fixed-model-name dvc >var/log/train.log 2>&1 || { cat var/log/train.log; exit 1; }
	@test -f $(MODEL) && touch $(MODEL) && echo "==> model saved to $(MODEL) (log: var/log/train.log)"

validate: $(RASA_VENV)/.installed ## Check training data and domain (rasa data validate)
	@scripts/validate.sh

run: setup load demo train ## Install, migrate, load the catalogue, train if needed and start everything
	@scripts/run.sh

browser: ## Install Debian's chromium for the browser tests if it is missing (never a downloaded browser)
	@scripts/ensure-chromium.sh

audit: $(VENV)/.installed ## Check both lock files for known vulnerabilities (pip-audit; needs the vulnerability data online)
	@scripts/audit.sh

nginx: ## Install Debian's nginx for the deployment tests and the load script if it is missing
	@scripts/ensure-nginx.sh

test: setup browser nginx train ## Run the whole test suite (starts API, action server and Rasa on loopback)
	@$(PY) -m pytest

bench: setup browser nginx load train ## Print benchmark figures (bot, understanding, dossier lookup, reports, channels)
	@$(PY) scripts/bench.py
	@$(PY) scripts/bench_understanding.py
	@$(PY) scripts/bench_lookup.py
	@$(PY) scripts/bench_reports.py
	@$(PY) scripts/bench_channels.py
	@$(PY) scripts/bench_gateway.py
	@$(PY) scripts/bench_classroom.py
	@$(PY) scripts/load.py --quick

load-test: setup nginx load train ## The admission-season load run: every profile, 60 s runs, 1-3 Rasa instances (about 15 min)
	@$(PY) scripts/load.py

lint: $(VENV)/.installed ## ruff and strict mypy
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy

purge: $(VENV)/.installed ## Delete conversations older than DVC_RETENTION_DAYS (default 365) from every store
	@$(PY) -m api.cli purge

admin: $(VENV)/.installed ## Create an admin account: make admin NAME=login ROLE=admin|staff|teacher (asks the password)
	@$(PY) -m api.cli create-admin --username "$(NAME)" --role "$(or $(ROLE),admin)"

clean: ## Remove environments, models and the local database
	rm -rf $(VENV) $(RASA_VENV) .venv-audit models var .pytest_cache .mypy_cache .ruff_cache
