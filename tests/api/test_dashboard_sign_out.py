"""Signing out of the dashboard ends the session on the server: its cookie, replayed, proves
nothing any more, while other sessions go on. Both databases."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from tests.api.conftest import TOKEN
from tests.dashboard.conftest import csrf_of

pytestmark = pytest.mark.anyio
Client = AsyncTestClient  # type: ignore[type-arg]
COOKIE = "slipway_session"


async def sign_in(client: Client) -> tuple[str, str]:
    """A new session: its cookie and the CSRF token of its pages."""
    client.cookies.clear()
    response = await client.post("/dashboard/login", data={"token": TOKEN})
    assert response.status_code == 303
    cookie = client.cookies[COOKIE]
    home = await client.get("/dashboard/")
    assert home.status_code == 200
    return cookie, csrf_of(home.text)


def use(client: Client, cookie: str) -> None:
    client.cookies.clear()
    client.cookies.set(COOKIE, cookie, path="/dashboard")


async def test_a_signed_out_session_is_refused_when_replayed(client: Client) -> None:
    client.follow_redirects = False
    mine, csrf = await sign_in(client)
    other, _ = await sign_in(client)
    use(client, mine)
    out = await client.post("/dashboard/logout", data={"csrf_token": csrf})
    assert (out.status_code, out.headers["location"]) == (303, "/dashboard/login?done=signed-out")

    use(client, mine)  # as someone who copied the cookie before the sign-out would
    page = await client.get("/dashboard/")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/dashboard/login")
    assert (await client.get("/dashboard/login")).status_code == 200  # the form, not a loop
    use(client, mine)
    action = await client.post("/dashboard/logout", data={"csrf_token": csrf})
    assert action.headers["location"].startswith("/dashboard/login?next=")

    use(client, other)
    assert (await client.get("/dashboard/")).status_code == 200
    again, _ = await sign_in(client)
    assert again != mine
    assert (await client.get("/dashboard/")).status_code == 200
