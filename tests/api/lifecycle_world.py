"""The control plane without HTTP: a real database and real storage, the real dispatcher, and
a builder whose runs the test ends by hand (publishing a real manifest, or failing)."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from services.api.builders import BuildState
from services.api.db.engine import create_engine, migrate, session_factory
from services.api.db.models import Deployment, Project
from services.api.dispatcher import Dispatcher
from services.api.site_routes import RouteWriter
from services.core import hosts
from services.core import manifest as mf
from services.core.build_protocol import EXIT_BUILD, EXIT_PUBLISH
from services.core.deployment_states import Status
from services.core.runner_inputs import RunnerInputs
from services.core.storage import Storage
from tests.api.conftest import make_settings


@dataclass
class Run:
    handle: str
    exit_code: int | None = None


@dataclass
class ScriptedBuilder:
    """Runs that outlive an api restart, like the local builder's processes."""

    storage: Storage
    # The local builder finds a run whose handle was never recorded; ECS does not.
    finds_runs: bool = True
    runs: dict[str, Run] = field(default_factory=dict)
    starts: Counter[str] = field(default_factory=Counter)

    async def start(self, inputs: RunnerInputs) -> str:
        self.starts[inputs.deployment_id] += 1
        handle = f"run-{inputs.deployment_id}-{self.starts[inputs.deployment_id]}"
        run = self.runs[inputs.deployment_id] = Run(handle)
        if await self.storage.exists(mf.manifest_key(inputs.deployment_id)):
            run.exit_code = EXIT_PUBLISH  # the runner's "already published"
        return handle

    async def find(self, deployment_id: str) -> str | None:
        run = self.runs.get(deployment_id)
        return None if run is None or not self.finds_runs else run.handle

    async def poll(self, deployment_id: str, handle: str) -> BuildState:
        code = self.runs[deployment_id].exit_code
        return BuildState(running=code is None, exit_code=code)

    async def stop(self, deployment_id: str, handle: str) -> None:
        run = self.runs[deployment_id]
        if run.exit_code is None:
            run.exit_code = 143

    async def read_log(
        self, deployment_id: str, handle: str | None, offset: int
    ) -> tuple[str, int]:
        return "", offset

    async def cleanup(self, deployment_id: str) -> None:
        return None

    def running(self) -> list[str]:
        return sorted(d for d, run in self.runs.items() if run.exit_code is None)

    async def end(self, deployment_id: str, project: str, *, published: bool) -> None:
        """The run ends: published (the manifest written last, exit 0) or failed."""
        if published:
            manifest = mf.Manifest(
                deployment=deployment_id,
                project=project,
                created_at=datetime.now(UTC).isoformat(),
                files={},
            )
            await self.storage.create(mf.manifest_key(deployment_id), mf.encode(manifest))
        self.runs[deployment_id].exit_code = 0 if published else EXIT_BUILD


class World:
    def __init__(self, tmp_path: Path, database_url: str, **settings: Any) -> None:
        self.settings = make_settings(tmp_path, database_url, **settings)
        self.engine = create_engine(database_url)
        self.sessions = session_factory(self.engine)
        self.storage = Storage(self.settings.resolved_storage_url)
        self.routes = RouteWriter(self.settings, self.storage)
        self.builder = ScriptedBuilder(self.storage)
        self.dispatcher = self.new_dispatcher()

    async def start(self) -> None:
        await migrate(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()

    def new_dispatcher(self) -> Dispatcher:
        """What a restarted api has: the same database, storage and builds, nothing else."""
        return Dispatcher(self.settings, self.sessions, self.storage, self.builder, self.routes)  # type: ignore[arg-type]

    async def add_project(self, name: str) -> None:
        async with self.sessions() as session, session.begin():
            session.add(Project(name=name, repo_url="file:///nowhere", cancel_superseded=False))

    async def add_ready(self, project: str, deployment_id: str, commit: str = "") -> None:
        """A deployment built earlier: its row and its manifest; each its own commit unless
        given one."""
        async with self.sessions() as session, session.begin():
            session.add(
                Deployment(
                    id=deployment_id,
                    project_name=project,
                    status=Status.READY,
                    commit=commit or hashlib.sha1(deployment_id.encode()).hexdigest(),
                    ref="main",
                    finished_at=datetime.now(UTC),
                )
            )
        await self.builder.storage.create(
            mf.manifest_key(deployment_id),
            mf.encode(mf.Manifest(deployment_id, project, datetime.now(UTC).isoformat(), {})),
        )

    async def production(
        self, project: str
    ) -> tuple[tuple[str | None, int], tuple[str | None, int]]:
        """(record, route): each a (deployment, generation) pair."""
        async with self.sessions() as session:
            row = (
                await session.execute(
                    select(Project.production_deployment_id, Project.production_generation).where(
                        Project.name == project
                    )
                )
            ).one()
        data = await self.storage.get_or_none(
            hosts.route_key(hosts.production_host(project, self.settings.base_domain))
        )
        route = None if data is None else mf.decode_route(data)
        served = (None, 0) if route is None else (route.deployment, route.generation)
        return (row[0], row[1]), served
