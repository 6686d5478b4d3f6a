# zerodrop — the contract targets. `make test` and `make demo` run `setup` themselves.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

TSX := node --import tsx
TESTS ?= $(shell find test -name '*.test.ts' | sort)

.PHONY: help setup k6 bundle typecheck lint test test-unit demo clean

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: ## Install everything: Debian packages, npm dependencies, checks Go
	@bash build/setup.sh

k6: ## Build bin/k6 (xk6 + pinned extensions), cached by the pins
	@$(TSX) build/build-k6.ts

bundle: ## Bundle scripts/*.ts into dist/*.js and the reference service into dist/app/
	@$(TSX) build/bundle.ts

typecheck: ## tsc --noEmit over the Node side and the k6 scripts
	@npx tsc --noEmit -p tsconfig.json && npx tsc --noEmit -p scripts/tsconfig.json && echo " ✓ Type checking"

lint: ## Biome: lint and format check
	@npx biome check --reporter=summary . && echo " ✓ Lint and format"

test: setup k6 bundle lint typecheck ## The whole test suite (unit, service, k6 against real services)
	@mkdir -p reports/junit
	@$(TSX) --test --test-reporter=spec --test-reporter-destination=stdout \
	  --test-reporter=junit --test-reporter-destination=reports/junit/tests.xml $(TESTS)

demo: setup k6 bundle ## Validate a live rollout on the embedded cluster (see README)
	@$(TSX) scripts/demo.ts

clean: ## Remove build output (bin/, dist/, reports/); caches outside the clone stay
	@rm -rf bin dist reports .zerodrop
