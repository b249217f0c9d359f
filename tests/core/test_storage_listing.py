"""What garbage collection reads from storage: the names one level down, and object ages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.core.storage import Storage

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest) -> Storage:
    return Storage(request.getfixturevalue(f"{request.param}_storage_url"))


async def test_children_are_the_names_one_level_down(storage: Storage) -> None:
    await storage.put("deployments/b/files/x/index.html", b"1")
    await storage.put("deployments/a/manifest.json", b"1")
    await storage.put("deployments-not/c/manifest.json", b"1")
    await storage.put("cache/site/production/npm.tar", b"1")

    assert await storage.children("deployments") == ["a", "b"]
    assert await storage.children("deployments/") == ["a", "b"]
    assert await storage.children("cache") == ["site"]
    assert await storage.children("routes") == []


async def test_listed_objects_say_when_they_were_written(storage: Storage) -> None:
    before = datetime.now(UTC) - timedelta(minutes=1)
    await storage.put("deployments/a/manifest.json", b"1")

    [info] = await storage.list("deployments/a/")

    assert info.modified is not None
    assert before <= info.modified <= datetime.now(UTC) + timedelta(minutes=1)


async def test_deleting_the_last_object_leaves_no_directory(storage: Storage) -> None:
    await storage.put("deployments/a/files/x/index.html", b"1")
    await storage.put("deployments/b/manifest.json", b"1")

    await storage.delete("deployments/a/files/x/index.html")

    assert await storage.children("deployments") == ["b"]
    if storage.local_root is not None:
        assert sorted(p.name for p in (storage.local_root / "deployments").iterdir()) == ["b"]
