"""`make bench-proxy`: the proxy against nginx on the same files, in the same run, with wrk.

Both servers run two workers on this machine, access logs off (one extra run with the
proxy's on); wrk (2 threads, 64 connections) alternates between them for each target. Results go to stdout and to the
"Proxy" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.machine import IdleGate, machine
from services.core.storage import Storage
from tests.proxy.server import proxy_process
from tests.proxy.sites import point, publish
from tests.support.moto import free_port

HOST = "bench.localhost"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
TARGETS = {
    "index.html (2 KB)": "/",
    "fingerprinted JS (40 KB)": "/assets/app.3f9a2c1b.js",
    "5 MB file": "/media/video.bin",
    "404 page": "/no/such/page",
}


def site_files() -> dict[str, bytes]:
    return {
        "index.html": b"<!doctype html><title>bench</title>" + b"<p>slipway</p>" * 144,
        "assets/app.3f9a2c1b.js": b"export const x = 'slipway';\n" * 1460,
        "media/video.bin": os.urandom(5 * 1024 * 1024),
        "404.html": b"<!doctype html><h1>not found</h1>",
    }


@dataclass(frozen=True)
class WrkResult:
    requests_per_s: float
    p99_ms: float
    errors: int


def wrk(url: str, seconds: float) -> WrkResult:
    argv = ["wrk", "-t2", "-c64", f"-d{round(seconds)}s", "--latency", "-H", f"Host: {HOST}", url]
    return parse_wrk(subprocess.run(argv, capture_output=True, text=True, check=True).stdout)


def parse_wrk(out: str) -> WrkResult:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if rate is None or p99 is None:
        raise RuntimeError(f"cannot read wrk output:\n{out}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    failed = sum(int(n) for n in errors.groups()) if errors else 0
    return WrkResult(float(rate.group(1)), float(p99.group(1)) * scale, failed)


NGINX_CONF = """
worker_processes 2;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    types {{ text/html html; text/javascript js; application/octet-stream bin; }}
    server {{
        listen 127.0.0.1:{port};
        root {root};
        error_page 404 /404.html;
        location / {{ try_files $uri $uri/ =404; }}
    }}
}}
"""


def start_nginx(workdir: Path, root: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=workdir, port=port, root=root))
    proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(workdir)])
    deadline = time.monotonic() + 10
    while subprocess.run(["curl", "-fso", "/dev/null", f"http://127.0.0.1:{port}/"]).returncode:
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError("nginx did not start")
        time.sleep(0.1)
    return proc, f"http://127.0.0.1:{port}"


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, AttributeError):
            continue
    return total / 1024


class PeakMemory(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.25):
            self.peak = max(self.peak, tree_rss_mb(self.pid))


def proxy_pid(port: int) -> int:
    """The granian main process listening for this benchmark (found by its command line)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"services.proxy" in cmdline and f"SLIPWAY_PROXY_PORT={port}".encode() in environ:
                return int(entry.name)
    raise RuntimeError("proxy process not found")


def compare(
    nginx: str, proxy: str, seconds: int, rounds: int, gate: IdleGate
) -> tuple[WrkResult, WrkResult]:
    """Alternate nginx and the proxy `rounds` times; the median of each figure."""
    wrk(proxy, 1)  # warm the caches
    theirs: list[WrkResult] = []
    ours: list[WrkResult] = []
    for _ in range(rounds):
        gate.wait()
        theirs.append(wrk(nginx, seconds))
        gate.wait()
        ours.append(wrk(proxy, seconds))
    return _median(theirs), _median(ours)


def _median(results: list[WrkResult]) -> WrkResult:
    return WrkResult(
        statistics.median(r.requests_per_s for r in results),
        statistics.median(r.p99_ms for r in results),
        sum(r.errors for r in results),
    )


def run(seconds: int, rounds: int) -> str:
    rows: list[tuple[str, WrkResult, WrkResult]] = []
    gate = IdleGate()
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
        nginx, nginx_url = start_nginx(workdir, root)
        try:
            with proxy_process(storage_url, proxy_workers="2", route_ttl="1") as proxy:
                memory = PeakMemory(proxy_pid(proxy.port))
                rss_start = tree_rss_mb(memory.pid)
                memory.start()
                for label, path in TARGETS.items():
                    theirs, ours = compare(
                        nginx_url + path, proxy.base_url + path, seconds, rounds, gate
                    )
                    rows.append((label, theirs, ours))
                    print(f"{label}: nginx {theirs}, proxy {ours}", file=sys.stderr)
                memory.done.set()
                memory.join()
                rss_end = tree_rss_mb(memory.pid)
            # The access log's price: the same page with one JSON line per request.
            with proxy_process(
                storage_url, proxy_workers="2", route_ttl="1", proxy_access_log="true"
            ) as logging_proxy:
                theirs, ours = compare(
                    nginx_url + "/", logging_proxy.base_url + "/", seconds, rounds, gate
                )
                rows.append(("index.html, proxy access log on", theirs, ours))
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)
    return report(rows, seconds, rounds, rss_start, memory.peak, rss_end, gate.describe())


def report(
    rows: list[tuple[str, WrkResult, WrkResult]],
    seconds: int,
    rounds: int,
    rss_start: float,
    rss_peak: float,
    rss_end: float,
    idle: str = "",
) -> str:
    lines = [
        "## Proxy",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}, by "
        f"`make bench-proxy`: wrk, 2 threads, 64 connections, {seconds} s per run, nginx and the proxy alternated {rounds} times on the "
        "same files in the same run, medians shown. Both run 2 workers with access logs off "
        "unless said, files from a local directory (nginx with sendfile, the proxy's large "
        "files by ASGI pathsend). wrk sends no Accept-Encoding: both send identity bytes. wrk "
        "and both servers share one Linux session, so the scheduler treats them alike.",
        "",
        "| target | nginx req/s | proxy req/s | proxy ÷ nginx | nginx p99 ms | proxy p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, theirs, ours in rows:
        ratio = ours.requests_per_s / theirs.requests_per_s if theirs.requests_per_s else 0.0
        lines.append(
            f"| {label} | {theirs.requests_per_s:,.0f} | {ours.requests_per_s:,.0f} | "
            f"{ratio:.2f} | {theirs.p99_ms:.1f} | {ours.p99_ms:.1f} |"
        )
    lines += [
        "",
        f"Proxy memory (main process and workers, resident): {rss_start:.0f} MB before, "
        f"{rss_peak:.0f} MB peak under load, {rss_end:.0f} MB after.",
        f"Before every wrk run the benchmark waits (up to 2 minutes) for the CPUs to be 90% "
        f"idle: {idle or 'not recorded'}. Other work on the same 2 vCPU skews both servers, "
        "and figures still move ±15% between runs: compare the ratios.",
        "",
    ]
    return "\n".join(lines)


def write_section(section: str, path: Path = DOCS) -> None:
    """Replace the section with this one's "## " heading in docs/benchmarks.md, or append it.

    Other sections of the file belong to other benchmarks and are kept as they are.
    """
    heading = section.splitlines()[0]
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    section = run(args.seconds, args.rounds)
    print(section)
    if not args.no_write:
        write_section(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
