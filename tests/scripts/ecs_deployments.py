"""moto's ECS, with each service's deployment list acted out as ECS keeps it.

moto keeps one deployment per service, never starts a new one on UpdateService and never
fails one, so what a release must tell apart (its own deployment from an older, failed
one; a circuit breaker's rollback) cannot happen there. This wrapper keeps the list
itself: UpdateService starts a PRIMARY deployment (and answers it, as ECS does), the one
before becomes ACTIVE; each DescribeServices then settles the list as a scenario says.
Everything else, and the services' task definitions and counts, stay moto's.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

from scripts.deploy.ecs import parse_revision

Deployment = dict[str, Any]
# Called on DescribeServices while a service's newest deployment is in progress, with the
# service's name, to move it on: complete, fail, roll back, drain.
Scenario = Callable[[str, "EcsDeployments"], None]


def completes(service: str, ecs: EcsDeployments) -> None:
    """The newest deployment is seen in progress once (the older ones still listed beside
    it, as ECS lists them until it is steady), then completes and the older ones drain."""
    deployments = ecs.deployments[service]
    if ecs.look(deployments[0]) > 1:
        deployments[0]["rolloutState"] = "COMPLETED"
        del deployments[1:]


class EcsDeployments:
    def __init__(
        self,
        client: Any,
        cluster: str,
        services: list[str],
        *,
        scenario: Scenario = completes,
        initial_state: str = "COMPLETED",
        initial_reason: str = "",
    ) -> None:
        self._client = client
        self.cluster = cluster
        self._ids = itertools.count(1)
        self.scenario = scenario
        self.deployments: dict[str, list[Deployment]] = {}
        self._looks: dict[str, int] = {}
        answer = client.describe_services(cluster=cluster, services=services)
        for item in answer["services"]:
            first = self._deployment(item["taskDefinition"], initial_state)
            first["rolloutStateReason"] = initial_reason
            self.deployments[item["serviceName"]] = [first]

    def look(self, deployment: Deployment) -> int:
        """How many times `deployment` has been described, this time included."""
        self._looks[deployment["id"]] = self._looks.get(deployment["id"], 0) + 1
        return self._looks[deployment["id"]]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def _deployment(self, task_definition: str, state: str) -> Deployment:
        return {
            "id": f"ecs-svc/{next(self._ids):019d}",
            "status": "PRIMARY",
            "taskDefinition": task_definition,
            "rolloutState": state,
            "rolloutStateReason": "",
        }

    def start(self, service: str, task_definition: str) -> Deployment:
        for older in self.deployments[service]:
            older["status"] = "ACTIVE"
        new = self._deployment(task_definition, "IN_PROGRESS")
        self.deployments[service].insert(0, new)
        return new

    def update_service(self, **params: Any) -> dict[str, Any]:
        answer = self._client.update_service(**params)
        service = answer["service"]["serviceName"]
        self.start(service, answer["service"]["taskDefinition"])
        answer["service"]["deployments"] = copy.deepcopy(self.deployments[service])
        return dict(answer)

    def trip(self, service: str, *, drained: bool = False) -> None:
        """What the circuit breaker does: the newest deployment fails and the service returns
        to the last completed deployment's task definition in a new deployment (`drained`:
        the failed one is already gone by the next look)."""
        failed, *older = self.deployments[service]
        failed["rolloutState"] = "FAILED"
        failed["rolloutStateReason"] = "circuit breaker: 3 tasks failed to start"
        completed = [d for d in older if d["rolloutState"] == "COMPLETED"]
        if not completed:  # nothing ever ran: nothing to return to
            return
        previous = completed[0]["taskDefinition"]
        self._client.update_service(
            cluster=self.cluster, service=service, taskDefinition=parse_revision(previous).ref
        )
        self.start(service, previous)["rolloutState"] = "COMPLETED"
        if drained:
            self.deployments[service].remove(failed)

    def describe_services(self, **params: Any) -> dict[str, Any]:
        for service in params["services"]:
            if self.deployments[service][0]["rolloutState"] == "IN_PROGRESS":
                self.scenario(service, self)
        # Asked after the scenario, which may have moved a service back (a rollback).
        answer = self._client.describe_services(**params)
        for item in answer["services"]:
            item["deployments"] = copy.deepcopy(self.deployments[item["serviceName"]])
        return dict(answer)
