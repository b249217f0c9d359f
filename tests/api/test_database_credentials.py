"""The api's PostgreSQL connections survive a password rotation and verify the server's
certificate, against a real server that checks passwords and serves TLS
(tests/api/secure_postgres.py) and the secret on moto's Secrets Manager."""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import boto3
import pytest
from sqlalchemy import text

from services.api.db.connect import Server, connector, connector_from_settings
from services.api.db.credentials import (
    Credentials,
    SecretCredentials,
    SecretError,
    parse_secret,
)
from services.api.db.engine import engine_for
from services.api.db.tls import TlsSettingsError, client_context
from services.core.settings import Settings
from tests.api.secure_postgres import SecurePostgres, secure_postgres

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]


@pytest.fixture(scope="module")
def pg() -> Iterator[SecurePostgres]:
    with secure_postgres() as server:
        yield server


@pytest.fixture
def role(pg: SecurePostgres) -> str:
    return pg.add_role(f"app_{uuid.uuid4().hex[:10]}", "first-password")


class Secret:
    """The RDS-managed secret of `role`, on the run's moto server."""

    def __init__(self, endpoint: str, role: str, password: str) -> None:
        self.client = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1")
        self.role = role
        self.arn = self.client.create_secret(
            Name=f"rds!db-{uuid.uuid4().hex}", SecretString=self.value(password)
        )["ARN"]

    def value(self, password: str) -> str:
        return json.dumps({"username": self.role, "password": password})

    def rotate_to(self, password: str) -> None:
        """What RDS's rotation leaves: a new AWSCURRENT version of the secret."""
        self.client.put_secret_value(SecretId=self.arn, SecretString=self.value(password))


@pytest.fixture
def secret(moto_endpoint: str, role: str) -> Secret:
    return Secret(moto_endpoint, role, "first-password")


def parts_settings(pg: SecurePostgres, role: str, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "storage_url": (tmp_path / "storage").as_uri(),
        "database_host": "127.0.0.1",
        "database_port": pg.port,
        "database_name": role,
        "database_user": role,
        "aws_region": "us-east-1",
        "_env_file": None,
    }
    values.update(overrides)
    return Settings(**values)


async def whoami(conn: Any) -> str:
    return str((await conn.execute(text("SELECT current_user"))).scalar_one())


