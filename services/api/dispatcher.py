"""The dispatcher: claims queued deployments, runs them on a builder, and settles their end.

The database is the queue. Every change of a deployment's state is a compare-and-set of
services/api/lifecycle.py, so two api replicas never start the same build and finishing
twice is harmless. Runs keep a handle (a process id or an ECS task ARN) in the row, which is
how a restarted api picks them up again.

Exactly once, whatever point an api dies at (services/api/crash_points.py): a claimed run
with no recorded handle is adopted when the builder still knows it, adopted as ready when
its manifest is stored, and only otherwise queued again; a run whose deployment already has
a manifest ends ready, never failed because an earlier attempt published it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.core import hosts
from services.core import manifest as mf
from services.core.build_failure import LOG_TAIL_CHARS, error_text
from services.core.build_protocol import EXIT_SKIPPED, reason_for_exit
from services.core.commit_line import read_commit_line
from services.core.git_names import is_commit_sha
from services.core.runner_inputs import InputError
from services.core.settings import Settings
from services.core.storage import Storage, StorageError

from . import lifecycle, production
from .build_context import is_production_branch_build, runner_inputs
from .builders import Builder
from .crash_points import reached
from .db.models import Deployment, Project
from .github_comments import PreviewReport
from .github_status import CommitStatusReporter
from .gitremote import GitRemoteError, resolve_commit
from .lifecycle import Status, now
from .site_routes import RouteWriter

log = logging.getLogger("slipway.dispatcher")


def finished_line(deployment_id: str, status: str, reason: str | None) -> str:
    """The log line of a finished deployment. CloudWatch counts the platform's build
    failures by its words (terraform/modules/alarms): keep them, or change both."""
    return f"deployment {deployment_id} {status}" + (f" ({reason})" if reason else "")


TIMEOUT_GRACE = timedelta(seconds=30)
MIN_TICK_GAP = 0.2


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

    @property
    def start_grace(self) -> timedelta:
        """How long a claim may go without a run: the claiming api's time to start it."""
        return timedelta(seconds=self.settings.build_start_grace)

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        try:
            await self.repair_production()
        except Exception:  # the dispatcher starts anyway; production keeps its routes
            log.exception("could not check production routes against their records")
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

    async def repair_production(self) -> None:
        """After a crash between a production route's write and its record's commit."""
        async with self.sessions() as session:
            names = (await session.scalars(select(Project.name))).all()
        for name in names:
            await production.repair(self.sessions, self.routes, name)

    # -- settling runs ---------------------------------------------------------------------

    async def settle_running(self) -> None:
        async with self.sessions() as session:
            running = (
                await session.scalars(
                    select(Deployment).where(Deployment.status == Status.BUILDING)
                )
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
            await self._settle_unrecorded(d)
            return
        if d.cancel_requested:
            await self.builder.stop(d.id, d.builder_handle)
            await self._finish(d, Status.CANCELED, "canceled", d.error or "canceled")
            return
        state = await self.builder.poll(d.id, d.builder_handle)
        if state.running:
            limit = timedelta(seconds=self.settings.build_timeout) + TIMEOUT_GRACE
            if d.started_at is not None and now() - d.started_at > limit:
                await self.builder.stop(d.id, d.builder_handle)
                await self._finish(
                    d,
                    Status.FAILED,
                    "timeout",
                    f"the build ran past {self.settings.build_timeout} s",
                )
            return
        if state.exit_code == 0 or await self._published(d):
            # Published, by this run or an earlier attempt ("already published"): adopt it.
            await self._succeed(d)
        elif state.exit_code == EXIT_SKIPPED:
            await self._finish(d, Status.CANCELED, "skipped", "the ignore command chose to skip")
        elif state.exit_code is not None:
            reason = reason_for_exit(state.exit_code)
            await self._finish(d, Status.FAILED, reason, error_text(await self._log_tail(d)))
        else:
            await self._finish(d, Status.FAILED, "internal", state.detail or "the build was lost")

    async def _published(self, d: Deployment) -> bool:
        """The manifest is written last: its presence means the upload is complete. Storage
        that cannot answer is taken as no: a run that failed then stays failed, and a claim
        without a handle is only queued again (publishing is create-only)."""
        try:
            return await self.storage.exists(mf.manifest_key(d.id))
        except StorageError as exc:
            log.warning("could not look for the manifest of %s: %s", d.id, exc)
            return False

    async def _settle_unrecorded(self, d: Deployment) -> None:
        """A claim whose api stopped before recording the run's handle: adopt the run the
        builder still knows, or its published result; queue it again only when neither
        exists (and the api that claimed it had time to start it), unless it was canceled."""
        handle = await self.builder.find(d.id)
        if handle is not None:
            async with self.sessions() as session, session.begin():
                await lifecycle.record_handle(session, d.id, handle)
            log.info("deployment %s adopted its run (%s)", d.id, handle)
        elif d.cancel_requested:  # as a recorded run would be: canceled, published or not
            await self._finish(d, Status.CANCELED, "canceled", d.error or "canceled")
        elif await self._published(d):
            await self._succeed(d)
        elif d.started_at is None or now() - d.started_at > self.start_grace:
            async with self.sessions() as session, session.begin():
                requeued = await lifecycle.requeue_unstarted(session, d.id)
            if requeued:
                log.info("deployment %s queued again: claimed, never started", d.id)

    async def _log_tail(self, d: Deployment) -> str:
        text, _ = await self.builder.read_log(d.id, d.builder_handle, 0)
        return text[-LOG_TAIL_CHARS:]

    async def _succeed(self, d: Deployment) -> None:
        data = await self.storage.get_or_none(mf.manifest_key(d.id))
        if data is None:
            await self._finish(d, Status.FAILED, "publish", "the build ended without a manifest")
            return
        manifest = mf.decode_manifest(data)
        if manifest.deployment != d.id:
            await self._finish(
                d, Status.FAILED, "internal", "the manifest names another deployment"
            )
            return
        async with self.sessions() as session:
            project = await session.get(Project, d.project_name)
        if project is None:
            return
        await self.routes.publish_previews(project, d)
        files = len(manifest.files)
        size = sum(f.size for f in manifest.files.values())
        await self._record_commit_message(d)
        # Ready and (when due) production in one transaction under the project's lock: the
        # same fenced switch as a promotion by hand, so the two never interleave.
        async with self.sessions() as session, session.begin():
            locked = await production.lock_project(session, d.project_name)
            if locked is None:
                return
            finished = await lifecycle.finish(
                session, d.id, Status.READY, None, None, file_count=files, total_bytes=size
            )
            if finished:
                current = (
                    await session.get(Deployment, locked.production_deployment_id)
                    if locked.production_deployment_id
                    else None
                )
                if should_promote(locked, d, current):
                    actor = "auto:" + (d.trigger or "api")
                    await production.switch(session, self.routes, locked, d.id, actor)
                reached("finishing")
        if finished:
            await self._ended(d, Status.READY, None)

    async def _finish(
        self,
        d: Deployment,
        status: Literal[Status.FAILED, Status.CANCELED],
        reason: str | None,
        error: str | None,
    ) -> bool:
        """Leave `building` for a failure or a cancel; False when already left."""
        await self._record_commit_message(d)
        async with self.sessions() as session, session.begin():
            finished = await lifecycle.finish(session, d.id, status, reason, error)
        if finished:
            await self._ended(d, status, reason)
        return finished

    async def _ended(self, d: Deployment, status: Status, reason: str | None) -> None:
        log.info("%s", finished_line(d.id, status, reason))
        await self.builder.cleanup(d.id)
        await self._report_status(d.id)

    async def _record_commit_message(self, d: Deployment) -> None:
        """A branch's commit subject, from the runner's `commit` line (webhooks send theirs).

        Recorded before the deployment leaves `building`, so whoever sees it finished sees
        its subject too."""
        if d.commit_message:
            return
        try:
            text, _ = await self.builder.read_log(d.id, d.builder_handle, 0)
        except Exception as exc:  # a log that cannot be read costs only the subject
            log.warning("deployment %s: no commit subject (%s)", d.id, type(exc).__name__)
            return
        found = read_commit_line(text)
        if found is None:
            return
        # Compared with the stored commit, not this object's, which may predate its resolution.
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(Deployment)
                .where(
                    Deployment.id == d.id,
                    Deployment.commit == found[0],
                    Deployment.commit_message == "",
                )
                .values(commit_message=found[1])
            )

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
        detail = (d.error or d.reason) if d.status in (Status.FAILED, Status.CANCELED) else None
        preview = None
        if d.pull_request is not None and project.github_repo:
            host = hosts.pull_request_host(project.name, d.pull_request, self.settings.base_domain)
            preview = PreviewReport(
                project.github_repo,
                d.pull_request,
                project.name,
                d.status,
                d.commit,
                self.settings.site_url(host),
                url,
                detail,
            )
        self.statuses.report(
            project.github_repo, d.commit, project.name, d.status, url, detail, preview
        )

    # -- starting runs ---------------------------------------------------------------------

    async def start_queued(self) -> None:
        for d in await self.claim_batch():
            reached("claimed")
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
                    .where(Deployment.status == Status.BUILDING)
                    .group_by(Deployment.project_name)
                )
            ).all()
            per_project = {name: int(count) for name, count in building}
            free = self.settings.max_concurrent_builds - sum(per_project.values())
            if free <= 0:
                return []
            query = (
                select(Deployment)
                .where(Deployment.status == Status.QUEUED)
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
                if await lifecycle.claim(session, d.id):
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
                    await self._finish(d, Status.FAILED, "clone", str(exc))
                    return
                async with self.sessions() as session, session.begin():
                    await session.execute(
                        update(Deployment).where(Deployment.id == d.id).values(commit=commit)
                    )
            try:
                inputs = runner_inputs(self.settings, project, d, commit)
            except InputError as exc:
                await self._finish(d, Status.FAILED, "internal", f"the build's inputs: {exc}")
                return
            try:
                handle = await self.builder.start(inputs)
            except Exception as exc:
                log.exception("could not start the build of %s", d.id)
                await self._finish(
                    d, Status.FAILED, "internal", f"could not start the build: {exc}"
                )
                return
            reached("started")
            async with self.sessions() as session, session.begin():
                await lifecycle.record_handle(session, d.id, handle)
            reached("recorded")
            log.info("deployment %s building (%s)", d.id, handle)
            await self._report_status(d.id)
        finally:
            self._starting.discard(d.id)


def should_promote(project: Project, d: Deployment, current: Deployment | None) -> bool:
    """Production-branch builds go live by themselves, unless a newer deployment already is."""
    if not project.auto_promote or project.auto_promote_paused:
        return False
    if not is_production_branch_build(project.production_branch, d):
        return False
    return current is None or current.created_at <= d.created_at
