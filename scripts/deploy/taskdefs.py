"""The task definitions a release registers: Terraform's requests with the release's images.

terraform/modules/task_definition describes each family once, as the whole
`RegisterTaskDefinition` request (the stack's output `task_definitions`). Terraform
registered it as the first revision; a release registers it again, changing only each
container's image tag and adding the release's tags. So what runs is what Terraform, its
tests and checkov saw. Every document is checked with botocore's own request validation
(what boto3 runs before sending), so a malformed output fails here, not in AWS.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import botocore.session  # type: ignore[import-untyped, unused-ignore]
from botocore.validate import ParamValidator  # type: ignore[import-untyped, unused-ignore]

from scripts.deploy.ecs import RELEASE_TAG
from scripts.deploy.environment import Environment
from scripts.deploy.errors import ConfigError
from scripts.deploy.outputs import APPLY_HINT, StackOutputs

ENVIRONMENT_TAG = "slipway:environment"
BUILDER = "builder"

# Documents by the key Terraform gives them (builder, proxy and, unless the api runs beside
# the proxy, api), the builder's first: a release registers it before the services move.
TaskDefinitions = dict[str, dict[str, Any]]


def with_tag(image: str, tag: str) -> str:
    """`registry[:port]/repository[:old]` with `tag` instead of the old tag."""
    registry, slash, name = image.rpartition("/")
    return f"{registry}{slash}{name.split(':', 1)[0]}:{tag}"


def release_document(
    request: Mapping[str, Any], *, role: str, environment: str, tag: str
) -> dict[str, Any]:
    """Terraform's request for `role`, with the release's image tag and tags."""
    source = f"Terraform output task_definitions.{role}"
    document = copy.deepcopy(dict(request))
    containers = document.get("containerDefinitions")
    if not isinstance(containers, list) or not containers:
        raise ConfigError(f"{source} has no containerDefinitions")
    for container in containers:
        if not isinstance(container, dict) or not isinstance(container.get("image"), str):
            raise ConfigError(f"{source} has a container without an image")
        container["image"] = with_tag(container["image"], tag)
    release_tags = {ENVIRONMENT_TAG: environment, RELEASE_TAG: tag}
    kept = [t for t in document.get("tags") or [] if t.get("key") not in release_tags]
    document["tags"] = kept + [{"key": k, "value": v} for k, v in release_tags.items()]
    validate_task_definition(document, source=source)
    return document


def validate_task_definition(document: Mapping[str, Any], *, source: str) -> None:
    """Check `document` against botocore's RegisterTaskDefinition input shape."""
    model = botocore.session.get_session().get_service_model("ecs")
    shape = model.operation_model("RegisterTaskDefinition").input_shape
    report = ParamValidator().validate(dict(document), shape)
    if report.has_errors():
        problems = "; ".join(report.generate_report().splitlines())
        raise ConfigError(f"{source} is not a valid RegisterTaskDefinition request: {problems}")


def release_task_definitions(
    env: Environment, outputs: Mapping[str, Any] | StackOutputs, tag: str
) -> TaskDefinitions:
    """Every family's document: the builder and each service's (output `services`)."""
    stack = StackOutputs.read(outputs)
    needed = [BUILDER, *stack.services]
    missing = [role for role in needed if role not in stack.task_definitions]
    if missing:
        raise ConfigError(
            f"Terraform output task_definitions lacks {', '.join(missing)}", hint=APPLY_HINT
        )
    return {
        role: release_document(
            stack.task_definitions[role], role=role, environment=env.name, tag=tag
        )
        for role in needed
    }


def write_task_definitions(definitions: TaskDefinitions, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for role, document in definitions.items():
        path = directory / f"{role}.json"
        path.write_text(json.dumps(document, indent=2) + "\n")
        paths.append(path)
    return paths
