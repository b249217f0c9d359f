"""Register task definitions, move services to them, wait until stable, roll back."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scripts.deploy.errors import RolloutError
from scripts.deploy.runner import Runner

# Every task definition a release registers carries this tag (templates/_macros.j2).
RELEASE_TAG = "slipway:release"


@dataclass(frozen=True, order=True)
class Revision:
    family: str
    number: int

    @property
    def ref(self) -> str:
        return f"{self.family}:{self.number}"


def parse_revision(reference: str) -> Revision:
    """`family:3` or `arn:aws:ecs:...:task-definition/family:3` to a Revision."""
    tail = reference.rsplit("/", 1)[-1]
    family, _, number = tail.rpartition(":")
    if not family or not number.isdigit():
        raise RolloutError(f"cannot read a task definition revision from {reference!r}")
    return Revision(family, int(number))


class DeploymentFailed(RolloutError):
    """ECS's deployment circuit breaker gave up on the deployment a release started (and
    returned the service to its previous revision by itself)."""

    def __init__(self, service: str, message: str) -> None:
        super().__init__(
            f"{service}: {message}",
            hint="ECS's circuit breaker returns the service to its previous revision by itself",
        )
        self.service = service


@dataclass(frozen=True)
class Started:
    """The deployment one UpdateService call started: its id when ECS named it, and the
    task definition it runs. Only this deployment's fate is the release's."""

    task_definition: str
    deployment_id: str | None = None

    def is_ours(self, deployment: Mapping[str, Any]) -> bool:
        if self.deployment_id is not None:
            return deployment.get("id") == self.deployment_id
        return _same_revision(deployment.get("taskDefinition"), self.task_definition)


def _same_revision(reference: object, target: str) -> bool:
    if not isinstance(reference, str):
        return False
    try:
        return parse_revision(reference) == parse_revision(target)
    except RolloutError:
        return False


def started_deployment(answer: Mapping[str, Any], task_definition: str) -> Started:
    """Read the new deployment from UpdateService's answer: the PRIMARY one, on the task
    definition just set. Without one (an emulator that keeps a single deployment), it is
    recognised by its task definition instead."""
    for deployment in answer.get("service", {}).get("deployments", []):
        if deployment.get("status") == "PRIMARY" and _same_revision(
            deployment.get("taskDefinition"), task_definition
        ):
            return Started(task_definition, deployment.get("id"))
    return Started(task_definition)


@dataclass(frozen=True)
class ServiceState:
    name: str
    running: int
    desired: int
    pending: int
    deployments: int
    on_target: bool

    @property
    def stable(self) -> bool:
        # What ECS's own services-stable waiter checks, plus: it runs what we asked for.
        return self.on_target and self.deployments == 1 and self.running == self.desired

    def describe(self) -> str:
        mark = "stable" if self.stable else "rolling"
        return (
            f"{self.name}: {self.running}/{self.desired} running, {self.pending} pending, "
            f"{self.deployments} deployment(s), {mark}"
        )


Progress = Callable[[Sequence[ServiceState]], None]


class Ecs:
    """ECS calls of a release, announced through the runner (and skipped in a dry run)."""

    def __init__(
        self,
        client: Any,
        runner: Runner,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ecs = client
        self._runner = runner
        self._sleep = sleep
        self._clock = clock

    def register(self, document: Mapping[str, Any]) -> str:
        """Register one task definition; answer `family:revision`."""
        family = str(document["family"])
        image = document["containerDefinitions"][0]["image"]
        if not self._runner.api(
            "ecs", "RegisterTaskDefinition", {"family": family, "image": image}
        ):
            return f"{family}:<new>"
        answer = self._ecs.register_task_definition(**document)
        return parse_revision(answer["taskDefinition"]["taskDefinitionArn"]).ref

    def service_revision(self, cluster: str, service: str) -> Revision:
        answer = self._ecs.describe_services(cluster=cluster, services=[service])
        found = [item for item in answer.get("services", []) if item.get("status") != "INACTIVE"]
        if not found:
            raise RolloutError(
                f"service {service} not found in cluster {cluster}",
                hint="has `make apply` run for this environment?",
            )
        return parse_revision(found[0]["taskDefinition"])

    def active_revisions(self, family: str) -> list[Revision]:
        """ACTIVE revisions of exactly `family` (familyPrefix also matches longer names)."""
        revisions = []
        paginator = self._ecs.get_paginator("list_task_definitions")
        for page in paginator.paginate(familyPrefix=family, status="ACTIVE"):
            for arn in page.get("taskDefinitionArns", []):
                revision = parse_revision(arn)
                if revision.family == family:
                    revisions.append(revision)
        return sorted(revisions)

    def release_tag(self, revision: Revision) -> str | None:
        """The `slipway:release` tag a release put on `revision`, if any."""
        answer = self._ecs.describe_task_definition(taskDefinition=revision.ref, include=["TAGS"])
        for tag in answer.get("tags", []):
            if tag.get("key") == RELEASE_TAG:
                return str(tag.get("value"))
        return None

    def update_service(self, cluster: str, service: str, task_definition: str) -> Started:
        params = {"cluster": cluster, "service": service, "taskDefinition": task_definition}
        if not self._runner.api("ecs", "UpdateService", params):
            return Started(task_definition)
        return started_deployment(self._ecs.update_service(**params), task_definition)

    def deregister(self, revision: Revision) -> None:
        if self._runner.api("ecs", "DeregisterTaskDefinition", {"taskDefinition": revision.ref}):
            self._ecs.deregister_task_definition(taskDefinition=revision.ref)

    def states(self, cluster: str, started: Mapping[str, Started]) -> list[ServiceState]:
        answer = self._ecs.describe_services(cluster=cluster, services=list(started))
        for failure in answer.get("failures", []):
            raise RolloutError(
                f"service {failure.get('arn', '?')} is {failure.get('reason', 'unavailable')}"
            )
        states = []
        for item in answer.get("services", []):
            name = item["serviceName"]
            ours = started[name]
            on_target = _same_revision(item["taskDefinition"], ours.task_definition)
            _judge(name, ours, item.get("deployments", []), on_target)
            states.append(
                ServiceState(
                    name=name,
                    running=int(item.get("runningCount", 0)),
                    desired=int(item.get("desiredCount", 0)),
                    pending=int(item.get("pendingCount", 0)),
                    deployments=len(item.get("deployments", [])),
                    on_target=on_target,
                )
            )
        return states

    def wait_stable(
        self,
        cluster: str,
        started: Mapping[str, Started],
        *,
        timeout: float,
        interval: float = 10.0,
        progress: Progress | None = None,
    ) -> None:
        """Poll until every service runs its target revision alone, at its desired count."""
        shown = ", ".join(f"{name} on {ours.task_definition}" for name, ours in started.items())
        if self._runner.dry_run:
            self._runner.say(f"would wait until stable: {shown}")
            return
        self._runner.say(f"waiting until stable: {shown}")
        deadline = self._clock() + timeout
        while True:
            states = self.states(cluster, started)
            if progress is not None:
                progress(states)
            if states and all(state.stable for state in states):
                return
            if self._clock() >= deadline:
                waiting = "; ".join(state.describe() for state in states if not state.stable)
                raise RolloutError(
                    f"not stable after {timeout:.0f} s: {waiting}",
                    hint="see the service events in the ECS console; `make rollback` returns",
                )
            self._sleep(interval)


def _judge(
    service: str, ours: Started, deployments: Sequence[Mapping[str, Any]], on_target: bool
) -> None:
    """Fail on the started deployment's failure only. Others in the list are not the
    release's: after the first apply, Terraform's deployment of the placeholder image has
    failed and stays listed until the release's deployment replaces it."""
    mine = [deployment for deployment in deployments if ours.is_ours(deployment)]
    for deployment in mine:
        if deployment.get("rolloutState") == "FAILED":
            reason = deployment.get("rolloutStateReason", "no reason given")
            raise DeploymentFailed(service, f"the deployment failed: {reason}")
    if not mine and ours.deployment_id is not None and not on_target:
        # Rolled back and drained between two looks, or replaced by someone else's update.
        raise DeploymentFailed(
            service,
            f"deployment {ours.deployment_id} of {ours.task_definition} is gone and the "
            "service runs another revision",
        )


