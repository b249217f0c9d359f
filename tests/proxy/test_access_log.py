"""The access log: one JSON line per request, written in batches, nothing lost or blocking."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time

import pytest

from services.proxy.access_log import BATCH_LINES, AccessLog, Pending
from services.proxy.observe import FLUSH_EVERY, Observer


def entry(path: bytes = b"/", status: int = 200, taken: float = 0.0015) -> Pending:
    return (time.perf_counter() - taken, taken, "GET", "site.localhost", path, status, 12, "dep1")


def written(sink: io.BytesIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in sink.getvalue().splitlines()]


def test_lines_wait_for_a_flush_and_then_read_as_before() -> None:
    sink = io.BytesIO()
    access = AccessLog(sink)
    before = time.time()
    access.add(entry(b"/caf\xc3\xa9?x", 404, taken=0.0123456))
    assert sink.getvalue() == b""  # nothing written per request
    access.flush()
    [line] = written(sink)
    assert line == {
        "ts": line["ts"],
        "method": "GET",
        "host": "site.localhost",
        "path": "/caf\u00c3\u00a9?x",  # raw bytes as latin-1, as the path came
        "status": 404,
        "bytes": 12,
        "ms": 12.345,  # three decimals, truncated
        "deployment": "dep1",
    }
    assert before - 0.05 <= line["ts"] <= time.time()  # type: ignore[operator]
    access.flush()  # nothing waiting: nothing written
    assert len(written(sink)) == 1


def test_a_full_batch_is_written_at_once() -> None:
    sink = io.BytesIO()
    access = AccessLog(sink)
    for n in range(BATCH_LINES + 1):
        access.add(entry(f"/{n}".encode()))
    lines = written(sink)
    assert [line["path"] for line in lines] == [f"/{n}" for n in range(BATCH_LINES)]
    access.flush()
    assert written(sink)[-1]["path"] == f"/{BATCH_LINES}"


class BrokenPipe(io.BytesIO):
    def write(self, data: object) -> int:
        raise BrokenPipeError("standard output is gone")


def test_an_unwritable_output_is_a_warning_not_a_failed_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    access = AccessLog(BrokenPipe())
    access.add(entry())
    with caplog.at_level(logging.WARNING, logger="services.proxy.access_log"):
        access.flush()
    assert "could not write 1 access-log lines" in caplog.text
    access.add(entry())  # the log goes on; the lost batch is not retried forever
    assert len(access._pending) == 1


class Signalling(io.BytesIO):
    """A sink that says when something was flushed to it."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed = asyncio.Event()

    def flush(self) -> None:
        self.flushed.set()


@pytest.mark.anyio
async def test_the_observer_writes_waiting_lines_within_its_flush_interval() -> None:
    observer = Observer(access_log=True)
    sink = Signalling()
    observer.access_log = AccessLog(sink)
    observer.start()
    try:
        observer.request(time.perf_counter(), "GET", "site.localhost", b"/a", 200, 3, "dep1")
        await asyncio.wait_for(sink.flushed.wait(), timeout=10 * FLUSH_EVERY)
        assert [line["path"] for line in written(sink)] == ["/a"]
        observer.request(time.perf_counter(), "GET", "site.localhost", b"/b", 200, 3, "dep1")
    finally:
        await observer.stop()  # what a worker does at shutdown
    assert [line["path"] for line in written(sink)] == ["/a", "/b"]
