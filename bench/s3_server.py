"""moto's S3 API for benchmarks: served by granian, with an optional latency per request.

The tests' `moto_server` is werkzeug's development server in front of moto's all-services
dispatcher, which lists moto's package directory under a global lock on every request; it
manages about 150 PUTs/s here, so any publish benchmark against it measures moto. This runs
the same S3 implementation (`create_backend_app("s3")`) in one granian process (one
in-memory store) with enough threads for every request in flight.

Real S3 answers a small PUT in tens of milliseconds (AWS's S3 performance guidelines give
median latencies "in the tens of milliseconds" for requests under 512 KB), and loopback in
microseconds. `SLIPWAY_BENCH_S3_LATENCY_MS` makes each request wait that long before moto
handles it: a sleeping thread holds no CPU and no GIL, so requests in flight wait together,
as they do against S3.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import botocore.exceptions

from tests.support.moto import free_port

LATENCY_ENV = "SLIPWAY_BENCH_S3_LATENCY_MS"
THREADS = 128  # more than any benchmark keeps in flight


def app_factory() -> Any:
    from moto.moto_server.werkzeug_app import create_backend_app

    s3 = create_backend_app("s3")
    latency = float(os.environ.get(LATENCY_ENV, "0")) / 1000
    if not latency:
        return s3

    def delayed(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        time.sleep(latency)
        result: Iterable[bytes] = s3(environ, start_response)
        return result

    return delayed


@contextmanager
def s3_api_server(latency_ms: float = 0.0) -> Iterator[str]:
    """Start the server on a free loopback port; yield its endpoint URL."""
    port = free_port()
    argv = [sys.executable, "-m", "granian", "--interface", "wsgi", "--factory"]
    argv += ["--workers", "1", "--blocking-threads", str(THREADS), "--backpressure", "256"]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--no-ws", "--log-level", "error"]
    env = {**os.environ, LATENCY_ENV: str(latency_ms), "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen(
        [*argv, "bench.s3_server:app_factory"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(endpoint, proc)
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _wait_until_answering(endpoint: str, proc: subprocess.Popen[bytes]) -> None:
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    deadline = time.monotonic() + 30
    while True:
        try:
            client.list_buckets()
            return
        except botocore.exceptions.EndpointConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the benchmark S3 server did not start") from None
            time.sleep(0.1)
