"""Builds as ECS Fargate tasks: RunTask, DescribeTasks, StopTask, and CloudWatch Logs.

The task definition (registered on release) carries the image, the roles and the secrets by
ARN; each run adds only the deployment's inputs as container overrides. Platform secrets
are never sent by value: the GitHub token reaches the task through the task definition's
`secrets`, so it is dropped from the overrides here.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Mapping
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from services.core.build_variables import ECS_OVERRIDES_MAX_CHARS
from services.core.runner_inputs import OPTIONAL_KEYS, RunnerInputs
from services.core.settings import Settings

from . import BuildState
from .publish_credentials import as_environment, assume_role_request

log = logging.getLogger("slipway.ecs")

NOT_BY_VALUE = frozenset({OPTIONAL_KEYS["git_token"]})
RETRYABLE_CODES = frozenset(
    {"ThrottlingException", "ServerException", "LimitExceededException", "TooManyRequestsException"}
)
RETRYABLE_FAILURES = ("capacity", "throttl", "resource:")
STOP_REASON = "Canceled by Slipway"


class EcsStartError(Exception):
    pass


def capacity_strategy(text: str) -> list[dict[str, Any]]:
    """`FARGATE_SPOT:1,FARGATE:0` → a capacity provider strategy; the first gets the base."""
    strategy: list[dict[str, Any]] = []
    for n, part in enumerate(p for p in text.split(",") if p.strip()):
        name, _, weight = part.strip().partition(":")
        item: dict[str, Any] = {"capacityProvider": name, "weight": int(weight or 1)}
        if n == 0:
            item["base"] = 0
        strategy.append(item)
    return strategy


def run_task_request(
    settings: Settings,
    inputs: RunnerInputs,
    credentials: Mapping[str, str] | None = None,
    started_by: str = "slipway",
) -> dict[str, Any]:
    """The RunTask parameters for one build (a pure function, asserted by tests).

    `credentials` are the build's own storage credentials (publish_credentials), if any.
    """
    env = {**inputs.to_env(), **(credentials or {})}
    environment = [{"name": k, "value": v} for k, v in sorted(env.items()) if k not in NOT_BY_VALUE]
    request: dict[str, Any] = {
        "cluster": settings.ecs_cluster,
        "taskDefinition": settings.ecs_builder_task_family,
        "count": 1,
        "startedBy": started_by,
        "referenceId": inputs.deployment_id,
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": _split(settings.ecs_subnets),
                "securityGroups": _split(settings.ecs_security_groups),
                "assignPublicIp": "ENABLED" if settings.ecs_assign_public_ip else "DISABLED",
            }
        },
        "overrides": {
            "containerOverrides": [
                {"name": settings.ecs_builder_container, "environment": environment}
            ]
        },
        "tags": [
            {"key": "slipway:deployment", "value": inputs.deployment_id},
            {"key": "slipway:project", "value": inputs.project},
        ],
    }
    strategy = capacity_strategy(settings.ecs_capacity_providers)
    if strategy:
        request["capacityProviderStrategy"] = strategy
    else:
        request["launchType"] = "FARGATE"
    return request


def state_from_task(task: dict[str, Any] | None, container_name: str) -> BuildState:
    """DescribeTasks' answer → running, or the exit code and stop reason."""
    if task is None:
        return BuildState(running=False, detail="ECS no longer knows the task")
    if task.get("lastStatus") != "STOPPED":
        return BuildState(running=True)
    reason = str(task.get("stoppedReason") or task.get("stopCode") or "the task stopped")
    for container in task.get("containers", []):
        if container.get("name") == container_name and container.get("exitCode") is not None:
            return BuildState(running=False, exit_code=int(container["exitCode"]), detail=reason)
    return BuildState(running=False, detail=f"the build task stopped: {reason}")


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


