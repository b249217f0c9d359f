"""Branch hosts end to end: branches whose simple slugs collide each keep a host of their own."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from services.core import hosts
from tests.support.gitrepo import GitRepo, node_site
from tests.support.platform import Platform

pytestmark = pytest.mark.slow

# One slug (`feature-x`) for all three; only the middle one is its own slug.
LOOKALIKES = ["feature/x", "feature-x", "FEATURE.X"]


def branch_host(branch: str) -> str:
    return hosts.branch_host("site", branch, "localhost")


def test_lookalike_branches_each_serve_their_own_deployment(
    platform: Platform, tmp_path: Path
) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit(node_site("main"))
    platform.create_project("site", repo.url)
    for branch in LOOKALIKES:
        repo.checkout(branch, create=True)
        commit = repo.commit(node_site(f"built from {branch}"))
        response = platform.push("site", commit, branch=branch)
        assert response.status_code == 202, response.text
        [deployment_id] = response.json()["deployments"]
        assert platform.wait_final(deployment_id)["status"] == "ready"
        repo.checkout("main")

    assert len({branch_host(b) for b in LOOKALIKES}) == 3
    assert branch_host("feature-x") == "site-git-feature-x.localhost"  # the host it always had
    for branch in LOOKALIKES:
        served = platform.site_eventually(branch_host(branch), f"built from {branch}")
        assert served.text == f"<h1>built from {branch}</h1>"

    deleted = platform.push("site", "0" * 40, branch="feature/x", deleted=True)
    assert deleted.status_code == 202, deleted.text
    gone = platform.site(branch_host("feature/x"))
    for _ in range(100):  # the proxy caches a route for a short TTL; 10 s at most
        if gone.status_code == 404:
            break
        time.sleep(0.1)
        gone = platform.site(branch_host("feature/x"))
    assert gone.status_code == 404
    for branch in ["feature-x", "FEATURE.X"]:
        assert platform.site(branch_host(branch)).text == f"<h1>built from {branch}</h1>"
