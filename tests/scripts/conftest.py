from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts.deploy.environment import Environment, load_environment

REPO = Path(__file__).resolve().parents[2]
FAKE_TERRAFORM = Path(__file__).with_name("fake_terraform.py")
ACCOUNT = "123456789012"
REGION = "eu-west-1"


def launcher(directory: Path, name: str, script: Path) -> Path:
    """An executable `name` in `directory` that runs `script` with this interpreter."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{script}" "$@"\n')
    path.chmod(0o755)
    return path


@pytest.fixture
def example_env() -> Environment:
    return load_environment("example", REPO / "environments")


def stack_outputs(prefix: str = "slipway-example") -> dict[str, Any]:
    registry = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
    secret = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{prefix}"
    role = f"arn:aws:iam::{ACCOUNT}:role/{prefix}"
    return {
        "region": REGION,
        "cluster_name": prefix,
        "cluster_arn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{prefix}",
        "api_service_name": f"{prefix}-api",
        "proxy_service_name": f"{prefix}-proxy",
        "api_task_family": f"{prefix}-api",
        "proxy_task_family": f"{prefix}-proxy",
        "builder_task_family": f"{prefix}-builder",
        "api_container_name": "api",
        "proxy_container_name": "proxy",
        "builder_container_name": "builder",
        "api_port": 8000,
        "proxy_port": 8080,
        "services_repository_url": f"{registry}/{prefix}-services",
        "builder_repository_url": f"{registry}/{prefix}-builder",
        "artifacts_bucket": f"{prefix}-artifacts-{ACCOUNT}",
        "alb_dns_name": f"{prefix}-123.{REGION}.elb.amazonaws.com",
        "api_url": "https://api.sites.example.com",
        "base_domain": "sites.example.com",
        "task_execution_role_arn": f"{role}-execution",
        "api_task_role_arn": f"{role}-api",
        "proxy_task_role_arn": f"{role}-proxy",
        "builder_task_role_arn": f"{role}-builder",
        "builder_execution_role_arn": f"{role}-builder-execution",
        "api_log_group": f"/ecs/{prefix}-api",
        "proxy_log_group": f"/ecs/{prefix}-proxy",
        "builder_log_group": f"/ecs/{prefix}-builder",
        "builder_subnet_ids": ["subnet-0a", "subnet-0b"],
        "builder_assign_public_ip": True,
        "builder_security_group_id": "sg-0builder",
        "database_secret_arn": f"{secret}-db-AbCdEf",
        "database_endpoint": f"{prefix}-db.abc.{REGION}.rds.amazonaws.com",
        "database_port": 5432,
        "database_name": "slipway",
        "webhook_secret_arn": f"{secret}-webhook-AbCdEf",
        "api_token_secret_arn": f"{secret}-api-token-AbCdEf",
        "github_token_secret_arn": f"{secret}-github-token-AbCdEf",
    }


@pytest.fixture
def outputs() -> dict[str, Any]:
    return stack_outputs()


class FakeTerraform:
    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.path = launcher(tmp_path / "fakebin", "terraform", FAKE_TERRAFORM)
        self.log = tmp_path / "terraform-calls.jsonl"
        self.outputs_file = tmp_path / "terraform-outputs.json"
        self._monkeypatch = monkeypatch
        monkeypatch.setenv("FAKE_TERRAFORM_LOG", str(self.log))
        monkeypatch.setenv("SLIPWAY_TERRAFORM", str(self.path))

    def set_outputs(self, values: dict[str, Any]) -> None:
        self.outputs_file.write_text(json.dumps(values))
        self._monkeypatch.setenv("FAKE_TERRAFORM_OUTPUTS", str(self.outputs_file))

    def fail(self, command: str) -> None:
        self._monkeypatch.setenv("FAKE_TERRAFORM_FAIL", command)

    def calls(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def argvs(self) -> list[list[str]]:
        return [call["argv"] for call in self.calls()]


@pytest.fixture
def fake_terraform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTerraform]:
    yield FakeTerraform(tmp_path, monkeypatch)
