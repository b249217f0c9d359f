"""Garbage collection against real storage (a directory, and S3 on moto) and real databases
(SQLite and PostgreSQL): retention, routed deployments, deleted projects, partial publishes.

The collector's clock runs ahead of the real one, so objects written now are old to it:
`AHEAD` is past the safety age, and a collector on the real clock sees them as young.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.api.app import create_app
from services.api.collector import Collector
from services.api.db.engine import create_engine, migrate, session_factory
from services.api.db.models import Deployment, Project, Promotion
from services.api.gc_report import Report
from services.api.retention import Rule
from services.core import hosts
from services.core import manifest as mf
from services.core.settings import Settings
from services.core.storage import Storage
from tests.api.conftest import TOKEN, make_settings
from tests.support.api_server import serve_api

pytestmark = pytest.mark.anyio
AHEAD = timedelta(days=3)
DOMAIN = "localhost"


@pytest.fixture(params=["local", "s3"])
def storage_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "local":
        return (tmp_path / "storage").as_uri()
    return str(request.getfixturevalue("s3_storage_url"))


@dataclass
class World:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    storage: Storage
    now: datetime  # the collector's "now": AHEAD of the real clock

    def collector(self, clock_ahead: bool = True) -> Collector:
        clock = (lambda: self.now) if clock_ahead else (lambda: datetime.now(UTC))
        return Collector(self.settings, self.sessions, self.storage, clock=clock)

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    async def project(self, name: str, production: str | None = None) -> None:
        async with self.sessions() as session, session.begin():
            session.add(Project(name=name, repo_url="file:///dev/null", production_branch="main"))
        if production:
            await self.set_production(name, production)

    async def set_production(self, name: str, deployment_id: str) -> None:
        async with self.sessions() as session, session.begin():
            project = await session.get(Project, name)
            assert project is not None
            project.production_deployment_id = deployment_id

    async def deployment(
        self,
        id: str,
        age: float,
        status: str = "ready",
        ref: str = "main",
        project: str = "site",
        publish: bool = True,
    ) -> None:
        async with self.sessions() as session, session.begin():
            session.add(
                Deployment(
                    id=id,
                    project_name=project,
                    status=status,
                    ref=ref,
                    commit="a" * 40,
                    created_at=self.ago(age),
                    started_at=self.ago(age),
                    finished_at=None if status in ("queued", "building") else self.ago(age),
                )
            )
        if publish:
            await self.publish(id, project, complete=status == "ready")
        if status == "ready":
            await self.route(hosts.deployment_host(project, id, DOMAIN), project, id, "deployment")

    async def promotion(self, project: str, deployment_id: str, age: float) -> None:
        async with self.sessions() as session, session.begin():
            session.add(
                Promotion(
                    project_name=project,
                    deployment_id=deployment_id,
                    actor="test",
                    created_at=self.ago(age),
                )
            )

    async def publish(self, deployment_id: str, project: str, complete: bool = True) -> None:
        """What a build uploads: files, then the manifest last; the log when it ends."""
        await self.storage.put(mf.file_key(deployment_id, "files/index.html"), b"<h1>hi</h1>")
        await self.storage.put(mf.file_key(deployment_id, "files/app.js"), b"console.log(1)")
        if complete:
            manifest = mf.Manifest(
                deployment=deployment_id, project=project, created_at="2026-01-01", files={}
            )
            await self.storage.put(mf.manifest_key(deployment_id), mf.encode(manifest))
        await self.storage.put(mf.build_log_key(deployment_id), b"build log\n")

    async def route(self, host: str, project: str, deployment_id: str, kind: mf.RouteKind) -> None:
        route = mf.Route(project=project, deployment=deployment_id, kind=kind, updated_at="now")
        await self.storage.put(hosts.route_key(host), mf.encode(route))

    async def keys(self, prefix: str = "") -> set[str]:
        return {o.key for o in await self.storage.list(prefix)}

    async def records(self) -> set[str]:
        async with self.sessions() as session:
            return set((await session.scalars(select(Deployment.id))).all())

    async def stored(self) -> set[str]:
        return set(await self.storage.children("deployments"))


@pytest.fixture
async def world(tmp_path: Path, database_url: str, storage_url: str) -> AsyncIterator[World]:
    settings = make_settings(
        tmp_path,
        database_url,
        storage_url=storage_url,
        retention_branch_deployments=2,
        retention_days=7,
        gc_safety_age=86400,
    )
    engine = create_engine(settings.resolved_database_url)
    await migrate(engine)
    yield World(settings, session_factory(engine), Storage(storage_url), datetime.now(UTC) + AHEAD)
    await engine.dispose()


async def history(world: World) -> None:
    """One project with a bit of everything (keep per branch: 2, window: 7 days).

    main: m1..m5, m3 in production since 5 days, m2 in production before it (from 10 days
    ago), m1 long before; feature: f1..f3; failures: x1 (30 days ago), x2 (2 days ago,
    left files behind); b1 is still building; o1 has objects and no record.
    """
    await world.project("site")
    for i, age in enumerate((30, 20, 15, 4, 3), start=1):
        await world.deployment(f"m{i}", age)
    for i, age in enumerate((12, 11, 10), start=1):
        await world.deployment(f"f{i}", age, ref="feature")
    await world.promotion("site", "m1", 40)
    await world.promotion("site", "m2", 10)
    await world.promotion("site", "m3", 5)
    await world.set_production("site", "m3")
    await world.route(hosts.production_host("site", DOMAIN), "site", "m3", "production")
    await world.route(hosts.branch_host("site", "main", DOMAIN), "site", "m5", "branch")
    await world.route(hosts.branch_host("site", "feature", DOMAIN), "site", "f3", "branch")
    await world.deployment("x1", 30, status="failed")
    await world.deployment("x2", 2, status="failed")
    await world.deployment("b1", 0.1, status="building")
    await world.publish("o1", "site", complete=False)


def by_rule(report: Report) -> dict[str, Rule]:
    return {str(d.deployment or d.target): d.rule for d in report.deletions}


async def test_a_dry_run_names_each_rule_and_deletes_nothing(world: World) -> None:
    await history(world)
    before = await world.keys()

    report = await world.collector().run(dry_run=True)

    assert by_rule(report) == {
        "m1": Rule.BEYOND_RETENTION,
        "f1": Rule.BEYOND_RETENTION,
        "x1": Rule.EXPIRED_FAILURE,
        "x2": Rule.PARTIAL_PUBLISH,
        "o1": Rule.UNRECORDED,
    }
    assert await world.keys() == before
    assert {"m1", "f1", "x1"} <= await world.records()


async def test_a_run_keeps_exactly_what_the_rules_say(world: World) -> None:
    await history(world)

    await world.collector().run()

    assert await world.records() == {"m2", "m3", "m4", "m5", "f2", "f3", "x2", "b1"}
    assert await world.stored() == {"m2", "m3", "m4", "m5", "f2", "f3", "x2", "b1"}
    # The partial publish of x2 goes; its log stays with its record.
    assert await world.keys("deployments/x2/") == {mf.build_log_key("x2")}
    assert await world.keys("deployments/m2/") == {
        mf.manifest_key("m2"),
        mf.build_log_key("m2"),
        mf.file_key("m2", "files/index.html"),
        mf.file_key("m2", "files/app.js"),
    }
    # A dropped deployment's own host goes with it; the others' stay.
    routes = await world.keys("routes/")
    assert hosts.route_key(hosts.deployment_host("site", "m1", DOMAIN)) not in routes
    assert hosts.route_key(hosts.deployment_host("site", "m2", DOMAIN)) in routes
    if world.storage.local_root is not None:
        assert not (world.storage.local_root / "deployments" / "m1").exists()


async def test_a_routed_deployment_stays_though_the_rules_drop_it(world: World) -> None:
    await history(world)
    await world.route("pinned.example.com", "site", "m1", "domain")
    await world.route("site-git-old.localhost", "site", "o1", "branch")

    report = await world.collector().run()

    assert {k.deployment: k.reason for k in report.kept} == {
        "m1": "routed by pinned.example.com",
        "o1": "routed by site-git-old.localhost",
    }
    assert {"m1", "o1"} <= await world.stored()
    assert "m1" in await world.records()
    assert mf.manifest_key("m1") in await world.keys("deployments/m1/")


async def test_a_route_written_after_planning_still_protects(world: World) -> None:
    """The re-check right before deleting reads the routes again."""
    await history(world)
    collector = world.collector()
    plan = await collector.plan()
    await world.route("late.example.com", "site", "f1", "domain")
    await world.route("site-git-orphan.localhost", "site", "o1", "branch")

    report = await collector.apply(plan)

    assert {"f1", "o1"} <= await world.stored()
    assert {k.deployment for k in report.kept} >= {"f1", "o1"}
    assert mf.manifest_key("f1") in await world.keys("deployments/f1/")
    assert "m1" not in await world.stored()


async def test_a_promotion_after_planning_keeps_the_record(world: World) -> None:
    """The rules are applied again under the project's lock before a record goes."""
    await history(world)
    collector = world.collector()
    plan = await collector.plan()
    await world.promotion("site", "f1", 0)
    await world.set_production("site", "f1")
    await world.route(hosts.production_host("site", DOMAIN), "site", "f1", "production")

    await collector.apply(plan)

    assert "f1" in await world.records()
    assert mf.manifest_key("f1") in await world.keys("deployments/f1/")


