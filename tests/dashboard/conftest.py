from __future__ import annotations

import html
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from services.core import hosts
from services.core import manifest as mf
from tests.cli.live import LiveApi, Site, create_site, live_api
from tests.dashboard.chromium import SCREENS, WAIT_MS, accept, chromium


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    with live_api(tmp_path_factory.mktemp("api")) as live:
        yield live


@pytest.fixture
def make_site(api: LiveApi, tmp_path: Path) -> Callable[..., Site]:
    """A project whose builds wait at a gate file until the test opens it."""

    def make(**settings: object) -> Site:
        return create_site(api, tmp_path, "web", True, **settings)

    return make


@pytest.fixture
def site(make_site: Callable[..., Site]) -> Iterator[Site]:
    """A project with the default settings; its gate opens at the end, so that no build of
    it is left waiting."""
    made = make_site()
    yield made
    made.open_gate()


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def refusal_of(page: str, form: str) -> str:
    """The sentence a refused form shows beside it (refusal.py), as text."""
    match = re.search(
        rf'<p class="error form-error" role="alert" id="{form}-error">(.*?)</p>', page
    )
    assert match, f"no refusal beside the {form} form"
    return html.unescape(match.group(1))


@pytest.fixture
def browser_client(api: LiveApi) -> Iterator[httpx.Client]:
    """A plain HTTP client signed in to the dashboard (what a browser without JavaScript does)."""
    with httpx.Client(base_url=api.url, follow_redirects=False, timeout=30) as client:
        response = client.post("/dashboard/login", data={"token": api.token})
        assert response.status_code == 303
        yield client


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, one per test module."""
    with chromium() as launched:
        yield launched


@pytest.fixture(params=list(SCREENS))
def screen(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def page(browser: Browser, api: LiveApi, screen: str) -> Iterator[Page]:
    """A signed-in page at the screen's size; confirmation dialogs are answered yes."""
    context = browser.new_context(viewport=SCREENS[screen])
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.on("dialog", accept)
    page.goto(f"{api.url}/dashboard/login")
    page.fill("#token", api.token)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Projects")
    yield page
    context.close()


def project(api: LiveApi, name: str, reveal: bool = False) -> dict[str, Any]:
    """A project as GET /api/projects/{name} answers it."""
    with api.client() as c:
        answer = c.get(f"/api/projects/{name}", params={"reveal_env": "true"} if reveal else None)
        assert answer.status_code == 200, answer.text
        return answer.json()  # type: ignore[no-any-return]


def orphan_route(api: LiveApi) -> str:
    """The route of a project that no longer exists, which garbage collection deletes
    whatever its age; its host."""
    name = f"ghost-{uuid.uuid4().hex[:8]}"
    host = f"{name}.{api.settings.base_domain}"
    route = mf.Route(name, "0" * 20, "production", "2026-01-01T00:00:00Z")
    path = Path(urlsplit(api.settings.storage_url).path) / hosts.route_key(host)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(mf.encode(route))
    return host


def collectable(api: LiveApi) -> list[str]:
    """What a dry run of garbage collection would delete now, through the API."""
    with api.client() as c:
        report = c.post("/api/gc", json={"dry_run": True}).json()
    return [item["target"] for item in report["deletions"]]
