"""A granian server that respawns a worker process that died, under one restart policy.

granian's own `respawn_failed_workers` exits the whole server when a worker dies twice
within 5.5 s, with no back-off: two kills in a row would take every site down. Here each
worker slot has its own RestartPolicy; the other workers keep answering on the shared
socket meanwhile, and only a slot that keeps dying at once makes the server give up.

This replaces granian's main loop (`_serve_loop`), which the pinned granian calls between
`startup()` and `shutdown()`; tests/proxy/test_worker_respawn.py holds it to that.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from granian.log import logger as log  # granian's own lines ("Respawning worker-1") go there too
from granian.server.mp import MPServer

from services.core.restarts import RestartPolicy


class RespawningServer(MPServer):
    def __init__(
        self, *args: Any, restarts: Callable[[], RestartPolicy] = RestartPolicy, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._restarts = [restarts() for _ in range(self.workers)]

    def _serve_loop(self, spawn_target: Any, target_loader: Any) -> None:
        due: dict[int, float] = {}  # worker slot -> when to respawn it (monotonic)
        while True:
            wait = max(0.0, min(due.values()) - time.monotonic()) if due else None
            self.main_loop_interrupt.wait(wait)
            # Cleared before reading what woke us: a death reported after this sets it again.
            self.main_loop_interrupt.clear()
            if self.interrupt_signal:
                return
            if self.reload_signal:  # SIGHUP: granian's graceful respawn of every worker
                self._reload(spawn_target, target_loader)  # type: ignore[no-untyped-call]
            while self.interrupt_children:
                idx = self.interrupt_children.pop(0)
                ran_for = time.monotonic() - self.wrks[idx].birth
                delay = self._restarts[idx].after_exit(ran_for)
                if delay is None:
                    log.error(self._restarts[idx].giving_up(f"proxy worker-{idx + 1}"))
                    self.interrupt_children.append(idx)  # shutdown() then exits with 1
                    return
                log.warning("proxy worker-%d died; respawning it in %.1f s", idx + 1, delay)
                due[idx] = time.monotonic() + delay
            now = time.monotonic()
            ready = [idx for idx, at in due.items() if at <= now]
            for idx in ready:
                del due[idx]
            if ready:
                self._respawn_workers(ready, spawn_target, target_loader)
