"""New PostgreSQL connections with the current password and a verified TLS context.

Given to SQLAlchemy as `async_creator`, which the pool calls for every new connection.
Chosen over asyncpg's password callable because a password callable cannot see the answer:
only code around the whole connect sees PostgreSQL refuse a password, which is when a
rotated secret must be read again and the same connection tried once more.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from services.core.settings import Settings

from .credentials import (
    Credentials,
    CredentialSource,
    FixedCredentials,
    SecretCredentials,
    secrets_manager_reader,
)
from .tls import client_context

log = logging.getLogger(__name__)

Connector = Callable[[], Awaitable[Any]]


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    database: str
    # None: asyncpg's default (TLS when the server offers it, unverified).
    ssl: ssl.SSLContext | None = None


def connector(server: Server, source: CredentialSource) -> Connector:
    async def connect_as(credentials: Credentials) -> Any:
        return await asyncpg.connect(
            host=server.host,
            port=server.port,
            database=server.database,
            user=credentials.user,
            password=credentials.password,
            ssl=server.ssl,
        )

    async def connect() -> Any:
        credentials = await source.current()
        try:
            return await connect_as(credentials)
        # 28000 and its 28P01 (invalid_password): what PostgreSQL answers a stale password.
        except asyncpg.InvalidAuthorizationSpecificationError:
            log.info("database refused the password; reading the current one")
            return await connect_as(await source.refused(credentials))

    return connect


def credential_source(settings: Settings) -> CredentialSource:
    if not settings.database_secret_arn:
        return FixedCredentials(Credentials(settings.database_user, settings.database_password))
    read = secrets_manager_reader(
        settings.database_secret_arn,
        region=settings.aws_region,
        endpoint_url=settings.aws_endpoint_url,
    )
    return SecretCredentials(read, default_user=settings.database_user)


def connector_from_settings(settings: Settings) -> Connector:
    """For a database given in parts (SLIPWAY_DATABASE_HOST, ...), as on AWS."""
    server = Server(
        host=settings.database_host,
        port=settings.database_port,
        database=settings.database_name,
        ssl=client_context(settings.database_sslmode, settings.database_ca_file),
    )
    return connector(server, credential_source(settings))
