"""Per-request observability: one JSON access-log line (services/proxy/access_log.py) and
Prometheus metrics.

Under `python -m services.proxy` the workers share a PROMETHEUS_MULTIPROC_DIR, so `/metrics`
adds up every worker; an app built alone (tests) reports its own registry.

Metrics are tallied in plain integers per request and handed to prometheus_client a few
times a second: its multiprocess values are memory-mapped files behind a lock, and three
updates per request cost a fifth of the proxy's throughput on small files.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import os
import time

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

from services.proxy.access_log import AccessLog

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
FLUSH_EVERY = 0.25  # seconds; a scrape also flushes the worker that answers it


class Observer:
    def __init__(self, *, access_log: bool) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]  # `_created` series are noise
        self.access_log = AccessLog() if access_log else None
        self.registry = CollectorRegistry()
        self._requests = Counter(
            "slipway_proxy_requests",
            "Requests answered, by status",
            ["status"],
            registry=self.registry,
        )
        self._latency = Histogram(
            "slipway_proxy_request_seconds",
            "Time to answer a request (until the last body byte was handed on)",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        cache = Counter(
            "slipway_proxy_response_cache",
            "Lookups of ready responses in the memory cache, by result",
            ["result"],
            registry=self.registry,
        )
        self._hits = cache.labels("hit")
        self._misses = cache.labels("miss")
        self._by_status: dict[int, Counter] = {}
        # Tallies not yet handed to prometheus_client (see the module's docstring).
        self._status_tally: dict[int, int] = {}
        self._bucket_tally = [0] * (len(LATENCY_BUCKETS) + 1)  # the last one is +Inf
        self._seconds_tally = 0.0
        self._hit_tally = 0
        self._miss_tally = 0
        self._flusher: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Flush the tallies periodically (each worker runs this in its own event loop)."""
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush_forever())

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_EVERY)
            try:
                self.flush()
            except Exception:  # the next round tries again; metrics must not stop for good
                log.exception("flushing metrics failed")

    async def stop(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
            self._flusher = None
        self.flush()

    def flush(self) -> None:
        """Write the waiting access-log lines; hand the tallies to prometheus_client in one
        update per series."""
        if self.access_log is not None:
            self.access_log.flush()
        for status, count in self._status_tally.items():
            counter = self._by_status.get(status)
            if counter is None:
                counter = self._by_status[status] = self._requests.labels(str(status))
            counter.inc(count)
        self._status_tally.clear()
        if self._hit_tally:
            self._hits.inc(self._hit_tally)
            self._hit_tally = 0
        if self._miss_tally:
            self._misses.inc(self._miss_tally)
            self._miss_tally = 0
        if any(self._bucket_tally):
            # What Histogram.observe does per value, once per bucket: one bucket per
            # observation (the first bound it fits under) and the running sum.
            for index, count in enumerate(self._bucket_tally):
                if count:
                    self._latency._buckets[index].inc(count)
            self._latency._sum.inc(self._seconds_tally)
            self._bucket_tally = [0] * len(self._bucket_tally)
            self._seconds_tally = 0.0

    def exposition(self) -> bytes:
        """The metrics text: every worker's when they share a directory, else this app's."""
        self.flush()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)

    def cache_lookup(self, hit: bool) -> None:
        if hit:
            self._hit_tally += 1
        else:
            self._miss_tally += 1

    def request(
        self,
        started: float,
        method: str,
        host: str | None,
        path: bytes,
        status: int,
        sent: int,
        deployment: str | None,
    ) -> None:
        """One answered request (its arguments positional: this runs for every request)."""
        elapsed = time.perf_counter() - started
        self._status_tally[status] = self._status_tally.get(status, 0) + 1
        self._bucket_tally[bisect.bisect_left(LATENCY_BUCKETS, elapsed)] += 1
        self._seconds_tally += elapsed
        if self.access_log is not None:
            self.access_log.add((started, elapsed, method, host, path, status, sent, deployment))
