"""Retention end to end: the api and the proxy as processes, real builds, then `POST /api/gc`.

Kept: one ready deployment per branch, nothing for its age. Production rolled back to the
oldest build is kept though the rules alone would drop it; sites keep serving, and only the
hosts of deleted deployments stop answering.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.core import hosts
from tests.support.gitrepo import GitRepo, node_site
from tests.support.platform import Platform, running_platform

pytestmark = pytest.mark.slow


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    with running_platform(
        tmp_path,
        SLIPWAY_RETENTION_BRANCH_DEPLOYMENTS="1",
        SLIPWAY_RETENTION_DAYS="0",
        SLIPWAY_GC_INTERVAL="0",
    ) as p:
        yield p


def build(platform: Platform, repo: GitRepo, title: str, branch: str = "main") -> str:
    response = platform.push("site", repo.commit(node_site(title)), branch=branch)
    assert response.status_code == 202, response.text
    [deployment_id] = response.json()["deployments"]
    assert platform.wait_final(deployment_id)["status"] == "ready"
    return str(deployment_id)


def own_host(deployment_id: str) -> str:
    return hosts.deployment_host("site", deployment_id, "localhost")


def gone_eventually(platform: Platform, host: str) -> int:
    """The proxy keeps a route for its TTL: the status once the host stops answering."""
    status = platform.site(host).status_code
    for _ in range(100):  # 10 s at most
        if status == 404:
            break
        time.sleep(0.1)
        status = platform.site(host).status_code
    return status


def test_gc_keeps_what_sites_serve_and_deletes_the_rest(platform: Platform, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    platform.create_project("site", repo.url)
    one, two, three = (build(platform, repo, t) for t in ("one", "two", "three"))
    repo.checkout("feature", create=True)
    old_feature, feature = (build(platform, repo, t, "feature") for t in ("f1", "f2"))
    promoted = platform.api.post(f"/api/deployments/{one}/promote")
    assert promoted.status_code == 200, promoted.text

    planned = platform.api.post("/api/gc", json={"dry_run": True}).json()
    done = platform.api.post("/api/gc").json()

    expected = {two: "beyond-retention", old_feature: "beyond-retention"}
    assert {d["deployment"]: d["rule"] for d in planned["deletions"]} == expected
    assert {d["deployment"]: d["rule"] for d in done["deletions"]} == expected
    production = platform.site_eventually("site.localhost", "one")
    assert production.text == "<h1>one</h1>"
    assert platform.site(hosts.branch_host("site", "main", "localhost")).text == "<h1>three</h1>"
    assert platform.site(hosts.branch_host("site", "feature", "localhost")).text == "<h1>f2</h1>"
    for kept in (one, three, feature):
        assert platform.site(own_host(kept)).status_code == 200
    for deleted in (two, old_feature):
        assert gone_eventually(platform, own_host(deleted)) == 404
        assert platform.api.get(f"/api/deployments/{deleted}").status_code == 404
    stored = platform.root / "data" / "storage" / "deployments"
    assert sorted(p.name for p in stored.iterdir()) == sorted([one, three, feature])
    assert platform.api.post("/api/gc").json()["deletions"] == []