class EcsBuilder:
    def __init__(
        self,
        settings: Settings,
        ecs: Any,
        logs: Any,
        max_attempts: int = 5,
        backoff: float = 1.0,
        sts: Any = None,
    ) -> None:
        self.settings = settings
        self.ecs = ecs
        self.logs = logs
        self.sts = sts
        self.max_attempts = max_attempts
        self.backoff = backoff

    @classmethod
    def from_settings(cls, settings: Settings) -> EcsBuilder:
        options: dict[str, Any] = {
            "config": Config(retries={"max_attempts": 3, "mode": "standard"})
        }
        if settings.aws_region:
            options["region_name"] = settings.aws_region
        if settings.aws_endpoint_url:
            options["endpoint_url"] = settings.aws_endpoint_url
        return cls(
            settings,
            boto3.client("ecs", **options),
            boto3.client("logs", **options),
            sts=boto3.client("sts", **options),
        )

    async def _publish_credentials(self, inputs: RunnerInputs) -> dict[str, str]:
        """Credentials scoped to the build's own objects (publish_credentials); none without a role."""
        role = self.settings.ecs_publisher_role_arn
        if not role:
            return {}
        request = assume_role_request(role, inputs)
        try:
            answer = await asyncio.to_thread(self.sts.assume_role, **request)
        except (ClientError, BotoCoreError) as exc:
            raise EcsStartError(f"could not get the build's storage credentials: {exc}") from exc
        return as_environment(answer)

    async def start(self, inputs: RunnerInputs) -> str:
        request = run_task_request(self.settings, inputs, await self._publish_credentials(inputs))
        chars = len(json.dumps(request["overrides"], separators=(",", ":")))
        if chars > ECS_OVERRIDES_MAX_CHARS:  # RunTask would refuse it: say why, once
            raise EcsStartError(
                f"the build's inputs take {chars} characters of ECS task overrides, past the "
                f"{ECS_OVERRIDES_MAX_CHARS} AWS accepts: shorten the project's build variables, "
                "commands or repository URL"
            )
        for attempt in range(1, self.max_attempts + 1):
            try:
                answer = await asyncio.to_thread(self.ecs.run_task, **request)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code not in RETRYABLE_CODES or attempt == self.max_attempts:
                    raise EcsStartError(f"RunTask failed: {code}") from exc
                await self._pause(attempt, code)
                continue
            except BotoCoreError as exc:
                if attempt == self.max_attempts:
                    raise EcsStartError(f"RunTask failed: {exc}") from exc
                await self._pause(attempt, type(exc).__name__)
                continue
            tasks = answer.get("tasks") or []
            if tasks:
                return str(tasks[0]["taskArn"])
            failures = answer.get("failures") or []
            why = "; ".join(str(f.get("reason", "")) for f in failures) or "no task started"
            if not any(mark in why.lower() for mark in RETRYABLE_FAILURES):
                raise EcsStartError(f"RunTask started no task: {why}")
            if attempt == self.max_attempts:
                raise EcsStartError(f"RunTask started no task after {attempt} attempts: {why}")
            await self._pause(attempt, why)
        raise EcsStartError("RunTask was not attempted")

    async def _pause(self, attempt: int, why: str) -> None:
        delay = self.backoff * 2 ** (attempt - 1) * (0.5 + random.random() / 2)  # noqa: S311
        log.warning("RunTask attempt %d failed (%s); retrying in %.1f s", attempt, why, delay)
        await asyncio.sleep(delay)

    async def find(self, deployment_id: str) -> str | None:
        """Not looked up: an unrecorded task is left to finish, and its deployment is adopted
        from its manifest or run again (publishing is create-only, so a second run never
        overwrites the first)."""
        return None

    async def poll(self, deployment_id: str, handle: str) -> BuildState:
        answer = await asyncio.to_thread(
            self.ecs.describe_tasks, cluster=self.settings.ecs_cluster, tasks=[handle]
        )
        tasks = answer.get("tasks") or []
        return state_from_task(tasks[0] if tasks else None, self.settings.ecs_builder_container)

    async def stop(self, deployment_id: str, handle: str) -> None:
        try:
            await asyncio.to_thread(
                self.ecs.stop_task,
                cluster=self.settings.ecs_cluster,
                task=handle,
                reason=STOP_REASON,
            )
        except ClientError as exc:
            log.warning("StopTask of %s failed: %s", handle, exc)

    def log_stream(self, handle: str) -> str:
        task_id = handle.rsplit("/", 1)[-1]
        prefix = self.settings.ecs_builder_log_prefix
        return f"{prefix}/{self.settings.ecs_builder_container}/{task_id}"

    async def read_log(
        self, deployment_id: str, handle: str | None, offset: int
    ) -> tuple[str, int]:
        """The task's CloudWatch stream from the start; `offset` counts characters already read."""
        if not handle or not self.settings.ecs_builder_log_group:
            return "", offset
        text = await asyncio.to_thread(self._whole_stream, self.log_stream(handle))
        return text[offset:], len(text)

    def _whole_stream(self, stream: str) -> str:
        lines: list[str] = []
        token: str | None = None
        for _ in range(1000):  # bounded: 10k events a page at most
            kwargs: dict[str, Any] = {
                "logGroupName": self.settings.ecs_builder_log_group,
                "logStreamName": stream,
                "startFromHead": True,
            }
            if token:
                kwargs["nextToken"] = token
            try:
                page = self.logs.get_log_events(**kwargs)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                    break  # the task has not logged yet
                raise
            lines.extend(str(e.get("message", "")) for e in page.get("events", []))
            if page.get("nextForwardToken") == token:
                break
            token = page.get("nextForwardToken")
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)

    async def cleanup(self, deployment_id: str) -> None:
        return None
