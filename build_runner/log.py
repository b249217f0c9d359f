"""The build log: one timestamped line per event, secrets masked, kept whole for upload."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TextIO

MASK = "***"
# Shorter values would mask ordinary words and digits all over the log.
MIN_SECRET_LENGTH = 4
# What is kept for build.log; stdout still sees every line.
MAX_KEPT_BYTES = 8 * 1024 * 1024


class BuildLog:
    def __init__(self, stream: TextIO | None = None, secrets: Iterable[str] = ()) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self._secrets: list[str] = []
        self._lines: list[str] = []
        self._kept_bytes = 0
        self._dropped = 0
        self.durations: dict[str, float] = {}
        self.add_secrets(secrets)

    def add_secrets(self, values: Iterable[str]) -> None:
        fresh = {v for v in values if len(v) >= MIN_SECRET_LENGTH}
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted(set(self._secrets) | fresh, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def line(self, step: str, message: str) -> None:
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        text = f"{stamp} {step:<7} | {self.mask(message.rstrip())}"
        self._stream.write(text + "\n")
        self._stream.flush()
        if self._kept_bytes + len(text) + 1 > MAX_KEPT_BYTES:
            self._dropped += 1
            return
        self._lines.append(text)
        self._kept_bytes += len(text) + 1

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Log the start and end of a step with its duration, also when it fails."""
        self.line(name, f"{name} started")
        started = time.monotonic()
        outcome = "failed"
        try:
            yield
            outcome = "done"
        finally:
            seconds = time.monotonic() - started
            self.durations[name] = seconds
            self.line(name, f"{name} {outcome} in {seconds:.2f}s")

    def text(self) -> str:
        kept = "\n".join(self._lines) + "\n"
        if self._dropped:
            kept += f"[{self._dropped} lines left out: the log exceeded {MAX_KEPT_BYTES} bytes]\n"
        return kept
