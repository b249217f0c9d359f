"""The build log: one timestamped line per event, secrets masked, bounded.

The runner's own lines are always written. What the project's commands print is written
until MAX_KEPT_BYTES, then dropped with one marker line, both on stdout (which becomes a file
on the host, or CloudWatch Logs on ECS) and in the stored build.log: a build that prints
forever costs its own log, not the platform's disk.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TextIO

MASK = "***"
# Shorter values would mask ordinary words and digits all over the log.
MIN_SECRET_LENGTH = 4
# What the project's commands may print into the log, in bytes.
MAX_KEPT_BYTES = 8 * 1024 * 1024
# Each line of a multi-line secret (a PEM key, say) is masked on its own, as commands print
# it line by line; lines shorter than this are too common to mask.
MIN_SECRET_LINE_LENGTH = 8
# The last lines of each step's command output, kept for the failure summary (also past the
# log's limit: the cause of a failure is at the end).
RECENT_LINES = 200


class BuildLog:
    def __init__(self, stream: TextIO | None = None, secrets: Iterable[str] = ()) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self._secrets: list[str] = []
        self._lines: list[str] = []
        self._kept_bytes = 0
        self._dropped = 0
        self._recent: dict[str, deque[str]] = {}
        self.durations: dict[str, float] = {}
        self.add_secrets(secrets)

    def add_secrets(self, values: Iterable[str]) -> None:
        fresh = {v for v in values if len(v) >= MIN_SECRET_LENGTH}
        for value in list(fresh):
            lines = [part.strip() for part in value.splitlines()]
            fresh.update(part for part in lines if len(part) >= MIN_SECRET_LINE_LENGTH)
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted(set(self._secrets) | fresh, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def line(self, step: str, message: str) -> None:
        """One of the runner's own lines: always written."""
        self._write(self._format(step, message))

    def output(self, step: str, message: str) -> None:
        """One line a command printed: written while the log is under its limit."""
        text = self._format(step, message)
        recent = self._recent.setdefault(step, deque(maxlen=RECENT_LINES))
        recent.append(self.mask(message.rstrip()))
        if self._kept_bytes + len(text) + 1 > MAX_KEPT_BYTES:
            if not self._dropped:
                self._write(self._format(step, f"{self._cut_marker()}; further output is dropped"))
            self._dropped += 1
            return
        self._kept_bytes += len(text) + 1
        self._write(text)

    def recent_output(self, step: str) -> list[str]:
        """The last lines the step's commands printed, masked."""
        return list(self._recent.get(step, ()))

    def _format(self, step: str, message: str) -> str:
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return f"{stamp} {step:<7} | {self.mask(message.rstrip())}"

    def _write(self, text: str) -> None:
        self._stream.write(text + "\n")
        self._stream.flush()
        self._lines.append(text)

    def _cut_marker(self) -> str:
        return f"the log reached its limit of {MAX_KEPT_BYTES} bytes of command output"

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Log the start and end of a step with its duration, also when it fails."""
        self.line(name, f"{name} started")
        started = time.monotonic()
        outcome = "failed"
        try:
            yield
            outcome = "done"
        except asyncio.CancelledError:  # SIGTERM (a cancel, or the task stopped): no failure
            outcome = "stopped"
            raise
        finally:
            seconds = time.monotonic() - started
            self.durations[name] = seconds
            self.line(name, f"{name} {outcome} in {seconds:.2f}s")

    def text(self) -> str:
        kept = "\n".join(self._lines) + "\n"
        if self._dropped:
            kept += f"[{self._dropped} lines left out: {self._cut_marker()}]\n"
        return kept
