"""Webhook intake under a burst, and end-to-end overhead from push to live.

`python -m bench.webhooks --pushes 500` sends that many signed push webhooks at once
(each to its own branch of a trivial static site, so none supersedes another) against the
real api on loopback, then waits until every deployment is final. It reports answer-time
percentiles and how many builds ran, and with `--e2e` the push-to-live overhead of a
200-file site minus the build command's own time.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import re
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.machine import machine
from bench.report import emit
from tests.support.gitrepo import GitRepo
from tests.support.platform import SECRET, Platform


@dataclass
class BurstResult:
    pushes: int
    statuses: dict[int, int]
    p50_ms: float
    p99_ms: float
    max_ms: float
    deployments: int
    ready: int
    builds_started: int
    seconds_to_drain: float


def static_site(title: str) -> dict[str, str]:
    return {"index.html": f"<h1>{title}</h1>"}


def signed_push(project: str, branch: str, commit: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "ref": f"refs/heads/{branch}",
            "after": commit,
            "repository": {"full_name": f"acme/{project}"},
            "head_commit": {"id": commit, "message": "bench"},
        }
    ).encode()
    headers = {
        "X-GitHub-Event": "push",
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": "sha256="
        + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest(),
        "Content-Type": "application/json",
    }
    return body, headers


def raw_request(port: int, body: bytes, headers: dict[str, str]) -> bytes:
    """One whole HTTP/1.1 request, serialised in advance so the client costs next to nothing."""
    lines = [
        "POST /webhooks/github HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _send_all(
    port: int, requests: list[tuple[bytes, dict[str, str]]]
) -> list[tuple[int, float]]:
    """Open one connection per request, all at once, and time each until its whole answer."""
    payloads = [raw_request(port, body, headers) for body, headers in requests]

    async def one(payload: bytes) -> tuple[int, float]:
        started = time.perf_counter()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(payload)
        await writer.drain()
        status = int((await reader.readline()).split()[1])
        await reader.read()
        writer.close()
        return status, (time.perf_counter() - started) * 1000

    return await asyncio.gather(*(one(p) for p in payloads))


def count_build_starts(slipway: Platform) -> int:
    """Runs that really started: one `fetch started` line in each local build log."""
    logs = (slipway.root / "data" / "builds").glob("*/build.log")
    return sum(p.read_text(errors="replace").count("fetch started") for p in logs)


def burst(root: Path, pushes: int, builds_at_once: int = 4) -> BurstResult:
    slipway = Platform(
        root,
        SLIPWAY_MAX_CONCURRENT_BUILDS=str(builds_at_once),
        SLIPWAY_MAX_CONCURRENT_BUILDS_PER_PROJECT=str(builds_at_once),
        SLIPWAY_SANDBOX="none",
    )
    slipway.start("api")
    try:
        repo = GitRepo(root / "repo")
        commit = repo.commit(static_site("bench"))
        slipway.create_project("site", repo.url)
        requests = [signed_push("site", f"b{n}", commit) for n in range(pushes)]
        answers = asyncio.run(_send_all(slipway.api_port, requests))
        started = time.monotonic()
        deadline = started + 60 + pushes * 2
        while time.monotonic() < deadline:
            listed = slipway.api.get("/api/projects/site/deployments", params={"limit": 500}).json()
            if len(listed) >= pushes and all(
                d["status"] in ("ready", "failed", "canceled") for d in listed
            ):
                break
            time.sleep(0.5)
        drained = time.monotonic() - started
        listed = slipway.api.get("/api/projects/site/deployments", params={"limit": 500}).json()
        times = sorted(ms for _, ms in answers)
        statuses: dict[int, int] = {}
        for status, _ in answers:
            statuses[status] = statuses.get(status, 0) + 1
        return BurstResult(
            pushes=pushes,
            statuses=statuses,
            p50_ms=statistics.median(times),
            p99_ms=times[max(0, int(len(times) * 0.99) - 1)],
            max_ms=times[-1],
            deployments=len(listed),
            ready=sum(d["status"] == "ready" for d in listed),
            builds_started=count_build_starts(slipway),
            seconds_to_drain=drained,
        )
    finally:
        slipway.stop()


def many_files(count: int) -> dict[str, str]:
    script = (
        "node -e \"const fs=require('fs');fs.mkdirSync('dist/p',{recursive:true});"
        f"for(let i=0;i<{count - 1};i++)fs.writeFileSync('dist/p/'+i+'.html','page '+i);"
        "fs.writeFileSync('dist/index.html',require('./title.json'))\""
    )
    return {
        "package.json": json.dumps({"name": "s", "private": True, "scripts": {"build": script}})
    }


def end_to_end_overhead(root: Path, files: int = 200, runs: int = 3) -> dict[str, float]:
    """Seconds from push to the new content on the production host, minus the build step."""
    slipway = Platform(root)
    slipway.start("api")
    slipway.start("proxy")
    try:
        repo = GitRepo(root / "repo")
        slipway.create_project("site", repo.url)
        totals, builds = [], []
        for n in range(runs):
            title = f"run-{n}-{uuid.uuid4().hex[:6]}"
            commit = repo.commit({**many_files(files), "title.json": json.dumps(title)})
            started = time.monotonic()
            [deployment_id] = slipway.push("site", commit).json()["deployments"]
            slipway.site_eventually("site.localhost", title, limit=120)
            totals.append(time.monotonic() - started)
            log = slipway.api.get(f"/api/deployments/{deployment_id}/logs").text
            match = re.search(r"build done in ([0-9.]+)s", log)
            builds.append(float(match.group(1)) if match else 0.0)
        overheads = [t - b for t, b in zip(totals, builds, strict=True)]
        return {
            "files": files,
            "push_to_live_s": statistics.median(totals),
            "build_step_s": statistics.median(builds),
            "overhead_s": statistics.median(overheads),
        }
    finally:
        slipway.stop()


def section(result: BurstResult, e2e: dict[str, float] | None) -> str:
    lines = [
        "## Webhook intake and push to live",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}, by `make bench-webhooks`:",
        f"{result.pushes} signed push webhooks sent at once over loopback to one api process",
        "(SQLite, local builder, 4 builds at a time, niced), each to its own branch of a static",
        "site. The client (requests serialised in advance, one connection each, asyncio) shares",
        "the same 2 vCPU with the api and the builds.",
        "",
        "| pushes | answers | p50 ms | p99 ms | max ms | deployments | ready | builds run | seconds until all built |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| {result.pushes} | {result.statuses} | {result.p50_ms:.0f} | {result.p99_ms:.0f} "
        f"| {result.max_ms:.0f} | {result.deployments} | {result.ready} | {result.builds_started} "
        f"| {result.seconds_to_drain:.1f} |",
        "",
    ]
    if e2e:
        lines += [
            f"Push to live for a {e2e['files']:.0f}-file site (median of 3): "
            f"{e2e['push_to_live_s']:.2f} s in all, of which the build command took "
            f"{e2e['build_step_s']:.2f} s; Slipway's own overhead (queue, clone, publish, "
            f"route switch, proxy TTL) {e2e['overhead_s']:.2f} s.",
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pushes", type=int, default=500)
    parser.add_argument("--e2e", action="store_true", help="also measure push-to-live overhead")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = burst(Path(tmp) / "burst", args.pushes)
        e2e = end_to_end_overhead(Path(tmp) / "e2e") if args.e2e else None
    emit(section(result, e2e), write=not args.no_write)


if __name__ == "__main__":
    main()
