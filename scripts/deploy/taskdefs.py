"""Render the api, proxy and builder task definitions from jinja2 templates.

Inputs are Terraform's outputs, the environment file and the release's image tag. Every
rendered document is checked with botocore's own request validation for
`RegisterTaskDefinition` (what boto3 runs before sending), so a typo fails here, not in AWS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.session  # type: ignore[import-untyped, unused-ignore]
import jinja2
from botocore.validate import ParamValidator  # type: ignore[import-untyped, unused-ignore]

from scripts.deploy.environment import Environment
from scripts.deploy.errors import ConfigError

TEMPLATES = Path(__file__).parent / "templates"
ROLES = ("api", "proxy", "builder")

# Outputs of terraform/stacks/platform that the templates read. Missing ones fail early.
REQUIRED_OUTPUTS = (
    "region",
    "cluster_name",
    "api_task_family",
    "proxy_task_family",
    "builder_task_family",
    "services_repository_url",
    "builder_repository_url",
    "artifacts_bucket",
    "base_domain",
    "task_execution_role_arn",
    "api_task_role_arn",
    "proxy_task_role_arn",
    "builder_task_role_arn",
    "builder_publisher_role_arn",
    "api_log_group",
    "proxy_log_group",
    "builder_log_group",
    "builder_subnet_ids",
    "builder_security_group_id",
    "database_secret_arn",
    "database_endpoint",
    "webhook_secret_arn",
    "api_token_secret_arn",
    "github_token_secret_arn",
)


@dataclass(frozen=True)
class TaskDefinitions:
    api: dict[str, Any]
    proxy: dict[str, Any]
    builder: dict[str, Any]

    def items(self) -> list[tuple[str, dict[str, Any]]]:
        return [("builder", self.builder), ("api", self.api), ("proxy", self.proxy)]


def image_ref(repository_url: str, tag: str) -> str:
    return f"{repository_url}:{tag}"


def require_outputs(outputs: Mapping[str, Any], names: Sequence[str]) -> None:
    missing = [name for name in names if name not in outputs]
    if missing:
        raise ConfigError(
            f"Terraform's outputs lack {', '.join(missing)}",
            hint="run `make apply` with the current terraform/stacks/platform",
        )


def template_context(env: Environment, outputs: Mapping[str, Any], tag: str) -> dict[str, Any]:
    require_outputs(outputs, REQUIRED_OUTPUTS)
    subnets = outputs["builder_subnet_ids"]
    if isinstance(subnets, str) or not subnets:
        raise ConfigError(f"Terraform output builder_subnet_ids must be a list of ids: {subnets!r}")
    return {
        "out": dict(outputs),
        "tag": tag,
        "environment": env.name,
        "cpu_architecture": env.images.cpu_architecture,
        "build_capacity_providers": env.images.build_capacity_providers,
        "services_image": image_ref(outputs["services_repository_url"], tag),
        "builder_image": image_ref(outputs["builder_repository_url"], tag),
        "builder_execution_role_arn": outputs.get(
            "builder_execution_role_arn", outputs["task_execution_role_arn"]
        ),
        "builder_assign_public_ip": "true" if outputs.get("builder_assign_public_ip") else "false",
        # Build log streams are <prefix>/<container>/<task id>; the api reads them by it.
        "builder_log_prefix": "build",
        "build_timeout": env.builder.timeout_seconds,
        "sizes": {"api": env.services.api, "proxy": env.services.proxy, "builder": env.builder},
        "containers": {role: outputs.get(f"{role}_container_name", role) for role in ROLES},
        "ports": {
            "api": int(outputs.get("api_port", 8000)),
            "proxy": int(outputs.get("proxy_port", 8080)),
        },
        "database": {
            "name": outputs.get("database_name", "slipway"),
            "port": int(outputs.get("database_port", 5432)),
        },
    }


def _tojson(value: Any) -> str:
    # jinja2's own tojson hands an undefined value to json.dumps, which hides the name.
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()
    return json.dumps(value)


def _jinja() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - JSON, every value passes through tojson
        keep_trailing_newline=True,
    )
    environment.filters["tojson"] = _tojson
    return environment


def render_one(role: str, context: Mapping[str, Any]) -> dict[str, Any]:
    name = f"{role}.json.j2"
    try:
        text = _jinja().get_template(name).render(**context)
    except jinja2.UndefinedError as error:
        raise ConfigError(f"template {name}: {error.message}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(f"template {name} rendered invalid JSON: {error}") from None
    if not isinstance(document, dict):
        raise ConfigError(f"template {name} must render a JSON object")
    validate_task_definition(document, source=name)
    return document


def validate_task_definition(document: Mapping[str, Any], *, source: str) -> None:
    """Check `document` against botocore's RegisterTaskDefinition input shape."""
    model = botocore.session.get_session().get_service_model("ecs")
    shape = model.operation_model("RegisterTaskDefinition").input_shape
    report = ParamValidator().validate(dict(document), shape)
    if report.has_errors():
        problems = "; ".join(report.generate_report().splitlines())
        raise ConfigError(f"{source} is not a valid RegisterTaskDefinition request: {problems}")


def render_task_definitions(
    env: Environment, outputs: Mapping[str, Any], tag: str
) -> TaskDefinitions:
    context = template_context(env, outputs, tag)
    return TaskDefinitions(
        api=render_one("api", context),
        proxy=render_one("proxy", context),
        builder=render_one("builder", context),
    )


def write_task_definitions(definitions: TaskDefinitions, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for role, document in definitions.items():
        path = directory / f"{role}.json"
        path.write_text(json.dumps(document, indent=2) + "\n")
        paths.append(path)
    return paths
