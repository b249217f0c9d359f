"""Rendered task definitions, checked with botocore's own RegisterTaskDefinition model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scripts.deploy import taskdefs
from scripts.deploy.environment import Environment
from scripts.deploy.errors import ConfigError
from scripts.deploy.taskdefs import render_task_definitions, validate_task_definition

TAG = "0123456789ab"


def container(document: dict[str, Any]) -> dict[str, Any]:
    (only,) = document["containerDefinitions"]
    return only


def env_of(document: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item["value"] for item in container(document).get("environment", [])}


def secrets_of(document: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item["valueFrom"] for item in container(document).get("secrets", [])}


def test_all_three_render_and_pass_botocore_validation(
    example_env: Environment, outputs: dict[str, Any]
) -> None:
    definitions = render_task_definitions(example_env, outputs, TAG)
    for role, document in definitions.items():
        validate_task_definition(document, source=role)  # raises on any invalid field
        assert document["requiresCompatibilities"] == ["FARGATE"]
        assert document["networkMode"] == "awsvpc"
        # moto's RunTask (and our tests) need cpu and memory on the container too.
        assert container(document)["cpu"] == int(document["cpu"])
        assert container(document)["memory"] == int(document["memory"])
        assert {"key": "slipway:release", "value": TAG} in document["tags"]


def test_api_task_definition(example_env: Environment, outputs: dict[str, Any]) -> None:
    api = render_task_definitions(example_env, outputs, TAG).api
    assert api["family"] == "slipway-example-api"
    assert (api["cpu"], api["memory"]) == ("512", "1024")
    assert api["taskRoleArn"] == outputs["api_task_role_arn"]
    assert api["executionRoleArn"] == outputs["task_execution_role_arn"]
    main = container(api)
    assert main["name"] == "api"
    assert main["image"] == f"{outputs['services_repository_url']}:{TAG}"
    assert main["command"] == ["python", "-m", "services.api"]
    assert main["portMappings"] == [{"containerPort": 8000, "protocol": "tcp"}]
    assert main["logConfiguration"]["options"] == {
        "awslogs-group": outputs["api_log_group"],
        "awslogs-region": "eu-west-1",
        "awslogs-stream-prefix": "api",
    }
    assert env_of(api) == {
        "SLIPWAY_API_PORT": "8000",
        "SLIPWAY_AWS_REGION": "eu-west-1",
        "SLIPWAY_BASE_DOMAIN": "sites.example.com",
        "SLIPWAY_BIND": "0.0.0.0",
        "SLIPWAY_BUILD_TIMEOUT": "900",
        "SLIPWAY_BUILDER": "ecs",
        "SLIPWAY_DATABASE_CA_FILE": "/etc/ssl/certs/rds-global-bundle.pem",
        "SLIPWAY_DATABASE_HOST": outputs["database_endpoint"],
        "SLIPWAY_DATABASE_NAME": "slipway",
        "SLIPWAY_DATABASE_PORT": "5432",
        "SLIPWAY_DATABASE_SECRET_ARN": outputs["database_secret_arn"],
        "SLIPWAY_DATABASE_SSLMODE": "verify-full",
        "SLIPWAY_ECS_ASSIGN_PUBLIC_IP": "true",
        "SLIPWAY_ECS_BUILDER_CONTAINER": "builder",
        "SLIPWAY_ECS_BUILDER_LOG_GROUP": outputs["builder_log_group"],
        "SLIPWAY_ECS_BUILDER_LOG_PREFIX": "build",
        "SLIPWAY_ECS_BUILDER_TASK_FAMILY": "slipway-example-builder",
        "SLIPWAY_ECS_CLUSTER": "slipway-example",
        "SLIPWAY_ECS_PUBLISHER_ROLE_ARN": outputs["builder_publisher_role_arn"],
        "SLIPWAY_ECS_SECURITY_GROUPS": "sg-0builder",
        "SLIPWAY_ECS_SUBNETS": "subnet-0a,subnet-0b",
        "SLIPWAY_PUBLIC_PORT": "443",
        "SLIPWAY_PUBLIC_SCHEME": "https",
        "SLIPWAY_STORAGE_URL": f"s3://{outputs['artifacts_bucket']}",
    }
    # The database password rotates: the api reads it itself (SLIPWAY_DATABASE_SECRET_ARN).
    assert secrets_of(api) == {
        "SLIPWAY_API_TOKEN": outputs["api_token_secret_arn"],
        "SLIPWAY_GITHUB_TOKEN": outputs["github_token_secret_arn"],
        "SLIPWAY_GITHUB_WEBHOOK_SECRET": outputs["webhook_secret_arn"],
    }
    # Liveness: a database reboot must not get healthy tasks replaced.
    assert "http://127.0.0.1:8000/livez" in main["healthCheck"]["command"][-1]


def test_proxy_reads_only_storage(example_env: Environment, outputs: dict[str, Any]) -> None:
    proxy = render_task_definitions(example_env, outputs, TAG).proxy
    main = container(proxy)
    assert main["command"] == ["python", "-m", "services.proxy"]
    assert main["image"] == f"{outputs['services_repository_url']}:{TAG}"
    assert main["portMappings"] == [{"containerPort": 8080, "protocol": "tcp"}]
    assert "secrets" not in main  # the data plane needs no control-plane secret
    assert env_of(proxy)["SLIPWAY_PROXY_PORT"] == "8080"
    assert "http://127.0.0.1:8080/livez" in main["healthCheck"]["command"][-1]
    assert env_of(proxy)["SLIPWAY_STORAGE_URL"] == f"s3://{outputs['artifacts_bucket']}"
    # One worker per vCPU, at least one.
    assert (proxy["cpu"], env_of(proxy)["SLIPWAY_PROXY_WORKERS"]) == ("256", "1")


def test_builder_task_definition(example_env: Environment, outputs: dict[str, Any]) -> None:
    builder = render_task_definitions(example_env, outputs, TAG).builder
    assert builder["family"] == "slipway-example-builder"
    assert builder["taskRoleArn"] == outputs["builder_task_role_arn"]
    assert builder["executionRoleArn"] == outputs["builder_execution_role_arn"]
    assert (builder["cpu"], builder["memory"]) == ("1024", "2048")
    main = container(builder)
    assert main["name"] == "builder"
    assert main["image"] == f"{outputs['builder_repository_url']}:{TAG}"
    # Only the GitHub token, for private clones: no control-plane secret reaches a build.
    assert secrets_of(builder) == {"SLIPWAY_GIT_TOKEN": outputs["github_token_secret_arn"]}
    assert main["logConfiguration"]["options"]["awslogs-group"] == outputs["builder_log_group"]
    assert main["logConfiguration"]["options"]["awslogs-stream-prefix"] == "build"


def test_arm64_platform_sets_the_runtime_architecture(
    example_env: Environment, outputs: dict[str, Any]
) -> None:
    env = example_env.model_copy(
        update={"images": example_env.images.model_copy(update={"platform": "linux/arm64"})}
    )
    definitions = render_task_definitions(env, outputs, TAG)
    for _, document in definitions.items():
        assert document["runtimePlatform"] == {
            "cpuArchitecture": "ARM64",
            "operatingSystemFamily": "LINUX",
        }
    # Fargate Spot runs no ARM64 task: the api must start builds on on-demand Fargate.
    from services.api.builders.ecs import capacity_strategy

    providers = env_of(definitions.api)["SLIPWAY_ECS_CAPACITY_PROVIDERS"]
    assert capacity_strategy(providers) == [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]


def test_x86_builds_keep_the_apis_own_capacity_choice(
    example_env: Environment, outputs: dict[str, Any]
) -> None:
    from services.core.settings import Settings

    api = render_task_definitions(example_env, outputs, TAG).api
    assert "SLIPWAY_ECS_CAPACITY_PROVIDERS" not in env_of(api)
    assert Settings.model_fields["ecs_capacity_providers"].default.startswith("FARGATE_SPOT")


def test_missing_outputs_are_named(example_env: Environment, outputs: dict[str, Any]) -> None:
    del outputs["builder_log_group"], outputs["cluster_name"]
    with pytest.raises(
        ConfigError, match="Terraform's outputs lack cluster_name, builder_log_group"
    ):
        render_task_definitions(example_env, outputs, TAG)


@pytest.mark.parametrize("subnets", ["subnet-0a,subnet-0b", []])
def test_builder_subnets_must_be_a_list(
    example_env: Environment, outputs: dict[str, Any], subnets: object
) -> None:
    outputs["builder_subnet_ids"] = subnets
    with pytest.raises(ConfigError, match="builder_subnet_ids must be a list of ids"):
        render_task_definitions(example_env, outputs, TAG)


def test_a_typo_in_a_template_fails_instead_of_rendering_empty(
    example_env: Environment,
    outputs: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for path in taskdefs.TEMPLATES.iterdir():
        (tmp_path / path.name).write_text(path.read_text())
    api = tmp_path / "api.json.j2"
    api.write_text(api.read_text().replace("out.api_log_group", "out.api_log_grup"))
    monkeypatch.setattr(taskdefs, "TEMPLATES", tmp_path)
    with pytest.raises(
        ConfigError, match=r"api\.json\.j2: 'dict object' has no attribute 'api_log_grup'"
    ):
        render_task_definitions(example_env, outputs, TAG)


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
    document = render_task_definitions(example_env, outputs, TAG).api
    mutate(document)
    with pytest.raises(ConfigError) as caught:
        validate_task_definition(document, source="api.json.j2")
    assert message in caught.value.message


def test_the_api_environment_is_what_the_services_settings_read(
    example_env: Environment, outputs: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each SLIPWAY_* variable of the api task parses into services.core.settings.Settings."""
    from services.core.settings import Settings

    api = render_task_definitions(example_env, outputs, TAG).api
    values = env_of(api) | dict.fromkeys(secrets_of(api), "from-secrets-manager")
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    fields = {f"SLIPWAY_{name.upper()}" for name in Settings.model_fields}
    assert set(values) <= fields
    assert settings.builder == "ecs"
    assert settings.ecs_assign_public_ip is True
    assert settings.ecs_subnets == "subnet-0a,subnet-0b"
    assert (settings.database_host, settings.database_port, settings.database_name) == (
        outputs["database_endpoint"],
        5432,
        "slipway",
    )
    assert settings.database_secret_arn == outputs["database_secret_arn"]
    assert settings.database_sslmode == "verify-full"


def test_the_api_trusts_the_rds_bundle_where_the_services_image_puts_it(
    example_env: Environment, outputs: dict[str, Any]
) -> None:
    api = render_task_definitions(example_env, outputs, TAG).api
    dockerfile = (Path(__file__).parents[2] / "Dockerfile").read_text()
    (copy,) = [line for line in dockerfile.splitlines() if line.startswith("COPY --from=rds-ca ")]
    assert copy.split()[-1] == env_of(api)["SLIPWAY_DATABASE_CA_FILE"]


@pytest.mark.parametrize(
    ("cpu", "memory", "workers"), [(256, 512, "1"), (1024, 2048, "1"), (4096, 8192, "4")]
)
def test_proxy_runs_a_worker_per_vcpu(
    example_env: Environment, outputs: dict[str, Any], cpu: int, memory: int, workers: str
) -> None:
    size = example_env.services.proxy.model_copy(update={"cpu": cpu, "memory": memory})
    services = example_env.services.model_copy(update={"proxy": size})
    env = example_env.model_copy(update={"services": services})
    proxy = render_task_definitions(env, outputs, TAG).proxy
    assert (proxy["cpu"], env_of(proxy)["SLIPWAY_PROXY_WORKERS"]) == (str(cpu), workers)
