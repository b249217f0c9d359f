"""The lifecycle as a model: random interleavings of pushes, dispatcher ticks, builds ending,
promotions (two at once as well), rollbacks, cancels, api crashes at every labelled point and
restarts, on SQLite and PostgreSQL. After every step: one production per project, its route
and its record agree, no deployment built twice, a final state never changes, and no
deployment with a published manifest is reported failed."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from services.api import dispatcher as dispatcher_module
from services.api import lifecycle, production
from services.api.crash_points import CRASH_POINTS, CrashPoint
from services.api.db.models import Deployment, Project
from services.api.queue import enqueue
from services.core import manifest as mf
from services.core.deployment_states import FINAL, Status
from services.core.rollback import rollback_target
from tests.api.lifecycle_world import World

T = TypeVar("T")
MODEL_SETTINGS = settings(
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class Crash(Exception):
    """What SIGKILL does to the api at a crash point, short of killing the test."""


class CrashSwitch:
    def __init__(self) -> None:
        self.at: CrashPoint | None = None

    def reached(self, point: CrashPoint) -> None:
        if point == self.at:
            self.at = None
            raise Crash(point)


def lifecycle_machine(
    world: World, loop: asyncio.AbstractEventLoop, crash: CrashSwitch
) -> type[RuleBasedStateMachine]:
    names = itertools.count(1)

    class Lifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.project = f"p{next(names)}"
            self.commits = itertools.count(1)
            self.final: dict[str, tuple[str, str | None]] = {}
            self.run(world.add_project(self.project))

        def teardown(self) -> None:
            """The next example starts with no builds of this one queued or running."""

            async def forget() -> None:
                async with world.sessions() as session, session.begin():
                    project = await session.get(Project, self.project)
                    await session.delete(project)

            for d in self.run(self.rows()):
                world.builder.runs.pop(d.id, None)
            self.run(forget())

        def run(self, work: Coroutine[Any, Any, T]) -> T:
            return loop.run_until_complete(work)

        def restart(self) -> None:
            """A new api process: a new dispatcher that first checks production."""
            world.dispatcher = world.new_dispatcher()
            self.run(world.dispatcher.repair_production())

        async def rows(self) -> list[Deployment]:
            async with world.sessions() as session:
                found = await session.scalars(
                    select(Deployment)
                    .where(Deployment.project_name == self.project)
                    .order_by(Deployment.created_at.desc(), Deployment.id.desc())
                )
                return list(found.all())

        def pick(self, data: st.DataObject, ids: list[str]) -> str | None:
            return data.draw(st.sampled_from(ids)) if ids else None

        # -- what happens ------------------------------------------------------------------

        @rule(branch=st.sampled_from(["main", "main", "feature"]))
        def push(self, branch: str) -> None:
            commit = f"{next(self.commits):040x}"

            async def queue() -> None:
                async with world.sessions() as session, session.begin():
                    project = await session.get(Project, self.project)
                    assert project is not None
                    await enqueue(
                        session,
                        world.settings,
                        project,
                        commit=commit,
                        ref=branch,
                        trigger="push",
                        enforce_cap=False,
                    )

            self.run(queue())

        @rule()
        def tick(self) -> None:
            self.run(world.dispatcher.tick())

        @rule(point=st.sampled_from(CRASH_POINTS), data=st.data())
        def crash_and_restart(self, point: CrashPoint, data: st.DataObject) -> None:
            """Give the point something to do (a build to start, or a published run to
            finish), kill the api there, and start a new one."""
            if point == "finishing":
                self.a_run_ends(data, published=True)
            else:
                self.push("main")
            crash.at = point
            with contextlib.suppress(Crash):
                self.run(world.dispatcher.tick())
            crash.at = None
            if data.draw(st.booleans(), label="cancel while the api is down"):
                self.cancel(data)
            self.restart()

        @rule()
        def restart_api(self) -> None:
            self.restart()

        @rule(data=st.data(), published=st.booleans())
        def a_run_ends(self, data: st.DataObject, published: bool) -> None:
            ours = {d.id for d in self.run(self.rows())}
            chosen = self.pick(data, [d for d in world.builder.running() if d in ours])
            if chosen is not None:
                self.run(world.builder.end(chosen, self.project, published=published))

        @rule(data=st.data())
        def promote(self, data: st.DataObject) -> None:
            rows = self.run(self.rows())
            chosen = self.pick(data, [d.id for d in rows])
            if chosen is None:
                return
            ready = next(d for d in rows if d.id == chosen).status == Status.READY
            assert self.run(production.promote(world.sessions, world.routes, chosen, "t")) == ready

        @rule(data=st.data())
        def two_promotes_at_once(self, data: st.DataObject) -> None:
            ready = [d.id for d in self.run(self.rows()) if d.status == Status.READY]
            if not ready:
                return
            first, second = data.draw(st.sampled_from(ready)), data.draw(st.sampled_from(ready))

            async def both() -> list[bool]:
                return list(
                    await asyncio.gather(
                        production.promote(world.sessions, world.routes, first, "one"),
                        production.promote(world.sessions, world.routes, second, "two"),
                    )
                )

            assert self.run(both()) == [True, True]

        @rule()
        def rollback(self) -> None:
            rows = self.run(self.rows())
            views = [
                {
                    "id": d.id,
                    "status": d.status,
                    "ref": d.ref,
                    "pull_request": d.pull_request,
                    "commit": d.commit,
                }
                for d in rows
            ]
            current = self.run(world.production(self.project))[0][0]
            expected = rollback_target(current, "main", views)
            done = production.rollback(world.sessions, world.routes, self.project, "rollback")
            assert self.run(done) == (None if expected is None else expected["id"])

        @rule(data=st.data())
        def cancel(self, data: st.DataObject) -> None:
            chosen = self.pick(data, [d.id for d in self.run(self.rows())])

            async def cancel() -> None:
                async with world.sessions() as session, session.begin():
                    await lifecycle.cancel(session, Deployment.id == chosen, "canceled")

            if chosen is not None:
                self.run(cancel())

        # -- what always holds -------------------------------------------------------------

        @invariant()
        def production_route_and_record_agree(self) -> None:
            record, route = self.run(world.production(self.project))
            assert record == route

        @invariant()
        def production_is_one_ready_deployment_of_the_project(self) -> None:
            record, _ = self.run(world.production(self.project))
            if record[0] is not None:
                rows = {d.id: d for d in self.run(self.rows())}
                assert rows[record[0]].status == Status.READY

        @invariant()
        def no_deployment_is_built_twice(self) -> None:
            """Where the builder finds its runs, none starts twice; where it does not, a run
            again stops at the manifest the first one published (create-only)."""
            if world.builder.finds_runs:
                assert all(count <= 1 for count in world.builder.starts.values())

        @invariant()
        def final_states_never_change_and_published_never_fails(self) -> None:
            for d in self.run(self.rows()):
                if d.status in FINAL:
                    seen = self.final.setdefault(d.id, (d.status, d.reason))
                    assert seen == (d.status, d.reason)
                published = self.run(world.storage.exists(mf.manifest_key(d.id)))
                if d.status == Status.READY:
                    assert published
                if d.status == Status.FAILED:
                    assert not published
                if d.cancel_requested:  # a cancel of a build is never lost
                    assert d.status in (Status.BUILDING, Status.CANCELED)

    return Lifecycle


@pytest.mark.parametrize("finds_runs", [True, False], ids=["local-builder", "ecs-builder"])
def test_the_lifecycle_model_holds(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, finds_runs: bool
) -> None:
    crash = CrashSwitch()
    monkeypatch.setattr(dispatcher_module, "reached", crash.reached)
    loop = asyncio.new_event_loop()
    world = World(tmp_path, database_url)
    # The model's restarts come at once: a claim without a run is queued again at once (a
    # real api waits at least 1 s; SLIPWAY_BUILD_START_GRACE refuses 0).
    world.settings.build_start_grace = 0
    world.builder.finds_runs = finds_runs
    try:
        loop.run_until_complete(world.start())
        machine: Callable[[], RuleBasedStateMachine] = lifecycle_machine(world, loop, crash)
        run_state_machine_as_test(machine, settings=MODEL_SETTINGS)
    finally:
        loop.run_until_complete(world.close())
        loop.close()