async def test_partial_publishes_are_swept_only_after_the_safety_age(world: World) -> None:
    await world.project("site")
    await world.deployment("x1", 0, status="failed")  # ended just now (collector's clock)
    await world.publish("o1", "site", complete=False)  # written just now (real clock)

    young = await world.collector(clock_ahead=False).run()
    assert young.deletions == []
    assert {k.deployment: k.reason for k in young.kept} == {"o1": "younger than the safety age"}
    ahead = await world.collector().run()
    assert by_rule(ahead) == {"o1": Rule.UNRECORDED}
    assert await world.stored() == {"x1"}

    world.now += timedelta(days=2)
    await world.collector().run()
    assert await world.keys("deployments/") == {mf.build_log_key("x1")}


async def test_two_runs_at_once_and_a_third_after_agree(world: World) -> None:
    await history(world)
    expected = {"m2", "m3", "m4", "m5", "f2", "f3", "x2", "b1"}

    await asyncio.gather(world.collector().run(), world.collector().run())

    assert await world.records() == expected
    assert await world.stored() == expected
    again = await world.collector().run()
    assert again.deletions == []
    assert await world.records() == expected


async def test_leftovers_of_a_deleted_project_go(world: World) -> None:
    """Routes and caches naming a project the database no longer has."""
    await world.project("site")
    await world.route("gone.localhost", "gone", "g1", "production")
    await world.storage.put("cache/gone/production/npm.tar", b"cache")
    await world.storage.put("cache/site/production/npm.tar", b"cache")

    report = await world.collector().run()

    assert sorted((d.kind, d.target) for d in report.deletions) == [
        ("cache", "cache/gone/"),
        ("route", "gone.localhost"),
    ]
    assert await world.keys() == {"cache/site/production/npm.tar"}


