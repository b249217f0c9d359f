"""The pure parts of `make bench-proxy`: reading wrk, judging the goal, writing the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.hostile_traffic import Tally
from bench.machine import IdleGate, cpu_idle_fraction
from bench.proxy import (
    LARGE,
    NGINX,
    PAGE,
    PINNED,
    PROXY_BESIDE_HOSTILE,
    PROXY_LOGGING,
    SHARED,
    Measured,
    Memory,
    Row,
    goal_verdict,
    report,
)
from bench.report import write_section
from bench.wrk import WrkResult, parse_wrk

WRK_OUTPUT = """Running 4s test @ http://127.0.0.1:40000/
  2 threads and 64 connections
  Latency Distribution
     50%    1.20ms
     75%    2.10ms
     90%    3.40ms
     99%  850.00us
  100822 requests in 4.03s, 227.11MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:  25046.01
"""


def test_wrk_output_is_read() -> None:
    assert parse_wrk(WRK_OUTPUT) == WrkResult(25046.01, 0.85, 3)
    seconds = WRK_OUTPUT.replace("850.00us", "1.50s")
    assert parse_wrk(seconds).p99_ms == pytest.approx(1500.0)
    with pytest.raises(RuntimeError, match="cannot read wrk output"):
        parse_wrk("wrk: connection refused")


def test_only_our_section_is_replaced(tmp_path: Path) -> None:
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Benchmarks\n\n## Proxy\n\nold\n\n## Webhooks\n\ntheirs\n")
    write_section("## Proxy\n\nnew\n", docs)
    assert docs.read_text() == "# Benchmarks\n\n## Proxy\n\nnew\n\n## Webhooks\n\ntheirs\n"
    write_section("## Proxy under production flips\n\nsoak\n", docs)
    assert docs.read_text().endswith(
        "## Webhooks\n\ntheirs\n\n## Proxy under production flips\n\nsoak\n"
    )
    write_section("## Proxy\n\nnewer\n", docs)
    assert "## Proxy\n\nnewer\n\n## Webhooks" in docs.read_text()
    assert docs.read_text().count("## Proxy under production flips") == 1


def test_a_missing_file_is_created(tmp_path: Path) -> None:
    docs = tmp_path / "docs" / "benchmarks.md"
    write_section("## Proxy\n\nfirst\n", docs)
    assert docs.read_text() == "# Benchmarks\n\n## Proxy\n\nfirst\n"


def test_idle_gate_waits_no_longer_than_its_timeout() -> None:
    assert 0.0 <= cpu_idle_fraction(0.05) <= 1.0
    gate = IdleGate(min_idle=1.01, timeout=0.0)  # never idle enough: one reading, then on
    gate.wait()
    assert gate.lowest <= 1.0
    assert gate.describe().startswith("each run started with the CPUs at least")


def _row(
    target: str, server: str, rps: float, p99: float, nginx_rps: float, nginx_p99: float
) -> Row:
    return Row(
        target,
        server,
        Measured(WrkResult(rps, p99, 0), 0.98),
        Measured(WrkResult(nginx_rps, nginx_p99, 0), 0.99),
    )


def test_the_goal_verdict_names_every_miss() -> None:
    met = [
        _row(PAGE, PROXY_LOGGING, 61_000, 4.0, 100_000, 1.5),
        _row(LARGE, PROXY_LOGGING, 400, 300.0, 400, 250.0),
        _row(PAGE, PROXY_BESIDE_HOSTILE, 60_000, 5.0, 100_000, 1.5),
    ]
    assert goal_verdict(met) == "met"
    missed = [
        _row(PAGE, PROXY_LOGGING, 40_000, 12.0, 100_000, 1.5),
        _row(LARGE, PROXY_LOGGING, 400, 400.0, 400, 250.0),
        _row(PAGE, PROXY_BESIDE_HOSTILE, 39_000, 11.0, 100_000, 1.5),
        _row(PAGE, "proxy, access log off", 10_000, 50.0, 100_000, 1.5),  # not judged
    ]
    verdict = goal_verdict(missed)
    assert verdict.startswith("not met: ")
    for miss in (
        "index.html (2 KB) beside hostile traffic: p99 11.0 ms",
        "index.html (2 KB): 0.40 of nginx < 0.6",
        "index.html (2 KB): p99 12.0 ms ≥ 10",
        "5 MB file: p99 400.0 ms > 375.0",
    ):
        assert miss in verdict
    assert "access log off" not in verdict


def test_the_report_has_a_table_per_method_with_ratios_and_cpu() -> None:
    rows = [
        _row(PAGE, NGINX, 100_000, 1.5, 100_000, 1.5),
        _row(PAGE, PROXY_LOGGING, 40_000, 6.0, 100_000, 1.5),
    ]
    tally = Tally()
    tally.bad_paths[400] += 5
    tally.oversized[431] += 2
    tally.slow_held = 100
    text = report(
        {PINNED.name: rows, SHARED.name: rows},
        {PINNED.name: tally, SHARED.name: tally},
        4,
        3,
        Memory(90, 120, 100),
        "each run started with the CPUs at least 97% idle",
    )
    assert text.startswith("## Proxy\n")
    assert "### Pinned cores: what production pays for" in text
    assert "### Shared cores: the earlier method" in text
    assert f"| {PAGE} | {PROXY_LOGGING} | 40,000 | 0.40 | 6.0 | 0.98 |" in text
    assert "5 bad paths (5 got 400); 2 heads over 48 KiB (2 got 431); 100 slow clients" in text
    assert text.count("Goal (pinned") == 1  # judged on the pinned figures only
