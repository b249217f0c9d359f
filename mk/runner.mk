# Build runner: the tools builds use (corepack with pinned pnpm and yarn, bubblewrap, tini)
# and its benchmark. docs/build-runner.md.
RUNNER_TOOLS := .tools
RUNNER_TOOLS_STAMP := $(RUNNER_TOOLS)/.build-runner-tools

$(RUNNER_TOOLS_STAMP): build_runner/install-tools.sh build_runner/tools/package.json build_runner/tools/package-lock.json
	build_runner/install-tools.sh $(RUNNER_TOOLS)
	touch $@

.PHONY: build-runner-tools
build-runner-tools: $(RUNNER_TOOLS_STAMP) ## corepack with pinned pnpm/yarn, bubblewrap, tini for builds

.PHONY: bench-publish
bench-publish: install build-runner-tools ## Publish: parallel vs one at a time; build-cache speed-up
	$(PY) -m bench.publish

.PHONY: test-network
test-network: install build-runner-tools ## Tests that download from the npm registry (a real Vite build)
	SLIPWAY_TEST_NETWORK=1 $(PY) -m pytest -m network tests/build_runner -q

.PHONY: bench
bench: bench-publish
test: build-runner-tools
dev: build-runner-tools
