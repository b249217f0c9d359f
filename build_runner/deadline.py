"""The build's wall-clock budget, shared by every step."""

from __future__ import annotations

import time

from build_runner.errors import BuildFailure
from services.core.build_protocol import EXIT_TIMEOUT


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left; raises the timeout failure when none are."""
        left = self._ends - time.monotonic()
        if left <= 0:
            raise self.expired()
        return left

    def seconds_left(self) -> float:
        """Seconds left, zero or less once the deadline has passed (never raises)."""
        return self._ends - time.monotonic()

    def expired(self) -> BuildFailure:
        return BuildFailure(EXIT_TIMEOUT, f"the build exceeded its {self.seconds:.0f}s time limit")
