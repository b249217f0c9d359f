"""Production flipping between two deployments while the proxy is under load.

Every answer must be a 200 whose body is the file of the deployment its
`x-slipway-deployment` header names: zero errors, nothing mixed. Used small by the test
suite and full-size by `make soak-proxy` (`python -m bench.proxy_flip`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.report import write_section
from services.core.manifest import Manifest
from services.core.storage import Storage
from tests.proxy.rawhttp import KeepAlive
from tests.proxy.server import proxy_process
from tests.proxy.sites import point, publish

PATHS = ("/", "/about/", "/app.js")
MAX_ERRORS_KEPT = 20


@dataclass
class FlipReport:
    requests: int = 0
    flips: int = 0
    errors: int = 0
    examples: list[str] = field(default_factory=list)
    by_deployment: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.examples) < MAX_ERRORS_KEPT:
            self.examples.append(text)

    def summary(self) -> str:
        rate = self.requests / self.seconds if self.seconds else 0.0
        return (
            f"{self.requests} requests in {self.seconds:.1f} s ({rate:.0f}/s), "
            f"{self.flips} flips, {self.errors} errors, served: {dict(self.by_deployment)}"
        )


def site_files(label: str) -> dict[str, bytes]:
    """Files whose every byte says which deployment they belong to."""
    return {
        "index.html": f"<h1>{label} home</h1>".encode() * 20,
        "about/index.html": f"<h1>{label} about</h1>".encode(),
        "app.js": f"console.log('{label}');".encode() * 100,
    }


async def publish_pair(storage: Storage, project: str) -> tuple[Manifest, Manifest]:
    return (
        await publish(storage, project, site_files("blue")),
        await publish(storage, project, site_files("green")),
    )


async def flip_under_load(
    port: int,
    storage: Storage,
    host: str,
    pair: tuple[Manifest, Manifest],
    *,
    connections: int,
    seconds: float,
    flip_every: float,
    max_requests: int,
) -> FlipReport:
    expected = {
        m.deployment: {"/": "index.html", "/about/": "about/index.html", "/app.js": "app.js"}
        for m in pair
    }
    bodies: dict[tuple[str, str], bytes] = {}
    for manifest, label in zip(pair, ("blue", "green"), strict=True):
        files = site_files(label)
        for path, name in expected[manifest.deployment].items():
            bodies[(manifest.deployment, path)] = files[name]
    report = FlipReport()
    await point(storage, host, pair[0])
    started = time.monotonic()
    deadline = started + seconds

    async def visitor(offset: int) -> None:
        connection = KeepAlive(port, host)
        turn = offset
        try:
            while time.monotonic() < deadline and report.requests < max_requests:
                path = PATHS[turn % len(PATHS)]
                turn += 1
                report.requests += 1
                try:
                    answer = await asyncio.wait_for(connection.get(path), timeout=10)
                except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
                    report.error(f"{path}: {exc!r}")
                    continue
                deployment = answer.headers.get(b"x-slipway-deployment", b"").decode()
                if answer.status != 200:
                    report.error(f"{path}: status {answer.status}")
                elif bodies.get((deployment, path)) != answer.body:
                    report.error(f"{path}: body is not the file of deployment {deployment!r}")
                else:
                    report.by_deployment[deployment] += 1
        finally:
            connection.close()

    async def flipper() -> None:
        index = 0
        while time.monotonic() < deadline and report.requests < max_requests:
            # Jitter keeps the flips from lining up with the route TTL (0.2 s = 2 flips),
            # which would let every reload see the same deployment.
            await asyncio.sleep(flip_every * random.uniform(0.5, 1.5))  # noqa: S311
            index += 1
            await point(storage, host, pair[index % 2])
            report.flips += 1

    await asyncio.gather(flipper(), *(visitor(i) for i in range(connections)))
    report.seconds = time.monotonic() - started
    return report


async def _soak(
    connections: int, seconds: float, flip_every: float, workers: int, write: bool
) -> int:
    with tempfile.TemporaryDirectory() as directory:
        url = (Path(directory) / "storage").as_uri()
        storage = Storage(url)
        pair = await publish_pair(storage, "soak")
        with proxy_process(url, proxy_workers=str(workers)) as proxy:
            report = await flip_under_load(
                proxy.port,
                storage,
                "soak.localhost",
                pair,
                connections=connections,
                seconds=seconds,
                flip_every=flip_every,
                max_requests=10_000_000,
            )
    print(f"proxy flip soak: {connections} connections, flip every {flip_every * 1000:.0f} ms")
    print(report.summary())
    for example in report.examples:
        print("  error:", example)
    passed = report.errors == 0 and len(report.by_deployment) == 2
    if write:
        write_section(soak_section(report, connections, flip_every, workers, passed))
    return 0 if passed else 1


def soak_section(
    report: FlipReport, connections: int, flip_every: float, workers: int, passed: bool
) -> str:
    return "\n".join(
        [
            "## Proxy under production flips",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make soak-proxy` on "
            f"{os.cpu_count()} vCPU: {connections} keep-alive connections for "
            f"{report.seconds:.0f} s against the proxy ({workers} workers, route TTL 0.2 s, "
            f"local storage) while production was promoted and rolled back every "
            f"{flip_every * 1000:.0f} ms on average (±50 % jitter). Every answer is checked: status 200 and a body that "
            "is exactly the file of the deployment named by `x-slipway-deployment`.",
            "",
            f"- {'passed' if passed else 'FAILED'}: {report.summary()}",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--flip-every", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-write", action="store_true", help="do not update the docs")
    args = parser.parse_args(argv)
    return asyncio.run(
        _soak(args.connections, args.seconds, args.flip_every, args.workers, not args.no_write)
    )


if __name__ == "__main__":
    sys.exit(main())
