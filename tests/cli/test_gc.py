"""`slipway gc` against the real api with real builds: keep one ready deployment per branch,
nothing for its age (SLIPWAY_RETENTION_BRANCH_DEPLOYMENTS=1, SLIPWAY_RETENTION_DAYS=0)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Cli
from tests.cli.live import LiveApi, Site, cached_site, live_api

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    with live_api(
        tmp_path_factory.mktemp("gc-api"),
        retention_branch_deployments=1,
        retention_days=0,
        gc_interval=0,
    ) as live:
        yield live


def stored(api: LiveApi) -> Path:
    return Path(api.settings.resolved_storage_url.removeprefix("file://")) / "deployments"


def deployed(cli: Cli, site: Site, title: str) -> dict[str, Any]:
    site.repo.commit({"title.txt": title})
    result = cli("deploy", site.name, "--json")
    assert result.code == 0, result.err
    return dict(json.loads(result.out))


def of_project(report: dict[str, Any], project: str) -> dict[str, str]:
    return {d["deployment"]: d["rule"] for d in report["deletions"] if d["project"] == project}


def test_gc_dry_run_lists_what_would_go_and_gc_deletes_it(
    cli: Cli, api: LiveApi, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    first, second, third = (deployed(cli, site, t) for t in ("one", "two", "three"))
    site.repo.commit({"fail.txt": "yes"})
    failed = json.loads(cli("deploy", site.name, "--json").out)
    assert [d["status"] for d in (first, second, third, failed)] == ["ready"] * 3 + ["failed"]

    dry = cli("gc", "--dry-run", "--json")
    assert dry.code == 0, dry.err
    assert of_project(json.loads(dry.out), site.name) == {
        first["id"]: "beyond-retention",
        second["id"]: "beyond-retention",
        failed["id"]: "expired-failure",
    }
    table = cli("gc", "--dry-run")
    assert "would delete 3 items (" in table.out
    assert first["id"] in table.out
    assert "beyond-retention" in table.out
    assert (stored(api) / first["id"] / "manifest.json").is_file()

    done = cli("gc", "--json")
    assert done.code == 0, done.err
    assert set(of_project(json.loads(done.out), site.name)) == {
        first["id"],
        second["id"],
        failed["id"],
    }
    rows = json.loads(cli("deployments", "list", site.name, "--json").out)
    assert [(d["id"], d["production"]) for d in rows] == [(third["id"], True)]
    assert not (stored(api) / first["id"]).exists()
    assert not (stored(api) / failed["id"]).exists()
    assert (stored(api) / third["id"] / "manifest.json").is_file()

    again = cli("gc", "--json")
    assert of_project(json.loads(again.out), site.name) == {}


def test_gc_keeps_the_newest_of_each_branch_and_production(
    cli: Cli, api: LiveApi, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    production = deployed(cli, site, "main")
    site.repo.checkout("feature", create=True)
    old = cli("deploy", site.name, "--ref", "feature", "--json")
    site.repo.commit({"title.txt": "feature two"})
    new = cli("deploy", site.name, "--ref", "feature", "--json")
    old_id, new_id = json.loads(old.out)["id"], json.loads(new.out)["id"]

    result = cli("gc")

    assert result.code == 0, result.err
    assert old_id in result.out
    assert "deleted 1 item (" in result.out
    ids = {d["id"] for d in json.loads(cli("deployments", "list", site.name, "--json").out)}
    assert ids == {production["id"], new_id}
    assert not (stored(api) / old_id).exists()


def build_log(cli: Cli, name: str) -> str:
    result = cli("deploy", name, "--json")
    assert result.code == 0, result.err
    return str(cli("logs", json.loads(result.out)["id"]).out)


def test_a_recreated_project_builds_without_the_old_projects_cache(
    cli: Cli, api: LiveApi, tmp_path: Path
) -> None:
    name = f"cached-{uuid.uuid4().hex[:8]}"
    cache = stored(api).parent / "cache" / name
    cached_site(api, tmp_path, name)
    assert "saved the build cache of production builds" in build_log(cli, name)
    assert "restored the build cache of production builds" in build_log(cli, name)

    deleted = cli("projects", "delete", name, "--yes")
    assert deleted.code == 0, deleted.err
    assert not cache.exists()
    cached_site(api, tmp_path, name)

    assert "no build cache yet for this project's production builds" in build_log(cli, name)


def test_clearing_a_projects_build_cache_makes_its_next_build_start_afresh(
    cli: Cli, api: LiveApi, tmp_path: Path
) -> None:
    name = f"clear-{uuid.uuid4().hex[:8]}"
    cached_site(api, tmp_path, name)
    assert "saved the build cache of production builds" in build_log(cli, name)
    cleared = cli("projects", "clear-cache", name)
    assert cleared.code == 0, cleared.err
    assert f"Cleared {name}'s build cache (1 stored object): its next build" in cleared.out
    assert "no build cache yet for this project's production builds" in build_log(cli, name)
    # The deployments and their sites are untouched; only the cache went.
    assert cli("projects", "clear-cache", "no-such-project").code != 0
    with api.client() as c:
        listed = c.get(f"/api/projects/{name}/deployments").json()
        assert [d["status"] for d in listed] == ["ready", "ready"]
        reader = c.post("/api/tokens", json={"name": "r", "role": "read"}).json()["token"]
        refused = c.delete(
            f"/api/projects/{name}/cache", headers={"Authorization": f"Bearer {reader}"}
        )
        assert refused.status_code == 403
