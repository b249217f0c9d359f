"""Deployment lifecycle with real local builds: promote, rollback, cancel, timeout, limits."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from services.api.app import create_app
from services.api.db.engine import create_engine
from services.api.db.models import Project
from services.core import hosts, manifest
from services.core.storage import Storage
from tests.api.conftest import TOKEN, make_settings, post_webhook, push_payload, wait_for
from tests.support.gitrepo import GitRepo, node_site

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
Client = AsyncTestClient  # type: ignore[type-arg]


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


@pytest.fixture
async def live(
    tmp_path: Path, repo: GitRepo, database_url: str
) -> AsyncIterator[tuple[Client, Storage]]:
    """The api with its dispatcher and the local builder, on SQLite and on PostgreSQL."""
    settings = make_settings(tmp_path, database_url, build_timeout=10)
    async with AsyncTestClient(app=create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"
        created = await client.post(
            "/api/projects",
            json={"name": "site", "repo_url": repo.url, "github_repo": "acme/site"},
        )
        assert created.status_code == 201
        yield client, Storage(settings.resolved_storage_url)


async def push(
    client: Client, repo: GitRepo, title: str, build: str = "ok", branch: str = "main"
) -> str:
    if branch != "main":
        repo.checkout(branch, create=branch not in repo.git("branch"))
    commit = repo.commit(node_site(title, build))
    response = await post_webhook(client, push_payload(branch=branch, after=commit))
    [deployment_id] = response.json()["deployments"]
    return str(deployment_id)


async def production_of(storage: Storage) -> str:
    route = manifest.decode_route(await storage.get(hosts.route_key("site.localhost")))
    return route.deployment


async def test_promote_and_rollback(live: tuple[Client, Storage], repo: GitRepo) -> None:
    client, storage = live
    first = await push(client, repo, "one")
    assert (await wait_for(client, first, ("ready", "failed")))["status"] == "ready"
    second = await push(client, repo, "two")
    assert (await wait_for(client, second, ("ready", "failed")))["status"] == "ready"
    assert await production_of(storage) == second

    rollback = await client.post(f"/api/deployments/{first}/promote", json={"actor": "alice"})
    assert rollback.status_code == 200
    assert rollback.json()["production"] is True
    assert await production_of(storage) == first
    project = (await client.get("/api/projects/site")).json()
    assert (project["production_deployment"]["id"], project["promoted_by"]) == (first, "alice")
    assert project["promoted_at"]


async def test_an_old_push_sent_again_does_not_roll_production_back(
    live: tuple[Client, Storage], repo: GitRepo
) -> None:
    client, storage = live
    first_commit = repo.commit(node_site("one"))
    first_push = push_payload(after=first_commit)
    [first] = (await post_webhook(client, first_push)).json()["deployments"]
    assert (await wait_for(client, first, ("ready", "failed")))["status"] == "ready"
    second = await push(client, repo, "two")
    assert (await wait_for(client, second, ("ready", "failed")))["status"] == "ready"
    replayed = await post_webhook(client, first_push)  # a new delivery id, the old body
    assert (replayed.status_code, replayed.json()["status"]) == (200, "replay")
    assert replayed.json()["deployments"] == []
    assert len((await client.get("/api/projects/site/deployments")).json()) == 2
    assert await production_of(storage) == second


async def test_a_stored_command_the_runner_cannot_take_fails_its_build_saying_why(
    live: tuple[Client, Storage], repo: GitRepo, database_url: str
) -> None:
    client, _ = live
    # The api refuses such a command now; a project may have stored one before it did.
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                update(Project).where(Project.name == "site").values(build_command="true\nfalse")
            )
    finally:
        await engine.dispose()
    d = await push(client, repo, "one")
    final = await wait_for(client, d, ("ready", "failed"))
    assert (final["status"], final["reason"]) == ("failed", "internal")
    assert "SLIPWAY_BUILD_COMMAND must be one line" in final["error"]


async def test_cancel_a_running_build(live: tuple[Client, Storage], repo: GitRepo) -> None:
    client, storage = live
    d = await push(client, repo, "slow", build="slow")
    await wait_for(client, d, ("building",))
    assert (await client.post(f"/api/deployments/{d}/cancel")).status_code == 202
    final = await wait_for(client, d, ("canceled", "ready", "failed"))
    assert (final["status"], final["reason"]) == ("canceled", "canceled")
    assert not await storage.exists(manifest.manifest_key(d))


async def test_newer_push_cancels_the_running_build(
    live: tuple[Client, Storage], repo: GitRepo
) -> None:
    client, _ = live
    older = await push(client, repo, "slow", build="slow")
    await wait_for(client, older, ("building",))
    newer = await push(client, repo, "fast")
    assert (await wait_for(client, older, ("canceled", "ready", "failed")))["status"] == "canceled"
    assert (await wait_for(client, newer, ("ready", "failed")))["status"] == "ready"


async def test_branch_push_gets_a_branch_host_and_deletion_removes_it(
    live: tuple[Client, Storage], repo: GitRepo
) -> None:
    client, storage = live
    d = await push(client, repo, "feature", branch="feature/x")
    assert (await wait_for(client, d, ("ready", "failed")))["status"] == "ready"
    branch_key = hosts.route_key(hosts.branch_host("site", "feature/x", "localhost"))
    assert await storage.exists(branch_key)
    assert not await storage.exists(hosts.route_key("site.localhost"))  # not production
    head = (await client.get(f"/api/deployments/{d}")).json()["commit"]
    deleted = push_payload(branch="feature/x", before=head, after="0" * 40, deleted=True)
    assert (await post_webhook(client, deleted)).status_code == 202
    assert not await storage.exists(branch_key)
    assert await storage.exists(hosts.route_key(f"site-{d[:8]}.localhost"))


async def test_a_project_named_like_a_deployed_branch_is_refused(
    live: tuple[Client, Storage], repo: GitRepo
) -> None:
    client, storage = live
    d = await push(client, repo, "feature", branch="x")
    assert (await wait_for(client, d, ("ready", "failed")))["status"] == "ready"
    taken = await client.post("/api/projects", json={"name": "site-git-x", "repo_url": repo.url})
    assert taken.status_code == 409
    assert "'site'" in taken.text
    route = manifest.decode_route(await storage.get(hosts.route_key("site-git-x.localhost")))
    assert (route.project, route.deployment) == ("site", d)


async def test_failed_clone_has_a_reason(live: tuple[Client, Storage]) -> None:
    client, _ = live
    await client.patch("/api/projects/site", json={"repo_url": "file:///nonexistent/repo"})
    d = (await client.post("/api/projects/site/deployments", json={})).json()["id"]
    final = await wait_for(client, d, ("ready", "failed", "canceled"))
    assert (final["status"], final["reason"]) == ("failed", "clone")
    assert final["error"]


async def test_build_past_its_timeout_fails_with_reason_timeout(
    tmp_path: Path, repo: GitRepo
) -> None:
    settings = make_settings(
        tmp_path, f"sqlite+aiosqlite:///{tmp_path / 't.sqlite'}", build_timeout=1
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"
        await client.post(
            "/api/projects", json={"name": "site", "repo_url": repo.url, "github_repo": "acme/site"}
        )
        d = await push(client, repo, "slow", build="slow")
        final = await wait_for(client, d, ("ready", "failed", "canceled"))
        assert (final["status"], final["reason"]) == ("failed", "timeout")


async def test_global_concurrency_limit(tmp_path: Path, repo: GitRepo) -> None:
    settings = make_settings(
        tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'c.sqlite'}", max_concurrent_builds=1
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"
        for name in ("one", "two"):
            await client.post(
                "/api/projects",
                json={"name": name, "repo_url": repo.url, "github_repo": "acme/site"},
            )
        repo.commit(node_site("slow", build="slow"))
        response = await post_webhook(client, push_payload(after=repo.git("rev-parse", "HEAD")))
        first, second = response.json()["deployments"]
        a = await wait_for(client, first, ("ready", "failed"))
        b = await wait_for(client, second, ("ready", "failed"))
        assert a["status"] == b["status"] == "ready"
        earlier, later = sorted((a, b), key=lambda d: d["started_at"])
        assert later["started_at"] >= earlier["finished_at"]


async def test_logs_follow_a_build_and_mask_build_variables(
    live: tuple[Client, Storage], repo: GitRepo
) -> None:
    client, _ = live
    await client.patch("/api/projects/site", json={"env": {"SECRET_KEY": "hunter2-value"}})
    files = node_site("logs")
    files["package.json"] = files["package.json"].replace(
        '"build": "', '"build": "node -e \\"console.log(\'key=\'+process.env.SECRET_KEY)\\" && '
    )
    commit = repo.commit(files)
    [d] = (await post_webhook(client, push_payload(after=commit))).json()["deployments"]
    followed = ""
    async with client.stream("GET", f"/api/deployments/{d}/logs", params={"follow": "true"}) as r:
        assert r.status_code == 200
        async for chunk in r.aiter_text():
            followed += chunk
    final = await wait_for(client, d, ("ready", "failed"))
    assert final["status"] == "ready", followed
    stored = (await client.get(f"/api/deployments/{d}/logs")).text
    for text in (followed, stored):
        assert "key=" in text
        assert "hunter2-value" not in text


async def test_ignore_command_exit_zero_skips_the_build(
    live: tuple[Client, Storage], repo: GitRepo
) -> None:
    client, storage = live
    await client.patch(
        "/api/projects/site", json={"ignore_command": "git diff --quiet HEAD^ HEAD -- docs"}
    )
    repo.commit(node_site("first"))
    commit = repo.commit({"README.md": "only the readme changed"})  # nothing under docs/
    [d] = (await post_webhook(client, push_payload(after=commit))).json()["deployments"]
    final = await wait_for(client, d, ("ready", "failed", "canceled"))
    assert (final["status"], final["reason"]) == ("canceled", "skipped")
    assert not await storage.exists(manifest.manifest_key(d))
    # A change under docs/ makes the ignore command exit 1: that commit builds.
    commit = repo.commit({"docs/index.md": "new page"})
    [d] = (await post_webhook(client, push_payload(after=commit))).json()["deployments"]
    assert (await wait_for(client, d, ("ready", "failed", "canceled")))["status"] == "ready"


def site_showing_variable(name: str) -> dict[str, str]:
    """A site whose build prints `$name` to the log and writes it into index.html."""
    build = (
        f"const v = process.env.{name} || 'unset';\n"
        f"console.log('{name}=' + v);\n"
        "require('fs').mkdirSync('dist', {recursive: true});\n"
        "require('fs').writeFileSync('dist/index.html', v);\n"
    )
    package = {
        "name": "site",
        "version": "1.0.0",
        "private": True,
        "scripts": {"build": "node build.js"},
    }
    return {"package.json": json.dumps(package), "build.js": build}


async def built_value(client: Client, storage: Storage, deployment_id: str) -> str:
    final = await wait_for(client, deployment_id, ("ready", "failed"))
    log = (await client.get(f"/api/deployments/{deployment_id}/logs")).text
    assert final["status"] == "ready", log
    published = manifest.decode_manifest(await storage.get(manifest.manifest_key(deployment_id)))
    [page] = published.files.values()
    return (await storage.get(manifest.file_key(deployment_id, page.key))).decode()


async def test_each_deploy_context_builds_with_its_own_variables(
    live: tuple[Client, Storage], repo: GitRepo
) -> None:
    client, storage = live
    groups = {
        "env": {"GREETING": "from-env", "KEPT": "kept"},
        "production_env": {"GREETING": "from-production-env"},
        "preview_env": {"GREETING": "from-preview-env"},
    }
    assert (await client.patch("/api/projects/site", json=groups)).status_code == 200

    production = await post_webhook(
        client, push_payload(after=repo.commit(site_showing_variable("GREETING")))
    )
    [prod_id] = production.json()["deployments"]
    assert await built_value(client, storage, prod_id) == "from-production-env"
    assert (await client.get(f"/api/deployments/{prod_id}")).json()["context"] == "production"

    repo.checkout("feature", create=True)
    feature_commit = repo.commit({"page.txt": "feature"})
    branch = await post_webhook(client, push_payload(branch="feature", after=feature_commit))
    [branch_id] = branch.json()["deployments"]
    assert await built_value(client, storage, branch_id) == "from-preview-env"
    assert (await client.get(f"/api/deployments/{branch_id}")).json()["context"] == "branch-deploy"

    pull_request = {
        "action": "opened",
        "number": 4,
        "repository": {"full_name": "acme/site"},
        "pull_request": {
            "title": "Feature",
            "head": {"sha": feature_commit, "ref": "feature", "repo": {"full_name": "acme/site"}},
            "base": {"ref": "main", "repo": {"full_name": "acme/site"}},
        },
    }
    preview = await post_webhook(client, pull_request, event="pull_request")
    [preview_id] = preview.json()["deployments"]
    assert await built_value(client, storage, preview_id) == "from-preview-env"
    listed = (await client.get("/api/projects/site/deployments")).json()
    assert [d["context"] for d in listed] == ["deploy-preview", "branch-deploy", "production"]


async def test_logs_mask_preview_variables(live: tuple[Client, Storage], repo: GitRepo) -> None:
    client, _ = live
    await client.patch("/api/projects/site", json={"preview_env": {"TOKEN": "preview-s3cret"}})
    repo.checkout("feature", create=True)
    commit = repo.commit(site_showing_variable("TOKEN"))
    [d] = (await post_webhook(client, push_payload(branch="feature", after=commit))).json()[
        "deployments"
    ]
    followed = ""
    async with client.stream("GET", f"/api/deployments/{d}/logs", params={"follow": "true"}) as r:
        async for chunk in r.aiter_text():
            followed += chunk
    assert (await wait_for(client, d, ("ready", "failed")))["status"] == "ready", followed
    stored = (await client.get(f"/api/deployments/{d}/logs")).text
    for text in (followed, stored):
        assert "TOKEN=***" in text
        assert "preview-s3cret" not in text
