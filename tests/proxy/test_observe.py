"""Tallied metrics, once flushed, read exactly as if every request had been observed."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Histogram, generate_latest

from services.proxy.observe import LATENCY_BUCKETS, Observer


def bucket_counts(text: bytes, name: str) -> list[str]:
    return [
        line.rsplit(" ", 1)[1]
        for line in text.decode().splitlines()
        if line.startswith(f"{name}_bucket")
    ]


def test_flushed_tallies_match_plain_observations() -> None:
    observer = Observer(access_log=False)
    registry = CollectorRegistry()
    reference = Histogram("ref", "reference", buckets=LATENCY_BUCKETS, registry=registry)
    # Clear of the bucket bounds by far more than the microseconds the call itself adds.
    latencies = [0.0001, 0.0004, 0.0007, 0.003, 0.003, 0.2, 7.0]
    for seconds in latencies:
        observer.request(
            started=time.perf_counter() - seconds,
            method="GET",
            host="h",
            path=b"/",
            status=200,
            sent=1,
            deployment="d",
        )
        reference.observe(seconds)
    for hit in (True, False, True):
        observer.cache_lookup(hit)
    text = observer.exposition()  # a scrape flushes the tallies first
    ours = bucket_counts(text, "slipway_proxy_request_seconds")
    assert ours == bucket_counts(generate_latest(registry), "ref")
    assert ours[-1] == "7.0"  # the +Inf bucket counts every request
    assert 'slipway_proxy_requests_total{status="200"} 7.0' in text.decode()
    assert 'slipway_proxy_response_cache_total{result="hit"} 2.0' in text.decode()
    assert 'slipway_proxy_response_cache_total{result="miss"} 1.0' in text.decode()
