"""A PostgreSQL server of its own that checks passwords (SCRAM) and serves TLS with a
certificate from a throwaway CA, as RDS does; the run's shared server trusts everyone.

The certificate names only 127.0.0.1, so connecting as `localhost` fails the name check.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.postgres import PostgresServer

HBA = """\
local all all trust
host all postgres 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
"""


def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_ca(directory: Path, name: str) -> tuple[Path, Path]:
    """A self-signed CA: (certificate, key)."""
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", f"/CN=Slipway test {name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-keyout", str(key), "-out", str(cert),
    )  # fmt: skip
    return cert, key


def make_server_cert(directory: Path, ca: tuple[Path, Path]) -> tuple[Path, Path]:
    """A server certificate for 127.0.0.1 signed by `ca`: (certificate, key)."""
    cert, key, request = (
        directory / "server.pem",
        directory / "server.key",
        directory / "server.csr",
    )
    extensions = directory / "server.ext"
    extensions.write_text(
        "subjectAltName=IP:127.0.0.1\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid,issuer\n"
    )
    openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", str(key), "-out", str(request),
    )  # fmt: skip
    openssl(
        "x509", "-req", "-in", str(request), "-CA", str(ca[0]), "-CAkey", str(ca[1]),
        "-CAcreateserial", "-days", "2", "-extfile", str(extensions), "-out", str(cert),
    )  # fmt: skip
    return cert, key


@dataclass
class SecurePostgres:
    server: PostgresServer
    ca_file: Path  # the CA that signed the server's certificate
    other_ca_file: Path  # a CA that did not

    @property
    def port(self) -> int:
        return self.server.port

    def admin(self, sql: str) -> None:
        """Run `sql` as the `postgres` superuser (trusted from loopback); psql, so that
        async tests can call it too."""
        subprocess.run(
            [
                str(self.server.bindir / "psql"),
                "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-q",
                "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres",
                "-c", sql,
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip

    def add_role(self, name: str, password: str) -> str:
        """A login role with its own database of the same name; answers the name."""
        self.admin(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}'")
        self.admin(f'CREATE DATABASE "{name}" OWNER "{name}"')
        return name

    def set_password(self, role: str, password: str) -> None:
        self.admin(f"ALTER ROLE \"{role}\" PASSWORD '{password}'")


@contextmanager
def secure_postgres() -> Iterator[SecurePostgres]:
    server = PostgresServer()
    try:
        tls = server.root / "tls"
        tls.mkdir()
        ca = make_ca(tls, "ca")
        other, _ = make_ca(tls, "other-ca")
        cert, key = make_server_cert(tls, ca)
        key.chmod(0o600)
        if server.prefix:  # the server runs as `postgres`, which must own its key
            for path in (tls, *tls.iterdir()):
                shutil.chown(path, "postgres", "postgres")
        (server.data / "pg_hba.conf").write_text(HBA)
        with (server.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nssl = on\nssl_cert_file = '{cert}'\nssl_key_file = '{key}'\n"
                "password_encryption = 'scram-sha-256'\n"
            )
        os.chmod(server.data / "pg_hba.conf", 0o600)
        if server.prefix:
            shutil.chown(server.data / "pg_hba.conf", "postgres", "postgres")
        server.start()
        yield SecurePostgres(server, ca[0], other)
    finally:
        server.remove()
