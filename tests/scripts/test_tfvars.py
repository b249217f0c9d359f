"""The rendered tfvars against terraform/stacks/platform/variables.tf (parsed with python-hcl2)."""

from __future__ import annotations

import re
from typing import Any

import hcl2
import pytest

from scripts.deploy.environment import Alarms, Environment, environment_names, load_environment
from scripts.deploy.tfvars import backend_config, render_backend, tfvars
from tests.scripts.conftest import REPO

VARIABLES = REPO / "terraform" / "stacks" / "platform" / "variables.tf"
ENVIRONMENTS = REPO / "environments"
# Every committed environment file: the example and the documented profiles.
EVERY_FILE = [pytest.param(name, id=name) for name in environment_names(ENVIRONMENTS)]


def declared() -> dict[str, dict[str, Any]]:
    with VARIABLES.open() as handle:
        parsed = hcl2.load(handle)
    return {name: body for item in parsed["variable"] for name, body in item.items()}


def object_attributes(type_expression: str) -> set[str]:
    return set(re.findall(r'"(\w+)": "\$\{optional\(', type_expression))


@pytest.mark.parametrize("name", EVERY_FILE)
def test_every_rendered_variable_is_declared_and_every_required_one_rendered(name: str) -> None:
    variables = declared()
    rendered = tfvars(load_environment(name, ENVIRONMENTS))
    assert set(rendered) <= set(variables)
    required = {name for name, body in variables.items() if "default" not in body}
    assert required <= set(rendered)


@pytest.mark.parametrize("name", EVERY_FILE)
def test_object_variables_get_only_attributes_they_declare(name: str) -> None:
    variables = declared()
    for key, value in tfvars(load_environment(name, ENVIRONMENTS)).items():
        type_expression = str(variables[key]["type"])
        if type_expression.startswith("${object("):
            assert set(value) <= object_attributes(type_expression), key


def test_the_example_subscribes_its_address_and_creates_the_ecs_role(
    example_env: Environment,
) -> None:
    rendered = tfvars(example_env)
    assert rendered["alarm_email_addresses"] == ["operations@example.com"]
    assert rendered["alarm_topic_kms_key_arn"] is None
    assert rendered["create_ecs_service_linked_role"] is True
    assert rendered["enable_container_insights"] is True
    assert rendered["cpu_architecture"] == "X86_64"


def test_alarms_ecs_role_insights_and_platform_reach_terraform(example_env: Environment) -> None:
    key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    env = example_env.model_copy(
        update={
            "images": example_env.images.model_copy(update={"platform": "linux/arm64"}),
            "container_insights": False,
            "alarms": Alarms(emails=("a@example.com", "b@example.org"), topic_kms_key_arn=key),
            "ecs_service_linked_role": "existing",
        }
    )
    rendered = tfvars(env)
    assert rendered["alarm_email_addresses"] == ["a@example.com", "b@example.org"]
    assert rendered["alarm_topic_kms_key_arn"] == key
    # An account that already has AWSServiceRoleForECS must not try to create it again.
    assert rendered["create_ecs_service_linked_role"] is False
    assert rendered["enable_container_insights"] is False
    assert rendered["cpu_architecture"] == "ARM64"


def test_backend_file_is_hcl_with_s3_locking(example_env: Environment) -> None:
    text = render_backend(backend_config(example_env))
    assert hcl2.loads(text) == {
        "bucket": "example-slipway-tfstate",
        "key": "slipway/example/terraform.tfstate",
        "region": "eu-west-1",
        "encrypt": True,
        "use_lockfile": True,
    }
