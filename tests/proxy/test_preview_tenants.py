"""Tenants cannot starve each other at the preview-password gate: a flood of wrong passwords
on one project's preview leaves another project's visitors and every public site answered.
Over real HTTP with the real password hash, against both storage backends."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest

from services.core.passwords import hash_password
from services.core.storage import Storage
from tests.proxy.server import RunningProxy
from tests.proxy.sites import point, publish, unique_project

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery"


def basic(password: str, user: str = "visitor") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def protected_project(storage: Storage) -> tuple[str, str]:
    """A project with a protected preview host and a public production host."""
    project = unique_project()
    manifest = await publish(
        storage, project, {"index.html": b"<h1>" + project.encode() + b"</h1>"}
    )
    preview = f"{project}-git-main.localhost"
    production = f"{project}.localhost"
    await point(storage, preview, manifest, kind="branch", protection=hash_password(PASSWORD))
    await point(storage, production, manifest)
    return preview, production


async def test_a_flood_on_one_preview_never_locks_out_another_nor_public_sites(
    proxy: RunningProxy,
) -> None:
    storage = Storage(proxy.storage_url)
    flooded, flooded_public = await protected_project(storage)
    other, other_public = await protected_project(storage)
    limits = httpx.Limits(max_connections=300, max_keepalive_connections=300)
    async with httpx.AsyncClient(base_url=proxy.base_url, timeout=60, limits=limits) as http:

        async def ask(host: str, authorization: str | None = None) -> int:
            headers = {"host": host, **({"authorization": authorization} if authorization else {})}
            return (await http.get("/", headers=headers)).status_code

        flood = [ask(flooded, basic(f"wrong guess {n:04}", f"bot{n}")) for n in range(120)]
        visitors = [ask(other, basic(PASSWORD)) for _ in range(40)]
        typos = [ask(other, basic(f"typo number {n}")) for n in range(3)]
        public = [ask(host) for host in (flooded_public, other_public) for _ in range(20)]
        flooded_codes, visitor_codes, typo_codes, public_codes = await asyncio.gather(
            asyncio.gather(*flood),
            asyncio.gather(*visitors),
            asyncio.gather(*typos),
            asyncio.gather(*public),
        )
    assert set(flooded_codes) == {401, 429}  # the flooded preview alone is told to wait
    assert visitor_codes == [200] * 40
    assert typo_codes == [401] * 3  # checked, not turned away
    assert public_codes == [200] * 40
