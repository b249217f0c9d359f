from __future__ import annotations

import boto3
import pytest

from services.core.storage import InvalidKey, ObjectNotFound, Storage, check_key

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest) -> Storage:
    url = request.getfixturevalue(f"{request.param}_storage_url")
    return Storage(url)


async def test_put_get_list_delete(storage: Storage) -> None:
    await storage.put("deployments/a/files/index.html", b"<h1>hi</h1>", content_type="text/html")
    await storage.put("deployments/a/files/x/y.css", b"body{}")
    assert await storage.get("deployments/a/files/index.html") == b"<h1>hi</h1>"
    keys = sorted(o.key for o in await storage.list("deployments/a/"))
    assert keys == ["deployments/a/files/index.html", "deployments/a/files/x/y.css"]
    await storage.delete("deployments/a/files/x/y.css")
    assert await storage.get_or_none("deployments/a/files/x/y.css") is None
    with pytest.raises(ObjectNotFound):
        await storage.get("deployments/a/missing")


async def test_create_is_conditional(storage: Storage) -> None:
    assert await storage.create("routes/x.localhost.json", b"1")
    assert not await storage.create("routes/x.localhost.json", b"2")
    assert await storage.get("routes/x.localhost.json") == b"1"


async def test_ranges_and_streams(storage: Storage) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB
    await storage.put("big.bin", data)
    assert await storage.get_range("big.bin", 10, 20) == data[10:20]
    chunks = [c async for c in storage.stream("big.bin", chunk_size=64 * 1024)]
    assert b"".join(chunks) == data
    assert len(chunks) > 1
    assert b"".join([c async for c in storage.stream("big.bin", 100, 300)]) == data[100:300]
    info = await storage.head("big.bin")
    assert info is not None
    assert info.size == len(data)


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("", id="empty"),
        pytest.param("/abs", id="absolute"),
        pytest.param("a/../b", id="dotdot"),
        pytest.param("a/./b", id="dot"),
        pytest.param("a//b", id="empty-segment"),
        pytest.param("a\\b", id="backslash"),
        pytest.param("a\x00b", id="nul"),
        pytest.param("dir/", id="trailing-slash"),
    ],
)
def test_hostile_keys_are_rejected(key: str) -> None:
    with pytest.raises(InvalidKey):
        check_key(key)


async def test_unreachable_s3_is_a_storage_error() -> None:
    from services.core.storage import StorageError

    store = Storage("s3://nobucket/?endpoint=http://127.0.0.1:9&region=us-east-1")
    with pytest.raises(StorageError):
        await store.put("k", b"v")


async def test_s3_objects_keep_their_content_type(s3_storage_url: str, moto_endpoint: str) -> None:
    storage = Storage(s3_storage_url)
    await storage.put("deployments/a/files/index.html", b"<h1>hi</h1>", content_type="text/html")
    assert await storage.create("routes/x.localhost.json", b"{}", content_type="application/json")
    bucket = s3_storage_url.removeprefix("s3://").split("/", 1)[0]
    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    head = s3.head_object(Bucket=bucket, Key="deployments/a/files/index.html")
    assert head["ContentType"] == "text/html"
    head = s3.head_object(Bucket=bucket, Key="routes/x.localhost.json")
    assert head["ContentType"] == "application/json"
