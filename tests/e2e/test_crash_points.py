"""The api killed with SIGKILL at each labelled point of a build (services/api/crash_points.py)
and started again: the deployment ends once, ready, built by one run, its log kept, and
production's route and record agree. Real builds of a real git repository over file://."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.api.crash_points import CRASH_POINTS, CrashPoint
from services.api.dispatcher import finished_line
from services.core import hosts
from services.core import manifest as mf
from tests.api.conftest import database_url
from tests.support.gitrepo import GitRepo, node_site
from tests.support.platform import Platform

pytestmark = pytest.mark.slow
__all__ = ["database_url"]  # the fixture: a fresh SQLite file or PostgreSQL database
# A claim whose run never started is queued again after SLIPWAY_BUILD_START_GRACE: seconds
# here, not the default minute.
START_GRACE = 3
RECOVERY_LIMIT = 180


@pytest.fixture
def platform(tmp_path: Path, database_url: str) -> Iterator[Platform]:
    """On SQLite and on PostgreSQL."""
    p = Platform(
        tmp_path / "platform",
        SLIPWAY_DATABASE_URL=database_url,
        SLIPWAY_BUILD_START_GRACE=str(START_GRACE),
    )
    try:
        yield p
    finally:
        p.stop()


def wait_for_death(platform: Platform, name: str, limit: float = 120) -> int:
    process = platform.processes[name]
    deadline = time.monotonic() + limit
    while process.poll() is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"the {name} never reached its crash point")
        time.sleep(0.1)
    return process.returncode


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_a_build_survives_the_api_killed_at(
    platform: Platform, tmp_path: Path, point: CrashPoint
) -> None:
    repo = GitRepo(tmp_path / "repo")
    platform.start("proxy")
    platform.env["SLIPWAY_CRASH_AT"] = point
    platform.start("api")
    platform.create_project("site", repo.url)
    d = platform.push("site", repo.commit(node_site("v1"))).json()["deployments"][0]
    assert wait_for_death(platform, "api") == -9  # SIGKILL, by its own hand
    platform.processes.pop("api")
    del platform.env["SLIPWAY_CRASH_AT"]
    platform.start("api")

    final = platform.wait_final(d, limit=RECOVERY_LIMIT)
    assert (final["status"], final["reason"], final["error"]) == ("ready", None, None)
    api_log = platform.service_log("api")
    assert api_log.count(finished_line(d, "ready", None)) == 1
    assert "already published" not in api_log
    # Only a claim that never started is given back to the queue, and once.
    requeued = api_log.count(f"deployment {d} queued again: claimed, never started")
    assert requeued == (1 if point == "claimed" else 0)

    # One run built it; its log is stored whole and still readable.
    live_log = (platform.root / "data" / "builds" / d / "build.log").read_text()
    assert live_log.count(f"deployment {d} of site") == 1
    stored = (platform.root / "data" / "storage" / mf.build_log_key(d)).read_text()
    assert f"deployment {d} of site" in stored
    assert platform.api.get(f"/api/deployments/{d}/logs").text.count(f"deployment {d}") >= 1

    # Production: the record, the route (at the record's generation) and the site agree.
    project = platform.api.get("/api/projects/site").json()
    assert project["production_deployment"]["id"] == d
    route_file = platform.root / "data" / "storage" / hosts.route_key("site.localhost")
    route = mf.decode_route(route_file.read_bytes())
    assert route.deployment == d
    assert route.generation >= 1
    assert platform.site_eventually("site.localhost", "v1").text == "<h1>v1</h1>"
