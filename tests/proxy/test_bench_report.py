"""The pure parts of `make bench-proxy`: reading wrk's output and editing only our section."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.machine import IdleGate, cpu_idle_fraction
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
