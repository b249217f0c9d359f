"""Password-protected previews over real HTTP, against both storage backends."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from dataclasses import dataclass

import httpx
import pytest

from services.core.manifest import Manifest
from services.core.passwords import hash_password
from services.core.storage import Storage
from tests.proxy.server import RunningProxy
from tests.proxy.sites import point, publish, unique_project

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery"
INDEX = b"<!doctype html><h1>preview</h1>" + b"<p>filler</p>" * 100
BIG = bytes(range(256)) * 8 * 1024  # 2 MiB: streamed, not held in memory
# Longer than one route TTL of the test proxy (0.2 s), stale window included.
ROUTE_TTL_WAIT = 0.5


@dataclass
class ProtectedSite:
    project: str
    manifest: Manifest
    protection: str

    @property
    def preview(self) -> str:
        return f"{self.project}-{self.manifest.deployment[:8]}.localhost"

    @property
    def branch(self) -> str:
        return f"{self.project}-git-main.localhost"

    @property
    def production(self) -> str:
        return f"{self.project}.localhost"

    @property
    def domain(self) -> str:
        return f"www.{self.project}.example"


@pytest.fixture(scope="module")
async def protected(proxy: RunningProxy) -> ProtectedSite:
    storage = Storage(proxy.storage_url)
    project = unique_project()
    manifest = await publish(
        storage,
        project,
        {"index.html": INDEX, "style.css": b"body{color:red}" * 20, "big.bin": BIG},
        redirects="/old /index.html 301",
    )
    site = ProtectedSite(project, manifest, hash_password(PASSWORD))
    await point(storage, site.production, manifest)
    await point(storage, site.domain, manifest, kind="domain")
    await point(storage, site.preview, manifest, kind="deployment", protection=site.protection)
    await point(storage, site.branch, manifest, kind="branch", protection=site.protection)
    return site


def basic(password: str, user: str = "anyone") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def get(
    client: httpx.AsyncClient, host: str, path: str = "/", method: str = "GET", **headers: str
) -> httpx.Response:
    headers = {k.replace("_", "-"): v for k, v in headers.items()}
    return await client.request(method, path, headers={"host": host, **headers})


def assert_challenge(response: httpx.Response, project: str) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == (
        f'Basic realm="{project} preview", charset="UTF-8"'
    )
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-robots-tag"] == "noindex"
    assert "x-slipway-deployment" not in response.headers
    body = b"" if response.request.method == "HEAD" else b"this preview needs a password\n"
    assert response.content == body


async def test_preview_hosts_need_the_password(
    client: httpx.AsyncClient, protected: ProtectedSite
) -> None:
    for host in (protected.preview, protected.branch):
        assert_challenge(await get(client, host), protected.project)
        assert_challenge(
            await get(client, host, authorization=basic("wrong password")), protected.project
        )
        assert_challenge(await get(client, host, "/", "HEAD"), protected.project)
        for user in ("anyone", "", "someone else"):
            ok = await get(
                client, host, authorization=basic(PASSWORD, user), accept_encoding="identity"
            )
            assert ok.status_code == 200
            assert ok.content == INDEX


async def test_production_and_custom_domains_stay_public(
    client: httpx.AsyncClient, protected: ProtectedSite
) -> None:
    for host in (protected.production, protected.domain):
        response = await get(client, host, accept_encoding="identity")
        assert response.status_code == 200
        assert response.content == INDEX
        assert response.headers["cache-control"].startswith("public")


async def test_warm_caches_never_answer_without_the_password(
    client: httpx.AsyncClient, protected: ProtectedSite
) -> None:
    for _ in range(3):  # the later ones would come from memory on a public host
        ok = await get(client, protected.preview, "/style.css", authorization=basic(PASSWORD))
        assert ok.status_code == 200
    for _ in range(3):
        assert_challenge(await get(client, protected.preview, "/style.css"), protected.project)


async def test_the_challenge_tells_nothing_about_paths(
    client: httpx.AsyncClient, protected: ProtectedSite
) -> None:
    def shown(response: httpx.Response) -> tuple[int, bytes, list[tuple[str, str]]]:
        headers = sorted((k, v) for k, v in response.headers.items() if k not in ("date",))
        return response.status_code, response.content, headers

    answers = [
        shown(await get(client, protected.preview, path, authorization=auth))
        for path in ("/", "/style.css", "/no/such/page", "/old", "/healthz", "/metrics")
        for auth in ("", basic("not the password"), "Bearer x")
    ]
    assert answers[0][0] == 401
    assert all(a == answers[0] for a in answers)


async def test_protected_answers_are_private(
    client: httpx.AsyncClient, protected: ProtectedSite
) -> None:
    auth = basic(PASSWORD)
    page = await get(client, protected.preview, authorization=auth, accept_encoding="identity")
    assert page.headers["cache-control"] == "private, max-age=0, must-revalidate"
    assert page.headers["x-robots-tag"] == "noindex"
    moved = await get(client, protected.preview, "/old", authorization=auth)
    assert moved.status_code == 301
    assert moved.headers["location"] == "/index.html"
    assert moved.headers["cache-control"].startswith("private")
    missing = await get(client, protected.preview, "/nope", authorization=auth)
    assert missing.status_code == 404
    assert "public" not in missing.headers["cache-control"]


async def test_conditional_ranged_and_encoded_requests_with_the_password(
    client: httpx.AsyncClient, protected: ProtectedSite
) -> None:
    auth = basic(PASSWORD)
    page = await get(client, protected.preview, authorization=auth, accept_encoding="identity")
    etag = page.headers["etag"]
    assert etag == f'"{hashlib.sha256(INDEX).hexdigest()}"'
    for _ in range(2):
        same = await get(
            client,
            protected.preview,
            authorization=auth,
            if_none_match=etag,
            accept_encoding="identity",
        )
        assert same.status_code == 304
        assert same.headers["cache-control"].startswith("private")
    assert_challenge(await get(client, protected.preview, if_none_match=etag), protected.project)

    packed = await get(client, protected.preview, authorization=auth, accept_encoding="br")
    assert (packed.headers["content-encoding"], packed.content) == ("br", INDEX)

    part = await get(client, protected.preview, "/big.bin", authorization=auth, range="bytes=10-19")
    assert part.status_code == 206
    assert part.content == BIG[10:20]
    assert part.headers["cache-control"].startswith("private")
    whole = await get(client, protected.preview, "/big.bin", authorization=auth)
    assert whole.content == BIG
    assert whole.headers["cache-control"].startswith("private")
    assert_challenge(
        await get(client, protected.preview, "/big.bin", range="bytes=10-19"), protected.project
    )


async def test_many_unknown_passwords_at_once_get_429_not_5xx(
    client: httpx.AsyncClient, protected: ProtectedSite
) -> None:
    guesses = [basic(f"guess-number-{i}") for i in range(60)]
    answers = await asyncio.gather(
        *(get(client, protected.preview, authorization=g) for g in guesses)
    )
    codes = [a.status_code for a in answers]
    assert set(codes) <= {401, 429}
    assert codes.count(429) > 0
    assert codes.count(401) >= 2  # the ones that got a slot were checked
    busy = next(a for a in answers if a.status_code == 429)
    assert busy.headers["retry-after"] == "1"
    assert busy.headers["cache-control"] == "no-store"
    # Once they are done, the right password passes again.
    for _ in range(50):
        ok = await get(client, protected.preview, authorization=basic(PASSWORD, "late"))
        if ok.status_code != 429:
            break
        await asyncio.sleep(0.1)
    assert ok.status_code == 200


async def test_a_browser_burst_with_new_credentials_shares_one_check(
    client: httpx.AsyncClient, protected: ProtectedSite
) -> None:
    auth = basic(PASSWORD, "burst")
    answers = await asyncio.gather(
        *(get(client, protected.preview, "/style.css", authorization=auth) for _ in range(40))
    )
    assert {a.status_code for a in answers} == {200}


async def test_protection_follows_the_route_object(
    client: httpx.AsyncClient, protected: ProtectedSite, storage: Storage
) -> None:
    host = f"{protected.project}-pr-7.localhost"
    await point(storage, host, protected.manifest, kind="pull_request")
    for _ in range(3):  # warms the fast path with a public answer
        public = await get(client, host, "/style.css")
        assert public.status_code == 200
        assert public.headers["cache-control"].startswith("public")

    await point(
        storage, host, protected.manifest, kind="pull_request", protection=protected.protection
    )
    await asyncio.sleep(ROUTE_TTL_WAIT)
    assert_challenge(await get(client, host, "/style.css"), protected.project)
    kept = await get(client, host, "/style.css", authorization=basic(PASSWORD))
    assert kept.status_code == 200
    assert kept.headers["cache-control"].startswith("private")

    await point(storage, host, protected.manifest, kind="pull_request")
    await asyncio.sleep(ROUTE_TTL_WAIT)
    assert (await get(client, host, "/style.css")).status_code == 200
