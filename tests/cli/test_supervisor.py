"""The runner behind `slipway dev`, on small real processes: restarts, give-up, clean stops."""

from __future__ import annotations

import os
import signal
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scripts.cli.supervisor import Service, Supervisor
from services.core.restarts import RestartPolicy
from tests.support.processes import alive, descendants, kill_all, wait_for, with_environment

SLEEPS = [sys.executable, "-c", "import time; time.sleep(600)"]
# A shell with a child of its own: what a killed main process leaves behind.
FORKS = ["sh", "-c", "sleep 600 & wait"]


def quick() -> RestartPolicy:
    return RestartPolicy(first_delay=0.01, tries=2)


@dataclass
class Running:
    supervisor: Supervisor
    said: list[str]
    stop: threading.Event = field(default_factory=threading.Event)
    code: list[int] = field(default_factory=list)
    thread: threading.Thread | None = None

    def service(self, name: str) -> Service:
        return next(s for s in self.supervisor.services if s.name == name)

    def pid(self, name: str) -> int:
        def started() -> int | None:
            process = self.service(name).process
            return process.pid if process is not None else None

        return wait_for(started, f"{name} running")

    def finish(self) -> int:
        self.stop.set()
        assert self.thread is not None
        self.thread.join(timeout=60)
        return self.code[0]


RunServices = Callable[..., Running]


@pytest.fixture
def run_services() -> Iterator[RunServices]:
    """Runs a Supervisor in a thread; afterwards stops it and kills anything it left."""
    mark = f"SLIPWAY_TEST_MARK={uuid.uuid4().hex}"
    started: list[Running] = []

    def run(*services: Service) -> Running:
        said: list[str] = []
        env = {**os.environ, mark.split("=")[0]: mark.split("=")[1]}
        running = Running(Supervisor(list(services), env, say=said.append), said)
        running.thread = threading.Thread(
            target=lambda: running.code.append(running.supervisor.run(running.stop))
        )
        running.thread.start()
        started.append(running)
        return running

    yield run
    for running in started:
        running.stop.set()
        if running.thread is not None:
            running.thread.join(timeout=60)
    kill_all(with_environment(mark))


def test_a_killed_service_is_restarted_and_the_others_are_left_alone(
    run_services: RunServices,
) -> None:
    running = run_services(Service("api", SLEEPS, quick()), Service("proxy", SLEEPS, quick()))
    api, proxy = running.pid("api"), running.pid("proxy")
    os.kill(api, signal.SIGKILL)
    restarted = wait_for(lambda: running.pid("api") != api and running.pid("api"), "a new api")
    assert running.said == ["the api service was killed by SIGKILL; restarting it in 0.01 s"]
    assert running.pid("proxy") == proxy
    assert running.finish() == 0
    assert not alive(restarted)
    assert not alive(proxy)


def test_what_a_dead_service_left_behind_is_killed_before_it_restarts(
    run_services: RunServices,
) -> None:
    running = run_services(Service("proxy", FORKS, quick()))
    main = running.pid("proxy")
    left_behind = wait_for(lambda: descendants(main), "the service's child")
    os.kill(main, signal.SIGKILL)
    wait_for(lambda: not any(alive(pid) for pid in left_behind), "its child killed")
    assert running.finish() == 0


def test_a_service_that_keeps_dying_is_given_up_while_the_others_run_on(
    run_services: RunServices,
    tmp_path: Path,
) -> None:
    starts = tmp_path / "starts"
    dies = [sys.executable, "-c", f"open({str(starts)!r}, 'a').write('x'); raise SystemExit(3)"]
    running = run_services(Service("api", dies, quick()), Service("proxy", SLEEPS, quick()))
    proxy = running.pid("proxy")
    wait_for(lambda: running.service("api").given_up, "the api given up")
    assert running.said[-1] == (
        "the api service exited 3 times in a row, each within 30 s of starting: not restarting it"
    )
    assert running.said[:-1] == [
        "the api service exited with code 3; restarting it in 0.01 s",
        "the api service exited with code 3; restarting it in 0.02 s",
    ]
    assert starts.read_text() == "xxx"
    assert alive(proxy)
    assert running.finish() == 1  # something was given up


def test_stopping_ends_every_service_and_their_children(run_services: RunServices) -> None:
    running = run_services(Service("api", FORKS, quick()), Service("proxy", SLEEPS, quick()))
    api = running.pid("api")
    everything = [api, running.pid("proxy"), *wait_for(lambda: descendants(api), "a child")]
    assert running.finish() == 0
    assert not any(alive(pid) for pid in everything)
    assert running.said == []
