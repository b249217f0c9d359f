"""`make bench-publish`: publish speed and the build cache's rebuild speed-up.

Publish: one 1,000-file site, uploaded one file at a time and then with bounded parallelism,
against the same moto S3 server in the same run (moto is single-threaded, so it is the
ceiling; compare the ratio, not the absolute numbers).

Real S3 is a network away, so each request also waits a round trip; moto on loopback does
not. The publish figures are therefore also taken through a loopback relay that holds each
client chunk for a fixed delay (an emulated round trip), in front of the same moto server.

Cache: the same npm project built twice by the real runner against that server, the second
time with the package cache the first one saved. It downloads a few packages from the npm
registry; without the registry that part says so and is left out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.queues import Queue
from pathlib import Path

import boto3

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


class DelayRelay:
    """A loopback TCP relay that delays client-to-server data by `delay` seconds."""

    def __init__(self, target_port: int, delay: float) -> None:
        self.target_port = target_port
        self.delay = delay
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> DelayRelay:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        await asyncio.gather(
            self._pipe(client_r, server_w, self.delay),
            self._pipe(server_r, client_w, 0),
            return_exceptions=True,
        )

    @staticmethod
    async def _pipe(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float
    ) -> None:
        try:
            while chunk := await reader.read(65536):
                if delay:
                    await asyncio.sleep(delay)
                writer.write(chunk)
                await writer.drain()
        finally:
            writer.close()


async def _relay_forever(target_port: int, delay: float, ports: Queue[int]) -> None:
    async with DelayRelay(target_port, delay) as relay:
        ports.put(relay.port)
        await asyncio.Event().wait()


def _run_relay(target_port: int, delay: float, ports: Queue[int]) -> None:
    asyncio.run(_relay_forever(target_port, delay, ports))


@contextmanager
def relay_process(target_port: int, delay: float) -> Iterator[int]:
    """The relay in its own process, so it does not compete with the publisher for the GIL."""
    ports: Queue[int] = multiprocessing.Queue()
    process = multiprocessing.Process(target=_run_relay, args=(target_port, delay, ports))
    process.start()
    try:
        yield ports.get(timeout=10)
    finally:
        process.terminate()
        process.join(timeout=10)


def new_bucket(endpoint: str) -> str:
    bucket = f"bench-{uuid.uuid4().hex[:10]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    return f"s3://{bucket}/?endpoint={endpoint}&region=us-east-1"


async def timed_publish(
    url: str, files: list[SiteFile], concurrency: int, rtt: float = 0.0
) -> float:
    if rtt:
        port = int(url.split("endpoint=http://127.0.0.1:", 1)[1].split("&", 1)[0])
        with relay_process(port, rtt) as relay_port:
            relayed = url.replace(f"127.0.0.1:{port}", f"127.0.0.1:{relay_port}")
            return await timed_publish(relayed, files, concurrency)
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


def bench_publish(endpoint: str, count: int, concurrency: int, rtt: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = make_site(Path(tmp), count)
        url = new_bucket(endpoint)
        asyncio.run(timed_publish(url, files[:20], concurrency))  # warm up the server
        print(f"publish: {count} files ({sum(f.size for f in files)} bytes) to moto S3")
        for label, delay in (("loopback", 0.0), (f"{rtt * 1000:.0f} ms emulated RTT", rtt)):
            one = asyncio.run(timed_publish(url, files, 1, delay))
            many = asyncio.run(timed_publish(url, files, concurrency, delay))
            print(f"  {label}:")
            print(f"    one file at a time: {one:7.2f} s ({count / one:5.0f} files/s)")
            print(
                f"    {concurrency:>3} in flight:     {many:7.2f} s ({count / many:5.0f} files/s)"
            )
            print(f"    speed-up:           {one / many:7.1f}x")


def install_seconds(log: str) -> float:
    match = re.search(r"install done in ([\d.]+)s", log)
    return float(match[1]) if match else float("nan")


def bench_cache(endpoint: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
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
            print("cache: left out, the npm registry is not reachable")
            return
        commit = repo.commit({})
        url = new_bucket(endpoint)
        cold = run_runner(repo_url=repo.url, commit=commit, storage_url=url, project="bench")
        warm = run_runner(repo_url=repo.url, commit=commit, storage_url=url, project="bench")
    if cold.code or warm.code:
        print(f"cache: builds failed ({cold.code}, {warm.code})\n{cold.stdout}\n{warm.stdout}")
        return
    cold_s, warm_s = install_seconds(cold.stdout), install_seconds(warm.stdout)
    print(f"cache: npm ci of {', '.join(CACHE_PACKAGES)} through the runner")
    print(f"  cold (empty cache):       {cold_s:7.2f} s")
    print(f"  warm (restored cache):    {warm_s:7.2f} s")
    print(f"  speed-up:                 {cold_s / warm_s:7.1f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rtt-ms", type=float, default=20.0, help="emulated round trip")
    parser.add_argument("--no-cache", action="store_true", help="leave out the cache figures")
    args = parser.parse_args(argv)
    os.environ.update(AWS_TEST_ENV)
    with moto_server() as endpoint:
        bench_publish(endpoint, args.files, args.concurrency, args.rtt_ms / 1000)
        if not args.no_cache:
            bench_cache(endpoint)
    return 0


if __name__ == "__main__":
    sys.exit(main())
