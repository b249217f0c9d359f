"""Running `slipway dev`'s services side by side: each restarts on its own, none stops another.

Each service runs in its own process group, so that one that died is cleaned up whole (a
proxy's granian workers outlive a killed main process and would keep its port) and a
Ctrl-C reaches the services only through this supervisor, which stops them in order.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from services.core.restarts import RestartPolicy

STOP_GRACE = 15.0  # seconds a service gets to stop after SIGTERM before it is killed
POLL = 0.2  # seconds between looks at the services
_PR_SET_PDEATHSIG = 1


@dataclass
class Service:
    name: str
    argv: list[str]
    restarts: RestartPolicy = field(default_factory=RestartPolicy)
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    restart_at: float | None = None  # monotonic time of the next start, while it is down
    given_up: bool = False


def _say(line: str) -> None:
    print(f"slipway dev: {line}", file=sys.stderr, flush=True)


def _die_with_parent() -> None:
    """In the child: SIGTERM when the supervisor itself dies, even by SIGKILL (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _how_it_ended(code: int) -> str:
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"


def _kill_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # nothing of the group is left
        os.killpg(process.pid, sig)


class Supervisor:
    def __init__(
        self, services: list[Service], env: dict[str, str], say: Callable[[str], None] = _say
    ) -> None:
        self.services = services
        self.env = env
        self.say = say

    def run(self, stop: threading.Event) -> int:
        """Run every service until `stop` is set; 1 if any had to be given up, else 0."""
        for service in self.services:
            self._start(service)
        try:
            while not stop.is_set():
                for service in self.services:
                    self._look_after(service)
                if all(service.given_up for service in self.services):
                    break
                stop.wait(POLL)
        finally:
            self._stop_all()
        return 1 if any(service.given_up for service in self.services) else 0

    def _start(self, service: Service) -> None:
        service.restart_at = None
        service.started = time.monotonic()
        service.process = subprocess.Popen(
            service.argv,
            env=self.env,
            stdin=subprocess.DEVNULL,
            process_group=0,
            preexec_fn=_die_with_parent,  # the supervisor runs no threads
        )

    def _look_after(self, service: Service) -> None:
        if service.given_up:
            return
        if service.process is None:
            if service.restart_at is not None and time.monotonic() >= service.restart_at:
                self._start(service)
            return
        code = service.process.poll()
        if code is None:
            return
        _kill_group(service.process, signal.SIGKILL)  # whatever it left behind
        service.process = None
        delay = service.restarts.after_exit(time.monotonic() - service.started)
        if delay is None:
            service.given_up = True
            self.say(service.restarts.giving_up(f"the {service.name} service"))
            return
        self.say(f"the {service.name} service {_how_it_ended(code)}; restarting it in {delay:g} s")
        service.restart_at = time.monotonic() + delay

    def _stop_all(self) -> None:
        running = [s.process for s in self.services if s.process is not None]
        for process in running:
            process.terminate()  # the main process stops its own children (granian workers)
        deadline = time.monotonic() + STOP_GRACE
        for process in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            _kill_group(process, signal.SIGKILL)  # a slow one, and anything it left behind
            process.wait()
        for service in self.services:
            service.process = None
