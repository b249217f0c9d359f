"""`make bench-publish` stays runnable: its publish part on a small site (no timing checked)."""

from __future__ import annotations

import boto3
import pytest

from bench.machine import IdleGate
from bench.publish import CacheRow, bench_publish, report
from bench.s3_server import s3_api_server
from tests.conftest import AWS_TEST_ENV


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in AWS_TEST_ENV.items():
        monkeypatch.setenv(name, value)


def test_publish_benchmark_runs() -> None:
    gate = IdleGate(min_idle=0.0)
    rows = bench_publish(count=12, concurrency=4, latency_ms=2, gate=gate)
    assert [row.server for row in rows] == [
        "tests' moto_server (werkzeug), loopback",
        "moto S3 on granian, loopback",
        "moto S3 on granian, 2 ms per request",
    ]
    assert all(row.one_at_a_time > 0 and row.in_flight > 0 for row in rows)
    section = report(rows, 12, 4, CacheRow(cold=2.0, warm=1.0), gate.describe())
    assert section.startswith("## Publish and build cache\n")
    assert section.count("files/s) |") == 6
    assert "(2.0x)" in section


def test_benchmark_s3_server_keeps_objects() -> None:
    with s3_api_server(latency_ms=5) as endpoint:
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        s3.create_bucket(Bucket="kept")
        s3.put_object(Bucket="kept", Key="a/b.txt", Body=b"slipway")
        assert s3.get_object(Bucket="kept", Key="a/b.txt")["Body"].read() == b"slipway"
