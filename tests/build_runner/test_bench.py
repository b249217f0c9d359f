"""`make bench-publish` stays runnable: its publish part on a small site (no timing checked)."""

from __future__ import annotations

import pytest

from bench.publish import bench_publish


def test_publish_benchmark_runs(moto_endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    bench_publish(moto_endpoint, count=12, concurrency=4, rtt=0.002)
    out = capsys.readouterr().out
    assert "publish: 12 files" in out
    assert out.count("speed-up:") == 2
