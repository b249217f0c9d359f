"""The state bucket against moto's S3: created once, settings applied every time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from scripts.deploy.environment import Environment
from scripts.deploy.errors import PrerequisiteError
from scripts.deploy.state import ensure_state_bucket
from tests.scripts.conftest import REGION, RecordingRunner


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("s3", region_name=REGION)


def test_creates_a_private_versioned_encrypted_tls_only_bucket(
    s3: Any, example_env: Environment
) -> None:
    ensure_state_bucket(s3, example_env, RecordingRunner())
    bucket = example_env.state.bucket
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == REGION
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
    )
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    (statement,) = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_running_again_repairs_settings_and_keeps_the_bucket(
    s3: Any, example_env: Environment
) -> None:
    bucket = example_env.state.bucket
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=bucket, Key="slipway/example/terraform.tfstate", Body=b"{}")
    runner = RecordingRunner()
    ensure_state_bucket(s3, example_env, runner)
    assert f"state bucket {bucket} exists" in runner.log.getvalue()
    assert "CreateBucket" not in runner.log.getvalue()
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    # The bucket is the same one (moto then denies reads under the TLS-only policy: it does
    # not count its in-process requests as TLS, so the object is not read back here).
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [bucket]


def test_dry_run_creates_nothing(s3: Any, example_env: Environment) -> None:
    runner = RecordingRunner(dry_run=True)
    ensure_state_bucket(s3, example_env, runner)
    assert s3.list_buckets()["Buckets"] == []
    assert (
        f"would call: s3.CreateBucket(Bucket='{example_env.state.bucket}')" in runner.log.getvalue()
    )


def test_a_name_owned_elsewhere_is_one_clear_error(example_env: Environment) -> None:
    class Forbidden:
        def head_bucket(self, **_params: Any) -> None:
            import botocore.exceptions

            raise botocore.exceptions.ClientError({"Error": {"Code": "403"}}, "HeadBucket")

    with pytest.raises(PrerequisiteError, match="belongs to someone else"):
        ensure_state_bucket(Forbidden(), example_env, RecordingRunner())
