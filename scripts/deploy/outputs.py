"""Terraform's outputs as the deploy scripts read them: one typed object, one list of names.

`terraform output -json` of terraform/stacks/platform gives many values; these are the ones
a release or a rollback acts on. Each field is an output of the stack (a test holds the two
together), so a renamed output fails here with its name, not deep inside a release.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from scripts.deploy.errors import ConfigError

APPLY_HINT = "run `make apply` with the current terraform/stacks/platform"


class StackOutputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    cluster_name: str
    # ECS service name by the key of the task definition it runs (api, proxy).
    services: dict[str, str]
    # RegisterTaskDefinition requests by family key (api, proxy, builder).
    task_definitions: dict[str, dict[str, Any]]
    builder_task_family: str
    services_repository_url: str
    builder_repository_url: str
    api_url: str
    base_domain: str
    # The secrets whose values the operator sets (the database's is RDS's own).
    api_token_secret_arn: str
    webhook_secret_arn: str
    github_token_secret_arn: str

    @property
    def operator_secrets(self) -> tuple[str, ...]:
        return (self.api_token_secret_arn, self.webhook_secret_arn, self.github_token_secret_arn)

    @classmethod
    def read(cls, values: Mapping[str, Any] | StackOutputs) -> StackOutputs:
        """The outputs the scripts need, or one ConfigError naming what is missing or wrong."""
        if isinstance(values, StackOutputs):
            return values
        missing = [name for name in cls.model_fields if name not in values]
        if missing:
            raise ConfigError(f"Terraform's outputs lack {', '.join(missing)}", hint=APPLY_HINT)
        try:
            return cls.model_validate(dict(values))
        except ValidationError as error:
            wrong = "; ".join(
                f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}"
                for problem in error.errors()
            )
            raise ConfigError(
                f"Terraform's outputs are not what the scripts read: {wrong}"
            ) from None
