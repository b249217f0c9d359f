# Locked dependencies: uv.lock and requirements/ (README, "Dependencies").
UV_VENV := .tools/uv
UV := $(UV_VENV)/bin/uv
UV_STAMP := $(UV_VENV)/.installed

$(UV_STAMP): requirements/uv.txt
	test -x $(UV_VENV)/bin/python || $(PYTHON) -m venv $(UV_VENV)
	$(UV_VENV)/bin/pip install -q --disable-pip-version-check --require-hashes -r $<
	touch $@

.PHONY: lock lock-check outdated
lock: $(UV_STAMP) ## Refresh uv.lock and requirements/ to the newest allowed releases (PACKAGE=name for one), say what changed
	$(PYTHON) -m scripts.dependencies.lock --uv $(UV) $(foreach p,$(PACKAGE),--package $(p))

lock-check: $(UV_STAMP) ## Fail unless uv.lock matches pyproject.toml and requirements/ is its export
	$(UV) lock --check
	$(PYTHON) -m scripts.dependencies.lock --uv $(UV) --check

outdated: $(UV_STAMP) install ## List newer releases: within pyproject's ranges, then any at all
	@echo "Within pyproject.toml's ranges (what \`make lock\` would take):"
	@$(UV) lock --upgrade --dry-run 2>&1 | grep -v '^Resolved' || true
	@echo "Newest releases of what .venv holds:"
	@$(PY) -m pip list --outdated --exclude-editable --disable-pip-version-check 2>/dev/null
	@echo "Newest releases of the npm pieces builds use (build_runner/tools/package.json):"
	@$(PYTHON) -m scripts.dependencies.npm_tools
