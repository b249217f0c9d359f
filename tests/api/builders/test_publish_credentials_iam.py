"""A build's storage credentials against an S3 server that enforces IAM, with Terraform's policy.

moto server runs with its IAM checks on. The publisher role carries the policy the builder
module renders (tests/terraform/iam_render.py), and the runner's own storage client uses
the role's credentials. moto enforces role policies and S3 conditional writes; it evaluates
neither session policies nor bucket policies (test_publish_credentials.py checks those
documents), so the last case below states what only a real account would refuse.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from services.core.storage import AlreadyStored, Storage, StorageError
from tests.support.moto import moto_server
from tests.terraform.iam_render import render
from tests.terraform.test_iam import BUILDER_VARS, FIXTURES
from tests.terraform.tfconfig import MODULES, load_cached

pytestmark = pytest.mark.anyio

BUCKET = "slipway-artifacts-111122223333"  # the bucket the rendered policies name
REGION = "us-east-1"
# moto lets this many requests through unauthenticated: the admin user and its key.
SETUP_ACTIONS = 3


@pytest.fixture(scope="module")
def iam_moto() -> Iterator[str]:
    with moto_server(env={"INITIAL_NO_AUTH_ACTION_COUNT": str(SETUP_ACTIONS)}) as endpoint:
        yield endpoint


def client(service: str, endpoint: str, keys: dict[str, str]) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, **keys)


@pytest.fixture(scope="module")
def publisher_keys(iam_moto: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Credentials of the publisher role, its policy rendered from the builder module."""
    anonymous = {"aws_access_key_id": "setup", "aws_secret_access_key": "setup"}
    iam = client("iam", iam_moto, anonymous)
    iam.create_user(UserName="admin")
    iam.put_user_policy(
        UserName="admin",
        PolicyName="all",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    admin = {
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
    }
    client("s3", iam_moto, admin).create_bucket(Bucket=BUCKET)
    rendered = render(
        load_cached(MODULES / "builder"), BUILDER_VARS, FIXTURES, tmp_path_factory.mktemp("b")
    )
    trust = {
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]
    }
    admin_iam = client("iam", iam_moto, admin)
    for name, policy in (("publisher", rendered["publisher"]), ("task", None)):
        admin_iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        if policy is not None:
            admin_iam.put_role_policy(
                RoleName=name, PolicyName="p", PolicyDocument=json.dumps(policy)
            )
    account = client("sts", iam_moto, admin).get_caller_identity()["Account"]
    credentials = client("sts", iam_moto, admin).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/publisher", RoleSessionName="build-x"
    )["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        "AWS_SESSION_TOKEN": credentials["SessionToken"],
        "AWS_DEFAULT_REGION": REGION,
    }


@pytest.fixture
def storage(
    iam_moto: str, publisher_keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Storage:
    """The runner's storage client, with the role's credentials in its environment."""
    for name, value in publisher_keys.items():
        monkeypatch.setenv(name, value)
    return Storage(f"s3://{BUCKET}?endpoint={iam_moto}&region={REGION}")


async def test_the_build_publishes_its_own_deployment_write_once(storage: Storage) -> None:
    await storage.put("deployments/own00000000000000000/files/index.html", b"own", create_only=True)
    assert await storage.create("deployments/own00000000000000000/manifest.json", b"{}")
    with pytest.raises(AlreadyStored):  # published objects are never replaced
        await storage.put(
            "deployments/own00000000000000000/files/index.html", b"x", create_only=True
        )
    await storage.put("cache/blog/production/packages.tar.gz", b"cache")
    assert await storage.get("cache/blog/production/packages.tar.gz") == b"cache"


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("routes/blog.localhost.json", id="routes"),
        pytest.param("elsewhere/thing", id="outside-the-prefixes"),
    ],
)
async def test_the_build_cannot_write_routes_or_elsewhere(storage: Storage, key: str) -> None:
    with pytest.raises(StorageError, match=r"(?i)denied|403|forbidden"):
        await storage.put(key, b"{}")


async def test_the_build_cannot_read_any_deployment(storage: Storage) -> None:
    await storage.put("deployments/rd000000000000000000/files/a", b"a", create_only=True)
    with pytest.raises(StorageError, match=r"(?i)denied|403|forbidden"):
        await storage.get("deployments/rd000000000000000000/files/a")


async def test_another_deployment_cannot_be_overwritten_with_a_create_only_put(
    storage: Storage,
) -> None:
    await storage.put(
        "deployments/victim00000000000000/files/index.html", b"live", create_only=True
    )
    with pytest.raises(AlreadyStored):
        await storage.put(
            "deployments/victim00000000000000/files/index.html", b"x", create_only=True
        )
    # A plain put would be refused on AWS by the bucket policy (DeploymentsAreWriteOnce) and,
    # for another deployment, by the build's session policy; moto evaluates neither, so this
    # is proven on the documents (test_publish_credentials.py, tests/terraform/test_iam.py).


def test_the_moto_server_really_checks_iam(iam_moto: str, publisher_keys: dict[str, str]) -> None:
    keys = {
        "aws_access_key_id": publisher_keys["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": publisher_keys["AWS_SECRET_ACCESS_KEY"],
        "aws_session_token": publisher_keys["AWS_SESSION_TOKEN"],
    }
    with pytest.raises(Exception, match=r"(?i)denied|403"):
        client("s3", iam_moto, keys).list_buckets()
