"""The S3 bucket that holds Terraform's state: created once per account, before `plan`."""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions  # type: ignore[import-untyped, unused-ignore]

from scripts.deploy.environment import Environment
from scripts.deploy.errors import PrerequisiteError
from scripts.deploy.runner import Runner


def tls_only_policy(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyPlainHttp",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


def bucket_exists(s3: Any, bucket: str) -> bool:
    try:
        s3.head_bucket(Bucket=bucket)
    except botocore.exceptions.ClientError as error:
        code = str(error.response.get("Error", {}).get("Code"))
        if code in ("404", "NoSuchBucket", "NotFound"):
            return False
        if code in ("403", "Forbidden", "AccessDenied"):
            raise PrerequisiteError(
                f"the state bucket name {bucket} belongs to someone else",
                hint="choose another state.bucket",
            ) from None
        raise
    return True


def ensure_state_bucket(s3: Any, env: Environment, runner: Runner) -> None:
    """Create the bucket if missing; make sure it is versioned, encrypted, private, TLS-only.

    Every step is idempotent, so running it again repairs a bucket made by hand."""
    bucket, region = env.state.bucket, env.state_region
    calls: list[tuple[str, dict[str, Any]]] = []
    if bucket_exists(s3, bucket):
        runner.say(f"state bucket {bucket} exists")
    else:
        create: dict[str, Any] = {"Bucket": bucket}
        if region != "us-east-1":  # S3 refuses a LocationConstraint of us-east-1
            create["CreateBucketConfiguration"] = {"LocationConstraint": region}
        calls.append(("create_bucket", create))
    calls += [
        (
            "put_bucket_versioning",
            {"Bucket": bucket, "VersioningConfiguration": {"Status": "Enabled"}},
        ),
        (
            "put_public_access_block",
            {
                "Bucket": bucket,
                "PublicAccessBlockConfiguration": dict.fromkeys(
                    (
                        "BlockPublicAcls",
                        "IgnorePublicAcls",
                        "BlockPublicPolicy",
                        "RestrictPublicBuckets",
                    ),
                    True,
                ),
            },
        ),
        (
            "put_bucket_encryption",
            {
                "Bucket": bucket,
                "ServerSideEncryptionConfiguration": {
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            },
        ),
        ("put_bucket_policy", {"Bucket": bucket, "Policy": tls_only_policy(bucket)}),
    ]
    for method, params in calls:
        operation = "".join(part.title() for part in method.split("_"))
        if runner.api("s3", operation, {"Bucket": bucket}):
            getattr(s3, method)(**params)
