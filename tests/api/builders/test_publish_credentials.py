"""Each ECS build's storage credentials reach only that build's own objects.

The session policy the api sends is evaluated together with the publisher role's policy as
Terraform renders it (tests/terraform/iam_render.py): AWS grants what both allow. moto's
STS answers the AssumeRole for real and the credentials travel in the RunTask overrides.
moto evaluates neither session policies nor bucket policies, so the narrowing is proven on
the documents here; the role policies themselves are enforced by moto's IAM checks in the
platform-on-moto test.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from services.api.builders.ecs import EcsBuilder
from services.api.builders.publish_credentials import (
    MAX_SESSION_SECONDS,
    assume_role_request,
    session_policy,
    session_seconds,
)
from services.core.runner_inputs import DeployContext, RunnerInputs
from services.core.settings import Settings
from tests.terraform.iam_render import allowed, render
from tests.terraform.test_iam import BUILDER_VARS, FIXTURES
from tests.terraform.tfconfig import MODULES, load_cached

BUCKET = "slipway-artifacts-111122223333"  # the bucket tests/terraform renders policies for
STORAGE_URL = f"s3://{BUCKET}"
DEPLOYMENT = "abcdefgh12345678abcd"


def build_inputs(
    context: DeployContext = "production",
    deployment: str = DEPLOYMENT,
    storage_url: str = STORAGE_URL,
) -> RunnerInputs:
    return RunnerInputs(
        deployment_id=deployment,
        project="blog",
        repo_url="https://github.com/acme/blog",
        storage_url=storage_url,
        deploy_context=context,
    )


@pytest.fixture(scope="module")
def publisher_policy(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    rendered = render(
        load_cached(MODULES / "builder"), BUILDER_VARS, FIXTURES, tmp_path_factory.mktemp("b")
    )
    policy = rendered["publisher"]
    assert policy is not None
    return policy


def obj(key: str) -> str:
    return f"arn:aws:s3:::{BUCKET}/{key}"


@pytest.mark.parametrize(
    ("context", "action", "key", "expected"),
    [
        pytest.param("production", "s3:PutObject", f"deployments/{DEPLOYMENT}/files/index.html", True, id="own-file"),
        pytest.param("production", "s3:PutObject", f"deployments/{DEPLOYMENT}/manifest.json", True, id="own-manifest"),
        pytest.param("production", "s3:PutObject", "deployments/someoneelse0000000000/files/index.html", False, id="another-deployment"),
        pytest.param("production", "s3:PutObject", "routes/blog.localhost.json", False, id="routes"),
        pytest.param("production", "s3:GetObject", f"deployments/{DEPLOYMENT}/manifest.json", False, id="no-reads-of-deployments"),
        pytest.param("production", "s3:PutObject", "cache/blog/production/packages.tar.gz", True, id="own-cache-write"),
        pytest.param("production", "s3:GetObject", "cache/blog/production/packages.tar.gz", True, id="own-cache-read"),
        pytest.param("production", "s3:PutObject", "cache/blog/preview/packages.tar.gz", False, id="other-trust-level"),
        pytest.param("deploy-preview", "s3:PutObject", "cache/blog/production/packages.tar.gz", False, id="preview-cannot-plant-for-production"),
        pytest.param("deploy-preview", "s3:GetObject", "cache/blog/production/packages.tar.gz", False, id="preview-cannot-read-production"),
        pytest.param("branch-deploy", "s3:PutObject", "cache/blog/preview/packages.tar.gz", True, id="branch-uses-preview-cache"),
        pytest.param("production", "s3:PutObject", "cache/other/production/packages.tar.gz", False, id="other-project-cache"),
        pytest.param("production", "s3:DeleteObject", f"deployments/{DEPLOYMENT}/files/index.html", False, id="no-deletes"),
    ],
)  # fmt: skip
def test_a_build_reaches_only_its_own_objects(
    publisher_policy: dict[str, Any],
    context: DeployContext,
    action: str,
    key: str,
    expected: bool,
) -> None:
    session = session_policy(build_inputs(context))
    both = allowed([publisher_policy], action, obj(key)) and allowed([session], action, obj(key))
    assert both is expected


def test_a_bucket_prefix_is_part_of_every_resource() -> None:
    policy = session_policy(build_inputs(storage_url=f"s3://{BUCKET}/platform-a"))
    resources = [
        r
        for s in policy["Statement"]
        if s["Sid"] != "UseTheBucketKey"
        for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
    ]
    assert resources
    assert all(r.startswith(f"arn:aws:s3:::{BUCKET}/platform-a/") for r in resources)


@pytest.mark.parametrize(
    ("timeout", "seconds"),
    [
        pytest.param(60, 900, id="never-below-sts-minimum"),
        pytest.param(900, 1200, id="timeout-plus-margin"),
        pytest.param(7200, MAX_SESSION_SECONDS, id="role-chaining-cap"),
    ],
)
def test_credentials_live_as_long_as_the_build_may(timeout: int, seconds: int) -> None:
    assert session_seconds(timeout) == seconds


def test_the_request_names_the_build(tmp_path: Path) -> None:
    request = assume_role_request("arn:aws:iam::1:role/p", build_inputs())
    assert request["RoleSessionName"] == f"build-{DEPLOYMENT}"
    assert json.loads(request["Policy"]) == session_policy(build_inputs())
    assert request["DurationSeconds"] == session_seconds(build_inputs().build_timeout)


@pytest.mark.anyio
async def test_the_task_gets_scoped_credentials_and_never_the_task_roles(
    ecs_settings: Settings, moto_endpoint: str
) -> None:
    iam = boto3.client("iam", endpoint_url=moto_endpoint, region_name="us-east-1")
    trust = {
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]
    }
    role = iam.create_role(
        RoleName=f"publisher-{uuid.uuid4().hex[:8]}", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    settings = ecs_settings.model_copy(
        update={
            "ecs_publisher_role_arn": role,
            "storage_url": f"{STORAGE_URL}?endpoint={moto_endpoint}",
        }
    )
    builder = EcsBuilder.from_settings(settings)
    handle = await builder.start(build_inputs())
    [task] = builder.ecs.describe_tasks(cluster=settings.ecs_cluster, tasks=[handle])["tasks"]
    env = {e["name"]: e["value"] for e in task["overrides"]["containerOverrides"][0]["environment"]}
    assert env["AWS_ACCESS_KEY_ID"]
    assert env["AWS_SECRET_ACCESS_KEY"]
    assert env["AWS_SESSION_TOKEN"]
    # moto's STS knows these credentials as a session of the publisher role.
    sts = boto3.client(
        "sts",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env["AWS_SESSION_TOKEN"],
    )
    arn = sts.get_caller_identity()["Arn"]
    assert arn.endswith(f"/build-{DEPLOYMENT}")
    assert role.rsplit("/", 1)[1] in arn
