"""Hostile traffic beside `make bench-proxy`'s clean load, at bounded rates, every answer checked.

Three kinds, as an attacker sends them: paths the proxy must refuse (traversal, NUL, bad
UTF-8, too long), request heads over the size limit, and slow clients that send their head
a byte a second and never finish it. The clean traffic's p99 beside them is the figure
that counts; the tally shows each kind was refused as it must be.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from services.proxy.server import MAX_REQUEST_HEAD_BYTES

BAD_PATHS = (
    b"/../etc/passwd",
    b"/%2e%2e/%2e%2e/etc/passwd",
    b"/a%00b",
    b"/%ff%fe",
    b"/a\\b",
    b"/" + b"a" * 3000,
)
BAD_PATH_EVERY = 1 / 200  # seconds between two bad-path requests
OVERSIZED_EVERY = 1 / 20
SLOW_CLIENTS = 100
SLOW_BYTE_EVERY = 1.0


@dataclass
class Tally:
    bad_paths: Counter[int | None] = field(default_factory=Counter)  # status, None: no answer
    oversized: Counter[int | None] = field(default_factory=Counter)
    slow_answered_early: int = 0  # slow clients answered before they finished their head
    slow_held: int = 0  # slow clients still connected when the traffic stopped

    def describe(self) -> str:
        def counts(tally: Counter[int | None]) -> str:
            return ", ".join(f"{n:,} got {status or 'no answer'}" for status, n in tally.items())

        return (
            f"{sum(self.bad_paths.values()):,} bad paths ({counts(self.bad_paths)}); "
            f"{sum(self.oversized.values()):,} heads over {MAX_REQUEST_HEAD_BYTES // 1024} KiB "
            f"({counts(self.oversized)}); "
            f"{self.slow_held + self.slow_answered_early:,} slow clients ({SLOW_CLIENTS} a run), "
            f"{self.slow_held:,} still held open when their run ended, "
            f"{self.slow_answered_early} answered before finishing their head"
        )


async def _status(port: int, head: bytes) -> int | None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return None
    try:
        writer.write(head)
        await writer.drain()
        line = await reader.readline()
        return int(line.split()[1]) if line.startswith(b"HTTP/1.1 ") else None
    except (ConnectionError, ValueError, IndexError):
        return None
    finally:
        writer.close()


async def _every(interval: float, stop: asyncio.Event, send: Callable[[], Awaitable[None]]) -> None:
    """Start `send()` every `interval` seconds until `stop`, each on its own, then wait."""
    pending: set[asyncio.Task[None]] = set()
    while not stop.is_set():
        task = asyncio.ensure_future(send())
        pending.add(task)
        task.add_done_callback(pending.discard)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
    if pending:
        await asyncio.wait(pending)


async def _slow_client(port: int, host: str, stop: asyncio.Event, tally: Tally) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answered = asyncio.ensure_future(reader.read(1))  # done once the server says or closes
    try:
        writer.write(f"GET / HTTP/1.1\r\nHost: {host}\r\nX-Slow: ".encode())
        while not stop.is_set() and not answered.done():
            writer.write(b"a")
            await writer.drain()
            await asyncio.wait({answered}, timeout=SLOW_BYTE_EVERY)
    except ConnectionError:
        pass
    finally:
        if answered.done():
            tally.slow_answered_early += 1
        else:
            tally.slow_held += 1
            answered.cancel()
        writer.close()


async def _run(port: int, host: str, stop: asyncio.Event, tally: Tally) -> None:
    paths = iter(range(1 << 62))

    async def bad_path() -> None:
        target = BAD_PATHS[next(paths) % len(BAD_PATHS)]
        head = b"GET " + target + f" HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
        tally.bad_paths[await _status(port, head)] += 1

    async def oversized() -> None:
        padding = b"a" * (MAX_REQUEST_HEAD_BYTES + 1024)
        head = f"GET / HTTP/1.1\r\nHost: {host}\r\nX-Big: ".encode() + padding + b"\r\n\r\n"
        tally.oversized[await _status(port, head)] += 1

    await asyncio.gather(
        _every(BAD_PATH_EVERY, stop, bad_path),
        _every(OVERSIZED_EVERY, stop, oversized),
        *(_slow_client(port, host, stop, tally) for _ in range(SLOW_CLIENTS)),
    )


class HostileTraffic:
    """Runs the hostile traffic in a thread of its own while a `with` block lasts."""

    def __init__(self, port: int, host: str, tally: Tally) -> None:
        self.port, self.host, self.tally = port, host, tally  # several runs add up in one
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        self._loop.run_until_complete(_run(self.port, self.host, self._stop, self.tally))

    def __enter__(self) -> HostileTraffic:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=60)
        self._loop.close()
