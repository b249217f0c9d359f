"""The rendered tfvars against terraform/stacks/platform/variables.tf (parsed with python-hcl2)."""

from __future__ import annotations

import re
from typing import Any

import hcl2

from scripts.deploy.environment import Environment
from scripts.deploy.tfvars import backend_config, render_backend, tfvars
from tests.scripts.conftest import REPO

VARIABLES = REPO / "terraform" / "stacks" / "platform" / "variables.tf"


def declared() -> dict[str, dict[str, Any]]:
    with VARIABLES.open() as handle:
        parsed = hcl2.load(handle)
    return {name: body for item in parsed["variable"] for name, body in item.items()}


def object_attributes(type_expression: str) -> set[str]:
    return set(re.findall(r'"(\w+)": "\$\{optional\(', type_expression))


def test_every_rendered_variable_is_declared_and_every_required_one_rendered(
    example_env: Environment,
) -> None:
    variables = declared()
    rendered = tfvars(example_env)
    assert set(rendered) <= set(variables)
    required = {name for name, body in variables.items() if "default" not in body}
    assert required <= set(rendered)


def test_object_variables_get_only_attributes_they_declare(example_env: Environment) -> None:
    variables = declared()
    for name, value in tfvars(example_env).items():
        type_expression = str(variables[name]["type"])
        if type_expression.startswith("${object("):
            assert set(value) <= object_attributes(type_expression), name


def test_backend_file_is_hcl_with_s3_locking(example_env: Environment) -> None:
    text = render_backend(backend_config(example_env))
    assert hcl2.loads(text) == {
        "bucket": "example-slipway-tfstate",
        "key": "slipway/example/terraform.tfstate",
        "region": "eu-west-1",
        "encrypt": True,
        "use_lockfile": True,
    }
