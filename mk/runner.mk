# Build runner: the tools builds use (corepack with pnpm and yarn, bubblewrap) and its benchmark.
BUILD_RUNNER_TOOLS := .tools
BUILD_RUNNER_TOOLS_STAMP := $(BUILD_RUNNER_TOOLS)/.build-runner-tools

$(BUILD_RUNNER_TOOLS_STAMP): build_runner/install-tools.sh
	build_runner/install-tools.sh $(BUILD_RUNNER_TOOLS)
	touch $@

.PHONY: build-runner-tools
build-runner-tools: $(BUILD_RUNNER_TOOLS_STAMP) ## corepack with pinned pnpm/yarn, bubblewrap, tini for builds

.PHONY: bench-build-runner
bench-build-runner: install build-runner-tools ## Publish (parallel vs one at a time) and build-cache figures
	$(PY) -m tests.build_runner.bench

.PHONY: bench
bench: bench-build-runner
test: build-runner-tools
dev: build-runner-tools
