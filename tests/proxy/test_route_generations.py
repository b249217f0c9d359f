"""The route format with production's fence generation: the proxy serves routes with one and
routes written before it existed alike, from a local directory and from S3."""

from __future__ import annotations

import json

import httpx
import msgspec
import pytest

from services.core.hosts import route_key
from services.core.manifest import Route, encode
from services.core.storage import Storage
from tests.proxy.sites import publish, unique_project

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("generation", [None, 0, 7], ids=["before-the-fence", "zero", "seven"])
async def test_a_production_route_is_served_whatever_its_generation(
    storage: Storage, client: httpx.AsyncClient, generation: int | None
) -> None:
    project = unique_project()
    manifest = await publish(storage, project, {"index.html": b"<h1>fenced</h1>"})
    route = {
        "project": project,
        "deployment": manifest.deployment,
        "kind": "production",
        "updated_at": "2026-12-04T00:00:00+00:00",
    }
    if generation is not None:
        route["generation"] = generation
    host = f"{project}.localhost"
    await storage.put(route_key(host), json.dumps(route).encode())
    answer = await client.get("/", headers={"host": host})
    assert (answer.status_code, answer.text) == (200, "<h1>fenced</h1>")


def test_generation_0_is_left_out_of_the_object_so_old_readers_read_it_unchanged() -> None:
    route = Route(project="p", deployment="d", kind="branch", updated_at="t")
    assert "generation" not in msgspec.json.decode(encode(route))
    fenced = msgspec.structs.replace(route, generation=3)
    assert msgspec.json.decode(encode(fenced))["generation"] == 3
