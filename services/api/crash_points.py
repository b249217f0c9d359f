"""Labelled points of a build's life where fault-injection tests kill the api.

`SLIPWAY_CRASH_AT=<label>` makes the api SIGKILL itself on reaching that point, the way a
power cut would; nothing sets it outside tests (tests/e2e/test_crash_points.py).
"""

from __future__ import annotations

import os
import signal
from typing import Literal

# claimed: the row says building, nothing runs yet; started: the run is going, its handle
# unrecorded; recorded: the handle is in the row; finishing: the run published, its end
# (and any promotion) not yet committed.
CrashPoint = Literal["claimed", "started", "recorded", "finishing"]
CRASH_POINTS: tuple[CrashPoint, ...] = ("claimed", "started", "recorded", "finishing")


def reached(point: CrashPoint) -> None:
    if os.environ.get("SLIPWAY_CRASH_AT") == point:
        os.kill(os.getpid(), signal.SIGKILL)
