"""Credentials for one ECS build: they can write its own deployment and its own cache, nothing else.

The builder's task role has no access to the bucket. For each build the api assumes the
publisher role with a session policy naming exactly `deployments/<id>/` and the build's
cache prefix (`cache/<project>/<production|preview>/`); the effective permissions are the
intersection of the role's and the session's. The temporary credentials reach the runner as
container overrides and live no longer than the build may. The project's commands run as
another user and never see them (build_runner/identity.py); even if they did, they could
not touch another deployment, the routes or another trust level's cache. Deployment
objects are also write-once: the bucket policy refuses a PutObject under `deployments/`
without `If-None-Match: *` (terraform/modules/artifacts).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from services.core.build_protocol import cache_prefix
from services.core.runner_inputs import RunnerInputs

# Role chaining (the api's task role assuming another role) caps sessions at one hour.
MAX_SESSION_SECONDS = 3600
MIN_SESSION_SECONDS = 900
# Time a build's task may need beyond its build timeout: start-up, cache, log upload.
SESSION_MARGIN_SECONDS = 300


def bucket_and_prefix(storage_url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix?endpoint=…` → ("bucket", "some/prefix/")."""
    parts = urlsplit(storage_url)
    if parts.scheme != "s3":
        raise ValueError(f"per-build credentials need S3 storage, not {storage_url!r}")
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""


def session_policy(inputs: RunnerInputs) -> dict[str, Any]:
    """What this build may do, from the same inputs the runner gets."""
    bucket, root = bucket_and_prefix(inputs.storage_url)
    objects = f"arn:aws:s3:::{bucket}/{root}"
    cache = objects + cache_prefix(inputs.project, inputs.deploy_context)
    deployment = f"{objects}deployments/{inputs.deployment_id}/*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteOwnDeploymentAndCache",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
                "Resource": [deployment, f"{cache}*"],
            },
            {
                "Sid": "ReadOwnCache",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": [f"{cache}*"],
            },
            {
                # The role's own policy names the bucket's key, if any; the session adds none.
                "Sid": "UseTheBucketKey",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": ["*"],
            },
        ],
    }


def session_seconds(build_timeout: int) -> int:
    return max(
        MIN_SESSION_SECONDS, min(MAX_SESSION_SECONDS, build_timeout + SESSION_MARGIN_SECONDS)
    )


def assume_role_request(role_arn: str, inputs: RunnerInputs) -> dict[str, Any]:
    """The STS AssumeRole parameters for one build (a pure function, asserted by tests)."""
    return {
        "RoleArn": role_arn,
        "RoleSessionName": f"build-{inputs.deployment_id}",
        "Policy": json.dumps(session_policy(inputs), separators=(",", ":")),
        "DurationSeconds": session_seconds(inputs.build_timeout),
    }


def as_environment(answer: dict[str, Any]) -> dict[str, str]:
    """AssumeRole's answer → the variables obstore and boto3 read credentials from."""
    credentials = answer["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        "AWS_SESSION_TOKEN": credentials["SessionToken"],
    }
