"""`release` and `rollback`: images, task definitions, services, health, in that order."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.live import Live
from rich.table import Table

from scripts.deploy import images
from scripts.deploy.ecs import (
    DeploymentFailed,
    Ecs,
    Revision,
    RollbackStep,
    ServiceState,
    parse_revision,
    plan_rollback,
)
from scripts.deploy.environment import Environment
from scripts.deploy.errors import PrerequisiteError, RolloutError
from scripts.deploy.outputs import StackOutputs
from scripts.deploy.runner import Runner
from scripts.deploy.taskdefs import release_task_definitions, write_task_definitions

POLL_SECONDS = 10.0


@dataclass
class Tools:
    """Everything a release talks to; tests build one around moto and a recording runner."""

    runner: Runner
    ecs: Any
    ecr: Any
    secretsmanager: Any
    http: httpx.Client
    root: Path
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    console: Console = field(default_factory=lambda: Console(stderr=True))

    def ecs_api(self) -> Ecs:
        return Ecs(self.ecs, self.runner, sleep=self.sleep, clock=self.clock)


class ProgressDisplay:
    """Each service's roll-out: a live table on a terminal, one line per change otherwise."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._live: Live | None = None
        self._last: dict[str, str] = {}

    def __enter__(self) -> ProgressDisplay:
        if self._console.is_terminal:
            self._live = Live(console=self._console, refresh_per_second=4)
            self._live.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._live is not None:
            self._live.stop()

    def __call__(self, states: Sequence[ServiceState]) -> None:
        if self._live is not None:
            self._live.update(self.table(states))
            return
        for state in states:
            line = state.describe()
            if self._last.get(state.name) != line:
                self._last[state.name] = line
                self._console.print(f"  {line}", highlight=False)

    @staticmethod
    def table(states: Sequence[ServiceState]) -> Table:
        table = Table("service", "running", "pending", "deployments", "state", box=None)
        for state in states:
            table.add_row(
                state.name,
                f"{state.running}/{state.desired}",
                str(state.pending),
                str(state.deployments),
                "[green]stable[/green]" if state.stable else "[yellow]rolling[/yellow]",
            )
        return table


def health_urls(env: Environment, stack: StackOutputs) -> list[tuple[str, str]]:
    """The api through its own host, the proxy through a host under the base domain."""
    api = stack.api_url.rstrip("/")
    proxy_host = f"{env.health.proxy_host}.{stack.base_domain}"
    return [("api", f"{api}/healthz"), ("proxy", f"https://{proxy_host}/healthz")]


def check_health(env: Environment, urls: Sequence[tuple[str, str]], tools: Tools) -> None:
    for name, url in urls:
        if not tools.runner.announce(f"GET {url}"):
            continue
        problem = ""
        for attempt in range(env.health.attempts):
            if attempt:
                tools.sleep(env.health.interval_seconds)
            try:
                response = tools.http.get(url)
            except httpx.HTTPError as error:
                problem = f"{type(error).__name__}: {error}"
                continue
            if response.status_code == 200:
                tools.runner.say(f"{name} is healthy: {url}")
                break
            problem = f"HTTP {response.status_code}"
        else:
            raise RolloutError(
                f"{name} is not healthy at {url} after {env.health.attempts} tries ({problem})",
                hint="check the service's logs; `make rollback` returns to the last release",
            )


def check_secrets(stack: StackOutputs, tools: Tools) -> None:
    """Tasks cannot start while a referenced secret has no value: say so before building."""
    empty = []
    for arn in stack.operator_secrets:
        tools.runner.say(f"check: secretsmanager.DescribeSecret(SecretId={arn!r})")
        stages = tools.secretsmanager.describe_secret(SecretId=arn).get("VersionIdsToStages", {})
        if not any("AWSCURRENT" in labels for labels in stages.values()):
            empty.append(arn)
    if empty:
        raise PrerequisiteError(
            f"secrets without a value: {', '.join(empty)}",
            hint="aws secretsmanager put-secret-value --secret-id ARN --secret-string VALUE; "
            "docs/operators.md",
        )