@pytest.fixture
async def api(world: World) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    app = create_app(world.settings, run_dispatcher=False)
    async with AsyncTestClient(app=app) as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"
        yield client


async def test_deleting_a_project_leaves_none_of_its_objects(
    world: World,
    api: AsyncTestClient,  # type: ignore[type-arg]
) -> None:
    await history(world)
    await world.project("other", production="z1")
    await world.deployment("z1", 1, project="other")
    await world.storage.put("cache/site/production/npm.tar", b"cache")
    await world.storage.put("cache/site/preview/npm.tar", b"cache")
    others = await world.keys("deployments/z1/")
    other_routes = {k for k in await world.keys("routes/") if "/other" in k}

    response = await api.delete("/api/projects/site")

    assert response.status_code == 204
    left = await world.keys()
    assert {k for k in left if k.startswith(("routes/site", "cache/site"))} == set()
    # o1 was never a record of the project: it waits for the unrecorded rule.
    assert await world.stored() == {"z1", "o1"}
    assert others | other_routes <= left
    assert (await api.delete("/api/projects/site")).status_code == 404
    again = await world.collector().purge_project("site", ["m1", "m2", "x1"])
    assert (again.deletions, again.kept) == ([], [])
    if world.storage.local_root is not None:
        root = world.storage.local_root
        assert sorted(p.name for p in (root / "deployments").iterdir()) == ["o1", "z1"]
        assert not (root / "cache" / "site").exists()


