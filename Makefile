# Polyphony: `make run` starts the whole stack, `make test` passes the suite. Both set up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SETUP_STAMP := $(VENV)/.setup-done
NODE_STAMP := node_modules/.setup-done

.PHONY: setup run test lint bench contracts demo

setup: $(SETUP_STAMP) $(NODE_STAMP)  ## Create .venv and install pinned Python and npm dependencies (fast when done)

$(SETUP_STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is not installed: install Node.js 20 with npm, then run make again"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

run: setup  ## Start the whole stack on embedded defaults (or the configured services)
	$(BIN)/polyphony up

test: setup lint  ## Lint, then run every test; pytest's "no tests collected" (exit 5) is not a failure
	$(BIN)/pytest; status=$$?; if [ $$status -eq 5 ]; then echo "pytest collected no tests"; status=0; fi; exit $$status

lint: setup  ## ruff, mypy and the import contract (edges -> governance -> chain -> core)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m chain.compile --check

bench: setup  ## Run every benchmark; each writes bench/out/<name>.json
	@set -e; for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script; done

contracts: setup  ## Recompile chain/contracts/*.sol into chain/artifacts/ (commit the result)
	$(BIN)/python -m chain.compile

demo: setup  ## Play the whole mission on a fresh embedded stack (a few minutes), printing each step
	$(BIN)/polyphony demo
