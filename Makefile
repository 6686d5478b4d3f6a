# zerodrop — the contract targets. `make test` and `make demo` run `setup` themselves.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

TSX := node --import tsx
TESTS ?= $(shell find test -name '*.test.ts' | sort)

.PHONY: help setup k6 bundle typecheck lint test demo clean cluster-binaries cluster-up cluster-down images deploy validate rainbow-cleanup tools cloud cloud-split operator-validate

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: ## Install everything: Debian packages, npm dependencies, checks Go
	@bash build/setup.sh

k6: ## Build bin/k6 (xk6 + pinned extensions), cached by the pins
	@$(TSX) build/build-k6.ts

bundle: ## Bundle scripts/*.ts into dist/*.js and the reference service into dist/app/
	@$(TSX) build/bundle.ts

tools: ## Build the pinned developer tools (actionlint, the k6-operator manager) from the Go module proxy, cached
	@$(TSX) build/build-tools.ts

typecheck: ## tsc --noEmit over the Node side and the k6 scripts
	@npx tsc --noEmit -p tsconfig.json && npx tsc --noEmit -p scripts/tsconfig.json && echo " ✓ Type checking"

lint: ## Biome: lint and format check
	@npx biome check --reporter=summary . && echo " ✓ Lint and format"

test: setup tools k6 bundle cluster-binaries lint typecheck ## The whole test suite (unit, service, k6 against real services and the embedded cluster)
	@mkdir -p reports/junit
	@trap '$(TSX) cluster/cli.ts cluster-down >/dev/null 2>&1 || true' EXIT; \
	$(TSX) --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
	  --test-reporter=junit --test-reporter-destination=reports/junit/tests.xml $(TESTS)

demo: setup k6 bundle cluster-binaries ## Bring up the embedded cluster, deploy, validate a live rollout, print the verdict
	@$(TSX) cluster/cli.ts demo

cluster-binaries: ## Build Kubernetes, etcd and CoreDNS from the Go module proxy (cached by version)
	@$(TSX) cluster/build-binaries.ts

cluster-up: setup cluster-binaries ## Bring up the embedded single-node cluster (idempotent)
	@$(TSX) cluster/cli.ts cluster-up

cluster-down: ## Tear the embedded cluster down (rm -f semantics)
	@$(TSX) cluster/cli.ts cluster-down

images: bundle ## Build and load the images; IMAGE=app.tar also loads your image archive
	@$(TSX) cluster/cli.ts images

deploy: ## Deploy the reference service: PROFILE=good|<bad mode> STRATEGY=rolling|rainbow CLUSTER=embedded|existing
	@$(TSX) cluster/cli.ts deploy

validate: k6 bundle ## Validate a live rollout of the deployed service with bin/k6
	@$(TSX) cluster/cli.ts validate

cloud: k6 bundle ## Grafana Cloud k6: the whole suite here, results streamed to the cloud (DRY_RUN=1: archive + inspect only)
	@$(TSX) cloud/run-cloud.ts full

cloud-split: k6 bundle ## Grafana Cloud k6: the users on cloud load zones, the rollout driver here (DRY_RUN=1 works offline)
	@$(TSX) cloud/run-cloud.ts split

operator-validate: k6 bundle tools ## The main job as a 2-runner k6-operator TestRun against the deployed service
	@$(TSX) operator/validate-operator.ts

rainbow-cleanup: ## Repair an interrupted rainbow rollout (idempotent)
	@$(TSX) cluster/cli.ts rainbow-cleanup

clean: cluster-down ## Tear the cluster down, remove build output (bin/, dist/, reports/, .zerodrop/); caches stay
	@rm -rf bin dist reports .zerodrop
