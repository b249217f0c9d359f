"""The test's side of emulated AWS: one moto server of its own, credentials, IAM enforcement.

The server is `tests.aws.emulator_server` (moto judging IAM by real resource ARNs). It is
this test's alone: turning IAM enforcement on must not disturb the session's shared moto.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx

from tests.aws.emulator_server import DEPLOYMENT_FAILED_PATH, TASK_EXIT_PATH
from tests.support.moto import moto_server

# Everything an administrator may do: the operator's own identity (make apply, make release).
ADMINISTRATOR = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def environment(self) -> dict[str, str]:
        """As the AWS SDKs (and obstore) read them from the environment."""
        env = {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
        }
        if self.session_token:
            env["AWS_SESSION_TOKEN"] = self.session_token
        return env

    @classmethod
    def from_environment(cls, env: dict[str, str]) -> Credentials:
        return cls(
            env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env.get("AWS_SESSION_TOKEN")
        )


# Before IAM is enforced any key works; moto's root account answers to this one.
BOOTSTRAP = Credentials("testing", "testing")


@dataclass(frozen=True)
class Emulator:
    endpoint: str
    region: str

    def client(self, service: str, credentials: Credentials = BOOTSTRAP) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
        )

    def administrator(self, name: str) -> Credentials:
        """An IAM user allowed everything, with an access key (create before enforcing)."""
        iam = self.client("iam")
        iam.create_user(UserName=name)
        iam.put_user_policy(
            UserName=name, PolicyName="administrator", PolicyDocument=json.dumps(ADMINISTRATOR)
        )
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return Credentials(key["AccessKeyId"], key["SecretAccessKey"])

    def assume(self, role_arn: str, session: str) -> Credentials:
        """A role's temporary credentials, as ECS obtains a task role's."""
        answer = self.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=session)
        c = answer["Credentials"]
        return Credentials(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])

    def enforce_iam(self) -> None:
        """From now on every call is checked against its caller's IAM policies."""
        httpx.post(f"{self.endpoint}/moto-api/reset-auth", content=b"0").raise_for_status()

    def task_exited(
        self, cluster: str, task_arn: str, exit_code: int | None, reason: str = ""
    ) -> None:
        """Stop a task as ECS does when its container ends (no exit code: it never started)."""
        body = {
            "region": self.region,
            "cluster": cluster,
            "task": task_arn,
            "exitCode": exit_code,
            "reason": reason,
        }
        httpx.post(f"{self.endpoint}{TASK_EXIT_PATH}", json=body).raise_for_status()

    def deployment_failed(
        self, cluster: str, service: str, task_definition: str, reason: str
    ) -> None:
        """What ECS's circuit breaker does to a deployment whose tasks cannot start."""
        body = {
            "region": self.region,
            "cluster": cluster,
            "service": service,
            "taskDefinition": task_definition,
            "reason": reason,
        }
        httpx.post(f"{self.endpoint}{DEPLOYMENT_FAILED_PATH}", json=body).raise_for_status()


@contextmanager
def emulator(region: str, log: Path) -> Iterator[Emulator]:
    # ACM validates DNS-validated certificates at once instead of after 60 s.
    env = {"MOTO_ACM_VALIDATION_WAIT": "0"}
    with moto_server("tests.aws.emulator_server", env=env, log=log) as endpoint:
        yield Emulator(endpoint, region)
