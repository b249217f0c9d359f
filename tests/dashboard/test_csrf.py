"""Every state-changing POST of the dashboard is refused, and changes nothing, without the
session's CSRF token, with a wrong one, or from another origin, even when it is otherwise a
complete, confirmed request that would succeed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.cli.live import LiveApi, Site, create_site
from tests.dashboard.conftest import collectable, csrf_of, orphan_route


@dataclass
class World:
    """A project with two ready deployments (the second in production), a third one held
    building at its gate, a domain, a build variable, protected previews and a deploy hook,
    a scoped API token, and a route garbage collection would delete: something for every
    action to change."""

    site: Site
    first: str
    building: str
    hook: str
    token: str

    def fill(self, text: str) -> str:
        return text.format(
            name=self.site.name,
            repo=self.site.repo.url,
            first=self.first,
            building=self.building,
            hook=self.hook,
            token=self.token,
        )


@pytest.fixture(scope="module")
def world(api: LiveApi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    site = create_site(
        api,
        tmp_path_factory.mktemp("csrf"),
        "csrf",
        True,
        domains=["csrf.example.org"],
        preview_password="a long secret",
    )
    site.open_gate()
    ids = []
    with api.client() as c:
        for _ in range(2):
            d = c.post(f"/api/projects/{site.name}/deployments", json={}).json()
            assert api.wait_for(d["id"], ("ready", "failed"))["status"] == "ready"
            assert api.wait_for_production(site.name, d["id"]) == d["id"]
            ids.append(d["id"])
        site.close_gate()
        held = c.post(f"/api/projects/{site.name}/deployments", json={"ref": "main"}).json()
        hook = c.post(f"/api/projects/{site.name}/hooks", json={"name": "cms"}).json()
        token = c.post("/api/tokens", json={"name": "ci", "role": "read"}).json()
    assert api.wait_for(held["id"], ("building",))["status"] == "building"
    orphan_route(api)
    yield World(site, ids[0], held["id"], hook["id"], token["id"])
    site.open_gate()


def state(api: LiveApi, world: World) -> dict[str, Any]:
    """All that any of the actions could change, read through the API."""
    name = world.site.name
    with api.client() as c:
        return {
            "project": c.get(f"/api/projects/{name}", params={"reveal_env": "true"}).json(),
            "deployments": [
                (d["id"], d["status"]) for d in c.get(f"/api/projects/{name}/deployments").json()
            ],
            "new project": c.get("/api/projects/csrf-never-made").status_code,
            "garbage": collectable(api),
            "hooks": c.get(f"/api/projects/{name}/hooks").json(),
            "tokens": c.get("/api/tokens").json(),
        }


# Each action with a form that would succeed as it is: confirmed where it asks first.
ACTIONS = [
    pytest.param(
        "/dashboard/new-project",
        {"name": "csrf-never-made", "repo_url": "file:///nowhere", "production_branch": "main"},
        id="create-project",
    ),
    pytest.param(
        "/dashboard/projects/{name}/settings",
        {"repo_url": "{repo}", "production_branch": "main", "build_command": "true", "spa": "1"},
        id="save-settings",
    ),
    pytest.param(
        "/dashboard/projects/{name}/variables",
        {"group": "env", "key": "ADDED", "value": "1"},
        id="set-variable",
    ),
    pytest.param(
        "/dashboard/projects/{name}/variables/remove",
        {"group": "env", "key": "GATE", "confirmed": "1"},
        id="remove-variable",
    ),
    pytest.param(
        "/dashboard/projects/{name}/domains", {"host": "new.example.org"}, id="add-domain"
    ),
    pytest.param(
        "/dashboard/projects/{name}/domains/remove",
        {"host": "csrf.example.org", "confirmed": "1"},
        id="remove-domain",
    ),
    pytest.param(
        "/dashboard/projects/{name}/preview-password",
        {"password": "another long one"},
        id="protect-previews",
    ),
    pytest.param(
        "/dashboard/projects/{name}/preview-password/remove",
        {"confirmed": "1"},
        id="make-previews-public",
    ),
    pytest.param("/dashboard/projects/{name}/clear-cache", {"confirmed": "1"}, id="clear-cache"),
    pytest.param("/dashboard/projects/{name}/delete", {"confirm_name": "{name}"}, id="delete"),
    pytest.param("/dashboard/projects/{name}/deploy", {"ref": "main"}, id="deploy"),
    pytest.param("/dashboard/projects/{name}/rollback", {"confirmed": "1"}, id="rollback"),
    pytest.param("/dashboard/deployments/{first}/promote", {"confirmed": "1"}, id="promote"),
    pytest.param("/dashboard/deployments/{first}/redeploy", {}, id="redeploy"),
    pytest.param("/dashboard/deployments/{building}/cancel", {"confirmed": "1"}, id="cancel"),
    pytest.param("/dashboard/storage/collect", {"confirmed": "1"}, id="collect-garbage"),
    pytest.param("/dashboard/projects/{name}/hooks", {"name": "another"}, id="create-hook"),
    pytest.param(
        "/dashboard/projects/{name}/hooks/remove",
        {"hook": "{hook}", "confirmed": "1"},
        id="delete-hook",
    ),
    pytest.param("/dashboard/tokens", {"name": "another", "role": "admin"}, id="create-token"),
    pytest.param(
        "/dashboard/tokens/revoke", {"token": "{token}", "confirmed": "1"}, id="revoke-token"
    ),
]


@pytest.mark.parametrize(("path", "fields"), ACTIONS)
def test_a_state_changing_post_needs_the_token_and_our_origin(
    api: LiveApi,
    browser_client: httpx.Client,
    world: World,
    path: str,
    fields: dict[str, str],
) -> None:
    url = world.fill(path)
    form = {key: world.fill(value) for key, value in fields.items()}
    token = csrf_of(browser_client.get(f"/dashboard/projects/{world.site.name}").text)
    before = state(api, world)
    attempts = {
        "no token": ({**form}, {}),
        "another session's token": ({**form, "csrf_token": "0" * 64}, {}),
        "another origin": ({**form, "csrf_token": token}, {"Origin": "https://evil.example"}),
    }
    for attempt, (data, headers) in attempts.items():
        refused = browser_client.post(url, data=data, headers=headers)
        assert refused.status_code == 403, attempt
        assert "did not come from the dashboard" in refused.text, attempt
        assert state(api, world) == before, f"{attempt} changed something"


def test_signing_out_needs_the_token_too(browser_client: httpx.Client) -> None:
    assert browser_client.post("/dashboard/logout", data={}).status_code == 403
    assert browser_client.get("/dashboard/").status_code == 200  # still signed in
