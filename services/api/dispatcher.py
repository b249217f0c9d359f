"""The dispatcher: claims queued deployments, runs them on a builder, and settles their end.

The database is the queue. A claim is a compare-and-set (`status = 'queued'` → `building`),
so two api replicas never start the same build; every transition out of `building` is a
compare-and-set as well, so finishing twice is harmless. Runs keep a handle (a process id or
an ECS task ARN) in the row, which is how a restarted api picks them up again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.core import hosts
from services.core import manifest as mf
from services.core.build_failure import LOG_TAIL_CHARS, error_text
from services.core.build_protocol import EXIT_SKIPPED, reason_for_exit
from services.core.git_names import is_commit_sha
from services.core.runner_inputs import InputError
from services.core.settings import Settings
from services.core.storage import Storage, StorageError

from .build_context import is_production_branch_build, runner_inputs
from .builders import Builder
from .db.models import Deployment, Project, Promotion
from .github_status import CommitStatusReporter
from .gitremote import GitRemoteError, resolve_commit
from .site_routes import RouteWriter

log = logging.getLogger("slipway.dispatcher")


def finished_line(deployment_id: str, status: str, reason: str | None) -> str:
    """The log line of a finished deployment. CloudWatch counts the platform's build
    failures by its words (terraform/modules/alarms): keep them, or change both."""
    return f"deployment {deployment_id} {status}" + (f" ({reason})" if reason else "")


# A run that never got a handle was claimed by an api that stopped before starting it.
UNSTARTED_GRACE = timedelta(seconds=60)
TIMEOUT_GRACE = timedelta(seconds=30)
MIN_TICK_GAP = 0.2


def now() -> datetime:
    return datetime.now(UTC)


class Dispatcher:
    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        storage: Storage,
        builder: Builder,
        routes: RouteWriter,
        statuses: CommitStatusReporter | None = None,
    ) -> None:
        self.settings = settings
        self.statuses = statuses or CommitStatusReporter("", settings.github_api_url)
        self.sessions = sessions
        self.storage = storage
        self.builder = builder
        self.routes = routes
        self._wake = asyncio.Event()
        self._starting: set[str] = set()

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # the loop must survive a database or storage outage
                log.exception("dispatcher tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.dispatch_interval)
            # A burst of webhooks wakes the loop hundreds of times: one tick serves them all.
            await asyncio.sleep(min(MIN_TICK_GAP, self.settings.dispatch_interval))
            self._wake.clear()

    async def tick(self) -> None:
        await self.settle_running()
        await self.start_queued()

    # -- settling runs ---------------------------------------------------------------------

    async def settle_running(self) -> None:
        async with self.sessions() as session:
            running = (
                await session.scalars(select(Deployment).where(Deployment.status == "building"))
            ).all()
        for deployment in running:
            if deployment.id in self._starting:
                continue
            try:
                await self._settle(deployment)
            except StorageError as exc:  # retried on the next tick; the run stays `building`
                log.warning("could not settle %s yet: %s", deployment.id, exc)

    async def _settle(self, d: Deployment) -> None:
        if d.builder_handle is None:
            if d.started_at is None or now() - d.started_at > UNSTARTED_GRACE:
                await self._requeue_unstarted(d)
            return
        if d.cancel_requested:
            await self.builder.stop(d.id, d.builder_handle)
            await self._finish(d, "canceled", "canceled", d.error or "canceled")
            return
        state = await self.builder.poll(d.id, d.builder_handle)
        if state.running:
            limit = timedelta(seconds=self.settings.build_timeout) + TIMEOUT_GRACE
            if d.started_at is not None and now() - d.started_at > limit:
                await self.builder.stop(d.id, d.builder_handle)
                await self._finish(
                    d, "failed", "timeout", f"the build ran past {self.settings.build_timeout} s"
                )
            return
        if state.exit_code == 0:
            await self._succeed(d)
        elif state.exit_code == EXIT_SKIPPED:
            await self._finish(d, "canceled", "skipped", "the ignore command chose to skip")
        elif state.exit_code is not None:
            reason = reason_for_exit(state.exit_code)
            await self._finish(d, "failed", reason, error_text(await self._log_tail(d)))
        elif await self.storage.exists(mf.manifest_key(d.id)):
            await self._succeed(d)  # the run completed while nobody was watching
        else:
            await self._finish(d, "failed", "internal", state.detail or "the build was lost")

    async def _requeue_unstarted(self, d: Deployment) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(Deployment)
                .where((Deployment.id == d.id) & (Deployment.status == "building"))
                .where(Deployment.builder_handle.is_(None))
                .values(status="queued", started_at=None)
            )

    async def _log_tail(self, d: Deployment) -> str:
        text, _ = await self.builder.read_log(d.id, d.builder_handle, 0)
        return text[-LOG_TAIL_CHARS:]

    async def _succeed(self, d: Deployment) -> None:
        data = await self.storage.get_or_none(mf.manifest_key(d.id))
        if data is None:
            await self._finish(d, "failed", "publish", "the build ended without a manifest")
            return
        manifest = mf.decode_manifest(data)
        if manifest.deployment != d.id:
            await self._finish(d, "failed", "internal", "the manifest names another deployment")
            return
        async with self.sessions() as session:
            project = await session.get(Project, d.project_name)
            current = (
                await session.get(Deployment, project.production_deployment_id)
                if project and project.production_deployment_id
                else None
            )
        if project is None:
            return
        await self.routes.publish_previews(project, d)
        promote = should_promote(project, d, current)
        if promote:
            # The route first: once the row says `ready` and production, the site serves it.
            await self.routes.promote(project, d.id)
        files = len(manifest.files)
        size = sum(f.size for f in manifest.files.values())
        actor = "auto:" + (d.trigger or "api") if promote else None
        await self._finish(
            d, "ready", None, None, promoted_by=actor, file_count=files, total_bytes=size
        )

    async def _finish(
        self,
        d: Deployment,
        status: str,
        reason: str | None,
        error: str | None,
        promoted_by: str | None = None,
        **extra: int,
    ) -> bool:
        """Leave `building` (compare-and-set); a promotion is recorded in the same transaction."""
        async with self.sessions() as session, session.begin():
            result = await session.execute(
                update(Deployment)
                .where((Deployment.id == d.id) & (Deployment.status == "building"))
                .values(status=status, reason=reason, error=error, finished_at=now(), **extra)
            )
            finished = bool(result.rowcount)  # type: ignore[attr-defined]
            if finished and promoted_by:
                await self._record_promotion(session, d.project_name, d.id, promoted_by)
        if finished:
            log.info("%s", finished_line(d.id, status, reason))
            await self.builder.cleanup(d.id)
            await self._report_status(d.id)
        return finished

    async def _report_status(self, deployment_id: str) -> None:
        if not self.statuses.enabled:
            return
        async with self.sessions() as session:
            d = await session.get(Deployment, deployment_id)
            project = await session.get(Project, d.project_name) if d else None
        if d is None or project is None:
            return
        url = self.settings.site_url(
            hosts.deployment_host(project.name, d.id, self.settings.base_domain)
        )
        # The same words as the deployment's error, shortened by the reporter.
        detail = (d.error or d.reason) if d.status in ("failed", "canceled") else None
        self.statuses.report(project.github_repo, d.commit, project.name, d.status, url, detail)

    # -- promotion -------------------------------------------------------------------------

    async def promote(self, deployment_id: str, actor: str) -> bool:
        """Point production at a ready deployment: the route first, then the record."""
        async with self.sessions() as session, session.begin():
            d = await session.get(Deployment, deployment_id)
            if d is None or d.status != "ready":
                return False
            project = await session.get(Project, d.project_name, with_for_update=True)
            if project is None:
                return False
            await self.routes.promote(project, d.id)
            await self._record_promotion(session, project.name, d.id, actor)
        return True

    async def _record_promotion(
        self, session: AsyncSession, project_name: str, deployment_id: str, actor: str
    ) -> None:
        await session.execute(
            update(Project)
            .where(Project.name == project_name)
            .values(production_deployment_id=deployment_id, promoted_at=now(), promoted_by=actor)
        )
        session.add(Promotion(project_name=project_name, deployment_id=deployment_id, actor=actor))

    # -- starting runs ---------------------------------------------------------------------

    async def start_queued(self) -> None:
        for d in await self.claim_batch():
            await self._start(d)

    async def claim_batch(self) -> list[Deployment]:
        """Claim what the limits allow, oldest first, in one transaction.

        On PostgreSQL the candidates are locked with `FOR UPDATE SKIP LOCKED`, so replicas
        claiming at the same moment take different rows instead of waiting on each other;
        the status compare-and-set guards every backend (SQLite serialises writers).
        """
        claimed: list[Deployment] = []
        async with self.sessions() as session, session.begin():
            building = (
                await session.execute(
                    select(Deployment.project_name, func.count())
                    .where(Deployment.status == "building")
                    .group_by(Deployment.project_name)
                )
            ).all()
            per_project = {name: int(count) for name, count in building}
            free = self.settings.max_concurrent_builds - sum(per_project.values())
            if free <= 0:
                return []
            query = (
                select(Deployment)
                .where(Deployment.status == "queued")
                .order_by(Deployment.created_at)
                .limit(free * 4)  # room to skip projects at their own limit
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            for d in (await session.scalars(query)).all():
                if len(claimed) >= free:
                    break
                limit = self.settings.max_concurrent_builds_per_project
                if per_project.get(d.project_name, 0) >= limit:
                    continue
                result = await session.execute(
                    update(Deployment)
                    .where((Deployment.id == d.id) & (Deployment.status == "queued"))
                    .values(status="building", started_at=now(), attempts=Deployment.attempts + 1)
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount:  # type: ignore[attr-defined]
                    claimed.append(d)
                    per_project[d.project_name] = per_project.get(d.project_name, 0) + 1
                    self._starting.add(d.id)
        return claimed

    async def _start(self, d: Deployment) -> None:
        try:
            async with self.sessions() as session:
                project = await session.get(Project, d.project_name)
            if project is None:
                return
            commit = d.commit
            if not is_commit_sha(commit):
                try:
                    commit = await resolve_commit(
                        project.repo_url,
                        d.ref or project.production_branch,
                        self.settings.github_token,
                    )
                except GitRemoteError as exc:
                    await self._finish(d, "failed", "clone", str(exc))
                    return
                async with self.sessions() as session, session.begin():
                    await session.execute(
                        update(Deployment).where(Deployment.id == d.id).values(commit=commit)
                    )
            try:
                inputs = runner_inputs(self.settings, project, d, commit)
            except InputError as exc:
                await self._finish(d, "failed", "internal", f"the build's inputs: {exc}")
                return
            try:
                handle = await self.builder.start(inputs)
            except Exception as exc:
                log.exception("could not start the build of %s", d.id)
                await self._finish(d, "failed", "internal", f"could not start the build: {exc}")
                return
            async with self.sessions() as session, session.begin():
                await session.execute(
                    update(Deployment).where(Deployment.id == d.id).values(builder_handle=handle)
                )
            log.info("deployment %s building (%s)", d.id, handle)
            await self._report_status(d.id)
        finally:
            self._starting.discard(d.id)

    # -- cancellation ----------------------------------------------------------------------

    async def cancel(self, deployment_id: str) -> None:
        """Cancel at once when queued; ask the builder to stop it when building."""
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(Deployment)
                .where((Deployment.id == deployment_id) & (Deployment.status == "queued"))
                .values(status="canceled", reason="canceled", error="canceled", finished_at=now())
            )
            await session.execute(
                update(Deployment)
                .where((Deployment.id == deployment_id) & (Deployment.status == "building"))
                .values(cancel_requested=True)
            )
        self.wake()


def should_promote(project: Project, d: Deployment, current: Deployment | None) -> bool:
    """Production-branch builds go live by themselves, unless a newer deployment already is."""
    if not project.auto_promote or not is_production_branch_build(project.production_branch, d):
        return False
    return current is None or current.created_at <= d.created_at
