"""Each least-privilege promise, checked against the policy documents Terraform renders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.terraform.iam_render import allowed, render
from tests.terraform.tfconfig import MODULES, load_cached

ACCOUNT = "111122223333"
REGION = "eu-west-1"
BUCKET = "arn:aws:s3:::slipway-artifacts-111122223333"
CLUSTER = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/slipway"
OTHER_CLUSTER = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/other"
BUILDER_FAMILY = "slipway-builder"
BUILDER_LOGS = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/slipway-builder"
API_LOGS = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/slipway-api"
PROXY_LOGS = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/slipway-proxy"
BUILDER_TASK_ROLE = f"arn:aws:iam::{ACCOUNT}:role/slipway-builder-task-1"
BUILDER_EXEC_ROLE = f"arn:aws:iam::{ACCOUNT}:role/slipway-builder-exec-1"
PUBLISHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/slipway-builder-publish-1"
API_ROLE = f"arn:aws:iam::{ACCOUNT}:role/slipway-api-1"
SECRETS = {
    name: f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:slipway/{name}-AbCdEf"
    for name in ("webhook", "api-token", "github-token", "rds-db")
}
OTHER_SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:someone-else-XyZ123"
SERVICES_REPO = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/slipway/services"
BUILDER_REPO = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/slipway/builder"
KMS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"

FIXTURES = {
    "data.aws_partition.current.partition": "aws",
    "data.aws_region.current.id": REGION,
    "data.aws_caller_identity.current.account_id": ACCOUNT,
    "aws_cloudwatch_log_group.this.arn": BUILDER_LOGS,
    "aws_cloudwatch_log_group.this.name": "/ecs/slipway-builder",
    "aws_s3_bucket.this.arn": BUCKET,
}

TASK_ROLES_VARS = {
    "name_prefix": "slipway",
    "cluster_arn": CLUSTER,
    "artifacts_bucket_arn": BUCKET,
    "kms_key_arn": None,
    "repository_arn": SERVICES_REPO,
    "log_group_arns": [API_LOGS, PROXY_LOGS],
    "builder_task_family": BUILDER_FAMILY,
    "builder_role_arns": [BUILDER_TASK_ROLE, BUILDER_EXEC_ROLE],
    "builder_log_group_arn": BUILDER_LOGS,
    "publisher_role_arn": PUBLISHER_ROLE,
    "api_secret_arns": [arn for name, arn in SECRETS.items() if name != "rds-db"],
    "database_secret_arn": SECRETS["rds-db"],
    "tags": {},
}

BUILDER_VARS = {
    "name": BUILDER_FAMILY,
    "vpc_id": "vpc-1",
    "image": "builder:1",
    "repository_arn": BUILDER_REPO,
    "artifacts_bucket_arn": BUCKET,
    "kms_key_arn": None,
    "github_token_secret_arn": SECRETS["github-token"],
    "publisher_trusted_role_arns": [API_ROLE],
}

Policies = dict[str, dict[str, Any] | None]


def obj(key: str) -> str:
    return f"{BUCKET}/{key}"


@pytest.fixture(scope="module")
def task_roles(tmp_path_factory: pytest.TempPathFactory) -> Policies:
    workdir = tmp_path_factory.mktemp("task_roles")
    return render(load_cached(MODULES / "task_roles"), TASK_ROLES_VARS, FIXTURES, workdir)


@pytest.fixture(scope="module")
def task_roles_kms(tmp_path_factory: pytest.TempPathFactory) -> Policies:
    workdir = tmp_path_factory.mktemp("task_roles_kms")
    variables = {**TASK_ROLES_VARS, "kms_key_arn": KMS_KEY}
    return render(load_cached(MODULES / "task_roles"), variables, FIXTURES, workdir)


@pytest.fixture(scope="module")
def builder(tmp_path_factory: pytest.TempPathFactory) -> Policies:
    workdir = tmp_path_factory.mktemp("builder")
    return render(load_cached(MODULES / "builder"), BUILDER_VARS, FIXTURES, workdir)


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Policies:
    workdir = tmp_path_factory.mktemp("artifacts")
    variables = {"bucket_name": "slipway-artifacts-111122223333"}
    return render(load_cached(MODULES / "artifacts"), variables, FIXTURES, workdir)


def task_in(cluster: str) -> str:
    name = cluster.rsplit("/", 1)[1]
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/{name}/0123456789abcdef"


def family(name: str, revision: int = 7) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{name}:{revision}"


# --- api -------------------------------------------------------------------------------

API_CASES = [
    # ecs:RunTask only the builder family, only in our cluster
    ("ecs:RunTask", family(BUILDER_FAMILY), {"ecs:cluster": CLUSTER}, True),
    ("ecs:RunTask", family(BUILDER_FAMILY, 1), {"ecs:cluster": CLUSTER}, True),
    ("ecs:RunTask", family("slipway-api"), {"ecs:cluster": CLUSTER}, False),
    ("ecs:RunTask", family("slipway-builder-evil"), {"ecs:cluster": CLUSTER}, False),
    ("ecs:RunTask", family(BUILDER_FAMILY), {"ecs:cluster": OTHER_CLUSTER}, False),
    # stop and describe tasks, in our cluster
    ("ecs:StopTask", task_in(CLUSTER), {}, True),
    ("ecs:DescribeTasks", task_in(CLUSTER), {}, True),
    ("ecs:StopTask", task_in(OTHER_CLUSTER), {}, False),
    ("ecs:ListTasks", "*", {"ecs:cluster": CLUSTER}, True),
    ("ecs:ListTasks", "*", {"ecs:cluster": OTHER_CLUSTER}, False),
    ("ecs:UpdateService", f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/slipway/slipway-api", {}, False),
    ("ecs:RegisterTaskDefinition", "*", {}, False),
    # iam:PassRole only the builder roles, only to ECS tasks
    ("iam:PassRole", BUILDER_TASK_ROLE, {"iam:PassedToService": "ecs-tasks.amazonaws.com"}, True),
    ("iam:PassRole", BUILDER_EXEC_ROLE, {"iam:PassedToService": "ecs-tasks.amazonaws.com"}, True),
    ("iam:PassRole", API_ROLE, {"iam:PassedToService": "ecs-tasks.amazonaws.com"}, False),
    ("iam:PassRole", BUILDER_TASK_ROLE, {"iam:PassedToService": "lambda.amazonaws.com"}, False),
    # read the builder log group, nothing else
    ("logs:GetLogEvents", f"{BUILDER_LOGS}:log-stream:build/builder/abc", {}, True),
    ("logs:FilterLogEvents", BUILDER_LOGS, {}, True),
    ("logs:GetLogEvents", f"{API_LOGS}:log-stream:api/api/abc", {}, False),
    ("logs:PutLogEvents", f"{BUILDER_LOGS}:log-stream:build/builder/abc", {}, False),
    ("logs:DeleteLogGroup", BUILDER_LOGS, {}, False),
    # read and write routes/*
    ("s3:GetObject", obj("routes/blog.example.com.json"), {}, True),
    ("s3:PutObject", obj("routes/blog.example.com.json"), {}, True),
    ("s3:DeleteObject", obj("routes/blog.example.com.json"), {}, True),
    # read deployments/*; of writes there, only a build log copy; garbage collection deletes
    ("s3:GetObject", obj("deployments/abc123/index.html"), {}, True),
    ("s3:PutObject", obj("deployments/abc123/index.html"), {}, False),
    ("s3:PutObject", obj("deployments/abc123/manifest.json"), {}, False),
    ("s3:DeleteObject", obj("deployments/abc123/index.html"), {}, True),
    ("s3:PutObject", obj("deployments/abc123/build.log"), {}, True),
    # in cache/ only deletion (a deleted project's cache); nothing outside the prefixes,
    # no bucket administration
    ("s3:GetObject", obj("cache/blog/node_modules.tar"), {}, False),
    ("s3:PutObject", obj("cache/blog/node_modules.tar"), {}, False),
    ("s3:DeleteObject", obj("cache/blog/node_modules.tar"), {}, True),
    ("s3:PutObject", obj("other/thing"), {}, False),
    ("s3:DeleteObject", obj("other/thing"), {}, False),
    ("s3:ListBucket", BUCKET, {"s3:prefix": "routes/"}, True),
    ("s3:ListBucket", BUCKET, {"s3:prefix": "cache/"}, True),
    ("s3:ListBucket", BUCKET, {"s3:prefix": "other/"}, False),
    ("s3:PutBucketPolicy", BUCKET, {}, False),
    # only the rotating database secret, read for new connections; ECS injects the others
    *[("secretsmanager:GetSecretValue", arn, {}, name == "rds-db") for name, arn in SECRETS.items()],
    ("secretsmanager:DescribeSecret", SECRETS["rds-db"], {}, False),
    ("secretsmanager:PutSecretValue", SECRETS["rds-db"], {}, False),
    ("secretsmanager:GetSecretValue", OTHER_SECRET, {}, False),
    ("secretsmanager:PutSecretValue", SECRETS["webhook"], {}, False),
    ("kms:Decrypt", KMS_KEY, {}, False),
]  # fmt: skip


@pytest.mark.parametrize(("action", "resource", "context", "expected"), API_CASES)
def test_api_task_role(
    task_roles: Policies, action: str, resource: str, context: dict, expected: bool
) -> None:
    assert allowed([task_roles["api"]], action, resource, context) is expected


# --- proxy -----------------------------------------------------------------------------

PROXY_CASES = [
    ("s3:GetObject", obj("routes/blog.example.com.json"), {}, True),
    ("s3:GetObject", obj("deployments/abc123/index.html"), {}, True),
    ("s3:ListBucket", BUCKET, {"s3:prefix": "routes/blog.example.com.json"}, True),
    ("s3:PutObject", obj("routes/blog.example.com.json"), {}, False),
    ("s3:PutObject", obj("deployments/abc123/index.html"), {}, False),
    ("s3:DeleteObject", obj("routes/blog.example.com.json"), {}, False),
    ("s3:GetObject", obj("cache/blog/x"), {}, False),
    ("s3:ListBucket", BUCKET, {"s3:prefix": "cache/"}, False),
    ("s3:ListBucket", BUCKET, {}, False),
    ("secretsmanager:GetSecretValue", SECRETS["webhook"], {}, False),
    ("ecs:RunTask", family(BUILDER_FAMILY), {"ecs:cluster": CLUSTER}, False),
    ("iam:PassRole", BUILDER_TASK_ROLE, {"iam:PassedToService": "ecs-tasks.amazonaws.com"}, False),
]  # fmt: skip


@pytest.mark.parametrize(("action", "resource", "context", "expected"), PROXY_CASES)
def test_proxy_task_role(
    task_roles: Policies, action: str, resource: str, context: dict, expected: bool
) -> None:
    assert allowed([task_roles["proxy"]], action, resource, context) is expected


# --- services execution role -----------------------------------------------------------

EXECUTION_CASES = [
    ("ecr:GetAuthorizationToken", "*", True),
    ("ecr:BatchGetImage", SERVICES_REPO, True),
    ("ecr:BatchGetImage", BUILDER_REPO, False),
    ("ecr:PutImage", SERVICES_REPO, False),
    ("logs:PutLogEvents", f"{API_LOGS}:log-stream:api/api/abc", True),
    ("logs:PutLogEvents", f"{BUILDER_LOGS}:log-stream:build/builder/abc", False),
    *[("secretsmanager:GetSecretValue", arn, name != "rds-db") for name, arn in SECRETS.items()],
    ("secretsmanager:GetSecretValue", OTHER_SECRET, False),
    ("s3:GetObject", obj("routes/x.json"), False),
]


@pytest.mark.parametrize(("action", "resource", "expected"), EXECUTION_CASES)
def test_services_execution_role(
    task_roles: Policies, action: str, resource: str, expected: bool
) -> None:
    assert allowed([task_roles["execution"]], action, resource) is expected


def test_kms_policies_exist_only_with_a_key(task_roles: Policies, task_roles_kms: Policies) -> None:
    assert task_roles["kms"] is None
    assert allowed([task_roles_kms["kms"]], "kms:Decrypt", KMS_KEY)
    assert not allowed([task_roles_kms["kms"]], "kms:Decrypt", KMS_KEY.replace("1234", "9999"))
    assert not allowed([task_roles_kms["kms"]], "kms:ScheduleKeyDeletion", KMS_KEY)


def test_roles_trust_only_ecs_tasks_of_this_account(
    task_roles: Policies, builder: Policies
) -> None:
    for policies in (task_roles, builder):
        assume = policies["assume"]
        assert assume is not None
        (statement,) = assume["Statement"]
        assert statement["Principal"] == {"Service": ["ecs-tasks.amazonaws.com"]}
        assert statement["Action"] == ["sts:AssumeRole"]
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": [ACCOUNT]}}


# --- builder ---------------------------------------------------------------------------


def test_builder_task_role_has_no_permissions(builder: Policies) -> None:
    # The project's commands run in the build task: nothing they could reach opens a door.
    assert "task" not in builder


# What the publisher role allows is the most any build's credentials can do; each build's
# session policy narrows it to its own objects (tests/api/builders/test_publish_credentials.py).
PUBLISHER_CASES = [
    ("s3:PutObject", obj("deployments/abc123/index.html"), {}, True),
    ("s3:PutObject", obj("deployments/abc123/manifest.json"), {}, True),
    ("s3:PutObject", obj("cache/blog/production/packages.tar.gz"), {}, True),
    ("s3:GetObject", obj("cache/blog/production/packages.tar.gz"), {}, True),
    # no reading deployments, no routes, no deletes, no listing
    ("s3:GetObject", obj("deployments/other/index.html"), {}, False),
    ("s3:GetObject", obj("routes/blog.example.com.json"), {}, False),
    ("s3:PutObject", obj("routes/blog.example.com.json"), {}, False),
    ("s3:DeleteObject", obj("deployments/abc123/index.html"), {}, False),
    ("s3:DeleteObject", obj("cache/blog/x"), {}, False),
    ("s3:PutObject", obj("elsewhere/x"), {}, False),
    ("s3:ListBucket", BUCKET, {"s3:prefix": "deployments/"}, False),
    ("s3:ListBucket", BUCKET, {"s3:prefix": "cache/"}, False),
    ("s3:PutBucketPolicy", BUCKET, {}, False),
    # no control-plane powers, no secrets
    ("ecs:RunTask", family(BUILDER_FAMILY), {"ecs:cluster": CLUSTER}, False),
    ("iam:PassRole", BUILDER_TASK_ROLE, {"iam:PassedToService": "ecs-tasks.amazonaws.com"}, False),
    ("secretsmanager:GetSecretValue", SECRETS["github-token"], {}, False),
    ("logs:GetLogEvents", f"{BUILDER_LOGS}:log-stream:build/builder/abc", {}, False),
]  # fmt: skip


@pytest.mark.parametrize(("action", "resource", "context", "expected"), PUBLISHER_CASES)
def test_publisher_role(
    builder: Policies, action: str, resource: str, context: dict, expected: bool
) -> None:
    assert allowed([builder["publisher"]], action, resource, context) is expected


def test_only_the_api_may_assume_the_publisher_role(
    builder: Policies, task_roles: Policies
) -> None:
    trust = builder["publisher_trust"]
    assert trust is not None
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"AWS": [API_ROLE]}
    assert statement["Action"] == ["sts:AssumeRole"]
    assert allowed([task_roles["api"]], "sts:AssumeRole", PUBLISHER_ROLE)
    assert not allowed([task_roles["api"]], "sts:AssumeRole", BUILDER_TASK_ROLE)
    assert not allowed([task_roles["proxy"]], "sts:AssumeRole", PUBLISHER_ROLE)


BUILDER_EXECUTION_CASES = [
    ("secretsmanager:GetSecretValue", SECRETS["github-token"], True),
    ("secretsmanager:GetSecretValue", SECRETS["webhook"], False),
    ("secretsmanager:GetSecretValue", SECRETS["api-token"], False),
    ("secretsmanager:GetSecretValue", SECRETS["rds-db"], False),
    ("ecr:BatchGetImage", BUILDER_REPO, True),
    ("ecr:BatchGetImage", SERVICES_REPO, False),
    ("logs:PutLogEvents", f"{BUILDER_LOGS}:log-stream:build/builder/abc", True),
    ("logs:PutLogEvents", f"{API_LOGS}:log-stream:api/api/abc", False),
    ("s3:PutObject", obj("deployments/abc123/index.html"), False),
]


@pytest.mark.parametrize(("action", "resource", "expected"), BUILDER_EXECUTION_CASES)
def test_builder_execution_role_gets_only_the_github_token(
    builder: Policies, action: str, resource: str, expected: bool
) -> None:
    assert allowed([builder["execution"]], action, resource) is expected


# --- artifacts bucket policy -----------------------------------------------------------


def test_artifacts_bucket_denies_plain_http_and_old_tls(artifacts: Policies) -> None:
    policy = artifacts["this"]
    key = obj("routes/x.json")
    assert not allowed([policy], "s3:GetObject", key, {"aws:SecureTransport": "false"})
    assert not allowed([policy], "s3:GetObject", key, {"s3:TlsVersion": "1.1"})
    assert all(s["Effect"] == "Deny" for s in policy["Statement"]), "the bucket grants nothing"


@pytest.mark.parametrize(
    ("key", "context", "expected"),
    [
        pytest.param("deployments/abc/index.html", {}, False, id="plain-put-of-a-deployment-file"),
        pytest.param(
            "deployments/abc/index.html", {"s3:if-none-match": "*"}, True, id="create-only-put"
        ),
        pytest.param("routes/blog.example.com.json", {}, True, id="routes-stay-rewritable"),
        pytest.param("cache/blog/preview/packages.tar.gz", {}, True, id="caches-stay-rewritable"),
    ],
)
def test_deployment_objects_are_write_once(
    artifacts: Policies, key: str, context: dict, expected: bool
) -> None:
    # The bucket denies; an identity allowing everything shows what the bucket leaves.
    everything = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    policies = [artifacts["this"], everything]
    assert (
        allowed(
            policies,
            "s3:PutObject",
            obj(key),
            {**context, "aws:SecureTransport": "true", "s3:TlsVersion": "1.3"},
        )
        is expected
    )


def test_no_policy_allows_wildcard_actions(task_roles: Policies, builder: Policies) -> None:
    for name, policy in [*task_roles.items(), *builder.items()]:
        for statement in policy["Statement"] if policy else []:
            if statement["Effect"] != "Allow":
                continue
            for action in statement.get("Action", []):
                assert "*" not in action, f"{name}: {action}"
            if statement.get("Resource") == ["*"]:
                # Only actions without resource-level permissions, and ListTasks by cluster.
                assert statement["Action"] in (["ecr:GetAuthorizationToken"], ["ecs:ListTasks"])
                if statement["Action"] == ["ecs:ListTasks"]:
                    assert statement["Condition"] == {"ArnEquals": {"ecs:cluster": [CLUSTER]}}


# --- the evaluator itself --------------------------------------------------------------


def test_evaluator_rejects_what_it_should(tmp_path: Path) -> None:
    policy = {
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{BUCKET}/a/*"]},
            {"Effect": "Deny", "Action": ["s3:*"], "Resource": [f"{BUCKET}/a/secret"]},
        ]
    }
    assert allowed([policy], "s3:GetObject", obj("a/b"))
    assert allowed([policy], "S3:getobject", obj("a/b")), "actions are case-insensitive"
    assert not allowed([policy], "s3:GetObject", obj("A/b")), "resources are case-sensitive"
    assert not allowed([policy], "s3:GetObject", obj("a/secret"))
    assert not allowed([policy], "s3:PutObject", obj("a/b"))
    assert not allowed([policy], "s3:GetObject", obj("b/a"))
