"""When to restart a process that died: back off on quick failures, give up after a few.

One rule for every supervisor: the proxy's worker respawner (services/proxy/workers.py)
and `slipway dev`'s service runner (scripts/cli/supervisor.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RestartPolicy:
    """Tracks one supervised process across its restarts.

    A run that lasted `stable_after` seconds or more was healthy: its death (a kill, an
    out-of-memory) is restarted after `first_delay` and forgets earlier failures. Shorter runs
    in a row double the delay up to `max_delay`; after `tries` of them the process is given up,
    so a process that dies at once on every start never spins.
    """

    first_delay: float = 0.5
    max_delay: float = 8.0
    tries: int = 5
    stable_after: float = 30.0
    quick_failures: int = field(default=0, init=False)

    def after_exit(self, ran_for: float) -> float | None:
        """Seconds to wait before restarting, or None to give up."""
        if ran_for >= self.stable_after:
            self.quick_failures = 0
        self.quick_failures += 1
        if self.quick_failures > self.tries:
            return None
        return min(self.first_delay * 2.0 ** (self.quick_failures - 1), self.max_delay)

    def giving_up(self, what: str) -> str:
        """The one line that says a process was given up, and why."""
        return (
            f"{what} exited {self.quick_failures} times in a row, each within "
            f"{self.stable_after:g} s of starting: not restarting it"
        )
