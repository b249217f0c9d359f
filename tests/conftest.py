from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import boto3
import pytest

from tests.support.moto import moto_server
from tests.support.npm_registry import CLOSED_REGISTRY, isolated_runtimes_dir
from tests.support.postgres import postgres_server

# Builds started by any test (through the api too) never download a runtime from outside,
# nor use one a developer's own builds installed; tests that need one serve it on loopback.
os.environ.setdefault("SLIPWAY_RUNTIME_REGISTRY", CLOSED_REGISTRY)
os.environ.setdefault("SLIPWAY_RUNTIMES_DIR", str(isolated_runtimes_dir()))

AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """One moto server for the whole run; tests isolate themselves by bucket name."""
    saved = {k: os.environ.get(k) for k in AWS_TEST_ENV}
    os.environ.update(AWS_TEST_ENV)
    with moto_server() as endpoint:
        yield endpoint
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def s3_storage_url(moto_endpoint: str) -> str:
    """A fresh bucket on the moto server, as a SLIPWAY_STORAGE_URL."""
    bucket = f"test-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1").create_bucket(
        Bucket=bucket
    )
    return f"s3://{bucket}/?endpoint={moto_endpoint}&region=us-east-1"


@pytest.fixture
def local_storage_url(tmp_path: object) -> str:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    return (tmp_path / "storage").as_uri()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server for the run: SLIPWAY_TEST_POSTGRES_URL, or one started here."""
    given = os.environ.get("SLIPWAY_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    with postgres_server() as url:
        yield url
