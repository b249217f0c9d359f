"""Registration, service updates, waiting and rollback against moto's ECS (in-process).

moto runs no container: with MOTO_ECS_SERVICE_RUNNING=2 every service reports two running
tasks, so "stable" is reached at once. moto reads that variable from its own process's
environment, which is why these tests use the in-process mock rather than the session's
shared moto server. moto keeps one deployment per service and never fails one: failed and
slow roll-outs are driven by stubbed DescribeServices answers, and whole releases against
deployment lists acted out as ECS keeps them (tests/scripts/ecs_deployments.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from moto import mock_aws
from rich.console import Console

from scripts.deploy.ecs import (
    DeploymentFailed,
    Ecs,
    Revision,
    ServiceState,
    Started,
    parse_revision,
    started_deployment,
)
from scripts.deploy.environment import Environment
from scripts.deploy.errors import ConfigError, PrerequisiteError, RolloutError
from scripts.deploy.release import ProgressDisplay, Tools, release, rollback
from scripts.deploy.taskdefs import release_task_definitions
from tests.scripts.conftest import REGION, RecordingRunner, beside_the_proxy, bootstrap_platform
from tests.scripts.ecs_deployments import EcsDeployments, completes

HEALTHY = httpx.MockTransport(lambda request: httpx.Response(200, text="ok"))


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "2")
    with mock_aws():
        yield {
            "ecs": boto3.client("ecs", region_name=REGION),
            "ecr": boto3.client("ecr", region_name=REGION),
            "secretsmanager": boto3.client("secretsmanager", region_name=REGION),
        }


@pytest.fixture
def platform(
    aws: dict[str, Any], example_env: Environment, outputs: dict[str, Any]
) -> dict[str, Any]:
    bootstrap_platform(aws["ecs"], example_env, outputs)
    return aws


def tools(
    aws: dict[str, Any],
    runner: RecordingRunner,
    tmp_path: Path,
    transport: httpx.MockTransport = HEALTHY,
) -> Tools:
    return Tools(
        runner=runner,
        ecs=aws["ecs"],
        ecr=aws["ecr"],
        secretsmanager=aws["secretsmanager"],
        http=httpx.Client(transport=transport),
        root=tmp_path,
        sleep=lambda _seconds: None,
    )


def service_revision(aws: dict[str, Any], outputs: dict[str, Any], role: str) -> str:
    ecs = aws["ecs"]
    answer = ecs.describe_services(
        cluster=outputs["cluster_name"], services=[outputs[f"{role}_service_name"]]
    )
    return parse_revision(answer["services"][0]["taskDefinition"]).ref


def active(aws: dict[str, Any], family: str) -> list[int]:
    return [r.number for r in Ecs(aws["ecs"], RecordingRunner()).active_revisions(family)]


@pytest.mark.parametrize(
    ("reference", "revision"),
    [
        pytest.param("web:3", Revision("web", 3), id="short"),
        pytest.param(
            "arn:aws:ecs:eu-west-1:1:task-definition/slipway-x-api:12",
            Revision("slipway-x-api", 12),
            id="arn",
        ),
    ],
)
def test_parse_revision(reference: str, revision: Revision) -> None:
    assert parse_revision(reference) == revision


def test_release_registers_updates_waits_and_checks_health(
    platform: dict[str, Any], example_env: Environment, outputs: dict[str, Any], tmp_path: Path
) -> None:
    runner = RecordingRunner(head="abcdef012345" + "0" * 28)
    seen: list[str] = []

    def health(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200)

    tag = release(
        example_env,
        outputs,
        tools(platform, runner, tmp_path, httpx.MockTransport(health)),
        tag=None,
        work_dir=tmp_path / "work",
    )

    assert tag == "abcdef012345"
    assert service_revision(platform, outputs, "api") == "slipway-example-api:2"
    assert service_revision(platform, outputs, "proxy") == "slipway-example-proxy:2"
    assert active(platform, "slipway-example-builder") == [1, 2]
    described = platform["ecs"].describe_task_definition(taskDefinition="slipway-example-api:2")
    assert described["taskDefinition"]["containerDefinitions"][0]["image"].endswith(":abcdef012345")
    assert (tmp_path / "work" / "taskdefs" / "api.json").is_file()
    registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    assert runner.argvs("docker") == [
        ("docker", "login", "--username", "AWS", "--password-stdin", registry),
        ("docker", "buildx", "build", "--platform", "linux/amd64", "--file", "Dockerfile",
         "--tag", f"{outputs['services_repository_url']}:abcdef012345",
         "--label", f"org.opencontainers.image.revision=abcdef012345{'0' * 28}",
         "--label", "org.opencontainers.image.version=abcdef012345",
         "--provenance=false", "--push", "."),
        ("docker", "buildx", "build", "--platform", "linux/amd64",
         "--file", "build_runner/Dockerfile",
         "--tag", f"{outputs['builder_repository_url']}:abcdef012345",
         "--label", f"org.opencontainers.image.revision=abcdef012345{'0' * 28}",
         "--label", "org.opencontainers.image.version=abcdef012345",
         "--provenance=false", "--push", "."),
    ]  # fmt: skip
    assert "123456789012-auth-token" not in runner.log.getvalue()
    assert seen == [
        "https://api.sites.example.com/healthz",
        "https://healthz.sites.example.com/healthz",
    ]


def test_rollback_returns_to_the_previous_release_and_retires_the_left_ones(
    platform: dict[str, Any], example_env: Environment, outputs: dict[str, Any], tmp_path: Path
) -> None:
    for tag in ("r2", "r3"):
        release(
            example_env,
            outputs,
            tools(platform, RecordingRunner(), tmp_path),
            tag=tag,
            work_dir=tmp_path,
        )
    assert service_revision(platform, outputs, "api") == "slipway-example-api:3"

    steps = rollback(example_env, outputs, tools(platform, RecordingRunner(), tmp_path))

    assert [(s.role, s.leave.number, s.to.number) for s in steps] == [
        ("api", 3, 2),
        ("proxy", 3, 2),
        ("builder", 3, 2),
    ]
    assert service_revision(platform, outputs, "api") == "slipway-example-api:2"
    assert service_revision(platform, outputs, "proxy") == "slipway-example-proxy:2"
    assert active(platform, "slipway-example-builder") == [1, 2]  # the api's RunTask gets :2
    assert active(platform, "slipway-example-api") == [1, 2]
    # Revision 1 is Terraform's (its image never existed): no rollback goes there.
    with pytest.raises(
        RolloutError, match="no release of slipway-example-api older than revision 2"
    ):
        rollback(example_env, outputs, tools(platform, RecordingRunner(), tmp_path))
    assert service_revision(platform, outputs, "api") == "slipway-example-api:2"


def test_beside_the_proxy_a_release_and_a_rollback_move_one_service(
    aws: dict[str, Any], example_env: Environment, outputs: dict[str, Any], tmp_path: Path
) -> None:
    """api_beside_proxy: the proxy's task holds the api; no api service or family."""
    outputs = beside_the_proxy(outputs)
    bootstrap_platform(aws["ecs"], example_env, outputs)
    for tag in ("r2", "r3"):
        release(
            example_env,
            outputs,
            tools(aws, RecordingRunner(), tmp_path),
            tag=tag,
            work_dir=tmp_path,
        )
    services = aws["ecs"].list_services(cluster=outputs["cluster_name"])["serviceArns"]
    assert [arn.rsplit("/", 1)[-1] for arn in services] == ["slipway-example-proxy"]
    assert service_revision(aws, outputs, "proxy") == "slipway-example-proxy:3"
    running = aws["ecs"].describe_task_definition(taskDefinition="slipway-example-proxy:3")
    names = [c["name"] for c in running["taskDefinition"]["containerDefinitions"]]
    assert names == ["proxy", "api"]
    assert active(aws, "slipway-example-api") == []

    steps = rollback(example_env, outputs, tools(aws, RecordingRunner(), tmp_path))

    assert [(s.role, s.to.number) for s in steps] == [("proxy", 2), ("builder", 2)]
    assert service_revision(aws, outputs, "proxy") == "slipway-example-proxy:2"


