# EQ DKP developer commands. A newcomer needs two: `make run` and `make test`.
#
#   make run     install, migrate, load the demo guild when the database is empty, start
#                web + worker/beat (honcho, Procfile; + the Discord bot when DISCORD_BOT_TOKEN
#                is set) and print the address to open; `make run PORT=8100` serves on 8100
#   make test    lint, then the suite on SQLite, then on a throwaway PostgreSQL when its
#                server binaries are present; says which legs ran
#   make install the virtualenv in .venv from the pinned requirements/dev.txt (only redone
#                when requirements change)
#   make demo    migrate and load the demo guild
#   make lint    ruff check, ruff format --check, mypy
#   make bench   the benchmark guild (500 members, 10 years) on SQLite and a throwaway PostgreSQL,
#                measured side by side, plus a raid-night load test on gunicorn; writes
#                docs/benchmarks.md and docs/benchmarks.json (scripts/bench.sh; about 15 minutes);
#                BENCH_ONLY=import measures only the ten-year import (about 12 minutes);
#                BENCH_IMPORT=no leaves it out (the report keeps its import section)
#   make fmt     ruff format and ruff's safe fixes
#   make clean   caches and test reports (keeps .venv and the database); distclean: both too

PYTHON ?= python3
VENV ?= .venv
# The web server's port on 127.0.0.1 (`make run PORT=8100`).
PORT ?= 8000
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-lock

export VENV

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
# requirements/*.txt name this machine's local package mirrors; where one is absent pip warns once
# per package. The warning is noise, so it is filtered out of the install output.
PIP_NOISE := is ignored: it is neither a file nor a directory

.DEFAULT_GOAL := help
.PHONY: help install run demo test lint bench fmt clean distclean

help:
	@sed -n '1,/^$$/s/^# \{0,1\}//p' Makefile

install: $(STAMP)

# The stamp is newer than both lock files once they are installed, so an unchanged lock installs
# nothing; a changed lock (or a deleted .venv) reinstalls.
$(STAMP): requirements/base.txt requirements/dev.txt
	@test -x $(BIN)/python || { echo "--> creating $(VENV) with $$($(PYTHON) --version)"; $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip 2>&1 | { grep -v "$(PIP_NOISE)" || true; }
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt 2>&1 | { grep -v "$(PIP_NOISE)" || true; }
	@touch $@
	@echo "--> $(VENV) is installed from requirements/dev.txt"

# The bot starts with `make run` when a token is set, in the shell or in .env (which the settings read).
BOT_TOKEN := $(or $(DISCORD_BOT_TOKEN),$(shell sed -n 's/^DISCORD_BOT_TOKEN=\(..*\)/\1/p' .env 2>/dev/null))

# var/ and the broker's folders are made by the app itself when it starts (dkp/core/runtime.py).
run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_demo --if-empty
	@echo
	@echo "--> starting web + worker/beat$(if $(BOT_TOKEN), + the Discord bot,); EQ DKP will be at http://127.0.0.1:$(PORT) (Ctrl-C stops all)"
	@echo
	@scripts/announce-url.sh 127.0.0.1 $(PORT) & \
	PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/honcho start -f Procfile -p $(PORT) web worker$(if $(BOT_TOKEN), bot,)

demo: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_demo

test: install
	@scripts/test.sh

lint: install
	@scripts/lint.sh

bench: install
	@scripts/bench.sh

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf .mypy_cache .ruff_cache .pytest_cache .hypothesis var/static
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) var
