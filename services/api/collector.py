"""Garbage collection: retention, deleted projects' leftovers, and partial publishes.

A run first plans from one look at the database and the storage, then acts on the plan,
checking each item again right before it goes:
1. routes and caches of projects that no longer exist (the project is looked up again);
2. deployment records the retention rules drop, deleted per project under the project's
   row lock, after the rules are applied again to what the database says at that moment;
3. the objects of those deployments, of deployments without a record, and the partial
   publishes of failed ones: right before each, the hosts that could route to it are read
   again, and a routed deployment is kept whatever the rules say.
Every step is idempotent and can run beside builds, promotions and another run.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.core import hosts
from services.core.manifest import Route
from services.core.settings import Settings
from services.core.storage import ObjectInfo, Storage, StorageError

from . import object_sweep as sweep
from .db.models import Deployment, Project, Promotion
from .gc_report import Deletion, Kept, Kind, Report
from .lifecycle import FINAL, Status
from .production import lock_project
from .retention import Policy, Rule, records_to_drop
from .site_routes import deployment_hosts, production_hosts

log = logging.getLogger("slipway.gc")

FAILED_OR_CANCELED = frozenset({Status.FAILED, Status.CANCELED})
# The rules that let a deployment's record go (the others take objects only).
RECORD_RULES = frozenset({Rule.BEYOND_RETENTION, Rule.EXPIRED_FAILURE})


@dataclass
class _Snapshot:
    projects: dict[str, Project]
    deployments: dict[str, Deployment]
    routes: dict[str, Route]


def _now() -> datetime:
    return datetime.now(UTC)


class Collector:
    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        storage: Storage,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.storage = storage
        self.policy = Policy.from_settings(settings)
        self.clock = clock

    async def run(self, *, dry_run: bool = False) -> Report:
        planned = await self.plan()
        if dry_run:
            return planned
        return await self.apply(planned)

    # -- planning --------------------------------------------------------------------------

    async def _snapshot(self) -> _Snapshot:
        # Routes before records: a deployment promoted meanwhile is then still a record.
        routes = await sweep.scan_routes(self.storage)
        async with self.sessions() as session:
            projects = {p.name: p for p in (await session.scalars(select(Project))).all()}
            deployments = {d.id: d for d in (await session.scalars(select(Deployment))).all()}
        return _Snapshot(projects, deployments, routes)

    async def plan(self) -> Report:
        now = self.clock()
        snap = await self._snapshot()
        report = Report(dry_run=True)
        orphans = sorted(h for h, r in snap.routes.items() if r.project not in snap.projects)
        for host in orphans:
            report.deletions.append(
                Deletion("route", host, Rule.DELETED_PROJECT, snap.routes[host].project, objects=1)
            )
        routed = sweep.routed_by({h: r for h, r in snap.routes.items() if h not in orphans})
        dropped = await self._dropped_records(snap, now)
        stored = await self.storage.children("deployments")
        for deployment_id in sorted(set(stored) | set(dropped)):
            d = snap.deployments.get(deployment_id)
            found = await self._candidate(d, deployment_id, dropped, now)
            if found is None:
                continue
            kind, rule, objects = found
            prefix = sweep.deployment_prefix(deployment_id)
            project = d.project_name if d else None
            if deployment_id in routed:
                reason = f"routed by {routed[deployment_id]}"
                report.kept.append(Kept(prefix, reason, project, deployment_id))
            elif rule is None:
                reason = "younger than the safety age"
                report.kept.append(Kept(prefix, reason, project, deployment_id))
            else:
                report.deletions.append(
                    Deletion.of_objects(
                        kind, prefix, rule, objects, project=project, deployment=deployment_id
                    )
                )
        for name in await self.storage.children("cache"):
            if name not in snap.projects:
                objects = await self.storage.list(sweep.cache_prefix(name))
                report.deletions.append(
                    Deletion.of_objects(
                        "cache",
                        sweep.cache_prefix(name),
                        Rule.DELETED_PROJECT,
                        objects,
                        project=name,
                    )
                )
        return report

    async def _dropped_records(self, snap: _Snapshot, now: datetime) -> dict[str, Rule]:
        promotions: dict[str, list[Promotion]] = defaultdict(list)
        async with self.sessions() as session:
            for p in (await session.scalars(select(Promotion))).all():
                promotions[p.project_name].append(p)
        by_project: dict[str, list[Deployment]] = defaultdict(list)
        for d in snap.deployments.values():
            by_project[d.project_name].append(d)
        dropped: dict[str, Rule] = {}
        for name, project in snap.projects.items():
            dropped |= records_to_drop(
                project, by_project[name], promotions[name], self.policy, now
            )
        return dropped

    async def _candidate(
        self, d: Deployment | None, deployment_id: str, dropped: dict[str, Rule], now: datetime
    ) -> tuple[Kind, Rule | None, list[ObjectInfo]] | None:
        """What a deployment's objects are to the rules: (kind, the rule, or None when too
        young to judge, the objects), or None when they stay."""
        prefix = sweep.deployment_prefix(deployment_id)
        if d is not None and d.id in dropped:
            return "deployment", dropped[d.id], await self.storage.list(prefix)
        if d is not None:  # a kept record: only a failure's leftovers may go, once it is old
            ended = d.finished_at or d.created_at
            if d.status not in FAILED_OR_CANCELED or now - ended < self.policy.safety_age:
                return None
            partial = sweep.partial_objects(await self.storage.list(prefix), deployment_id)
            return ("partial", Rule.PARTIAL_PUBLISH, partial) if partial else None
        objects = await self.storage.list(prefix)
        if not objects:
            return None
        changed = sweep.newest(objects)
        if changed is not None and now - changed < self.policy.safety_age:
            return "deployment", None, objects
        return "deployment", Rule.UNRECORDED, objects

    # -- acting ----------------------------------------------------------------------------

    async def apply(self, planned: Report) -> Report:
        """Act on a plan, checking each item again right before it goes."""
        done = Report(dry_run=False, kept=list(planned.kept))
        routes = [x for x in planned.deletions if x.kind == "route"]
        caches = [x for x in planned.deletions if x.kind == "cache"]
        records = [x for x in planned.deletions if x.rule in RECORD_RULES]
        for item in routes:
            if await self._delete_orphan_route(item):
                done.deletions.append(item)
        for item in caches:
            if await self._project_gone(item.project):
                await self.clear_cache(str(item.project))
                done.deletions.append(item)
        confirmed = await self._delete_records(records)
        objects = [
            x
            for x in planned.deletions
            if x.kind == "partial"
            or x.rule == Rule.UNRECORDED
            or (x.deployment in confirmed and x.kind == "deployment")
        ]
        fresh = await sweep.scan_routes(self.storage)
        for item in objects:
            outcome = await self._delete_deployment_objects(
                item, confirmed.get(str(item.deployment)), fresh
            )
            if isinstance(outcome, Kept):
                done.kept.append(outcome)
            elif outcome is not None:
                done.deletions.append(outcome)
        return done

    async def _project_gone(self, name: str | None) -> bool:
        async with self.sessions() as session:
            return name is not None and await session.get(Project, name) is None

    async def _delete_orphan_route(self, item: Deletion) -> bool:
        route = await sweep.read_route(self.storage, item.target)
        if route is None or not await self._project_gone(route.project):
            return False
        await self.storage.delete(hosts.route_key(item.target))
        log.info("gc: deleted route %s of deleted project %s", item.target, route.project)
        return True

    async def clear_cache(self, project: str) -> int:
        """Delete every object under the project's cache prefix."""
        objects = await self.storage.list(sweep.cache_prefix(project))
        return await sweep.delete_objects(self.storage, objects)

    async def _delete_records(self, items: list[Deletion]) -> dict[str, Deployment]:
        """Delete the planned records the rules still drop now; the deleted rows by id."""
        planned: dict[str, dict[str, Rule]] = defaultdict(dict)
        for item in items:
            planned[str(item.project)][str(item.deployment)] = item.rule
        deleted: dict[str, Deployment] = {}
        for name, wanted in planned.items():
            deleted |= await self._delete_project_records(name, wanted)
        return deleted

    async def _delete_project_records(
        self, name: str, wanted: dict[str, Rule]
    ) -> dict[str, Deployment]:
        async with self.sessions() as session, session.begin():
            # The lock every production switch takes: none of this project runs meanwhile,
            # and one that follows finds the record gone.
            project = await lock_project(session, name)
            if project is None:
                return {}
            rows = (
                await session.scalars(select(Deployment).where(Deployment.project_name == name))
            ).all()
            promotions = (
                await session.scalars(select(Promotion).where(Promotion.project_name == name))
            ).all()
            now = self.clock()
            still = records_to_drop(project, rows, promotions, self.policy, now)
            ids = [i for i, rule in wanted.items() if still.get(i) == rule]
            if not ids:
                return {}
            await session.execute(
                delete(Deployment)
                .where(Deployment.id.in_(ids))
                .where(Deployment.status.in_(FINAL))
                .where(Deployment.id != project.production_deployment_id)
                .execution_options(synchronize_session=False)
            )
            gone = {d.id: d for d in rows if d.id in ids}
        for deployment_id in gone:
            log.info(
                "gc: deleted deployment record %s of %s (%s)",
                deployment_id,
                name,
                wanted[deployment_id],
            )
        return gone

    async def _delete_deployment_objects(
        self, item: Deletion, record: Deployment | None, fresh: dict[str, Route]
    ) -> Deletion | Kept | None:
        deployment_id = str(item.deployment)
        current = await self._record(deployment_id)
        # A whole deployment goes only without a record; a partial one only with a failed one.
        if item.kind == "deployment" and current is not None:
            return None
        if item.kind == "partial" and (current is None or current.status not in FAILED_OR_CANCELED):
            return None
        candidates = {h for h, r in fresh.items() if r.deployment == deployment_id}
        project_name = item.project
        if project_name is not None:
            row = record or current
            project = await self._project(project_name)
            if project is not None:
                candidates |= set(production_hosts(self.settings, project))
                if row is not None:
                    candidates |= set(deployment_hosts(self.settings, project, row))
        host = await sweep.still_routed(self.storage, deployment_id, candidates)
        if host is not None:
            log.warning("gc: kept %s: routed by %s", deployment_id, host)
            return Kept(item.target, f"routed by {host}", project_name, deployment_id)
        objects = await self.storage.list(item.target)
        if item.kind == "partial":
            objects = sweep.partial_objects(objects, deployment_id)
        else:
            for own in sorted(candidates):
                await sweep.delete_route_to(self.storage, own, deployment_id)
        if not objects and item.rule not in RECORD_RULES:
            return None  # nothing was there: another run, or an earlier one, took it
        await sweep.delete_objects(self.storage, objects)
        log.info("gc: deleted %d objects under %s (%s)", len(objects), item.target, item.rule)
        return Deletion.of_objects(
            item.kind,
            item.target,
            item.rule,
            objects,
            project=item.project,
            deployment=item.deployment,
        )

    async def purge_project(self, name: str, deployment_ids: Iterable[str]) -> Report:
        """A deleted project's routes, deployments and cache; nothing when the database
        still (or again) has a project of that name."""
        done = Report(dry_run=False)
        if not await self._project_gone(name):
            return done
        domain = self.settings.base_domain
        for host in await sweep.route_hosts(self.storage):
            # Its custom domains' routes went before the record; its own hosts are these.
            item = Deletion("route", host, Rule.DELETED_PROJECT, name, objects=1)
            if hosts.may_be_host_of(name, host, domain) and await self._delete_orphan_route(item):
                done.deletions.append(item)
        fresh = await sweep.scan_routes(self.storage)
        for deployment_id in sorted(set(deployment_ids)):
            item = Deletion(
                "deployment",
                sweep.deployment_prefix(deployment_id),
                Rule.DELETED_PROJECT,
                name,
                deployment_id,
            )
            outcome = await self._delete_deployment_objects(item, None, fresh)
            if isinstance(outcome, Kept):
                done.kept.append(outcome)
            elif outcome is not None:
                done.deletions.append(outcome)
        if await self._project_gone(name) and (cleared := await self.clear_cache(name)):
            done.deletions.append(
                Deletion(
                    "cache", sweep.cache_prefix(name), Rule.DELETED_PROJECT, name, objects=cleared
                )
            )
        return done

    async def clear_leftovers(self, name: str) -> None:
        """Before a project of this name exists: nothing of a deleted one may remain (a late
        route or cache write of a build that was still ending). Raises StorageError when the
        cache is still being written."""
        if not await self._project_gone(name):
            return  # the name is taken: creating it again fails with 409
        await self.purge_project(name, [])
        if await self.storage.list(sweep.cache_prefix(name)):
            raise StorageError(
                f"the build cache of a deleted project {name!r} is still being written"
            )

    async def _record(self, deployment_id: str) -> Deployment | None:
        async with self.sessions() as session:
            return await session.get(Deployment, deployment_id)

    async def _project(self, name: str) -> Project | None:
        async with self.sessions() as session:
            return await session.get(Project, name)


async def collect_forever(collector: Collector, interval: float) -> None:
    """Run the collector every `interval` seconds, the first run one interval after start."""
    while True:
        await asyncio.sleep(interval)
        try:
            report = await collector.run()
        except asyncio.CancelledError:
            raise
        except Exception:  # an outage must not end the schedule; the next run retries
            log.exception("gc run failed")
            continue
        log.info("gc: %d deletions, %d kept", len(report.deletions), len(report.kept))
