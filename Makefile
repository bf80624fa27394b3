# xorl-client developer commands. Everything runs inside .venv (created by `make install`).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)

GEN_PKG := generated/xorl_openapi
PORT   ?= 6000
URL    ?= http://127.0.0.1:$(PORT)

.PHONY: help install generate check-generated lint typecheck test demo serve contract clean

help:
	@echo "make install          create $(VENV) with the SDK, the local server and all test tools"
	@echo "make test             lint + type-check + the whole test suite"
	@echo "make demo             start the local server and run the example training loops"
	@echo "make generate         regenerate $(GEN_PKG) from openapi.yaml"
	@echo "make check-generated  fail if $(GEN_PKG) differs from what openapi.yaml produces"
	@echo "make contract URL=... schemathesis against a live server"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"

generate:
	rm -rf $(GEN_PKG)
	$(BIN)/openapi-python-client generate --path openapi.yaml --config generator-config.yml \
		--custom-template-path templates --meta none --output-path $(GEN_PKG) --fail-on-warning

# Regenerates in place, then asks git: any modified, deleted or untracked file is drift.
check-generated: generate
	@drift="$$(git status --porcelain --untracked-files=all -- generated/)"; \
	if [ -n "$$drift" ]; then \
		echo "generated/ is out of date with openapi.yaml (run 'make generate' and commit):"; \
		echo "$$drift"; exit 1; \
	fi; echo "generated/ matches openapi.yaml"

lint:
	$(BIN)/ruff check xorl_client tests examples scripts benchmarks conftest.py
	$(BIN)/ruff format --check xorl_client tests examples scripts benchmarks conftest.py

typecheck:
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest -q

# The main job: only the runtime + local-server extra is needed, not the dev tools.
demo: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[local]"
	$(BIN)/python examples/demo.py --port $(PORT)

serve:
	$(BIN)/xorl-client serve --port $(PORT)

# Contract test of any live server (scripts/contract.py): all checks + the stateful link phase.
# Defaults leave out routes with side effects outside the server (inference endpoints, weight
# sync, sleep/wake_up) and the sampling tag (another server). XORL_API_KEY, if set, is sent as a
# bearer token (never printed). Report: $(CONTRACT_BUILD_DIR)/contract-junit.xml.
MAX_EXAMPLES       ?= 20
SEED               ?=
INCLUDE_TAGS       ?=
EXCLUDE_TAGS       ?= inference,sampling
INCLUDE_OPERATIONS ?=
EXCLUDE_OPERATIONS ?= sleep,wake_up
CONTRACT_BUILD_DIR ?= build
contract:
	$(BIN)/python scripts/contract.py --url $(URL) --max-examples $(MAX_EXAMPLES) \
		$(if $(SEED),--seed $(SEED)) \
		--include-tags "$(INCLUDE_TAGS)" --exclude-tags "$(EXCLUDE_TAGS)" \
		--include-operations "$(INCLUDE_OPERATIONS)" --exclude-operations "$(EXCLUDE_OPERATIONS)" \
		--build-dir $(CONTRACT_BUILD_DIR) $(CONTRACT_ARGS)

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache .hypothesis .schemathesis