def test_rollback_skips_revisions_terraform_registered_between_releases(
    platform: dict[str, Any], example_env: Environment, outputs: dict[str, Any], tmp_path: Path
) -> None:
    release(
        example_env,
        outputs,
        tools(platform, RecordingRunner(), tmp_path),
        tag="r2",
        work_dir=tmp_path,
    )
    # A revision registered outside any release, as Terraform's first ones are.
    for _role, document in release_task_definitions(example_env, outputs, "bootstrap").items():
        platform["ecs"].register_task_definition(
            **{k: v for k, v in document.items() if k != "tags"}
        )
    release(
        example_env,
        outputs,
        tools(platform, RecordingRunner(), tmp_path),
        tag="r4",
        work_dir=tmp_path,
    )

    steps = rollback(example_env, outputs, tools(platform, RecordingRunner(), tmp_path))

    assert [(s.role, s.to.number, [r.number for r in s.retire]) for s in steps] == [
        ("api", 2, [4]),
        ("proxy", 2, [4]),
        ("builder", 2, [3, 4]),
    ]
    assert service_revision(platform, outputs, "api") == "slipway-example-api:2"
    assert active(platform, "slipway-example-builder") == [1, 2]


def test_rollback_with_no_earlier_release_changes_nothing(
    platform: dict[str, Any], example_env: Environment, outputs: dict[str, Any], tmp_path: Path
) -> None:
    release(
        example_env,
        outputs,
        tools(platform, RecordingRunner(), tmp_path),
        tag="r2",
        work_dir=tmp_path,
    )
    with pytest.raises(
        RolloutError, match="no release of slipway-example-api older than revision 2"
    ):
        rollback(example_env, outputs, tools(platform, RecordingRunner(), tmp_path))
    assert active(platform, "slipway-example-api") == [1, 2]
    assert service_revision(platform, outputs, "api") == "slipway-example-api:2"


