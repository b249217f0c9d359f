"""Push to live, end to end: real git repositories, real node builds, real HTTP on loopback."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.support.gitrepo import GitRepo, node_site
from tests.support.platform import Platform
from tests.support.shared_files import file_builds_may_write

pytestmark = pytest.mark.slow


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


def deploy_push(
    platform: Platform, repo: GitRepo, title: str, build: str = "ok"
) -> dict[str, object]:
    commit = repo.commit(node_site(title, build), message=f"build {title}")
    response = platform.push("site", commit)
    assert response.status_code == 202, response.text
    [deployment_id] = response.json()["deployments"]
    return platform.wait_final(deployment_id)


def test_push_builds_and_serves_then_updates(platform: Platform, repo: GitRepo) -> None:
    platform.create_project("site", repo.url)
    first = deploy_push(platform, repo, "first")
    assert first["status"] == "ready", platform.api.get(f"/api/deployments/{first['id']}/logs").text
    assert platform.site_eventually("site.localhost", "first").text == "<h1>first</h1>"

    second = deploy_push(platform, repo, "second")
    assert second["status"] == "ready"
    assert platform.site_eventually("site.localhost:8080", "second").text == "<h1>second</h1>"
    # Every deployment keeps its own host; the branch host follows the branch.
    first_host = f"site-{str(first['id'])[:8]}.localhost"
    assert platform.site(first_host).text == "<h1>first</h1>"
    assert platform.site("site-git-main.localhost").text == "<h1>second</h1>"
    project = platform.api.get("/api/projects/site").json()
    assert project["production_deployment"]["id"] == second["id"]
    log = platform.api.get(f"/api/deployments/{second['id']}/logs")
    assert log.status_code == 200
    assert log.text.strip()
    # The data plane does not need the control plane: sites serve with the api stopped.
    platform.kill("api")
    assert platform.site("site.localhost").text == "<h1>second</h1>"
    assert platform.site(first_host).text == "<h1>first</h1>"


def test_failing_build_leaves_production_alone(platform: Platform, repo: GitRepo) -> None:
    platform.create_project("site", repo.url)
    good = deploy_push(platform, repo, "good")
    assert good["status"] == "ready"
    bad = deploy_push(platform, repo, "bad", build="fail")
    assert (bad["status"], bad["reason"]) == ("failed", "build")
    assert bad["finished_at"]
    assert bad["error"]
    assert platform.site_eventually("site.localhost", "good").text == "<h1>good</h1>"
    assert platform.site(f"site-{str(bad['id'])[:8]}.localhost").status_code == 404


def test_bad_signatures_and_redeliveries_build_nothing(platform: Platform, repo: GitRepo) -> None:
    platform.create_project("site", repo.url)
    commit = repo.commit(node_site("x"))
    assert platform.push("site", commit, signature="").status_code == 401
    assert platform.push("site", commit, signature="sha256=" + "0" * 64).status_code == 401
    assert platform.deployments("site") == []
    assert platform.push("site", commit, delivery="once").status_code == 202
    assert platform.push("site", commit, delivery="once").status_code == 200
    assert len(platform.deployments("site")) == 1


def counted(files: dict[str, str]) -> dict[str, str]:
    """The same site, its build appending a line to $COUNTER_FILE each time it runs."""
    count = "node -e \\\"require('fs').appendFileSync(process.env.COUNTER_FILE,'run\\\\n')\\\" && "
    files["package.json"] = files["package.json"].replace('"build": "', '"build": "' + count)
    return files


def test_api_restart_keeps_building_and_queued_work(tmp_path: Path, repo: GitRepo) -> None:
    # No sandbox here: the build writes its run count outside its checkout.
    counter = file_builds_may_write("runs.txt")
    platform = Platform(tmp_path, SLIPWAY_MAX_CONCURRENT_BUILDS="1", SLIPWAY_SANDBOX="none")
    platform.start("api")
    platform.start("proxy")
    try:
        platform.create_project(
            "site", repo.url, cancel_superseded=False, env={"COUNTER_FILE": str(counter)}
        )
        slow = repo.commit(counted(node_site("slow", build="slow")))
        [building] = platform.push("site", slow).json()["deployments"]
        platform.wait_status(building, "building")
        quick = repo.commit(counted(node_site("quick")))
        [queued] = platform.push("site", quick).json()["deployments"]
        assert platform.deployment(queued)["status"] == "queued"
        platform.kill("api", signal.SIGKILL)
        platform.start("api")
        assert platform.wait_final(building)["status"] == "ready"
        assert platform.wait_final(queued)["status"] == "ready"
        assert counter.read_text().split() == ["run", "run"]  # each built exactly once
        assert platform.site_eventually("site.localhost", "quick").text == "<h1>quick</h1>"
    finally:
        platform.stop()


def test_push_to_live_on_s3(tmp_path: Path, repo: GitRepo, s3_storage_url: str) -> None:
    """The same flow with every object in an S3 bucket (moto server) instead of a directory."""
    platform = Platform(tmp_path / "s3", SLIPWAY_STORAGE_URL=s3_storage_url)
    platform.start("api")
    platform.start("proxy")
    try:
        platform.create_project("site", repo.url)
        d = deploy_push(platform, repo, "on-s3")
        assert d["status"] == "ready", platform.api.get(f"/api/deployments/{d['id']}/logs").text
        assert platform.site_eventually("site.localhost", "on-s3").text == "<h1>on-s3</h1>"
        log = platform.api.get(f"/api/deployments/{d['id']}/logs")
        assert "summary" in log.text
    finally:
        platform.stop()
