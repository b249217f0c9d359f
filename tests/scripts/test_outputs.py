"""Terraform's outputs as the scripts read them (scripts/deploy/outputs.py)."""

from __future__ import annotations

from typing import Any

import pytest

from scripts.deploy.errors import ConfigError
from scripts.deploy.outputs import StackOutputs
from tests.terraform.tfconfig import STACK, load_cached


def test_every_output_the_scripts_read_is_one_the_stack_declares() -> None:
    declared = set(load_cached(STACK).outputs)
    assert set(StackOutputs.model_fields) <= declared, set(StackOutputs.model_fields) - declared


def test_what_is_missing_is_named_at_once(outputs: dict[str, Any]) -> None:
    del outputs["services"], outputs["api_url"]
    with pytest.raises(ConfigError, match="Terraform's outputs lack services, api_url") as caught:
        StackOutputs.read(outputs)
    assert "make apply" in caught.value.hint


def test_a_value_of_the_wrong_shape_is_named(outputs: dict[str, Any]) -> None:
    outputs["services"] = ["slipway-example-api"]
    with pytest.raises(ConfigError, match="services: Input should be a valid dictionary"):
        StackOutputs.read(outputs)


def test_outputs_the_scripts_do_not_read_are_ignored(outputs: dict[str, Any]) -> None:
    stack = StackOutputs.read(outputs | {"alb_dns_name": "x", "something_new": 1})
    assert stack.services == {"api": "slipway-example-api", "proxy": "slipway-example-proxy"}
    assert StackOutputs.read(stack) is stack
