"""Deploy hooks and API tokens over plain HTTP, as a browser without JavaScript sends the
forms: a secret in the answer that makes it and nowhere after, a revocation asked on a page
of its own first, a refusal in token_actions' words beside the form, and the dashboard's
sign-in open to the admin token only."""

from __future__ import annotations

import html
import re

import httpx

from tests.cli.live import LiveApi, Site
from tests.dashboard.conftest import csrf_of, refusal_of


def shown_once(page: str, field: str) -> str:
    match = re.search(rf'id="{field}"[^>]*>([^<]+)</textarea>', page)
    assert match, f"the page shows no {field}"
    return html.unescape(match.group(1))


def test_a_hook_is_shown_once_and_deleted_after_asking(
    api: LiveApi, browser_client: httpx.Client, site: Site
) -> None:
    settings = f"/dashboard/projects/{site.name}/settings"
    csrf = csrf_of(browser_client.get(settings).text)
    made = browser_client.post(
        f"/dashboard/projects/{site.name}/hooks", data={"csrf_token": csrf, "name": "cms"}
    )
    assert made.status_code == 200  # the page itself, no redirect: the URL stays out of it
    assert made.headers["cache-control"] == "no-store"
    url = shown_once(made.text, "hook-made-value")
    hook_id, secret = url.split("/")[-2:]
    assert url == f"{api.url}/hooks/deploy/{hook_id}/{secret}"
    assert "it is not shown again" in made.text
    again = browser_client.get(settings).text
    assert hook_id in again
    assert secret not in again

    remove = f"/dashboard/projects/{site.name}/hooks/remove"
    asked = browser_client.post(remove, data={"csrf_token": csrf, "hook": hook_id})
    assert asked.status_code == 200
    assert "Are you sure?" in asked.text
    assert f"Delete deploy hook cms (main) of {site.name}?" in html.unescape(asked.text)
    with api.client() as c:
        assert [h["id"] for h in c.get(f"/api/projects/{site.name}/hooks").json()] == [hook_id]
    confirmed = {"csrf_token": csrf, "hook": hook_id, "confirmed": "1"}
    done = browser_client.post(remove, data=confirmed)
    assert done.status_code == 303
    assert done.headers["location"] == f"{settings}?done=hooks-deleted#hooks"
    with api.client() as c:
        assert c.get(f"/api/projects/{site.name}/hooks").json() == []
    gone = browser_client.post(remove, data=confirmed)
    assert gone.status_code == 404
    assert refusal_of(gone.text, "hooks") == (
        f"project '{site.name}' has no deploy hook '{hook_id}': "
        f"`slipway hooks list {site.name}` shows them."
    )


def test_a_token_is_shown_once_and_revoked_after_asking(
    api: LiveApi, browser_client: httpx.Client
) -> None:
    csrf = csrf_of(browser_client.get("/dashboard/tokens").text)
    unknown = browser_client.post(
        "/dashboard/tokens",
        data={"csrf_token": csrf, "name": "ci", "role": "deploy", "project": "no-such-project"},
    )
    assert unknown.status_code == 404
    assert refusal_of(unknown.text, "tokens") == "no project named 'no-such-project'."
    made = browser_client.post(
        "/dashboard/tokens", data={"csrf_token": csrf, "name": "ci", "role": "deploy"}
    )
    assert made.status_code == 200
    token = shown_once(made.text, "token-made-value")
    token_id = token.split("_")[1]
    assert token not in browser_client.get("/dashboard/tokens").text
    with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {token}"}) as c:
        assert c.get("/api/projects").status_code == 200

    asked = browser_client.post(
        "/dashboard/tokens/revoke", data={"csrf_token": csrf, "token": token_id}
    )
    assert "Are you sure?" in asked.text
    assert f"Revoke token ci ({token_id})?" in asked.text
    confirmed = {"csrf_token": csrf, "token": token_id, "confirmed": "1"}
    done = browser_client.post("/dashboard/tokens/revoke", data=confirmed)
    assert done.status_code == 303
    assert done.headers["location"] == "/dashboard/tokens?done=tokens-revoked#tokens"
    with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {token}"}) as c:
        assert c.get("/api/projects").status_code == 401
    gone = browser_client.post("/dashboard/tokens/revoke", data=confirmed)
    assert gone.status_code == 404
    assert (
        refusal_of(gone.text, "revoke")
        == f"no token '{token_id}': `slipway tokens list` shows them."
    )


def test_only_the_admin_token_signs_in_so_every_session_is_an_admin(api: LiveApi) -> None:
    with api.client() as c:
        scoped = c.post("/api/tokens", json={"name": "almost", "role": "admin"}).json()["token"]
    with httpx.Client(base_url=api.url, follow_redirects=False) as client:
        refused = client.post("/dashboard/login", data={"token": scoped})
        assert refused.status_code == 401
        assert "That token is not valid." in refused.text
        assert client.get("/dashboard/tokens").status_code == 303  # to the sign-in page
