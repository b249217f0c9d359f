# Build runner: the tools builds use (corepack with pinned pnpm and yarn, bubblewrap, tini)
# and its benchmark. docs/build-runner.md.
RUNNER_TOOLS := .tools
RUNNER_TOOLS_STAMP := $(RUNNER_TOOLS)/.build-runner-tools

$(RUNNER_TOOLS_STAMP): build_runner/install-tools.sh build_runner/tools/package.json build_runner/tools/package-lock.json
	@build_runner/install-tools.sh $(RUNNER_TOOLS)
	@touch $@

.PHONY: build-runner-tools
build-runner-tools: $(RUNNER_TOOLS_STAMP) ## corepack with pinned pnpm/yarn, bubblewrap, tini for builds

.PHONY: bench-publish
bench-publish: install build-runner-tools ## Publish: parallel vs one at a time; build-cache speed-up
	$(PY) -m bench.publish

.PHONY: test-network
test-network: install build-runner-tools ## Tests that download from the npm registry and PyPI (each framework starter generated and built)
	SLIPWAY_TEST_NETWORK=1 $(PY) -m pytest -m network tests/build_runner -q

.PHONY: bench
bench: bench-publish
test: build-runner-tools
dev: build-runner-tools

# Real Node.js and npm releases for the runtime tests, served there by a loopback registry
# (tests/support/npm_registry.py); the pins are build_runner/tools/package.json's runtimes.
RUNTIME_PINS = build_runner/tools/package.json
RUNTIME_STAMP := $(RUNNER_TOOLS)/npm/.runtimes
$(RUNTIME_STAMP): $(RUNTIME_PINS)
	mkdir -p $(RUNNER_TOOLS)/npm
	cd $(RUNNER_TOOLS)/npm && npm pack --silent \
		"node-linux-$$(node -p process.arch)@$$(node -p 'require("$(CURDIR)/$(RUNTIME_PINS)").runtimes.node[0]')" \
		"npm@$$(node -p 'require("$(CURDIR)/$(RUNTIME_PINS)").runtimes.npm')" >/dev/null
	touch $@

# MkDocs and what it needs, as wheels for the system Python that sandboxed builds run: the
# offline MkDocs build commits them beside its requirements.txt (--no-index --find-links).
TEST_WHEELS := mkdocs==1.6.1
WHEELS_STAMP := $(RUNNER_TOOLS)/wheels/mkdocs/.stamp
$(WHEELS_STAMP): mk/runner.mk $(STAMP)
	rm -rf $(dir $@) && mkdir -p $(dir $@)
	$(PY) -m pip download -q --only-binary=:all: -d $(dir $@) \
		--python-version "$$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')" \
		$(TEST_WHEELS)
	touch $@

# Framework starters from their own generators, with the npm cache their install filled
# (scripts/starters.py): the offline starter builds restore it as their build cache.
# Only the ones tests/build_runner/test_starters_offline.py builds (OFFLINE_STARTERS).
STARTERS_STAMP := $(RUNNER_TOOLS)/starters/.prepared
$(STARTERS_STAMP): scripts/starters.py $(STAMP)
	$(PY) -m scripts.starters prepare vite-react-ts
	touch $@

.PHONY: test-runtimes
test-runtimes: $(RUNTIME_STAMP) $(WHEELS_STAMP) $(STARTERS_STAMP) ## Cached Node.js, npm, MkDocs and starters for the offline build tests
test: test-runtimes

# Push to live per framework starter, first build and cached, through a real api and proxy
# on loopback: every download from loopback servers (bench/builds.py). It prepares the
# starters it measures first, which needs the npm registry and PyPI once.
.PHONY: bench-builds
bench-builds: install build-runner-tools ## Push to live per framework (Vite, VitePress, Docusaurus, Next, MkDocs): empty vs restored build cache
	$(PY) -m bench.builds
bench: bench-builds
