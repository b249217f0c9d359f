"""Per-request observability: one JSON access-log line and Prometheus metrics.

Under `python -m services.proxy` the workers share a PROMETHEUS_MULTIPROC_DIR, so `/metrics`
adds up every worker; an app built alone (tests) reports its own registry.
"""

from __future__ import annotations

import os
import sys
import time

import msgspec
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class AccessLine(msgspec.Struct):
    """One access-log line (a Struct encodes several times faster than a dict)."""

    ts: float
    method: str
    host: str | None
    path: str
    status: int
    bytes: int
    ms: float
    deployment: str | None


class Observer:
    def __init__(self, *, access_log: bool) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]  # `_created` series are noise
        self.access_log = access_log
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
        self._encode = msgspec.json.Encoder()

    def exposition(self) -> bytes:
        """The metrics text: every worker's when they share a directory, else this app's."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)

    def cache_lookup(self, hit: bool) -> None:
        (self._hits if hit else self._misses).inc()

    def request(
        self,
        *,
        started: float,
        method: str,
        host: str | None,
        path: bytes,
        status: int,
        sent: int,
        deployment: str | None,
    ) -> None:
        elapsed = time.perf_counter() - started
        counter = self._by_status.get(status)
        if counter is None:
            counter = self._by_status[status] = self._requests.labels(str(status))
        counter.inc()
        self._latency.observe(elapsed)
        if self.access_log:
            line = AccessLine(
                round(time.time(), 3),
                method,
                host,
                path.decode("latin-1"),
                status,
                sent,
                round(elapsed * 1000, 3),
                deployment,
            )
            out = sys.stdout
            out.buffer.write(self._encode.encode(line) + b"\n")
