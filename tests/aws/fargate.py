"""Fargate, played on this machine for one cluster of the emulator.

moto records tasks and services but runs no container. Here each one runs as a process:

- **Build tasks.** Every task that RunTask started (seen through ListTasks) runs the
  container of its task definition: the image's command (tests.aws.registry), with the
  environment ECS gives a container (`container_environment`). Its output goes to the task
  definition's awslogs group and stream, written with the execution role; when it ends, the
  task is stopped in moto with the process's exit code.
- **Services.** When a service moves to a task definition, one process runs it (standing
  for the service's tasks), with the settings this machine needs (`Local`: a loopback port,
  SQLite for RDS). Once the target group's health check passes, the service reports its
  desired count as running. If the container cannot start, the deployment fails, as ECS's
  circuit breaker fails it (Terraform's first revisions name an image never pushed).

ECS works with the roles of the task definition: the image is pulled and the secrets and
logs are written with its execution role, and the container gets its task role's
credentials unless its environment holds credentials already. The roles' credentials are
obtained by STS AssumeRole once, before IAM is enforced (moto cannot be ECS's service
principal). An image missing from ECR, or a secret the execution role may not read, stops
the task without running it, as Fargate does.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
from botocore.exceptions import ClientError

from services.core.private_files import pass_through_directory
from tests.aws.emulator import Credentials, Emulator
from tests.aws.registry import DOCKERFILE, dockerfile_command, split_image
from tests.terraform.tfconfig import ROOT

POLL_SECONDS = 0.2
LOG_FLUSH_SECONDS = 0.5
HEALTHY_WITHIN_SECONDS = 60.0
# Like the local builder's: build users must pass through every directory above the
# workspace, which pytest's private temporary directory does not allow.
SCRATCH = Path("/var/tmp")


class CannotStart(Exception):
    """What Fargate reports as the task's stopped reason when a container cannot start."""


@dataclass(frozen=True)
class Local:
    """What differs for a service on this machine: its port, and settings laid over all."""

    port: int
    settings: Mapping[str, str]