def test_dry_run_release_prints_every_call_and_changes_nothing(
    platform: dict[str, Any], example_env: Environment, outputs: dict[str, Any], tmp_path: Path
) -> None:
    runner = RecordingRunner(dry_run=True)
    release(example_env, outputs, tools(platform, runner, tmp_path), tag="v9", work_dir=tmp_path)
    log = runner.log.getvalue()
    assert runner.argvs("docker") == []
    assert active(platform, "slipway-example-api") == [1]
    assert service_revision(platform, outputs, "api") == "slipway-example-api:1"
    registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    services = outputs["services_repository_url"]
    builder = outputs["builder_repository_url"]
    api = "slipway-example-api"
    for expected in [
        "would call: ecr.GetAuthorizationToken()",
        f"would run: docker login --username AWS --password-stdin {registry}",
        "would run: docker buildx build --platform linux/amd64 --file Dockerfile "
        f"--tag {services}:v9",
        "would call: ecs.RegisterTaskDefinition(family='slipway-example-builder', "
        f"image='{builder}:v9')",
        f"would call: ecs.UpdateService(cluster='slipway-example', service='{api}', "
        f"taskDefinition='{api}:<new>')",
        f"would wait until stable: {api} on {api}:<new>",
        "would run: GET https://api.sites.example.com/healthz",
    ]:
        assert expected in log


class StubEcs:
    """DescribeServices answers in sequence, for the roll-outs moto cannot act out."""

    def __init__(self, answers: list[dict[str, Any]]) -> None:
        self.answers = answers

    def describe_services(self, **_params: Any) -> dict[str, Any]:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def service(
    running: int, deployments: list[dict[str, Any]], task_definition: str = "api:2"
) -> dict[str, Any]:
    return {
        "services": [
            {
                "serviceName": "api",
                "taskDefinition": task_definition,
                "runningCount": running,
                "desiredCount": 2,
                "pendingCount": 2 - running,
                "deployments": deployments,
            }
        ]
    }


def test_wait_reports_progress_until_stable() -> None:
    answers = [
        service(0, [{"rolloutState": "IN_PROGRESS"}, {"rolloutState": "COMPLETED"}]),
        service(1, [{"rolloutState": "IN_PROGRESS"}, {"rolloutState": "COMPLETED"}]),
        service(2, [{"rolloutState": "COMPLETED"}]),
    ]
    seen: list[str] = []
    ecs = Ecs(StubEcs(answers), RecordingRunner(), sleep=lambda _s: None)
    ecs.wait_stable(
        "c",
        {"api": Started("api:2")},
        timeout=60,
        progress=lambda states: seen.extend(s.describe() for s in states),
    )
    assert seen == [
        "api: 0/2 running, 2 pending, 2 deployment(s), rolling",
        "api: 1/2 running, 1 pending, 2 deployment(s), rolling",
        "api: 2/2 running, 0 pending, 1 deployment(s), stable",
    ]


