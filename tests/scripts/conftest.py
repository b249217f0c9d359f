from __future__ import annotations

import copy
import io
import json
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts.deploy.environment import Environment, load_environment
from scripts.deploy.runner import Command, Runner
from scripts.deploy.taskdefs import release_task_definitions
from tests.support.task_definitions import render_requests

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
        "services": {"api": f"{prefix}-api", "proxy": f"{prefix}-proxy"},
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
        "builder_publisher_role_arn": f"arn:aws:iam::111122223333:role/{prefix}-builder-publish-1",
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


def task_definition_calls(outputs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The three families as the stack calls terraform/modules/task_definition (their
    environments abridged: the stack's own are checked on the applied stack, tests/aws)."""
    bootstrap = {
        "api": f"{outputs['services_repository_url']}:bootstrap",
        "proxy": f"{outputs['services_repository_url']}:bootstrap",
        "builder": f"{outputs['builder_repository_url']}:bootstrap",
    }
    sizes = {"api": (512, 1024), "proxy": (256, 512), "builder": (1024, 2048)}
    execution = {"builder": outputs["builder_execution_role_arn"]}
    storage = {"SLIPWAY_STORAGE_URL": f"s3://{outputs['artifacts_bucket']}"}
    services = {
        "api": {"port": 8000, "secrets": {"SLIPWAY_API_TOKEN": outputs["api_token_secret_arn"]}},
        "proxy": {"port": 8080},
        "builder": {"log_stream_prefix": "build"},
    }
    calls = {
        role: {
            "family": outputs[f"{role}_task_family"],
            "cpu": sizes[role][0],
            "memory": sizes[role][1],
            "task_role_arn": outputs[f"{role}_task_role_arn"],
            "execution_role_arn": execution.get(role, outputs["task_execution_role_arn"]),
            "region": outputs["region"],
            "log_group": outputs[f"{role}_log_group"],
            "containers": [
                {
                    "name": role,
                    "image": bootstrap[role],
                    "environment": storage,
                    **services[role],
                    **({"liveness_path": "/livez"} if "port" in services[role] else {}),
                }
            ],
        }
        for role in ("api", "proxy", "builder")
    }
    # api_beside_proxy: the api as a second container of the proxy's task, not essential.
    beside = copy.deepcopy(calls["proxy"])
    beside["memory"] = 1024
    beside["containers"].append({**calls["api"]["containers"][0], "essential": False})
    return calls | {"proxy_with_api": beside}


def beside_the_proxy(outputs: dict[str, Any]) -> dict[str, Any]:
    """`outputs` as the stack gives them with api_beside_proxy: one service, two families."""
    definitions = outputs["task_definitions"]
    proxy = outputs["proxy_service_name"]
    return outputs | {
        "api_service_name": proxy,
        "api_task_family": outputs["proxy_task_family"],
        "services": {"proxy": proxy},
        "task_definitions": {
            "proxy": definitions["proxy_with_api"],
            "builder": definitions["builder"],
        },
    }


@pytest.fixture(scope="session")
def rendered_task_definitions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    calls = task_definition_calls(stack_outputs())
    return render_requests(calls, tmp_path_factory.mktemp("task-definitions"))


@pytest.fixture
def outputs(rendered_task_definitions: dict[str, Any]) -> dict[str, Any]:
    return stack_outputs() | {"task_definitions": copy.deepcopy(rendered_task_definitions)}


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

    def fail(self, command: str, summary: str | None = None) -> None:
        self._monkeypatch.setenv("FAKE_TERRAFORM_FAIL", command)
        if summary is not None:
            self._monkeypatch.setenv("FAKE_TERRAFORM_ERROR", summary)

    def calls(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def argvs(self) -> list[list[str]]:
        return [call["argv"] for call in self.calls()]


@pytest.fixture
def fake_terraform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeTerraform:
    return FakeTerraform(tmp_path, monkeypatch)


class RecordingRunner(Runner):
    """Runs nothing: records each command and answers git's questions like a clean tree."""

    def __init__(self, *, dry_run: bool = False, head: str = "f" * 40, dirty: bool = False) -> None:
        self.log = io.StringIO()
        super().__init__(dry_run=dry_run, out=self.log)
        self.commands: list[Command] = []
        self.head = head
        self.dirty = dirty

    def execute(self, command: Command) -> str:
        self.commands.append(command)
        if command.argv[:2] == ("git", "rev-parse"):
            return self.head + "\n"
        if command.argv[:2] == ("git", "status"):
            return " M services/api/views.py\n" if self.dirty else ""
        return ""

    def argvs(self, program: str) -> list[tuple[str, ...]]:
        return [c.argv for c in self.commands if c.argv[0] == program]


def bootstrap_platform(ecs: Any, env: Environment, outputs: dict[str, Any]) -> None:
    """What `make apply` leaves: a cluster, revision 1 of each family, two services, and the
    secrets with values (their ARNs replace those in `outputs`)."""
    secrets = boto3.client("secretsmanager", region_name=REGION)
    for name in ("api_token_secret_arn", "webhook_secret_arn", "github_token_secret_arn"):
        created = secrets.create_secret(Name=name.removesuffix("_secret_arn"), SecretString="v")
        outputs[name] = created["ARN"]
    ecs.create_cluster(clusterName=outputs["cluster_name"])
    for role, document in release_task_definitions(env, outputs, "bootstrap").items():
        # As Terraform registers them: without the tag that marks a release's revisions.
        ecs.register_task_definition(**{k: v for k, v in document.items() if k != "tags"})
        if role in outputs["services"]:
            ecs.create_service(
                cluster=outputs["cluster_name"],
                serviceName=outputs["services"][role],
                taskDefinition=f"{document['family']}:1",
                desiredCount=2,
                launchType="FARGATE",
            )