async def test_a_recreated_project_starts_with_an_empty_cache_and_no_routes(
    world: World,
    api: AsyncTestClient,  # type: ignore[type-arg]
) -> None:
    body = {"name": "site", "repo_url": "file:///srv/site.git"}
    assert (await api.post("/api/projects", json=body)).status_code == 201
    await world.storage.put("cache/site/production/npm.tar", b"cache")
    assert (await api.delete("/api/projects/site")).status_code == 204
    # A build of the old project still ending when it was deleted writes late.
    await world.storage.put("cache/site/preview/npm.tar", b"late")
    await world.route("site-git-main.localhost", "site", "old1", "branch")
    await world.route("site-old12345.localhost", "site", "old12345", "deployment")
    # Another project's host of the same shape is not the new project's to clear.
    await world.project("site-2")
    await world.route("site-2.localhost", "site-2", "s2", "production")

    assert (await api.post("/api/projects", json=body)).status_code == 201

    assert await world.keys("cache/") == set()
    assert await world.keys("routes/") == {"routes/site-2.localhost.json"}
    assert (await api.post("/api/projects", json=body)).status_code == 409


async def test_the_api_runs_gc_and_answers_what_went(
    world: World,
    api: AsyncTestClient,  # type: ignore[type-arg]
) -> None:
    await world.project("site")
    await world.publish("o1", "site", complete=False)
    await world.route("gone.localhost", "gone", "g1", "production")

    dry = await api.post("/api/gc", json={"dry_run": True})
    assert dry.status_code == 200, dry.text
    assert [(d["kind"], d["rule"]) for d in dry.json()["deletions"]] == [
        ("route", "deleted-project")
    ]
    assert dry.json()["kept"] == [
        {
            "target": "deployments/o1/",
            "reason": "younger than the safety age",
            "project": None,
            "deployment": "o1",
        }
    ]
    assert await world.keys("routes/") == {"routes/gone.localhost.json"}

    done = await api.post("/api/gc")
    assert done.status_code == 200
    assert done.json()["dry_run"] is False
    assert await world.keys("routes/") == set()
    assert (await api.post("/api/gc", headers={"Authorization": "Bearer wrong"})).status_code == 401


async def test_the_api_collects_on_its_own_every_interval(world: World) -> None:
    await world.route("gone.localhost", "gone", "g1", "production")
    settings = world.settings.model_copy(update={"gc_interval": 0.2})

    async with AsyncTestClient(app=create_app(settings)):
        for _ in range(300):  # a limit for a broken schedule, not a timing assertion
            if not await world.keys("routes/"):
                break
            await asyncio.sleep(0.1)

    assert await world.keys("routes/") == set()


async def test_promotions_racing_runs_never_lose_what_they_put_in_production(
    world: World,
) -> None:
    """Each promotion either wins (and its deployment stays, files and all) or finds its
    deployment gone; production always serves a deployment that is stored. The api serves
    the promotions from a thread of its own while two runs go on here; they start at
    staggered moments, so some land before a run deletes records and some after."""
    await world.project("site")
    for i in range(8):
        await world.deployment(f"m{i}", 30 - i)
    targets = [f"m{i}" for i in range(6)]
    collector = world.collector()
    plan = await collector.plan()
    assert by_rule(plan) == dict.fromkeys(targets, Rule.BEYOND_RETENTION)

    with serve_api(world.settings) as url:
        async with httpx.AsyncClient(
            base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
        ) as client:

            async def promote(deployment_id: str, delay: float) -> int:
                await asyncio.sleep(delay)
                return (await client.post(f"/api/deployments/{deployment_id}/promote")).status_code

            async def later(delay: float, work: Awaitable[Report]) -> Report:
                await asyncio.sleep(delay)
                return await work

            answers = await asyncio.gather(
                *(promote(t, 0.02 * i) for i, t in enumerate(targets)),
                later(0.05, collector.apply(plan)),
                later(0.1, world.collector().run()),
            )

    codes = dict(zip(targets, answers[: len(targets)], strict=True))
    assert set(codes.values()) <= {200, 404, 409}
    records, stored = await world.records(), await world.stored()
    for deployment_id in (t for t, code in codes.items() if code == 200):
        assert deployment_id in records
        assert mf.manifest_key(deployment_id) in await world.keys(f"deployments/{deployment_id}/")
    production = await world.storage.get_or_none(
        hosts.route_key(hosts.production_host("site", DOMAIN))
    )
    served = {mf.decode_route(production).deployment} if production else set()
    assert served <= records & stored
    assert {"m6", "m7"} <= stored