OURS = {"id": "ecs-svc/2", "taskDefinition": "arn:aws:ecs:eu-west-1:1:task-definition/api:2"}
PLACEHOLDER = {"id": "ecs-svc/1", "taskDefinition": "arn:aws:ecs:eu-west-1:1:task-definition/api:1"}


def failed(deployment: dict[str, Any]) -> dict[str, Any]:
    return {**deployment, "rolloutState": "FAILED", "rolloutStateReason": "tasks failed to start"}


def rolling(deployment: dict[str, Any]) -> dict[str, Any]:
    return {**deployment, "rolloutState": "IN_PROGRESS"}


@pytest.mark.parametrize(
    ("started", "deployments", "task_definition", "failure"),
    [
        pytest.param(
            Started("api:2", "ecs-svc/2"),
            [failed(OURS), {**PLACEHOLDER, "rolloutState": "COMPLETED"}],
            "api:2",
            "api: the deployment failed: tasks failed to start",
            id="ours-failed",
        ),
        pytest.param(
            Started("api:2", "ecs-svc/2"),
            [rolling(OURS), failed(PLACEHOLDER)],
            "api:2",
            None,
            id="an-older-one-failed",
        ),
        pytest.param(
            Started("api:2"),
            [failed(OURS), failed(PLACEHOLDER)],
            "api:2",
            "api: the deployment failed: tasks failed to start",
            id="ours-known-by-task-definition",
        ),
        pytest.param(
            Started("api:2"),
            [rolling(OURS), failed(PLACEHOLDER)],
            "api:2",
            None,
            id="an-older-one-failed-known-by-task-definition",
        ),
        pytest.param(
            Started("api:2", "ecs-svc/2"),
            [{**PLACEHOLDER, "id": "ecs-svc/3", "rolloutState": "COMPLETED"}],
            "api:1",
            "api: deployment ecs-svc/2 of api:2 is gone and the service runs another revision",
            id="rolled-back-and-drained",
        ),
    ],
)
def test_only_the_deployment_the_release_started_can_fail_it(
    started: Started,
    deployments: list[dict[str, Any]],
    task_definition: str,
    failure: str | None,
) -> None:
    answer = service(1, deployments, task_definition=task_definition)
    ecs = Ecs(StubEcs([answer]), RecordingRunner(), sleep=lambda _s: None)
    if failure is None:
        (state,) = ecs.states("c", {"api": started})
        assert not state.stable  # still two deployments: the wait goes on
    else:
        with pytest.raises(DeploymentFailed, match=failure):
            ecs.states("c", {"api": started})


@pytest.mark.parametrize(
    ("answer", "started"),
    [
        pytest.param(
            {"service": {"deployments": [{**OURS, "status": "PRIMARY"}, {**PLACEHOLDER}]}},
            Started("api:2", "ecs-svc/2"),
            id="primary-on-the-new-revision",
        ),
        pytest.param(
            {"service": {"deployments": [{**PLACEHOLDER, "status": "PRIMARY"}]}},
            Started("api:2"),
            id="emulator-kept-the-old-deployment",
        ),
        pytest.param({"service": {}}, Started("api:2"), id="no-deployments"),
    ],
)
def test_update_service_answer_names_the_started_deployment(
    answer: dict[str, Any], started: Started
) -> None:
    assert started_deployment(answer, "api:2") == started


def test_a_service_still_on_the_old_revision_times_out() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    old = service(2, [{"rolloutState": "COMPLETED"}], task_definition="api:1")
    ecs = Ecs(StubEcs([old]), RecordingRunner(), sleep=sleep, clock=lambda: now[0])
    with pytest.raises(RolloutError, match="not stable after 60 s: api: 2/2 running"):
        ecs.wait_stable("c", {"api": Started("api:2")}, timeout=60, interval=10)


def test_unhealthy_service_fails_the_release_with_the_status(
    platform: dict[str, Any], example_env: Environment, outputs: dict[str, Any], tmp_path: Path
) -> None:
    unhealthy = httpx.MockTransport(lambda request: httpx.Response(503))
    with pytest.raises(
        RolloutError,
        match=r"api is not healthy at https://api\.sites\.example\.com/healthz after 30 tries "
        r"\(HTTP 503\)",
    ):
        release(
            example_env,
            outputs,
            tools(platform, RecordingRunner(), tmp_path, unhealthy),
            tag="bad",
            work_dir=tmp_path,
        )


