# zerodrop — the contract targets. `make test` and `make demo` run `setup` themselves.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

TSX := node --import tsx
# One node:test run over the files given, one file at a time, spec on stdout and JUnit in reports/junit/<tier>.xml.
RUN_TESTS = mkdir -p reports/junit && $(TSX) --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=junit --test-reporter-destination=reports/junit/$(1).xml $(2)
UNIT_TESTS ?= $(sort $(wildcard test/unit/*.test.ts))
APP_TESTS ?= $(sort $(wildcard test/app/*.test.ts test/examples/*.test.ts))
SUITE_TESTS ?= $(sort $(wildcard test/suite/*.test.ts test/ci/*.test.ts test/build/*.test.ts))
# Bring-up first, then the end-to-end files, then the teardown that proves cluster-down is rm -f.
CLUSTER_TESTS ?= test/cluster/cluster.test.ts $(sort $(wildcard test/cluster/e2e-*.test.ts)) test/cluster/teardown.test.ts

.PHONY: help setup examples k6 bundle docs typecheck lint test test-full test-unit test-app test-suite test-cluster demo clean cluster-binaries cluster-up cluster-down images image deploy validate rainbow-cleanup tools cloud cloud-split operator-validate

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: ## Install everything: Debian packages, npm dependencies, checks Go
	@bash build/setup.sh

examples: setup ## Install the example services' own dependencies (npm ci per Node example)
	@bash examples/install.sh

k6: ## Build bin/k6 (xk6 + pinned extensions), cached by the pins
	@$(TSX) build/build-k6.ts

# ADAPTER (your adapter module, docs/adapters.md) is bundled into every entry; a relative path is yours.
bundle: ## Bundle validator/*.ts into dist/*.js and the reference service into dist/app/ (ADAPTER=path.ts: your adapter)
	@$(if $(ADAPTER),ADAPTER='$(abspath $(ADAPTER))') $(TSX) build/bundle.ts

tools: ## Build the pinned developer tools (actionlint, the k6-operator manager) from the Go module proxy, cached
	@$(TSX) build/build-tools.ts

docs: ## Rewrite the generated tables: README settings (settings registry), docs/metrics.md (metric catalog)
	@$(TSX) build/generated-docs.ts

typecheck: setup ## tsc --noEmit over the Node side and the k6 scripts
	@npx tsc --noEmit -p tsconfig.json && npx tsc --noEmit -p validator/tsconfig.json && echo " ✓ Type checking"

lint: setup ## Biome: lint and format check
	@npx biome check --reporter=summary . && echo " ✓ Lint and format"

test: lint typecheck test-unit test-app test-suite test-cluster ## The whole test suite: every tier below, in order

test-full: ## The whole suite with the slow tier too (cases that add little to the default run): ZD_TIER=full
	@ZD_TIER=full $(MAKE) --no-print-directory test

test-unit: setup ## Unit tests of the pure logic (Node only, seconds)
	@$(call RUN_TESTS,unit,$(UNIT_TESTS))

test-app: setup examples ## The reference service and the example services against a real Redis
	@$(call RUN_TESTS,app,$(APP_TESTS))

test-suite: setup tools k6 bundle examples cluster-binaries ## The real k6 against real services without Kubernetes; CI templates, cloud, the kube extension (on the cluster binaries)
	@$(call RUN_TESTS,suite,$(SUITE_TESTS))

test-cluster: setup tools k6 bundle examples cluster-binaries ## The embedded cluster: bring-up, rolling and rainbow end to end, teardown
	@trap '$(TSX) cluster/cli.ts cluster-down >/dev/null 2>&1 || true' EXIT; \
	$(call RUN_TESTS,cluster,$(CLUSTER_TESTS))

demo: setup k6 bundle cluster-binaries ## Bring up the embedded cluster, deploy, validate a live rollout, print the verdict
	@$(TSX) deploy/cli.ts demo

cluster-binaries: ## Build Kubernetes, etcd and CoreDNS from the Go module proxy (cached by version)
	@$(TSX) cluster/build-binaries.ts

cluster-up: setup cluster-binaries ## Bring up the embedded single-node cluster (idempotent)
	@$(TSX) cluster/cli.ts cluster-up

cluster-down: ## Tear the embedded cluster down (rm -f semantics)
	@$(TSX) cluster/cli.ts cluster-down

images: bundle ## Build and load the images; IMAGE=app.tar also loads your image archive
	@$(TSX) cluster/cli.ts images

image: ## Build an image of your app without Docker and load it: APP=<folder|binary|jar> RUNTIME=node|static|java TAG= ENTRY=
	@$(TSX) cluster/cli.ts image

deploy: ## Deploy the reference service (MODE=good|<bad mode> STRATEGY=rolling|rainbow) or yours (MANIFESTS=<dir|yaml> FAULT=); CLUSTER=embedded|existing
	@$(TSX) deploy/cli.ts deploy

validate: k6 bundle ## Validate a live rollout of the deployed service with bin/k6 (PROFILE=<your profile>.json: your service)
	@$(TSX) deploy/cli.ts validate

.PHONY: check
# A relative PROFILE path is the caller's (k6 would resolve it from dist/). bin/k6 and the bundle are
# rebuilt only when older than their sources, so the check answers in seconds.
check: bin/k6 dist/check.js ## Check a profile against a running service in seconds: PROFILE=… BASE_URL=… [REDIS_URL=…] [WS_URL=…]
	@$(if $(PROFILE),PROFILE='$(if $(filter %.json,$(PROFILE)),$(abspath $(PROFILE)),$(PROFILE))') bin/k6 run --quiet --no-color dist/check.js

bin/k6: build/versions.json $(wildcard xk6-*/*.go xk6-*/go.mod)
	@$(TSX) build/build-k6.ts

dist/check.js: $(shell find validator thresholds app/src -name '*.ts' -o -name '*.json') $(wildcard build/*.ts) $(ADAPTER) dist/.adapter
	@$(if $(ADAPTER),ADAPTER='$(abspath $(ADAPTER))') $(TSX) build/bundle.ts

# The adapter dist/ was bundled with (build/bundle.ts writes it): rewritten here only when ADAPTER differs,
# so dist/check.js is rebuilt when the adapter changes or goes away.
dist/.adapter: FORCE
	@mkdir -p dist; [ "$$(cat $@ 2>/dev/null)" = '$(abspath $(ADAPTER))' ] || echo '$(abspath $(ADAPTER))' > $@

.PHONY: FORCE
FORCE:

cloud: k6 bundle ## Grafana Cloud k6: the whole suite here, results streamed to the cloud (DRY_RUN=1: archive + inspect only)
	@$(TSX) cloud/run-cloud.ts full

cloud-split: k6 bundle ## Grafana Cloud k6: the users on cloud load zones, the rollout driver here (DRY_RUN=1 works offline)
	@$(TSX) cloud/run-cloud.ts split

operator-validate: k6 bundle tools ## The main job as a 2-runner k6-operator TestRun against the deployed service
	@$(TSX) operator/validate-operator.ts

rainbow-cleanup: ## Repair an interrupted rainbow rollout (idempotent)
	@$(TSX) deploy/cli.ts rainbow-cleanup

clean: cluster-down ## Tear the cluster down, remove build output (bin/, dist/, reports/, .zerodrop/); caches stay
	@rm -rf bin dist reports .zerodrop