def roll_out(
    env: Environment, tools: Tools, ecs: Ecs, cluster: str, targets: Mapping[str, str]
) -> None:
    """Move each service to its target task definition and wait until all are stable."""
    started = {
        service: ecs.update_service(cluster, service, task_definition)
        for service, task_definition in targets.items()
    }
    with ProgressDisplay(tools.console) as progress:
        ecs.wait_stable(
            cluster,
            started,
            timeout=env.rollout_timeout_seconds,
            interval=POLL_SECONDS,
            progress=progress,
        )


def undo_release(
    env: Environment,
    tools: Tools,
    ecs: Ecs,
    cluster: str,
    before: Mapping[str, Revision],
    failure: DeploymentFailed,
    registered: Mapping[str, str],
) -> None:
    """All or nothing: ECS returns the service whose deployment failed; the others go back
    to the release they ran before, then this release's revisions are retired, so the
    builder family and the next `make rollback` both see the release really running."""
    earlier = {s: revision for s, revision in before.items() if ecs.release_tag(revision)}
    back = {s: revision.ref for s, revision in earlier.items() if s != failure.service}
    if not earlier:
        failure.hint = (
            "the first release has no earlier one to return to; the service's stopped tasks "
            f"say why, and once that is fixed `make release ENV={env.name}` runs again"
        )
    if back:
        shown = ", ".join(f"{service} back to {ref}" for service, ref in back.items())
        tools.runner.say(f"undoing the release: {shown}")
        try:
            roll_out(env, tools, ecs, cluster, back)
        except RolloutError as error:
            raise RolloutError(
                f"{failure.message}; returning the other services failed too: {error.message}",
                hint="the services may run different releases now; once the cause is fixed, "
                f"`make release ENV={env.name}` moves them all to one",
            ) from error
    for reference in registered.values():
        ecs.deregister(parse_revision(reference))


def release(
    env: Environment,
    outputs: Mapping[str, Any] | StackOutputs,
    tools: Tools,
    *,
    tag: str | None,
    work_dir: Path,
) -> str:
    """Build, push, register, update, wait, check. Answers the released tag."""
    runner = tools.runner
    stack = StackOutputs.read(outputs)
    check_secrets(stack, tools)
    release_tag = images.resolve_tag(env, tag, runner, tools.root)
    revision = runner.read(images.git_head_command(tools.root)).strip()
    runner.say(f"release {release_tag} to {env.name}")

    # Read and validate before anything is pushed, so a bad output costs nothing.
    definitions = release_task_definitions(env, stack, release_tag)
    for path in write_task_definitions(definitions, work_dir / "taskdefs"):
        runner.say(f"task definition {path}")

    builds = images.release_images(stack)
    for registry in sorted({images.registry_host(build.repository_url) for build in builds}):
        images.ecr_login(tools.ecr, runner, registry)
    images.build_and_push(
        builds,
        tag=release_tag,
        env=env,
        revision=revision,
        runner=runner,
        root=tools.root,
        ecr=tools.ecr,
    )

    ecs = tools.ecs_api()
    registered = {role: ecs.register(document) for role, document in definitions.items()}
    targets = {service: registered[role] for role, service in stack.services.items()}
    before = {service: ecs.service_revision(stack.cluster_name, service) for service in targets}
    try:
        roll_out(env, tools, ecs, stack.cluster_name, targets)
    except DeploymentFailed as failure:
        undo_release(env, tools, ecs, stack.cluster_name, before, failure, registered)
        raise
    check_health(env, health_urls(env, stack), tools)
    runner.say(f"released {release_tag} to {env.name}: {stack.api_url}")
    return release_tag


def rollback(
    env: Environment, outputs: Mapping[str, Any] | StackOutputs, tools: Tools
) -> list[RollbackStep]:
    """Return each service to its previous revision and retire the ones they leave."""
    stack = StackOutputs.read(outputs)
    ecs = tools.ecs_api()
    steps = plan_rollback(ecs, stack.cluster_name, stack.services, stack.builder_task_family)
    for step in steps:
        tools.runner.say(f"{step.role}: {step.leave.ref} -> {step.to.ref}")
    targets = {step.service: step.to.ref for step in steps if step.service is not None}
    roll_out(env, tools, ecs, stack.cluster_name, targets)
    # Retired revisions stop counting as "previous", so a second rollback goes one further.
    for step in steps:
        for revision in step.retire:
            ecs.deregister(revision)
    check_health(env, health_urls(env, stack), tools)
    return steps
