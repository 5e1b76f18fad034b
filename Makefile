# Polyphony: `make run` starts the whole stack, `make test` passes the suite. Both set up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SETUP_STAMP := $(VENV)/.setup-done
NODE_STAMP := node_modules/.setup-done
WEB_STAMP := web/dist/index.html
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/build.mjs web/index.html web/tsconfig.json

.PHONY: setup run test lint bench contracts demo browser

setup: $(SETUP_STAMP) $(NODE_STAMP) $(WEB_STAMP)  ## Create .venv, install pinned Python and npm dependencies, build the web app (fast when done)

$(SETUP_STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is not installed: install Node.js 20 with npm, then run make again"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB_STAMP): $(NODE_STAMP) $(WEB_SOURCES)  # the web app, served by the API under /app/
	node web/build.mjs

# The browser tests drive Debian's Chromium (never a downloaded browser): `make test` installs it when root can.
browser:
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "== installing Debian's Chromium for the browser tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	  else echo "note: the browser tests need Debian's Chromium: sudo apt-get install chromium"; fi; \
	fi

run: setup  ## Start the whole stack on embedded defaults (or the configured services)
	$(BIN)/polyphony up

test: setup browser lint  ## Lint, then run every test; pytest's "no tests collected" (exit 5) is not a failure
	$(BIN)/pytest; status=$$?; if [ $$status -eq 5 ]; then echo "pytest collected no tests"; status=0; fi; exit $$status

lint: setup  ## ruff, mypy, the import contract (edges -> governance -> chain -> core), the web app's types
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m chain.compile --check
	node_modules/.bin/tsc -p web

bench: setup  ## Run every benchmark; each writes bench/out/<name>.json
	@set -e; for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script; done

contracts: setup  ## Recompile chain/contracts/*.sol into chain/artifacts/ (commit the result)
	$(BIN)/python -m chain.compile

demo: setup  ## Play the whole mission on a fresh embedded stack (a few minutes), printing each step
	$(BIN)/polyphony demo
