"""`make bench-proxy`: the proxy against nginx on the same files, in the same run, two ways.

- **pinned**, what a platform engineer pays for (requests per vCPU): wrk, one thread, on
  CPU 0; the server under test alone on CPU 1 with one worker. Each server's CPU use during
  its runs is shown, so a server held back by the load generator would show.
- **shared**, the earlier method: wrk (2 threads) and the server (2 workers) share both
  CPUs. wrk then takes a large part of the CPU, and whichever server leaves it more looks
  better: these figures say less about the proxy than the pinned ones.

Every row is a ratio against nginx measured in the same run, servers alternated round by
round. Bare ASGI and RSGI apps on granian answering the same bytes (bench/ceiling_apps.py)
show how fast Python on granian gets at all, so what Slipway's own work costs is visible.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.ceiling_apps import save_responses
from bench.hostile_traffic import HostileTraffic, Tally
from bench.machine import IdleGate, machine
from bench.processes import PeakMemory, tree_cpu_seconds, tree_rss_mb
from bench.report import emit
from bench.servers import Running, ceiling, nginx
from bench.wrk import WrkResult, wrk
from services.core.storage import Storage
from tests.proxy.server import proxy_process
from tests.proxy.sites import point, publish

HOST = "bench.localhost"
CONNECTIONS = 64
PAGE = "index.html (2 KB)"
LARGE = "5 MB file"
TARGETS = {
    PAGE: "/",
    "fingerprinted JS (40 KB)": "/assets/app.3f9a2c1b.js",
    LARGE: "/media/video.bin",
    "404 page": "/no/such/page",
}
NGINX = "nginx"
PROXY_LOGGING = "proxy, access log on (as deployed)"
PROXY_QUIET = "proxy, access log off"
PROXY_BESIDE_HOSTILE = "proxy, access log on, beside hostile traffic"
BARE_ASGI = "bare ASGI app on granian"
BARE_RSGI = "bare RSGI app on granian"
CEILINGS = (BARE_ASGI, BARE_RSGI)
CEILING_TARGETS = (PAGE, "fingerprinted JS (40 KB)", "404 page")  # answers the proxy holds whole
# The goal, pinned and logging: this share of nginx's requests/s on small files, with p99
# under this; and the large file's p99 within this multiple of nginx's.
GOAL_RATIO, GOAL_P99_MS, GOAL_LARGE_P99 = 0.6, 10.0, 1.5


@dataclass(frozen=True)
class Method:
    name: str
    wrk_cpu: int | None  # None: wrk runs wherever the scheduler puts it
    wrk_threads: int
    server_cpus: str | None
    workers: int
    explained: str


PINNED = Method(
    "pinned",
    wrk_cpu=0,
    wrk_threads=1,
    server_cpus="1",
    workers=1,
    explained="wrk (1 thread) on CPU 0, the server under test alone on CPU 1 with 1 worker",
)
SHARED = Method(
    "shared",
    wrk_cpu=None,
    wrk_threads=2,
    server_cpus=None,
    workers=2,
    explained="wrk (2 threads) and the server (2 workers) share both CPUs",
)


@dataclass(frozen=True)
class Measured:
    wrk: WrkResult
    server_busy: float  # CPU seconds the server used per second of the run (1.0 = one core)


@dataclass(frozen=True)
class Row:
    target: str
    server: str
    measured: Measured
    nginx: Measured

    @property
    def ratio(self) -> float:
        reference = self.nginx.wrk.requests_per_s
        return self.measured.wrk.requests_per_s / reference if reference else 0.0


def site_files() -> dict[str, bytes]:
    return {
        "index.html": b"<!doctype html><title>bench</title>" + b"<p>slipway</p>" * 144,
        "assets/app.3f9a2c1b.js": b"export const x = 'slipway';\n" * 1460,
        "media/video.bin": os.urandom(5 * 1024 * 1024),
        "404.html": b"<!doctype html><h1>not found</h1>",
    }


def measure(url: str, server: Running, method: Method, seconds: int) -> Measured:
    cpu_before, started = tree_cpu_seconds(server.pid), time.monotonic()
    result = wrk(
        url,
        seconds,
        HOST,
        threads=method.wrk_threads,
        connections=CONNECTIONS,
        cpu=method.wrk_cpu,
    )
    busy = (tree_cpu_seconds(server.pid) - cpu_before) / (time.monotonic() - started)
    return Measured(result, busy)


def compare(
    servers: dict[str, Running],
    path: str,
    method: Method,
    seconds: int,
    rounds: int,
    gate: IdleGate,
) -> dict[str, Measured]:
    """Alternate the servers `rounds` times on one path; the median of each figure."""
    for server in servers.values():
        wrk(server.base_url + path, 1, HOST, threads=1, connections=8)  # warm the caches
    runs: dict[str, list[Measured]] = {name: [] for name in servers}
    for _ in range(rounds):
        for name, server in servers.items():
            gate.wait()
            runs[name].append(measure(server.base_url + path, server, method, seconds))
    return {name: _median(results) for name, results in runs.items()}


def _median(results: list[Measured]) -> Measured:
    return Measured(
        WrkResult(
            statistics.median(r.wrk.requests_per_s for r in results),
            statistics.median(r.wrk.p99_ms for r in results),
            sum(r.wrk.errors for r in results),
        ),
        statistics.median(r.server_busy for r in results),
    )


@contextmanager
def proxy(storage_url: str, method: Method, access_log: bool) -> Iterator[Running]:
    with proxy_process(
        storage_url,
        cpus=method.server_cpus,
        proxy_workers=str(method.workers),
        route_ttl="1",
        proxy_access_log="true" if access_log else "false",
    ) as running:
        yield Running(running.base_url, running.pid)


def copy_responses(base_url: str, into: Path) -> None:
    """What the proxy sends for the small targets, for the bare apps to send the same bytes."""
    own = {"date", "server"}  # granian adds these to every answer
    responses = {}
    for target in CEILING_TARGETS:
        path = TARGETS[target]
        # As wrk asks: no Accept-Encoding, so the identity bytes.
        reply = httpx.get(base_url + path, headers={"host": HOST, "accept-encoding": "identity"})
        headers = [(k, v) for k, v in reply.headers.multi_items() if k.lower() not in own]
        responses[path] = (reply.status_code, headers, reply.content)
    save_responses(into, responses)


@dataclass
class Memory:
    start: float = 0.0
    peak: float = 0.0
    end: float = 0.0


def run_method(
    method: Method,
    workdir: Path,
    storage_url: str,
    seconds: int,
    rounds: int,
    gate: IdleGate,
    memory: Memory,
) -> tuple[list[Row], Tally]:
    rows: list[Row] = []
    with ExitStack() as stack:
        if method.wrk_cpu is not None:  # this process (and the hostile traffic) beside wrk
            stack.callback(os.sched_setaffinity, 0, os.sched_getaffinity(0))
            os.sched_setaffinity(0, {method.wrk_cpu})
        servers = {
            NGINX: stack.enter_context(
                nginx(workdir, workdir / "root", method.workers, method.server_cpus)
            ),
            PROXY_LOGGING: stack.enter_context(proxy(storage_url, method, access_log=True)),
            PROXY_QUIET: stack.enter_context(proxy(storage_url, method, access_log=False)),
        }
        response_file = workdir / "responses.json"
        copy_responses(servers[PROXY_QUIET].base_url, response_file)
        for interface, name in (("asgi", BARE_ASGI), ("rsgi", BARE_RSGI)):
            servers[name] = stack.enter_context(
                ceiling(interface, response_file, method.server_cpus)
            )
        watched = PeakMemory(servers[PROXY_LOGGING].pid)
        memory.start = tree_rss_mb(watched.pid)
        watched.start()
        for target, path in TARGETS.items():
            contenders = {
                name: server
                for name, server in servers.items()
                if target in CEILING_TARGETS or name not in CEILINGS
            }
            results = compare(contenders, path, method, seconds, rounds, gate)
            for name, measured in results.items():
                rows.append(Row(target, name, measured, results[NGINX]))
                print(f"{method.name} {target} {name}: {measured}", file=sys.stderr)
        hostile_row, tally = beside_hostile(
            servers[PROXY_LOGGING], method, seconds, rounds, gate, rows
        )
        rows.append(hostile_row)
        watched.done.set()
        watched.join()
        memory.peak, memory.end = watched.peak, tree_rss_mb(watched.pid)
    return rows, tally


def beside_hostile(
    server: Running, method: Method, seconds: int, rounds: int, gate: IdleGate, rows: list[Row]
) -> tuple[Row, Tally]:
    """The 2 KB page again while hostile traffic runs beside wrk (bench/hostile_traffic.py)."""
    port = int(server.base_url.rsplit(":", 1)[1])
    runs, tally = [], Tally()
    for _ in range(rounds):
        gate.wait()
        with HostileTraffic(port, HOST, tally):
            runs.append(measure(server.base_url + "/", server, method, seconds))
    reference = next(row.nginx for row in rows if row.target == PAGE)
    return Row(PAGE, PROXY_BESIDE_HOSTILE, _median(runs), reference), tally


def run(seconds: int, rounds: int, methods: list[Method], min_idle: float = 0.9) -> str:
    gate = IdleGate(min_idle=min_idle)
    results: dict[str, list[Row]] = {}
    tallies: dict[str, Tally] = {}
    memory = Memory()
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        root = workdir / "root"
        files = site_files()
        for path, data in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(data)
        for folder in [workdir, *root.rglob("*")]:
            folder.chmod(0o755)  # nginx workers run unprivileged
        storage_url = (workdir / "storage").as_uri()
        storage = Storage(storage_url)

        async def deploy() -> None:
            await point(storage, HOST, await publish(storage, "bench", files))

        asyncio.run(deploy())
        for method in methods:
            results[method.name], tallies[method.name] = run_method(
                method, workdir, storage_url, seconds, rounds, gate, memory
            )
    return report(results, tallies, seconds, rounds, memory, gate.describe())


def goal_verdict(rows: list[Row]) -> str:
    """Whether the pinned, logging proxy meets the goal (see the constants above)."""
    logging = {row.target: row for row in rows if row.server == PROXY_LOGGING}
    misses = [
        f"{row.target} beside hostile traffic: p99 {row.measured.wrk.p99_ms:.1f} ms"
        for row in rows
        if row.server == PROXY_BESIDE_HOSTILE and row.measured.wrk.p99_ms >= GOAL_P99_MS
    ]
    for target, row in logging.items():
        if target == LARGE:
            limit = GOAL_LARGE_P99 * row.nginx.wrk.p99_ms
            if row.measured.wrk.p99_ms > limit:
                misses.append(f"{target}: p99 {row.measured.wrk.p99_ms:.1f} ms > {limit:.1f}")
            continue
        if row.ratio < GOAL_RATIO:
            misses.append(f"{target}: {row.ratio:.2f} of nginx < {GOAL_RATIO}")
        if row.measured.wrk.p99_ms >= GOAL_P99_MS:
            misses.append(f"{target}: p99 {row.measured.wrk.p99_ms:.1f} ms ≥ {GOAL_P99_MS:g}")
    return "met" if not misses else "not met: " + "; ".join(misses)


def report(
    results: dict[str, list[Row]],
    tallies: dict[str, Tally],
    seconds: int,
    rounds: int,
    memory: Memory,
    idle: str,
) -> str:
    lines = [
        "## Proxy",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}, by "
        f"`make bench-proxy`: wrk, {CONNECTIONS} connections, {seconds} s per run, the "
        f"servers alternated {rounds} times on the same files in the same run, medians "
        "shown; every ratio is against nginx in the same run and method. Files come from a "
        "local directory (nginx with sendfile, the proxy's large files by ASGI pathsend); "
        "wrk sends no Accept-Encoding, so both send identity bytes. *CPU* is the server's "
        "CPU time per second of its runs (1.00 = one core busy). The bare apps answer the "
        "small targets with the proxy's exact bytes and do nothing else.",
        "",
    ]
    for method in (PINNED, SHARED):
        rows = results.get(method.name)
        if not rows:
            continue
        title = "what production pays for" if method is PINNED else "the earlier method"
        lines += [
            f"### {method.name.capitalize()} cores: {title}",
            "",
            f"{method.explained}.",
            "",
            "| target | server | req/s | ÷ nginx | p99 ms | CPU |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for row in rows:
            result = row.measured.wrk
            lines.append(
                f"| {row.target} | {row.server} | {result.requests_per_s:,.0f} | "
                f"{row.ratio:.2f} | {result.p99_ms:.1f} | {row.measured.server_busy:.2f} |"
            )
        lines += ["", f"Hostile traffic beside wrk: {tallies[method.name].describe()}."]
        if method is PINNED:
            lines += [
                "",
                f"Goal (pinned, access log on: ≥ {GOAL_RATIO} of nginx's req/s and p99 < "
                f"{GOAL_P99_MS:g} ms on the small files; the 5 MB file's p99 within "
                f"{GOAL_LARGE_P99} times nginx's): {goal_verdict(rows)}.",
            ]
        lines.append("")
    lines += [
        f"Proxy memory (access log on, main process and workers, resident): "
        f"{memory.start:.0f} MB before, {memory.peak:.0f} MB peak under load, "
        f"{memory.end:.0f} MB after (the last method run).",
        f"Before every wrk run the benchmark waits (up to 2 minutes) for idle CPUs: {idle}. Figures move ±15% between runs on shared virtual machines: compare "
        "the ratios.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--method", choices=("both", "pinned", "shared"), default="both")
    parser.add_argument("--min-idle", type=float, default=0.9, help="wait for this idle share")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    chosen = {"both": [PINNED, SHARED], "pinned": [PINNED], "shared": [SHARED]}[args.method]
    if len(os.sched_getaffinity(0)) < 2 and PINNED in chosen:
        parser.error("the pinned method needs 2 CPUs: one for wrk, one for the server")
    section = run(args.seconds, args.rounds, chosen, args.min_idle)
    emit(section, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