@dataclass(frozen=True)
class RollbackStep:
    role: str
    service: str | None  # None for the builder: the api runs its family's newest revision
    leave: Revision
    to: Revision
    # Deregistered once the services are stable: the revision left, and for the builder
    # every revision above the target (so the family's newest is the target).
    retire: tuple[Revision, ...]


def previous_release(ecs: Ecs, active: Sequence[Revision], below: Revision) -> Revision:
    """The newest ACTIVE revision older than `below` that a release registered (Terraform's
    own first revisions point at an image that never existed, so they do not count)."""
    for revision in sorted(active, reverse=True):
        if revision.number < below.number and ecs.release_tag(revision) is not None:
            return revision
    raise RolloutError(f"no release of {below.family} older than revision {below.number}")


def plan_rollback(
    ecs: Ecs, cluster: str, services: Mapping[str, str], builder_family: str
) -> list[RollbackStep]:
    """Each service returns to the newest release older than the one it runs; the builder
    family returns to the release before its newest. Decided in full before any change."""
    steps = []
    for role, service in services.items():
        current = ecs.service_revision(cluster, service)
        target = previous_release(ecs, ecs.active_revisions(current.family), current)
        steps.append(RollbackStep(role, service, current, target, retire=(current,)))
    builders = ecs.active_revisions(builder_family)
    releases = [revision for revision in builders if ecs.release_tag(revision) is not None]
    if not releases:
        raise RolloutError(f"no release of {builder_family} to roll back")
    target = previous_release(ecs, builders, releases[-1])
    above = tuple(revision for revision in builders if revision.number > target.number)
    steps.append(RollbackStep("builder", None, releases[-1], target, retire=above))
    return steps
