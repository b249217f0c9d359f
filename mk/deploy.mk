# Operator targets: Terraform through scripts/deploy, releases to ECS. docs/operators.md.
ENV ?=
DEPLOY := $(PY) -m scripts.deploy
DEPLOY_FLAGS := --env "$(ENV)" $(if $(DRY_RUN),--dry-run) $(if $(YES),--yes) $(if $(TAG),--tag "$(TAG)")

.PHONY: bootstrap plan apply destroy release rollback
bootstrap: install ## Create ENV=<name>'s Terraform state bucket (once per account)
	@$(DEPLOY) bootstrap $(DEPLOY_FLAGS)

plan: install ## Terraform plan of ENV=<name> to a saved plan file, with a summary
	@$(DEPLOY) plan $(DEPLOY_FLAGS)

apply: install ## Apply exactly the plan saved by `make plan ENV=<name>`
	@$(DEPLOY) apply $(DEPLOY_FLAGS)

destroy: install ## Destroy ENV=<name> (asks for the name; YES=1 skips)
	@$(DEPLOY) destroy $(DEPLOY_FLAGS)

release: install ## Build, push and roll out images to ENV=<name> (TAG=, DRY_RUN=1)
	@$(DEPLOY) release $(DEPLOY_FLAGS)

rollback: install ## Return ENV=<name>'s services to their previous task definitions
	@$(DEPLOY) rollback $(DEPLOY_FLAGS)
