# xorl-client developer commands. Everything runs inside .venv (created by `make install`).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)

PORT   ?= 6000
URL    ?= http://127.0.0.1:$(PORT)

.PHONY: help venv install generate check-generated regen-report lint typecheck test demo serve \
	contract dist clean bench bench-smoke

help:
	@echo "make install          create $(VENV) with the SDK, the local server and all test tools"
	@echo "make test             lint + type-check + the whole test suite"
	@echo "make demo             start the local server and run the example training loops"
	@echo "make generate         regenerate generated/xorl_openapi from openapi.yaml"
	@echo "make check-generated  fail if generated/ differs from what openapi.yaml produces"
	@echo "make regen-report     what the facade and the local server do not cover of openapi.yaml"
	@echo "make contract URL=... schemathesis against a live server"
	@echo "make dist             build the wheel and sdist into dist/ and check them with twine"
	@echo "make bench            W1-W7: the SDK against the floor and the official client -> build/bench.json"
	@echo "make bench-smoke      the same harness at tiny sizes, one round (runs inside make test)"

# (Re)creates $(VENV) when it is missing, broken, or made by a Python older than 3.11 (with an
# explicit `make install PYTHON=python3.12`: made by another Python than that one).
venv:
	@$(PYTHON) scripts/ensure_venv.py $(VENV) --upgrade-pip \
		$(if $(filter command line,$(origin PYTHON)),--same-python)

install: venv
	$(BIN)/python -m pip install --quiet -e ".[dev]"

# Both check the pinned tools before touching anything, and generate into a temporary
# directory first (scripts/generate.py): `generate` swaps the result in, `check-generated`
# only compares and never writes under generated/.
NEED_VENV = @test -x $(BIN)/python || { echo "error: no $(VENV); run 'make install' first (nothing was changed)" >&2; exit 2; }

generate:
	$(NEED_VENV)
	$(BIN)/python scripts/generate.py

check-generated:
	$(NEED_VENV)
	$(BIN)/python scripts/generate.py --check

# After a spec change: what the facade (scripts/api_coverage.py) and the local server lack.
regen-report:
	$(NEED_VENV)
	$(BIN)/python scripts/regen_report.py

lint:
	$(BIN)/ruff check xorl_client tests examples scripts benchmarks conftest.py
	$(BIN)/ruff format --check xorl_client tests examples scripts benchmarks conftest.py

typecheck:
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest -q

# The main job: only the runtime + local-server extra is needed, not the dev tools.
demo: venv
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

# benchmarks/bench.py: every workload and contender against an instant server, interleaved
# rounds, medians and the target ratios (benchmarks/RESULTS.md). The first `make bench` builds
# build/bench-venv-core (W4) and build/bench-venv-official (xorl-client==0.1.0, several GB).
BENCH_ARGS ?=
bench:
	$(NEED_VENV)
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

BENCH_SMOKE_OUT ?= build/bench-smoke.json
bench-smoke:
	$(NEED_VENV)
	$(BIN)/python benchmarks/bench.py --smoke --out $(BENCH_SMOKE_OUT)

# A wheel and an sdist ready for an index (the same check runs in tests/contract/test_packaging.py).
dist:
	rm -rf dist
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir dist .
	$(BIN)/python -m hatchling build --target sdist
	$(BIN)/twine check --strict dist/*

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis .schemathesis