async def test_new_connections_follow_a_rotated_password_and_open_ones_keep_working(
    pg: SecurePostgres,
    role: str,
    secret: Secret,
    moto_endpoint: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = parts_settings(
        pg, role, tmp_path, database_secret_arn=secret.arn, aws_endpoint_url=moto_endpoint
    )
    engine = engine_for(settings)
    try:
        async with engine.connect() as held:
            assert await whoami(held) == role
            pg.set_password(role, "second-password")
            secret.rotate_to("second-password")
            # The held connection is checked out, so this one is new: the cached first
            # password is refused, the secret read again, the connection tried once more.
            with caplog.at_level(logging.INFO, logger="services.api.db.connect"):
                async with engine.connect() as fresh:
                    assert await whoami(fresh) == role
            assert "database refused the password" in caplog.text
            assert await whoami(held) == role  # a rotation ends no open session
    finally:
        await engine.dispose()


class CountingReader:
    def __init__(self, secret: Secret) -> None:
        self.client = secret.client
        self.arn = secret.arn
        self.reads = 0

    def __call__(self) -> str:
        self.reads += 1
        return str(self.client.get_secret_value(SecretId=self.arn)["SecretString"])


def local_server(pg: SecurePostgres, role: str) -> Server:
    return Server(host="127.0.0.1", port=pg.port, database=role)


async def test_after_its_ttl_the_password_is_read_again_before_any_refusal(
    pg: SecurePostgres, role: str, secret: Secret, caplog: pytest.LogCaptureFixture
) -> None:
    now = [0.0]
    reader = CountingReader(secret)
    source = SecretCredentials(reader, ttl=60, clock=lambda: now[0])
    connect = connector(local_server(pg, role), source)
    await (await connect()).close()
    pg.set_password(role, "second-password")
    secret.rotate_to("second-password")
    now[0] = 61.0
    with caplog.at_level(logging.INFO, logger="services.api.db.connect"):
        await (await connect()).close()
    assert reader.reads == 2
    assert "refused" not in caplog.text


async def test_a_secret_not_yet_rotated_fails_after_one_more_try(
    pg: SecurePostgres, role: str, secret: Secret
) -> None:
    reader = CountingReader(secret)
    connect = connector(local_server(pg, role), SecretCredentials(reader))
    await (await connect()).close()
    pg.set_password(role, "changed-behind-the-secret")
    with pytest.raises(asyncpg.InvalidPasswordError):
        await connect()
    assert reader.reads == 2  # the first read, and one more after the refusal: no loop


async def test_concurrent_connections_share_one_read_of_the_secret() -> None:
    reads = []

    def read() -> str:
        reads.append(1)
        return json.dumps({"username": "app", "password": "p"})

    source = SecretCredentials(read)
    answers = await asyncio.gather(*(source.current() for _ in range(10)))
    assert set(answers) == {Credentials("app", "p")}
    assert len(reads) == 1
    # A refusal of a password already replaced does not read again.
    assert await source.refused(Credentials("app", "old")) == Credentials("app", "p")
    assert len(reads) == 1


async def test_refusals_in_quick_succession_read_the_secret_once() -> None:
    now = [100.0]
    reads = []

    def read() -> str:
        reads.append(now[0])
        return json.dumps({"username": "app", "password": "still-old"})

    source = SecretCredentials(read, min_refresh=1.0, clock=lambda: now[0])
    used = await source.current()
    for _ in range(5):  # every new connection refused while the secret lags behind
        assert await source.refused(used) == used
    now[0] += 1.0
    await source.refused(used)
    assert reads == [100.0, 100.0, 101.0]


@pytest.mark.parametrize(
    ("secret_text", "expected"),
    [
        pytest.param(
            '{"username": "master", "password": "p"}', Credentials("master", "p"), id="rds"
        ),
        pytest.param('{"password": "p"}', Credentials("fallback", "p"), id="no-username"),
        pytest.param("not json", "not JSON", id="not-json"),
        pytest.param('{"username": "master"}', "no `password` field", id="no-password"),
        pytest.param('["p"]', "no `password` field", id="not-an-object"),
    ],
)
def test_parse_secret(secret_text: str, expected: Credentials | str) -> None:
    if isinstance(expected, Credentials):
        assert parse_secret(secret_text, "fallback") == expected
    else:
        with pytest.raises(SecretError, match=expected):
            parse_secret(secret_text, "fallback")


def test_credentials_never_show_the_password() -> None:
    assert "hunter2" not in repr(Credentials("app", "hunter2"))


# -- TLS ---------------------------------------------------------------------------------


def test_verify_full_checks_the_chain_and_the_host_name(pg: SecurePostgres) -> None:
    context = client_context("verify-full", str(pg.ca_file))
    assert context is not None
    assert context.check_hostname is True
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert client_context("prefer", "") is None


@pytest.mark.parametrize(
    ("ca_file", "message"),
    [
        pytest.param("", "needs SLIPWAY_DATABASE_CA_FILE", id="no-ca-file"),
        pytest.param("/nonexistent/global-bundle.pem", "is not a file", id="missing-file"),
    ],
)
def test_verify_full_requires_a_ca_bundle(ca_file: str, message: str) -> None:
    with pytest.raises(TlsSettingsError, match=message):
        client_context("verify-full", ca_file)


def test_a_file_without_certificates_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pem"
    empty.write_text("")
    with pytest.raises(TlsSettingsError, match=str(empty)):
        client_context("verify-full", str(empty))


async def ssl_in_use(conn: Any) -> bool:
    row = await conn.execute(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
    return bool(row.scalar_one())


async def test_verify_full_connects_with_the_servers_ca(
    pg: SecurePostgres, role: str, tmp_path: Path
) -> None:
    settings = parts_settings(
        pg,
        role,
        tmp_path,
        database_password="first-password",
        database_sslmode="verify-full",
        database_ca_file=str(pg.ca_file),
    )
    engine = engine_for(settings)
    try:
        async with engine.connect() as conn:
            assert await ssl_in_use(conn)
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("host", "ca", "reason"),
    [
        pytest.param("127.0.0.1", "other", "certificate verify failed", id="another-ca"),
        pytest.param("localhost", "own", "mismatch", id="another-host-name"),
    ],
)
async def test_verify_full_refuses_a_server_it_cannot_verify(
    pg: SecurePostgres, role: str, tmp_path: Path, host: str, ca: str, reason: str
) -> None:
    ca_file = pg.ca_file if ca == "own" else pg.other_ca_file
    settings = parts_settings(
        pg,
        role,
        tmp_path,
        database_host=host,
        database_password="first-password",
        database_sslmode="verify-full",
        database_ca_file=str(ca_file),
    )
    with pytest.raises(ssl.SSLCertVerificationError, match=reason):
        await connector_from_settings(settings)()
