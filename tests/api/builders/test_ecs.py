"""The ECS builder against moto server's ECS and CloudWatch Logs (moto runs no container)."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from services.api.build_context import runner_inputs
from services.api.builders.ecs import (
    STOP_REASON,
    EcsBuilder,
    EcsStartError,
    capacity_strategy,
    run_task_request,
    state_from_task,
)
from services.core.build_variables import (
    ECS_MAX_VARIABLE_CHARS,
    override_chars,
)
from services.core.runner_inputs import RunnerInputs
from services.core.settings import Settings
from tests.api.test_build_context import deployment, project

pytestmark = pytest.mark.anyio


def spec(deployment_id: str = "abcdefgh12345678abcd") -> RunnerInputs:
    return RunnerInputs(
        deployment_id=deployment_id,
        project="site",
        repo_url="https://github.com/acme/site",
        storage_url="s3://bucket",
        git_token="ghp_secret",
        build_env={"API_URL": "x"},
    )


def test_run_task_request_carries_inputs_but_no_secret_values(ecs_settings: Settings) -> None:
    inputs = spec()
    request = run_task_request(ecs_settings, inputs, {"AWS_SESSION_TOKEN": "session"})
    [override] = request["overrides"]["containerOverrides"]
    given = {e["name"]: e["value"] for e in override["environment"]}
    without_token = {k: v for k, v in inputs.to_env().items() if k != "SLIPWAY_GIT_TOKEN"}
    assert given == {**without_token, "AWS_SESSION_TOKEN": "session"}
    assert given["API_URL"] == "x"
    assert "ghp_secret" not in repr(request)
    assert request["capacityProviderStrategy"][0] == {
        "capacityProvider": "FARGATE_SPOT",
        "weight": 1,
        "base": 0,
    }
    assert request["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"] == "ENABLED"


def test_capacity_strategy_parsing() -> None:
    assert capacity_strategy("") == []
    assert capacity_strategy("FARGATE") == [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]


async def test_run_describe_and_stop_on_moto(ecs_settings: Settings) -> None:
    builder = EcsBuilder.from_settings(ecs_settings)
    handle = await builder.start(spec())
    assert handle.startswith("arn:aws:ecs:")
    described = builder.ecs.describe_tasks(cluster=ecs_settings.ecs_cluster, tasks=[handle])
    [task] = described["tasks"]
    env = task["overrides"]["containerOverrides"][0]["environment"]
    assert {"name": "SLIPWAY_DEPLOYMENT_ID", "value": "abcdefgh12345678abcd"} in env
    state = await builder.poll("abcdefgh12345678abcd", handle)
    assert isinstance(state.running, bool)
    await builder.stop("abcdefgh12345678abcd", handle)
    [stopped] = builder.ecs.describe_tasks(cluster=ecs_settings.ecs_cluster, tasks=[handle])[
        "tasks"
    ]
    assert (stopped["lastStatus"], stopped["stoppedReason"]) == ("STOPPED", STOP_REASON)
    assert not (await builder.poll("abcdefgh12345678abcd", handle)).running


async def test_logs_come_from_cloudwatch(ecs_settings: Settings) -> None:
    builder = EcsBuilder.from_settings(ecs_settings)
    handle = "arn:aws:ecs:us-east-1:123456789012:task/c/0123456789abcdef"
    assert await builder.read_log("d", handle, 0) == ("", 0)  # nothing logged yet
    stream = builder.log_stream(handle)
    assert stream == "builder/builder/0123456789abcdef"
    now_ms = int(time.time() * 1000)
    builder.logs.create_log_stream(
        logGroupName=ecs_settings.ecs_builder_log_group, logStreamName=stream
    )
    builder.logs.put_log_events(
        logGroupName=ecs_settings.ecs_builder_log_group,
        logStreamName=stream,
        logEvents=[{"timestamp": now_ms + n, "message": f"line {n}"} for n in range(3)],
    )
    text, offset = await builder.read_log("d", handle, 0)
    assert text == "line 0\nline 1\nline 2\n"
    assert await builder.read_log("d", handle, offset) == ("", offset)


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        pytest.param({"lastStatus": "RUNNING"}, (True, None), id="running"),
        pytest.param({"lastStatus": "PROVISIONING"}, (True, None), id="provisioning"),
        pytest.param(
            {"lastStatus": "STOPPED", "containers": [{"name": "builder", "exitCode": 12}]},
            (False, 12),
            id="build-failed",
        ),
        pytest.param(
            {"lastStatus": "STOPPED", "containers": [{"name": "builder", "exitCode": 0}]},
            (False, 0),
            id="success",
        ),
        pytest.param(
            {
                "lastStatus": "STOPPED",
                "stoppedReason": "CannotPullContainerError",
                "containers": [{"name": "builder"}],
            },
            (False, None),
            id="never-started",
        ),
        pytest.param(None, (False, None), id="forgotten"),
    ],
)
def test_state_from_describe_tasks(
    task: dict[str, Any] | None, expected: tuple[bool, int | None]
) -> None:
    state = state_from_task(task, "builder")
    assert (state.running, state.exit_code) == expected
    if task and task.get("stoppedReason"):
        assert "CannotPullContainerError" in state.detail


class FlakyEcs:
    """Moto's client behind a throttling error and a capacity failure, as AWS answers them."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls = 0

    def run_task(self, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls == 1:
            raise ClientError({"Error": {"Code": "ThrottlingException"}}, "RunTask")
        if self.calls == 2:
            return {"tasks": [], "failures": [{"reason": "Capacity is unavailable at this time"}]}
        return self.real.run_task(**kwargs)


async def test_start_retries_throttling_and_capacity(ecs_settings: Settings) -> None:
    real = EcsBuilder.from_settings(ecs_settings)
    flaky = FlakyEcs(real.ecs)
    builder = EcsBuilder(ecs_settings, flaky, real.logs, backoff=0.01)
    assert (await builder.start(spec())).startswith("arn:aws:ecs:")
    assert flaky.calls == 3


async def test_start_gives_up_on_a_lasting_error(ecs_settings: Settings) -> None:
    real = EcsBuilder.from_settings(ecs_settings)
    broken = Settings(**{**ecs_settings.model_dump(), "ecs_builder_task_family": "missing"})
    builder = EcsBuilder(broken, real.ecs, real.logs, backoff=0.01)
    with pytest.raises(EcsStartError):
        await builder.start(spec())


def test_ecs_overrides_carry_the_context_and_the_chosen_values(ecs_settings: Settings) -> None:
    inputs = runner_inputs(ecs_settings, project(), deployment("feature", 3), "c" * 40)
    request = run_task_request(ecs_settings, inputs)
    [override] = request["overrides"]["containerOverrides"]
    given = {e["name"]: e["value"] for e in override["environment"]}
    assert given["SLIPWAY_DEPLOY_CONTEXT"] == "deploy-preview"
    assert given["SHARED"] == "preview"
    assert "UA-1" not in repr(request)  # production-only values never reach a preview


def variables_of_chars(chars: int) -> dict[str, str]:
    """Variables taking exactly `chars` characters of task overrides."""
    variables = {"BIG": ""}
    variables["BIG"] = "v" * (chars - override_chars(variables))
    assert override_chars(variables) == chars
    return variables


async def test_variables_at_the_ecs_limit_start_and_past_what_runtask_takes_do_not(
    ecs_settings: Settings,
) -> None:
    real = EcsBuilder.from_settings(ecs_settings)
    flaky = FlakyEcs(real.ecs)
    builder = EcsBuilder(ecs_settings, flaky, real.logs, backoff=0.01)
    full = project(
        env=variables_of_chars(ECS_MAX_VARIABLE_CHARS), production_env={}, preview_env={}
    )
    inputs = runner_inputs(ecs_settings, full, deployment("main"), "c" * 40)
    assert (await builder.start(inputs)).startswith("arn:aws:ecs:")

    long_command = "true && " * 500  # 4000 characters: within the runner's own limits
    with pytest.raises(EcsStartError, match="past the 8192 AWS accepts"):
        await builder.start(replace(inputs, build_command=long_command))
    assert flaky.calls == 3  # the first start's; the second was refused before asking ECS