@dataclass
class Launch:
    """One container this harness ran, for the test to inspect."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes]
    # Set once every line of output is in CloudWatch Logs (before the task is reported ended).
    shipped: threading.Event = field(default_factory=threading.Event)


def _pairs(items: list[dict[str, str]] | None) -> dict[str, str]:
    return {item["name"]: item["value"] for item in items or []}


def container_environment(
    *,
    base: Mapping[str, str],
    definition: list[dict[str, str]],
    secrets: Mapping[str, str],
    overrides: list[dict[str, str]],
    local: Mapping[str, str],
    task_role: Credentials,
) -> dict[str, str]:
    """A container's environment: the task definition's variables and secrets, RunTask's
    overrides over them, this machine's settings over all; the task role's credentials only
    when none of these set credentials (the SDKs look in the environment first, and ask the
    container's credentials endpoint for the task role only when nothing is there)."""
    env = {**base, **_pairs(definition), **secrets, **_pairs(overrides), **local}
    if "AWS_ACCESS_KEY_ID" not in env:
        env.update(task_role.environment())
    return env


class Fargate:
    def __init__(
        self,
        emulator: Emulator,
        *,
        cluster: str,
        operator: Credentials,
        roles: Mapping[str, Credentials],
        services: Mapping[str, Local],
        work: Path,
    ) -> None:
        self._emulator = emulator
        self._cluster = cluster
        self._roles = roles
        self._services = services
        self._work = work
        self._ecs = emulator.client("ecs", operator)  # ECS itself: not bound by the account's IAM
        self._elbv2 = emulator.client("elbv2", operator)
        self._seen: set[str] = set()
        self._revisions: dict[str, str] = {}
        self._running: dict[str, Launch] = {}
        self._scratch: list[Path] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.launches: list[Launch] = []
        self.events: list[str] = []  # containers that could not start, as ECS would say
        self.errors: list[str] = []  # this harness's own failures: always a test failure

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> Fargate:
        self._spawn(self._watch)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for launch in self.launches:
            _terminate(launch.process)
        for thread in self._threads:
            thread.join(timeout=30)
        for launch in self.launches:
            if launch.process.stdout is not None:
                launch.process.stdout.close()
        for path in self._scratch:
            shutil.rmtree(path, ignore_errors=True)

    def _spawn(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=self._guarded, args=(target, *args), daemon=True)
        self._threads.append(thread)
        thread.start()

    def _guarded(self, target: Any, *args: Any) -> None:
        try:
            target(*args)
        except Exception as error:  # reported to the test through `errors`
            self.errors.append(f"{target.__name__}: {type(error).__name__}: {error}")

    def wait_for_events(self, count: int, within: float = 30.0) -> list[str]:
        deadline = time.monotonic() + within
        while len(self.events) < count and time.monotonic() < deadline and not self.errors:
            time.sleep(POLL_SECONDS)
        return list(self.events)

    def port_of(self, service: str) -> int | None:
        """The loopback port of a service that runs and passed its health check."""
        return self._services[service].port if service in self._running else None

    # -- the control loop --------------------------------------------------------------------

    def _watch(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            running = self._ecs.list_tasks(cluster=self._cluster, desiredStatus="RUNNING")
            new = [arn for arn in running["taskArns"] if arn not in self._seen]
            if new:
                self._seen.update(new)
                for task in self._ecs.describe_tasks(cluster=self._cluster, tasks=new)["tasks"]:
                    self._spawn(self._run_task, task)
            answer = self._ecs.describe_services(
                cluster=self._cluster, services=list(self._services)
            )
            for service in answer["services"]:
                if self._revisions.get(service["serviceName"]) != service["taskDefinition"]:
                    self._revisions[service["serviceName"]] = service["taskDefinition"]
                    self._spawn(self._run_service, service)

    def _run_task(self, task: dict[str, Any]) -> None:
        definition = self._definition(task["taskDefinitionArn"])
        container = definition["containerDefinitions"][0]
        overrides = [
            item
            for item in task.get("overrides", {}).get("containerOverrides", [])
            if item.get("name") == container["name"]
        ]
        task_id = task["taskArn"].rsplit("/", 1)[-1]
        try:
            launch = self._start(
                definition, task_id, overrides[0].get("environment", []) if overrides else [], {}
            )
        except CannotStart as error:
            self.events.append(f"{task_id}: {error}")
            self._emulator.task_exited(self._cluster, task["taskArn"], None, str(error))
            return
        code = launch.process.wait()
        launch.shipped.wait(timeout=30)
        self._emulator.task_exited(self._cluster, task["taskArn"], code)

    def _run_service(self, service: dict[str, Any]) -> None:
        name = service["serviceName"]
        definition = self._definition(service["taskDefinition"])
        if name in self._running:  # a new revision replaces the process (one task at a time)
            _terminate(self._running.pop(name).process)
        local = self._services[name]
        try:
            launch = self._start(definition, f"{name}-{definition['revision']}", [], local.settings)
        except CannotStart as error:
            self.events.append(f"{name}: {error}")
            # ECS's circuit breaker gives up on a deployment whose tasks cannot start.
            self._emulator.deployment_failed(
                self._cluster, name, service["taskDefinition"], f"tasks failed to start: {error}"
            )
            return
        path = self._health_check_path(service)
        if not _healthy(f"http://127.0.0.1:{local.port}{path}", launch.process):
            self.events.append(f"{name}: {path} never answered 200; see {launch.log}")
            return
        self._running[name] = launch
        # moto counts a service's tasks as running when its desired count is set.
        self._ecs.update_service(
            cluster=self._cluster, service=name, desiredCount=service["desiredCount"]
        )

    # -- one container -------------------------------------------------------------------------

    def _definition(self, arn: str) -> dict[str, Any]:
        answer = self._ecs.describe_task_definition(taskDefinition=arn)
        return dict(answer["taskDefinition"])

    def _role(self, arn: str | None) -> Credentials:
        if arn not in self._roles:
            raise CannotStart(f"no credentials for role {arn}: assume it before enforcing IAM")
        return self._roles[arn]

    def _start(
        self,
        definition: dict[str, Any],
        name: str,
        overrides: list[dict[str, str]],
        local: Mapping[str, str],
    ) -> Launch:
        container = definition["containerDefinitions"][0]
        execution = self._role(definition.get("executionRoleArn"))
        argv = self._command(container, execution)
        scratch = SCRATCH / f"slipway-fargate-{name}"
        shutil.rmtree(scratch, ignore_errors=True)
        self._scratch.append(pass_through_directory(scratch))
        env = container_environment(
            base=self._base_environment(scratch),
            definition=container.get("environment", []),
            secrets=self._secrets(container, execution),
            overrides=overrides,
            local=local,
            task_role=self._role(definition.get("taskRoleArn")),
        )
        destination = self._log_stream(container, execution, name)
        log = self._work / f"{name}.log"
        process = subprocess.Popen(
            argv,
            cwd=scratch,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        launch = Launch(name, argv, env, log, process)
        self.launches.append(launch)
        self._spawn(self._ship_logs, destination, launch)
        return launch

    def _base_environment(self, scratch: Path) -> dict[str, str]:
        """What a Fargate container has before its task definition: the image's PATH and
        Python settings (its ENV), the region, and where AWS's endpoints are."""
        home = pass_through_directory(scratch / "home")
        return {
            "PATH": os.environ["PATH"],
            "HOME": str(home),
            "TMPDIR": str(scratch),
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "AWS_REGION": self._emulator.region,
            "AWS_DEFAULT_REGION": self._emulator.region,
            "AWS_ENDPOINT_URL": self._emulator.endpoint,
        }

    def _command(self, container: dict[str, Any], execution: Credentials) -> list[str]:
        """Pull the image (with the execution role): its Dockerfile says what it runs."""
        _region, repository, tag = split_image(container["image"])
        ecr = self._emulator.client("ecr", execution)
        try:
            images = ecr.batch_get_image(repositoryName=repository, imageIds=[{"imageTag": tag}])
        except ClientError as error:
            raise CannotStart(f"CannotPullContainerError: {container['image']}: {error}") from None
        if not images["images"]:
            raise CannotStart(f"CannotPullContainerError: {container['image']}: not found")
        manifest = json.loads(images["images"][0]["imageManifest"])
        entrypoint, cmd = dockerfile_command(ROOT / manifest["annotations"][DOCKERFILE])
        argv = entrypoint + (container.get("command") or cmd)
        # The image's python is this checkout's interpreter.
        return [sys.executable if word == "python" else word for word in argv]

    def _secrets(self, container: dict[str, Any], execution: Credentials) -> dict[str, str]:
        """`secrets`, read with the execution role (`<secret arn>[:json key:stage:version]`)."""
        client = self._emulator.client("secretsmanager", execution)
        values = {}
        for secret in container.get("secrets", []):
            parts = secret["valueFrom"].split(":")
            arn, key = ":".join(parts[:7]), (parts[7] if len(parts) > 7 else "")
            try:
                text = client.get_secret_value(SecretId=arn)["SecretString"]
            except ClientError as error:
                raise CannotStart(
                    f"ResourceInitializationError: unable to retrieve secret {arn}: {error}"
                ) from None
            values[secret["name"]] = json.loads(text)[key] if key else text
        return values

    def _log_stream(
        self, container: dict[str, Any], execution: Credentials, name: str
    ) -> tuple[Any, str, str]:
        """The awslogs driver's stream `<prefix>/<container>/<task id>`, made before the start."""
        options = container["logConfiguration"]["options"]
        group = options["awslogs-group"]
        stream = f"{options['awslogs-stream-prefix']}/{container['name']}/{name}"
        logs = self._emulator.client("logs", execution)
        try:
            logs.create_log_stream(logGroupName=group, logStreamName=stream)
        except ClientError as error:
            raise CannotStart(f"CannotStartContainerError: awslogs: {error}") from None
        return logs, group, stream

    def _ship_logs(self, destination: tuple[Any, str, str], launch: Launch) -> None:
        """Every line of output to CloudWatch Logs in small batches, and to a file."""
        try:
            with launch.log.open("wb") as copy:
                batch: list[dict[str, Any]] = []
                flushed = time.monotonic()
                assert launch.process.stdout is not None
                for line in _lines(launch.process.stdout):
                    copy.write(line)
                    copy.flush()
                    message = line.decode(errors="replace").rstrip("\n")
                    batch.append({"timestamp": int(time.time() * 1000), "message": message})
                    if time.monotonic() - flushed > LOG_FLUSH_SECONDS:
                        self._put(destination, batch)
                        batch, flushed = [], time.monotonic()
                self._put(destination, batch)
        finally:
            launch.shipped.set()

    def _put(self, destination: tuple[Any, str, str], batch: list[dict[str, Any]]) -> None:
        # A refused batch is reported, and the output still drained, so the process never
        # blocks on a full pipe.
        logs, group, stream = destination
        if not batch:
            return
        try:
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
        except ClientError as error:
            self.errors.append(f"awslogs {stream}: {error}")

    def _health_check_path(self, service: dict[str, Any]) -> str:
        (balancer,) = service["loadBalancers"]
        groups = self._elbv2.describe_target_groups(TargetGroupArns=[balancer["targetGroupArn"]])
        return str(groups["TargetGroups"][0]["HealthCheckPath"])


def _lines(stream: IO[bytes]) -> Iterator[bytes]:
    yield from iter(stream.readline, b"")


def _healthy(url: str, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + HEALTHY_WITHIN_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    return False


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass
