from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import boto3
import httpx
import pytest

from services.core.storage import Storage
from tests.proxy.server import RunningProxy, proxy_process


@pytest.fixture(scope="session", params=["local", "s3"])
def backend_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Each proxy test runs once against a local directory and once against moto's S3."""
    if request.param == "local":
        return tmp_path_factory.mktemp("proxy-storage").as_uri()
    endpoint: str = request.getfixturevalue("moto_endpoint")
    bucket = f"proxy-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    return f"s3://{bucket}/?endpoint={endpoint}&region=us-east-1"


@pytest.fixture(scope="session")
def proxy(backend_url: str) -> Iterator[RunningProxy]:
    with proxy_process(backend_url) as running:
        yield running


@pytest.fixture
def storage(proxy: RunningProxy) -> Storage:
    return Storage(proxy.storage_url)


@pytest.fixture
async def client(proxy: RunningProxy) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=proxy.base_url, timeout=10) as http:
        yield http
