"""Who the api connects to PostgreSQL as, read again for each new connection.

On AWS the password is RDS's managed master secret, which RDS rotates every 7 days. A
password read once at task start stops working for new connections within a week, so the
api reads the secret's current value itself: kept for a short time, and read again at once
when PostgreSQL refuses it. Connections already open are not affected by a rotation.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

# How long a password read from Secrets Manager is used before it is read again. Short,
# because a refused password is re-read anyway; long enough that a pool opening several
# connections at once reads the secret once.
SECRET_TTL_SECONDS = 60.0
# Refusals make it read again at most this often, so a wrong secret (or a rotation still
# under way) cannot turn every connection attempt into a Secrets Manager call.
MIN_REFRESH_SECONDS = 1.0


@dataclass(frozen=True, repr=False)
class Credentials:
    user: str
    password: str = ""

    def __repr__(self) -> str:  # never show the password in a log or a traceback
        return f"Credentials(user={self.user!r}, password=***)"


class CredentialSource(Protocol):
    async def current(self) -> Credentials:
        """The credentials to open a connection with."""
        ...

    async def refused(self, used: Credentials) -> Credentials:
        """PostgreSQL refused `used`: the credentials to try once more with."""
        ...


class FixedCredentials:
    """A user and password from the settings: local use, and databases that do not rotate."""

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = credentials

    async def current(self) -> Credentials:
        return self._credentials

    async def refused(self, used: Credentials) -> Credentials:
        return self._credentials


class SecretError(Exception):
    """The secret could not be read, or does not hold a password."""


def parse_secret(text: str, default_user: str) -> Credentials:
    """An RDS-managed secret is JSON `{"username": ..., "password": ...}`."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise SecretError("the database secret is not JSON") from None
    if not isinstance(value, dict) or not isinstance(value.get("password"), str):
        raise SecretError("the database secret has no `password` field")
    user = value.get("username")
    return Credentials(user if isinstance(user, str) and user else default_user, value["password"])


class SecretCredentials:
    """The current value of a Secrets Manager secret, cached for `ttl` seconds.

    `read` answers the secret's string and blocks (a boto3 call); it runs in a worker thread.
    Concurrent callers share one read.
    """

    def __init__(
        self,
        read: Callable[[], str],
        *,
        default_user: str = "",
        ttl: float = SECRET_TTL_SECONDS,
        min_refresh: float = MIN_REFRESH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._default_user = default_user
        self._ttl = ttl
        self._min_refresh = min_refresh
        self._clock = clock
        self._lock = asyncio.Lock()
        self._held: Credentials | None = None
        self._read_at = 0.0
        self._refused_at = -math.inf  # when a refusal last made it read

    async def current(self) -> Credentials:
        async with self._lock:
            if self._held is None or self._clock() - self._read_at >= self._ttl:
                await self._fetch()
            assert self._held is not None
            return self._held

    async def refused(self, used: Credentials) -> Credentials:
        async with self._lock:
            # Another connection may have read the new value while this one waited.
            stale = self._held is None or self._held == used
            if stale and self._clock() - self._refused_at >= self._min_refresh:
                await self._fetch()
                self._refused_at = self._read_at
            assert self._held is not None
            return self._held

    async def _fetch(self) -> None:
        text = await asyncio.to_thread(self._read)
        self._held = parse_secret(text, self._default_user)
        self._read_at = self._clock()


def secrets_manager_reader(
    secret_arn: str, *, region: str = "", endpoint_url: str = ""
) -> Callable[[], str]:
    """A `read` for SecretCredentials: the secret's AWSCURRENT string, through boto3."""
    import boto3

    options: dict[str, str] = {}
    if region:
        options["region_name"] = region
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
    client = boto3.client("secretsmanager", **options)

    def read() -> str:
        try:
            answer = client.get_secret_value(SecretId=secret_arn)
        except Exception as error:  # botocore's errors: no access, no such secret, no network
            raise SecretError(f"cannot read the database secret {secret_arn}: {error}") from error
        return str(answer.get("SecretString") or "")

    return read
