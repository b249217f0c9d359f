"""Password-protected previews end to end: the real api, builder and proxy on loopback."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.support.gitrepo import GitRepo, node_site
from tests.support.platform import Platform

pytestmark = pytest.mark.slow

PASSWORD = "let me in, please"
# The platform's proxy keeps routes 0.2 s (and a hot one 0.1 s more): well within this.
WITHIN_ROUTE_TTL = 2.0


def test_previews_need_the_password_until_it_is_cleared(platform: Platform, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    created = platform.create_project("site", repo.url, preview_password=PASSWORD)
    assert created["preview_protected"] is True
    commit = repo.commit(node_site("guarded"))
    [deployment_id] = platform.push("site", commit).json()["deployments"]
    d = platform.wait_final(deployment_id)
    assert d["status"] == "ready", platform.api.get(f"/api/deployments/{deployment_id}/logs").text

    assert platform.site_eventually("site.localhost", "guarded").text == "<h1>guarded</h1>"
    for host in (f"site-{deployment_id[:8]}.localhost", "site-git-main.localhost"):
        denied = platform.site(host)
        assert denied.status_code == 401
        assert denied.headers["www-authenticate"].startswith('Basic realm="site preview"')
        assert "guarded" not in denied.text
        wrong = platform.proxy.get("/", headers={"Host": host}, auth=("me", "not it at all"))
        assert wrong.status_code == 401
        allowed = platform.proxy.get("/", headers={"Host": host}, auth=("me", PASSWORD))
        assert allowed.status_code == 200
        assert allowed.text == "<h1>guarded</h1>"
        assert allowed.headers["cache-control"].startswith("private")

    cleared = platform.api.patch("/api/projects/site", json={"preview_password": None})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["preview_protected"] is False
    host = f"site-{deployment_id[:8]}.localhost"
    deadline = time.monotonic() + WITHIN_ROUTE_TTL
    answer: httpx.Response = platform.site(host)
    while answer.status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.05)
        answer = platform.site(host)
    assert answer.status_code == 200
    assert answer.text == "<h1>guarded</h1>"
    assert answer.headers["cache-control"].startswith("public")
