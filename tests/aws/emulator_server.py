"""moto server, made to judge IAM as AWS does for the calls Slipway makes, and to keep tasks running.

Run as `python -m tests.aws.emulator_server -H 127.0.0.1 -p PORT`. With IAM enforcement on
(`/moto-api/reset-auth`), moto checks each call against the caller's policies, and it
always checks S3 object calls against the bucket's policy. Left as it is, it would refuse
what AWS allows and allow what AWS refuses, in ways that matter to Terraform's policies:

- It authorises ECR, ECS, CloudWatch Logs and Secrets Manager calls against the resource
  `*`, so every statement naming a repository, task definition, task, log group or secret
  refuses. Here
  they are judged against the ARN AWS evaluates (the service authorisation reference).
- It evaluates no condition but StringEquals, so the TLS-only and write-once statements of
  the bucket policies deny everything. Here the operators the stack uses are evaluated
  against the request: `aws:SecureTransport` and `s3:TlsVersion` as AWS's HTTPS endpoints
  report them (the emulator stands in for them; tests reach it over loopback HTTP),
  `s3:if-none-match`, `s3:prefix`, `ecs:cluster`. A key the request lacks fails the
  condition, as in AWS.
- It lets a statement whose principal or condition does not match deny; in AWS such a
  statement does not apply.
- It never matches an assumed-role session to its role's ARN in a trust policy, and crashes
  on service principals. Here a session is its role; a service principal such as
  `ecs-tasks.amazonaws.com` matches no caller of this server.
- Hosted zone ids start with `Z`, as AWS's do (the environment file checks it).
- ECS tasks stay RUNNING until stopped (moto stops them on the first read), because a
  harness runs their containers; `POST /moto-api/slipway/task-exit` stops one with its
  container's exit code, which no ECS API sets, and `POST /moto-api/slipway/deployment-failed`
  fails a service's deployment as ECS's circuit breaker does when its tasks cannot start.

Still not evaluated: session policies, iam:PassRole, tag-on-create permissions
(docs/terraform.md lists them).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextvars import ContextVar
from fnmatch import fnmatchcase
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.responses import BaseResponse
from moto.ecr.responses import ECRResponse
from moto.ecs.models import ecs_backends
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.iam.access_control import IAMPolicyStatement, PermissionResult
from moto.logs.responses import LogsResponse
from moto.moto_api import state_manager
from moto.moto_api._internal import urls as moto_api_urls
from moto.route53.models import HostedZoneIdentifier
from moto.secretsmanager.responses import SecretsManagerResponse

TASK_EXIT_PATH = "/moto-api/slipway/task-exit"
DEPLOYMENT_FAILED_PATH = "/moto-api/slipway/deployment-failed"
# Stopped the way ECS stops a task whose essential container ended.
EXITED = "Essential container in task exited"


def _arn(response: Any, service: str, resource: str) -> str:
    return f"arn:aws:{service}:{response.region}:{response.current_account}:{resource}"


# --- the resource each call is authorised on ------------------------------------------


def _cluster(response: Any) -> str:
    return str(response._get_param("cluster") or "default").rsplit("/", 1)[-1]


def _ecs_resource(response: EC2ContainerServiceResponse) -> str:
    action = response._get_action()
    try:
        if action in ("RunTask", "StartTask"):
            family = response._get_param("taskDefinition")
            return str(response.ecs_backend.describe_task_definition(family).arn)
        if action in ("DescribeTasks", "StopTask"):
            task = response._get_param("task") or (response._get_param("tasks") or ["*"])[0]
            if task.startswith("arn:"):
                return str(task)
            return _arn(response, "ecs", f"task/{_cluster(response)}/{task}")
    except Exception:  # an unknown name: the action itself answers the error
        return "*"
    return "*"


# Calls on one stream are authorised on the stream; the rest on the group.
_STREAM_ACTIONS = ("CreateLogStream", "PutLogEvents", "GetLogEvents")


def _logs_resource(response: LogsResponse) -> str:
    group = response._get_param("logGroupName")
    if not group:
        return "*"
    arn = _arn(response, "logs", f"log-group:{group}")
    stream = response._get_param("logStreamName")
    if stream and response._get_action() in _STREAM_ACTIONS:
        return f"{arn}:log-stream:{stream}"
    return arn


def _secret_resource(response: SecretsManagerResponse) -> str:
    try:
        return str(response.backend.describe_secret(response._get_param("SecretId")).arn)
    except Exception:  # an unknown secret: the action itself answers the error
        return "*"


def _ecr_resource(response: ECRResponse) -> str:
    repository = response._get_param("repositoryName")
    return _arn(response, "ecr", f"repository/{repository}") if repository else "*"


Resolver = Callable[[Any], str]
RESOURCES: dict[type, Resolver] = {
    ECRResponse: _ecr_resource,
    EC2ContainerServiceResponse: _ecs_resource,
    LogsResponse: _logs_resource,
    SecretsManagerResponse: _secret_resource,
}

# --- conditions -------------------------------------------------------------------------

_REQUEST: ContextVar[dict[str, str] | None] = ContextVar("request_context", default=None)


def request_context(response: Any) -> dict[str, str]:
    """The condition keys of one request (lower case, as IAM compares them)."""
    context = {"aws:securetransport": "true", "s3:tlsversion": "1.3"}
    if response.service_name == "s3":
        if none_match := response.headers.get("If-None-Match"):
            context["s3:if-none-match"] = none_match
        if prefix := response.querystring.get("prefix"):
            context["s3:prefix"] = prefix[0]
    if response.service_name == "ecs":
        context["ecs:cluster"] = _arn(response, "ecs", f"cluster/{_cluster(response)}")
    return context


_moto_setup_class = BaseResponse.setup_class


def _setup_class(self: Any, *args: Any, **kwargs: Any) -> Any:
    result = _moto_setup_class(self, *args, **kwargs)
    _REQUEST.set(request_context(self))
    return result


_MATCHES: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda actual, expected: actual == expected,
    "StringLike": fnmatchcase,
    "ArnEquals": lambda actual, expected: actual == expected,
    "ArnLike": fnmatchcase,
    "Bool": lambda actual, expected: actual.lower() == expected.lower(),
    "NumericLessThan": lambda actual, expected: float(actual) < float(expected),
}


def condition_holds(operator: str, key: str, expected: Any, context: dict[str, str]) -> bool:
    values = [str(v) for v in (expected if isinstance(expected, list) else [expected])]
    actual = context.get(key.lower())
    if operator == "Null":
        return any((actual is None) == (v.lower() == "true") for v in values)
    if_exists = operator.endswith("IfExists")
    match = _MATCHES[operator.removesuffix("IfExists")]  # an operator not here: a 500, loudly
    if actual is None:
        return if_exists
    return any(match(actual, v) for v in values)


def _check_conditions(self: IAMPolicyStatement, incoming: dict[str, str] | None) -> bool:
    conditions = self._statement.get("Condition") or {}
    context = {**(_REQUEST.get() or {}), **{k.lower(): v for k, v in (incoming or {}).items()}}
    return all(
        condition_holds(operator, key, expected, context)
        for operator, block in conditions.items()
        for key, expected in block.items()
    )


def _is_action_permitted(
    self: IAMPolicyStatement,
    action: str,
    resource: str = "*",
    principal: str | None = None,
    incoming_condition_values: dict[str, str] | None = None,
) -> PermissionResult:
    """One statement's verdict. Unlike moto's, a statement whose principal or condition does
    not match does not apply (moto makes it deny), and a Deny without resources denies."""
    statement = self._statement
    if "NotAction" in statement:
        concerned = not self._check_element_matches("NotAction", action)
    else:
        concerned = self._check_element_matches("Action", action)
    if (
        not concerned
        or self.is_unknown_principal(statement.get("Principal"))
        or (principal and not self._check_principal(principal))
        or not self._check_conditions(incoming_condition_values)
        or (statement.get("Resource") and not self._check_element_matches("Resource", resource))
    ):
        return PermissionResult.NEUTRAL
    return PermissionResult.PERMITTED if statement["Effect"] == "Allow" else PermissionResult.DENIED


# --- principals, zone ids, tasks ---------------------------------------------------------


def role_of_session(principal: str) -> str:
    """`arn:aws:sts::A:assumed-role/R/S` → `arn:aws:iam::A:role/R`; anything else as is."""
    head, _, path = principal.partition(":assumed-role/")
    if not path:
        return principal
    return head.replace(":sts::", ":iam::") + ":role/" + path.split("/", 1)[0]


def _check_principal(self: IAMPolicyStatement, principal: str) -> bool:
    expected = self._statement.get("Principal")
    if not expected:
        return True
    named = expected.get("AWS") if isinstance(expected, dict) else expected
    if named is None:  # a service or federated principal: no caller of this server is one
        return False
    names = [named] if isinstance(named, str) else list(named)
    return "*" in names or principal in names or role_of_session(principal) in names


_moto_zone_id = HostedZoneIdentifier.generate


def _zone_id(self: HostedZoneIdentifier, *args: Any, **kwargs: Any) -> str:
    return "Z" + _moto_zone_id(self, *args, **kwargs)[1:]


def _task_exit(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    body = json.loads(request.data)
    backend = ecs_backends[body.get("account", DEFAULT_ACCOUNT_ID)][body["region"]]
    task = backend.describe_tasks(body["cluster"], [body["task"]])[0]
    for container in task.containers:
        container.exitCode = body["exitCode"]  # None: the container never ran
        container.last_status = "STOPPED"
    backend.stop_task(body["cluster"], body["task"], body.get("reason") or EXITED)
    return 200, {}, json.dumps({"status": "ok"})


def _deployment_failed(
    request: Any, full_url: str, headers: Any
) -> tuple[int, dict[str, str], str]:
    body = json.loads(request.data)
    backend = ecs_backends[body.get("account", DEFAULT_ACCOUNT_ID)][body["region"]]
    (service,), _ = backend.describe_services(body["cluster"], [body["service"]])
    for deployment in service.deployments:
        if deployment["taskDefinition"] == body["taskDefinition"]:
            deployment["rolloutState"] = "FAILED"
            deployment["rolloutStateReason"] = body["reason"]
    return 200, {}, json.dumps({"status": "ok"})


def install() -> None:
    for response_class, resolver in RESOURCES.items():
        response_class._determine_resource = resolver  # type: ignore[attr-defined]
    BaseResponse.setup_class = _setup_class  # type: ignore[method-assign]
    IAMPolicyStatement._check_conditions = _check_conditions  # type: ignore[method-assign]
    IAMPolicyStatement.is_action_permitted = _is_action_permitted  # type: ignore[method-assign]
    IAMPolicyStatement._check_principal = _check_principal  # type: ignore[method-assign]
    HostedZoneIdentifier.generate = _zone_id  # type: ignore[method-assign]
    # A large tick count: a task's status never moves on its own.
    state_manager.set_transition("ecs::task", {"progression": "manual", "times": 10**9})
    moto_api_urls.url_paths["{0}" + TASK_EXIT_PATH] = _task_exit
    moto_api_urls.url_paths["{0}" + DEPLOYMENT_FAILED_PATH] = _deployment_failed


def main(argv: list[str]) -> None:
    from moto.server import main as moto_main

    install()
    moto_main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
