# ScalpLab — the two commands a fresh machine needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
WEB_SOURCES := $(shell find web/src web/index.html web/vite.config.ts web/tsconfig*.json -type f 2>/dev/null)

DEMO_WS_PORT ?= 9443
DEMO_REST_PORT ?= 9080

.PHONY: run demo test install install-dev web web-api-check gen-api lint typecheck pytest chromium benchmark clean

## make run: install, build the SPA, import the bundled real sample if the store is empty, serve.
run: install web
	$(BIN)/scalplab data samples
	$(BIN)/scalplab serve --host $(HOST) --port $(PORT)

## make demo: `make run` against the bundled fake Binance (no internet needed): it plays the
## real sample's candles from 2025-06-20 as a live market, one minute per second; start
## the paper engine with "Start live (Binance)" on the Dashboard. It serves no tickers, so
## the market scanner's automatic refresh is off.
demo: install web
	$(BIN)/scalplab data samples
	$(BIN)/python -m scalplab.data.adapters.binance.fake_live --data-dir $${DATA_DIR:-./data} \
		--symbols BTCUSDT,ETHUSDT --start 2025-06-20 --minute-s 1 \
		--port $(DEMO_WS_PORT) --rest-port $(DEMO_REST_PORT) & fake=$$!; \
	trap "kill $$fake" EXIT; \
	REST_URL=http://127.0.0.1:$(DEMO_REST_PORT) WS_URL=ws://127.0.0.1:$(DEMO_WS_PORT) \
		SCANNER_ENABLED=false $(BIN)/scalplab serve --host $(HOST) --port $(PORT)

## make test: install everything, check the generated API client is current, then ruff, mypy,
## pytest (coverage gate 80 %) incl. browser tests.
test: install-dev web chromium web-api-check lint typecheck pytest

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run build

web: web/dist/index.html

## The committed OpenAPI schema and the SPA's client types generated from it match the backend.
web-api-check: install-dev web/node_modules/.installed
	cd web && PYTHON=$(abspath $(BIN))/python npm run --silent api:check

## make gen-api: regenerate web/openapi.json and web/src/api/schema.gen.ts after an API change.
gen-api: install-dev web/node_modules/.installed
	cd web && PYTHON=$(abspath $(BIN))/python npm run gen:api

## Debian's Chromium for the Playwright browser tests (Playwright never downloads a browser here).
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		echo "installing chromium from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

lint: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: install-dev
	@mkdir -p build/typecheck && ln -sfn ../../src build/typecheck/scalplab
	$(BIN)/mypy

pytest: install-dev web chromium
	CHROMIUM=$(CHROMIUM) $(BIN)/pytest --cov=src --cov-report=term --cov-fail-under=80 -p no:cacheprovider

benchmark: install
	$(BIN)/python benchmarks/backtest_throughput.py

clean:
	rm -rf $(VENV) web/node_modules web/dist .mypy_cache .ruff_cache .pytest_cache .coverage
