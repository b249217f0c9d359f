"""`make bench-publish`: publish speed and the build cache's rebuild speed-up.

Publish: the runner's publish step (hashing, compressed variants, every PUT, the manifest)
for one 1,000-file site, one file at a time and then with bounded parallelism, against the
same S3 API server in the same run. Three servers: the tests' `moto_server`, whose own
throughput caps any client (the ratio there measures moto); moto's S3 on granian over bare
loopback; and the same with a fixed latency per request, as S3 has (see bench/s3_server.py).

Cache: the same npm project built twice by the real runner, the second time with the
package cache the first one saved. It downloads a few packages from the npm registry;
without the registry that part says so and is left out.

Results go to stdout and to the "Publish and build cache" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import boto3

from bench.machine import IdleGate, machine
from bench.report import emit
from bench.s3_server import s3_api_server
from build_runner import variants
from build_runner.output import SiteFile
from build_runner.publish import publish_site
from services.core.hosts import new_deployment_id
from services.core.manifest import ServingConfig
from services.core.storage import Storage
from tests.build_runner.support import run_runner
from tests.conftest import AWS_TEST_ENV
from tests.support.gitrepo import GitRepo
from tests.support.moto import moto_server

CACHE_PACKAGES = {"typescript": "5.6.3", "prettier": "3.3.3", "lodash": "4.17.21"}


def make_site(root: Path, count: int) -> list[SiteFile]:
    """HTML pages, stylesheets and scripts of typical small sizes (0.5 to 6 KB)."""
    files = []
    kinds = ("html", "css", "js", "svg")
    for i in range(count):
        kind = kinds[i % len(kinds)]
        rel = f"section{i % 20}/item{i}.{kind}"
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"/* {kind} {i} */\n" + "content line\n" * (40 + (i * 37) % 400))
        files.append(SiteFile(rel=rel, path=path, size=path.stat().st_size))
    return files


def new_bucket(endpoint: str) -> str:
    bucket = f"bench-{uuid.uuid4().hex[:10]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    return f"s3://{bucket}/?endpoint={endpoint}&region=us-east-1"


async def timed_publish(url: str, files: list[SiteFile], concurrency: int) -> float:
    storage = Storage(url)
    started = time.perf_counter()
    await publish_site(
        storage,
        deployment_id=new_deployment_id(),
        project="bench",
        files=files,
        config=ServingConfig(),
        concurrency=concurrency,
    )
    return time.perf_counter() - started


@dataclass(frozen=True)
class PublishRow:
    server: str
    puts: int  # every PUT of one publish: files, their variants, the manifest
    one_at_a_time: float
    in_flight: float

    @property
    def speed_up(self) -> float:
        return self.one_at_a_time / self.in_flight


def put_count(files: list[SiteFile]) -> int:
    """Files, a brotli and a gzip copy of each one large enough (all here compress), manifest."""
    return len(files) + 2 * sum(f.size >= variants.MIN_SIZE for f in files) + 1


def bench_publish(
    count: int, concurrency: int, latency_ms: float, gate: IdleGate
) -> list[PublishRow]:
    """The same site published one file at a time, then `concurrency` at once, per server."""
    servers: dict[str, Callable[[], AbstractContextManager[str]]] = {
        "tests' moto_server (werkzeug), loopback": moto_server,
        "moto S3 on granian, loopback": lambda: s3_api_server(0),
        f"moto S3 on granian, {latency_ms:g} ms per request": lambda: s3_api_server(latency_ms),
    }
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        files = make_site(Path(tmp), count)
        for label, start in servers.items():
            with start() as endpoint:
                url = new_bucket(endpoint)
                asyncio.run(timed_publish(url, files[:20], concurrency))  # warm up the server
                gate.wait()
                one = asyncio.run(timed_publish(url, files, 1))
                gate.wait()
                many = asyncio.run(timed_publish(url, files, concurrency))
            rows.append(PublishRow(label, put_count(files), one, many))
            print(f"{label}: {one:.2f} s one at a time, {many:.2f} s parallel", file=sys.stderr)
    return rows


def install_seconds(log: str) -> float:
    match = re.search(r"install done in ([\d.]+)s", log)
    return float(match[1]) if match else float("nan")


@dataclass(frozen=True)
class CacheRow:
    cold: float
    warm: float


def bench_cache() -> CacheRow | str:
    """Install seconds of a cold and a warm build, or why they could not be measured."""
    with tempfile.TemporaryDirectory() as tmp, s3_api_server() as endpoint:
        repo = GitRepo(Path(tmp) / "repo")
        pkg = {"name": "bench", "version": "1.0.0", "private": True, "dependencies": CACHE_PACKAGES}
        pkg["scripts"] = {"build": "mkdir -p dist && echo ok > dist/index.html"}
        repo.write({"package.json": json.dumps(pkg)})
        lock = subprocess.run(
            [
                "npm",
                "install",
                "--package-lock-only",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
            ],
            cwd=repo.path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if lock.returncode != 0:
            return "left out: the npm registry is not reachable"
        commit = repo.commit({})
        url = new_bucket(endpoint)
        cold = run_runner(repo_url=repo.url, commit=commit, storage_url=url, project="bench")
        warm = run_runner(repo_url=repo.url, commit=commit, storage_url=url, project="bench")
    if cold.code or warm.code:
        print(cold.stdout, warm.stdout, file=sys.stderr)
        return f"left out: the builds failed (exit {cold.code}, {warm.code})"
    return CacheRow(install_seconds(cold.stdout), install_seconds(warm.stdout))


def report(
    rows: list[PublishRow], count: int, concurrency: int, cache: CacheRow | str, idle: str
) -> str:
    lines = [
        "## Publish and build cache",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}, by "
        "`make bench-publish`: the runner's publish step (hashes, brotli and gzip variants, "
        f"every PUT, the manifest) for a {count:,}-file site, one file at a time against {concurrency} in flight, against the same server "
        f"in the same run; {idle}.",
        "",
        f"| S3 API server | one at a time | {concurrency} in flight | speed-up |",
        "|---|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row.server} | {row.one_at_a_time:.2f} s ({count / row.one_at_a_time:,.0f} "
            f"files/s) | {row.in_flight:.2f} s ({count / row.in_flight:,.0f} files/s) | "
            f"{row.speed_up:.1f}x |"
        )
    lines += [
        "",
        f"One publish of this site is {rows[0].puts:,} PUTs: files of 1 KB or more also get "
        f"brotli and gzip copies. The tests' `moto_server` manages about "
        f"{rows[0].puts / rows[0].one_at_a_time:,.0f} PUTs/s here whatever the client does, so "
        "its row measures moto, not the publisher. On bare loopback a request costs only CPU, "
        "which client and server share on these 2 vCPU. S3 answers small PUTs in tens of "
        "milliseconds (AWS's S3 performance guidelines); the last row adds that wait to each "
        "request (bench/s3_server.py), and is what the parallel publish exists for.",
        "",
    ]
    if isinstance(cache, CacheRow):
        lines.append(
            f"Build cache (`npm ci` of {', '.join(CACHE_PACKAGES)} through the runner): "
            f"{cache.cold:.2f} s with an empty cache, {cache.warm:.2f} s with the restored one "
            f"({cache.cold / cache.warm:.1f}x); the npm registry answers this machine fast."
        )
    else:
        lines.append(f"Build cache: {cache}.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency-ms", type=float, default=20.0, help="added to each request")
    parser.add_argument("--no-cache", action="store_true", help="leave out the cache figures")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    os.environ.update(AWS_TEST_ENV)
    gate = IdleGate()
    rows = bench_publish(args.files, args.concurrency, args.latency_ms, gate)
    cache = "not measured in this run" if args.no_cache else bench_cache()
    section = report(rows, args.files, args.concurrency, cache, gate.describe())
    emit(section, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
