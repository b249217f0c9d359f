"""Clearing a project's build cache from its settings page: asked first, then done."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from tests.cli.live import LiveApi, cached_site
from tests.dashboard.conftest import csrf_of


def test_clearing_the_build_cache_asks_then_empties_it(
    api: LiveApi, browser_client: httpx.Client, tmp_path: Path
) -> None:
    name = f"cache-{uuid.uuid4().hex[:8]}"
    cached_site(api, tmp_path, name)
    with api.client() as c:
        d = c.post(f"/api/projects/{name}/deployments", json={}).json()
    assert api.wait_for(d["id"], ("ready", "failed"))["status"] == "ready"
    cache = Path(api.settings.resolved_storage_url.removeprefix("file://")) / "cache" / name
    assert any(cache.rglob("*.tar.gz"))

    settings = browser_client.get(f"/dashboard/projects/{name}/settings").text
    assert "Clear build cache" in settings
    form = {"csrf_token": csrf_of(settings)}
    asked = browser_client.post(f"/dashboard/projects/{name}/clear-cache", data=form)
    assert asked.status_code == 200
    assert f"Clear the build cache of {name}?" in asked.text
    assert any(cache.rglob("*.tar.gz"))  # not before it is confirmed

    done = browser_client.post(
        f"/dashboard/projects/{name}/clear-cache", data={**form, "confirmed": "1"}
    )
    assert done.status_code == 303
    assert "done=cache-cleared" in done.headers["location"]
    assert not any(cache.rglob("*.tar.gz"))
    page = browser_client.get(done.headers["location"]).text
    assert "Build cache cleared: the next build installs every package afresh." in page
