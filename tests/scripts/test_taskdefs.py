"""A release's task definitions: Terraform's requests with the release's images and tags.

The requests come from terraform/modules/task_definition rendered by Terraform itself
(tests/support/task_definitions.py); each document is checked with botocore's own
RegisterTaskDefinition model.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from scripts.deploy.environment import Environment
from scripts.deploy.errors import ConfigError
from scripts.deploy.taskdefs import (
    release_task_definitions,
    validate_task_definition,
    with_tag,
)
from tests.scripts.conftest import beside_the_proxy

TAG = "0123456789ab"


def without_release_changes(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with what a release may change (images and tags) taken out."""
    stripped = copy.deepcopy(document)
    stripped.pop("tags", None)
    for container in stripped["containerDefinitions"]:
        container.pop("image")
    return stripped


def test_a_release_changes_only_the_image_tag_and_the_tags(
    example_env: Environment, outputs: dict[str, Any]
) -> None:
    requests = copy.deepcopy(outputs["task_definitions"])
    definitions = release_task_definitions(example_env, outputs, TAG)
    assert list(definitions) == ["builder", "api", "proxy"]  # the builder's first
    for role, document in definitions.items():
        validate_task_definition(document, source=role)  # raises on any invalid field
        assert without_release_changes(document) == without_release_changes(requests[role])
        (container,) = document["containerDefinitions"]
        (first,) = requests[role]["containerDefinitions"]
        assert first["image"].endswith(":bootstrap")
        assert container["image"] == first["image"].removesuffix("bootstrap") + TAG
        assert document["tags"][-2:] == [
            {"key": "slipway:environment", "value": "example"},
            {"key": "slipway:release", "value": TAG},
        ]
    # The outputs themselves are left as they were.
    assert outputs["task_definitions"] == requests


def test_terraforms_own_tags_stay_and_an_old_release_tag_goes(
    example_env: Environment, outputs: dict[str, Any]
) -> None:
    outputs["task_definitions"]["api"]["tags"] = [
        {"key": "team", "value": "web"},
        {"key": "slipway:release", "value": "old"},
    ]
    api = release_task_definitions(example_env, outputs, TAG)["api"]
    assert api["tags"] == [
        {"key": "team", "value": "web"},
        {"key": "slipway:environment", "value": "example"},
        {"key": "slipway:release", "value": TAG},
    ]


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("1.dkr.ecr.eu-west-1.amazonaws.com/slipway/services:bootstrap", "1.dkr.ecr.eu-west-1.amazonaws.com/slipway/services:r7"),
        ("registry.local:5000/slipway-builder:bootstrap", "registry.local:5000/slipway-builder:r7"),
        ("registry.local:5000/slipway-builder", "registry.local:5000/slipway-builder:r7"),
        ("services", "services:r7"),
    ],
)  # fmt: skip
def test_with_tag_replaces_only_the_tag(image: str, expected: str) -> None:
    assert with_tag(image, "r7") == expected


def test_a_missing_output_is_named(example_env: Environment, outputs: dict[str, Any]) -> None:
    del outputs["task_definitions"]
    with pytest.raises(ConfigError, match="Terraform's outputs lack task_definitions"):
        release_task_definitions(example_env, outputs, TAG)


@pytest.mark.parametrize("role", ["builder", "api"])
def test_a_missing_family_is_named(
    example_env: Environment, outputs: dict[str, Any], role: str
) -> None:
    del outputs["task_definitions"][role]
    with pytest.raises(ConfigError, match=f"task_definitions lacks {role}"):
        release_task_definitions(example_env, outputs, TAG)


def test_beside_the_proxy_the_api_is_a_container_of_the_proxys_task(
    example_env: Environment, outputs: dict[str, Any]
) -> None:
    definitions = release_task_definitions(example_env, beside_the_proxy(outputs), TAG)
    assert list(definitions) == ["builder", "proxy"]
    proxy, api = definitions["proxy"]["containerDefinitions"]
    assert (proxy["name"], proxy["essential"]) == ("proxy", True)
    assert (api["name"], api["essential"], api["restartPolicy"]["enabled"]) == ("api", False, True)
    assert api["image"] == proxy["image"]
    assert api["image"].endswith(f":{TAG}")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        pytest.param(
            lambda d: d.update(containerDefinitions=[]), "has no containerDefinitions", id="none"
        ),
        pytest.param(
            lambda d: d["containerDefinitions"][0].pop("image"),
            "has a container without an image",
            id="no-image",
        ),
    ],
)
def test_a_malformed_output_is_refused(
    example_env: Environment, outputs: dict[str, Any], mutate: Any, message: str
) -> None:
    mutate(outputs["task_definitions"]["proxy"])
    with pytest.raises(ConfigError, match=f"task_definitions.proxy {message}"):
        release_task_definitions(example_env, outputs, TAG)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        pytest.param(
            lambda d: d.update(cpu=512), "Invalid type for parameter cpu", id="task-cpu-not-string"
        ),
        pytest.param(
            lambda d: d["containerDefinitions"][0].update(memory="1024"),
            "containerDefinitions[0].memory",
            id="container-memory-string",
        ),
        pytest.param(
            lambda d: d["containerDefinitions"][0].update(envirnoment=[]),
            'Unknown parameter in containerDefinitions[0]: "envirnoment"',
            id="unknown-key",
        ),
        pytest.param(
            lambda d: d.pop("family"),
            'Missing required parameter in input: "family"',
            id="no-family",
        ),
    ],
)
def test_botocore_validation_catches_what_aws_would_refuse(
    example_env: Environment, outputs: dict[str, Any], mutate: Any, message: str
) -> None:
    mutate(outputs["task_definitions"]["api"])
    with pytest.raises(ConfigError) as caught:
        release_task_definitions(example_env, outputs, TAG)
    assert "Terraform output task_definitions.api is not a valid" in caught.value.message
    assert message in caught.value.message