def test_a_secret_without_a_value_stops_the_release_before_any_build(
    platform: dict[str, Any], example_env: Environment, outputs: dict[str, Any], tmp_path: Path
) -> None:
    empty = platform["secretsmanager"].create_secret(Name="github-token-unset")["ARN"]
    outputs["github_token_secret_arn"] = empty
    runner = RecordingRunner()
    with pytest.raises(PrerequisiteError, match=f"secrets without a value: {empty}"):
        release(example_env, outputs, tools(platform, runner, tmp_path), tag="t", work_dir=tmp_path)
    assert runner.commands == []


def act_out(
    platform: dict[str, Any], outputs: dict[str, Any], box: Tools, **options: Any
) -> EcsDeployments:
    """Give `box` moto's ECS with deployment lists kept as ECS keeps them."""
    services = [outputs["api_service_name"], outputs["proxy_service_name"]]
    acted = EcsDeployments(platform["ecs"], outputs["cluster_name"], services, **options)
    box.ecs = acted
    return acted


def test_the_first_release_is_not_failed_by_the_placeholder_deployment_that_failed(
    platform: dict[str, Any], example_env: Environment, outputs: dict[str, Any], tmp_path: Path
) -> None:
    """After the first apply each service's only deployment (the placeholder image, which
    does not exist) has failed; it stays listed while the release's deployment starts."""
    box = tools(platform, RecordingRunner(), tmp_path)
    acted = act_out(
        platform,
        outputs,
        box,
        initial_state="FAILED",
        initial_reason="tasks failed to start: CannotPullContainerError",
    )
    release(example_env, outputs, box, tag="first", work_dir=tmp_path)
    for role in ("api", "proxy"):
        assert service_revision(platform, outputs, role) == f"slipway-example-{role}:2"
        (only,) = acted.deployments[outputs[f"{role}_service_name"]]
        assert only["rolloutState"] == "COMPLETED"
    for family in ("slipway-example-api", "slipway-example-proxy", "slipway-example-builder"):
        assert active(platform, family) == [1, 2]


def proxy_trips(outputs: dict[str, Any], *, drained: bool = False) -> Any:
    def scenario(service: str, ecs: EcsDeployments) -> None:
        if service == outputs["proxy_service_name"]:
            ecs.trip(service, drained=drained)
        else:
            completes(service, ecs)

    return scenario


@pytest.mark.parametrize(
    ("drained", "reason"),
    [
        pytest.param(False, "the deployment failed: circuit breaker", id="seen-failing"),
        pytest.param(True, "deployment ecs-svc/.* is gone", id="drained-between-looks"),
    ],
)
def test_a_tripped_circuit_breaker_undoes_the_whole_release(
    platform: dict[str, Any],
    example_env: Environment,
    outputs: dict[str, Any],
    tmp_path: Path,
    drained: bool,
    reason: str,
) -> None:
    release(
        example_env, outputs, tools(platform, RecordingRunner(), tmp_path), tag="r2",
        work_dir=tmp_path,
    )  # fmt: skip
    runner = RecordingRunner()
    box = tools(platform, runner, tmp_path)
    act_out(platform, outputs, box, scenario=proxy_trips(outputs, drained=drained))
    with pytest.raises(DeploymentFailed, match=f"slipway-example-proxy: {reason}") as caught:
        release(example_env, outputs, box, tag="r3", work_dir=tmp_path)
    assert "circuit breaker returns the service to its previous revision" in caught.value.line()
    # The api's deployment completed; it goes back too, so both run release r2 again.
    assert "undoing the release: slipway-example-api back to slipway-example-api:2" in (
        runner.log.getvalue()
    )
    for role in ("api", "proxy"):
        assert service_revision(platform, outputs, role) == f"slipway-example-{role}:2"
    for family in ("slipway-example-api", "slipway-example-proxy", "slipway-example-builder"):
        assert active(platform, family) == [1, 2]


