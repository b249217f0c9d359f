# Operator experience: the `slipway` CLI and the web dashboard. docs/cli.md, docs/dashboard.md.
.PHONY: test-cli test-dashboard screenshots

test-cli: install ## CLI tests, every command against a running api with real builds
	$(PY) -m pytest tests/cli -q

test-dashboard: install ## Dashboard tests, including Debian's headless Chromium
	@scripts/test-prereqs.sh
	$(PY) -m pytest tests/dashboard -q

# The browser tests write the screenshots; old ones go first, so that what is there is this run.
screenshots: install ## Drive the dashboard in Chromium (desktop and 390 px); screenshots in artifacts/screenshots/
	@scripts/test-prereqs.sh
	@rm -rf artifacts/screenshots
	$(PY) -m pytest tests/dashboard -q -m browser
	@echo "$$(ls artifacts/screenshots/*.png | wc -l) screenshots in $(CURDIR)/artifacts/screenshots/"
