"""Terraform itself checks every variables.tf, the example tfvars and the validation rules.

variables.tf files need no provider, so real Terraform can validate them and evaluate
their validation blocks against values, offline.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.terraform.tfconfig import STACK, TERRAFORM, all_configs, terraform_binary, tool_env


def terraform(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [terraform_binary(), *args, "-no-color"],
        cwd=workdir,
        env=tool_env(),
        capture_output=True,
        text=True,
        check=False,
    )


def variables_only(source: Path, workdir: Path) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "variables.tf", workdir / "variables.tf")
    result = terraform(workdir, "init", "-backend=false", "-input=false")
    assert result.returncode == 0, result.stderr
    return workdir


@pytest.mark.parametrize("name", sorted(c.name for c in all_configs()))
def test_variables_tf_is_valid_terraform(name: str, tmp_path: Path) -> None:
    workdir = variables_only(TERRAFORM / name, tmp_path)
    result = terraform(workdir, "validate")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def stack_vars(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return variables_only(STACK, tmp_path_factory.mktemp("stack_vars"))


def plan_with(workdir: Path, values: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    tfvars = workdir / "test.tfvars.json"
    tfvars.write_text(json.dumps(values))
    return terraform(workdir, "plan", "-input=false", "-lock=false", f"-var-file={tfvars.name}")


def test_example_tfvars_passes_every_validation(stack_vars: Path) -> None:
    example = json.loads((STACK / "example.tfvars.json").read_text())
    result = plan_with(stack_vars, example)
    assert result.returncode == 0, result.stdout + result.stderr


MINIMAL = {"region": "eu-west-1", "base_domain": "sites.example.com"}

INVALID = [
    pytest.param({"region": "Europe"}, "region must be", id="region"),
    pytest.param({"name": "Slipway_Prod"}, "name must be", id="name"),
    pytest.param({"base_domain": "https://example.com"}, "base_domain must be", id="domain"),
    pytest.param({"custom_domains": ["Example.COM"]}, "custom domain", id="custom-domain"),
    pytest.param({"vpc_cidr": "10.0.0.0/8"}, "vpc_cidr must be", id="cidr-too-big"),
    pytest.param({"vpc_cidr": "not-a-cidr"}, "vpc_cidr must be", id="cidr-garbage"),
    pytest.param({"az_count": 1}, "az_count must be", id="one-zone"),
    pytest.param({"log_retention_days": 42}, "log_retention_days must be", id="retention"),
    pytest.param({"image_retention_count": 0}, "image_retention_count", id="images"),
    pytest.param({"api": {"cpu": "lots"}}, "", id="api-type"),
    pytest.param({"database": {"multi_az": "sometimes"}}, "", id="database-type"),
]


@pytest.mark.parametrize(("override", "message"), INVALID)
def test_invalid_values_are_rejected(stack_vars: Path, override: dict, message: str) -> None:
    result = plan_with(stack_vars, {**MINIMAL, **override})
    assert result.returncode != 0, f"{override} was accepted"
    assert message in " ".join(result.stderr.split())


def test_only_region_and_base_domain_are_required(stack_vars: Path) -> None:
    assert plan_with(stack_vars, MINIMAL).returncode == 0
    result = plan_with(stack_vars, {"region": "eu-west-1"})
    assert result.returncode != 0
