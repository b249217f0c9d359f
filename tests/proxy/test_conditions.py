"""`_redirects` conditions (Language, Country, Cookie, Role) over real HTTP, on both backends.

Each path is asked several times in a row by different viewers: an answer kept in memory for
one viewer must never reach another who resolves differently.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from services.core.storage import Storage
from tests.proxy.server import RunningProxy, proxy_process
from tests.proxy.sites import point, publish, unique_project

pytestmark = pytest.mark.anyio

COUNTRY_HEADER = "CloudFront-Viewer-Country"

REDIRECTS = """
/hello     /hello-fr.html     200  Language=fr
/hello     /hello-de.html     200  Language=de
/hello     /hello-en.html     200
/welcome   /fr/               302  Language=fr
/members   /members-in.html   200  Cookie=session
/members   /members-out.html  200
/shop      /shop-na.html      200  Country=us,ca
/shop      /shop-world.html   200
/deal      /deal-vip-fr.html  200  Language=fr Cookie=vip
/deal      /deal-plain.html   200
/admin     /admin-in.html     200! Role=admin
"""

FILES = {
    name: name.encode()
    for name in (
        "index.html",
        "fr/index.html",
        "hello-fr.html",
        "hello-de.html",
        "hello-en.html",
        "members-in.html",
        "members-out.html",
        "shop-na.html",
        "shop-world.html",
        "deal-vip-fr.html",
        "deal-plain.html",
        "admin.html",
        "admin-in.html",
    )
}


@pytest.fixture(scope="module")
async def host(proxy: RunningProxy) -> str:
    storage = Storage(proxy.storage_url)
    manifest = await publish(storage, unique_project(), FILES, redirects=REDIRECTS)
    name = f"{manifest.project}.localhost"
    await point(storage, name, manifest)
    return name


@pytest.fixture(scope="module")
def country_proxy(backend_url: str) -> Iterator[RunningProxy]:
    """A proxy told which header carries the viewer's country, as behind CloudFront."""
    with proxy_process(backend_url, proxy_country_header=COUNTRY_HEADER) as running:
        yield running


@pytest.fixture
async def country_client(country_proxy: RunningProxy) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=country_proxy.base_url, timeout=10) as http:
        yield http


async def body_for(client: httpx.AsyncClient, host: str, path: str, **headers: str) -> bytes:
    sent = {"host": host, "accept-encoding": "identity"}
    sent |= {k.replace("_", "-"): v for k, v in headers.items()}
    response = await client.get(path, headers=sent)
    assert response.status_code == 200, (path, headers, response.status_code)
    return response.content


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        pytest.param("fr", b"hello-fr.html", id="exact"),
        pytest.param("fr-CA", b"hello-fr.html", id="region-subtag"),
        pytest.param("en-GB, de-AT;q=0.7", b"hello-de.html", id="any-listed"),
        pytest.param("fr;q=0, de;q=0.5", b"hello-de.html", id="q-zero-ignored"),
        pytest.param("fr;q=0", b"hello-en.html", id="only-q-zero"),
        pytest.param("es", b"hello-en.html", id="other"),
    ],
)
async def test_language(
    client: httpx.AsyncClient, host: str, accept_language: str, expected: bytes
) -> None:
    for _ in range(2):
        assert await body_for(client, host, "/hello", accept_language=accept_language) == expected


async def test_language_redirect(client: httpx.AsyncClient, host: str) -> None:
    headers = {"host": host, "accept-language": "fr-FR"}
    french = await client.get("/welcome", headers=headers)
    assert french.status_code == 302
    assert french.headers["location"] == "/fr/"
    assert "accept-language" in french.headers["vary"].lower()
    other = await client.get("/welcome", headers={"host": host})
    assert other.status_code == 404


async def test_cached_answers_stay_per_viewer(client: httpx.AsyncClient, host: str) -> None:
    """The same path for fr, de, fr, nobody, de: each answer right, cached or not."""
    for language, expected in (
        ("fr", "fr"),
        ("de", "de"),
        ("fr", "fr"),
        (None, "en"),
        ("de", "de"),
    ):
        headers = {"accept_language": language} if language else {}
        assert (
            await body_for(client, host, "/hello", **headers) == f"hello-{expected}.html".encode()
        )


async def test_cookie_presence(client: httpx.AsyncClient, host: str) -> None:
    for cookie, expected in (
        ("theme=dark; session=abc", b"members-in.html"),
        ("sessionid=1", b"members-out.html"),
        (None, b"members-out.html"),
        ("session=", b"members-in.html"),
    ):
        headers = {"cookie": cookie} if cookie else {}
        assert await body_for(client, host, "/members", **headers) == expected


async def test_a_cookie_header_with_utf8_values_is_still_read(
    client: httpx.AsyncClient, host: str
) -> None:
    # Browsers send document.cookie's UTF-8 bytes as they are. Granian's RSGI interface
    # drops any header value that is not visible ASCII, which would hide every cookie here;
    # the proxy stays on ASGI, which hands the bytes over (docs/proxy.md, "Speed").
    sent = {"host": host, "accept-encoding": "identity", "cookie": "lang=café; session=1"}
    response = await client.get("/members", headers={k: v.encode() for k, v in sent.items()})
    assert response.content == b"members-in.html"


async def test_conditions_are_anded(client: httpx.AsyncClient, host: str) -> None:
    for language, cookie, expected in (
        ("fr", "vip=1", b"deal-vip-fr.html"),
        ("fr", "other=1", b"deal-plain.html"),
        ("de", "vip=1", b"deal-plain.html"),
        ("fr-BE", "a=1; vip=yes", b"deal-vip-fr.html"),
    ):
        got = await body_for(client, host, "/deal", accept_language=language, cookie=cookie)
        assert got == expected


async def test_role_never_matches(client: httpx.AsyncClient, host: str) -> None:
    assert await body_for(client, host, "/admin", cookie="nf_jwt=x") == b"admin.html"


async def test_country_from_configured_header(country_client: httpx.AsyncClient, host: str) -> None:
    for country, expected in (
        ("US", b"shop-na.html"),
        ("ca", b"shop-na.html"),
        ("FR", b"shop-world.html"),
        (None, b"shop-world.html"),
        ("US", b"shop-na.html"),
    ):
        headers = {COUNTRY_HEADER: country} if country else {}
        assert await body_for(country_client, host, "/shop", **headers) == expected
    response = await country_client.get("/shop", headers={"host": host})
    assert COUNTRY_HEADER.lower() in response.headers["vary"].lower()


async def test_country_header_ignored_unless_configured(
    client: httpx.AsyncClient, host: str
) -> None:
    for _ in range(2):
        got = await body_for(client, host, "/shop", **{COUNTRY_HEADER: "US"})
        assert got == b"shop-world.html"


async def test_paths_without_conditional_rules_do_not_vary(
    client: httpx.AsyncClient, host: str
) -> None:
    response = await client.get("/", headers={"host": host, "accept-language": "fr"})
    assert response.status_code == 200
    assert response.headers["vary"] == "Accept-Encoding"  # and nothing about the viewer
