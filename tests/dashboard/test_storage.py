"""The storage page over plain HTTP: garbage collection's dry run, then, asked first, the
run, its effect read back through the API."""

from __future__ import annotations

import httpx

from tests.cli.live import LiveApi
from tests.dashboard.conftest import collectable, csrf_of, orphan_route


def test_the_storage_page_lists_what_would_go_and_deletes_it_when_confirmed(
    api: LiveApi, browser_client: httpx.Client
) -> None:
    host = orphan_route(api)
    page = browser_client.get("/dashboard/storage")
    assert page.status_code == 200
    assert f'<code class="target">{host}</code>' in page.text
    assert "deleted-project" in page.text
    assert "Would delete" in page.text

    token = csrf_of(page.text)
    ask = browser_client.post("/dashboard/storage/collect", data={"csrf_token": token})
    assert "Are you sure?" in ask.text
    assert host in collectable(api)

    done = browser_client.post(
        "/dashboard/storage/collect", data={"csrf_token": token, "confirmed": "1"}
    )
    assert done.status_code == 200
    assert "Deleted" in done.text
    assert host in done.text
    assert host not in collectable(api)