def test_when_the_undo_fails_too_the_release_command_is_named(
    platform: dict[str, Any], example_env: Environment, outputs: dict[str, Any], tmp_path: Path
) -> None:
    release(
        example_env, outputs, tools(platform, RecordingRunner(), tmp_path), tag="r2",
        work_dir=tmp_path,
    )  # fmt: skip
    api_deployments = []

    def scenario(service: str, ecs: EcsDeployments) -> None:
        newest = ecs.deployments[service][0]["id"]
        if service == outputs["api_service_name"] and newest not in api_deployments:
            api_deployments.append(newest)
        if service == outputs["proxy_service_name"] or len(api_deployments) > 1:
            ecs.trip(service)  # the proxy's release, then the api's way back, both fail
        else:
            completes(service, ecs)

    box = tools(platform, RecordingRunner(), tmp_path)
    act_out(platform, outputs, box, scenario=scenario)
    with pytest.raises(RolloutError) as caught:
        release(example_env, outputs, box, tag="r3", work_dir=tmp_path)
    assert caught.value.line() == (
        "slipway-example-proxy: the deployment failed: circuit breaker: 3 tasks failed to "
        "start; returning the other services failed too: slipway-example-api: the deployment "
        "failed: circuit breaker: 3 tasks failed to start (the services may run different "
        "releases now; once the cause is fixed, `make release ENV=example` moves them all to one)"
    )
    assert service_revision(platform, outputs, "proxy") == "slipway-example-proxy:2"
    # Nothing is deregistered while a service may still run it.
    for family in ("slipway-example-api", "slipway-example-proxy", "slipway-example-builder"):
        assert active(platform, family) == [1, 2, 3]


def test_a_failed_first_release_says_to_release_again(
    platform: dict[str, Any], example_env: Environment, outputs: dict[str, Any], tmp_path: Path
) -> None:
    box = tools(platform, RecordingRunner(), tmp_path)
    act_out(
        platform,
        outputs,
        box,
        initial_state="FAILED",
        scenario=lambda service, ecs: ecs.trip(service),
    )
    with pytest.raises(DeploymentFailed, match="the deployment failed: circuit breaker") as caught:
        release(example_env, outputs, box, tag="first", work_dir=tmp_path)
    assert caught.value.hint == (
        "the first release has no earlier one to return to; the service's stopped tasks say "
        "why, and once that is fixed `make release ENV=example` runs again"
    )
    for family in ("slipway-example-api", "slipway-example-proxy", "slipway-example-builder"):
        assert active(platform, family) == [1]


def test_missing_roll_out_outputs_are_named(
    platform: dict[str, Any], example_env: Environment, outputs: dict[str, Any], tmp_path: Path
) -> None:
    del outputs["services"]
    runner = RecordingRunner()
    box = tools(platform, runner, tmp_path)
    with pytest.raises(ConfigError, match="Terraform's outputs lack services"):
        release(example_env, outputs, box, tag="t", work_dir=tmp_path)
    with pytest.raises(ConfigError, match="Terraform's outputs lack services"):
        rollback(example_env, outputs, box)
    assert runner.commands == []


def test_dry_run_rollback_prints_the_plan_and_changes_nothing(
    platform: dict[str, Any], example_env: Environment, outputs: dict[str, Any], tmp_path: Path
) -> None:
    for tag in ("r2", "r3"):
        release(
            example_env,
            outputs,
            tools(platform, RecordingRunner(), tmp_path),
            tag=tag,
            work_dir=tmp_path,
        )
    runner = RecordingRunner(dry_run=True)
    rollback(example_env, outputs, tools(platform, runner, tmp_path))
    assert service_revision(platform, outputs, "api") == "slipway-example-api:3"
    assert active(platform, "slipway-example-builder") == [1, 2, 3]
    log = runner.log.getvalue()
    for expected in [
        "api: slipway-example-api:3 -> slipway-example-api:2",
        "builder: slipway-example-builder:3 -> slipway-example-builder:2",
        "would call: ecs.UpdateService(cluster='slipway-example', service='slipway-example-proxy', "
        "taskDefinition='slipway-example-proxy:2')",
        "would call: ecs.DeregisterTaskDefinition(taskDefinition='slipway-example-builder:3')",
    ]:
        assert expected in log


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "log"])
def test_progress_display(terminal: bool) -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=terminal, width=100)
    rolling = [ServiceState("slipway-example-api", 1, 2, 1, 2, on_target=True)]
    stable = [ServiceState("slipway-example-api", 2, 2, 0, 1, on_target=True)]
    with ProgressDisplay(console) as progress:
        progress(rolling)
        progress(rolling)
        progress(stable)
    text = out.getvalue()
    if terminal:
        assert "slipway-example-api" in text
        assert "2/2" in text
    else:
        assert text.splitlines() == [
            "  slipway-example-api: 1/2 running, 1 pending, 2 deployment(s), rolling",
            "  slipway-example-api: 2/2 running, 0 pending, 1 deployment(s), stable",
        ]
