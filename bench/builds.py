"""`make bench-builds`: push to live per framework, with an empty and a restored build cache.

Each starter (scripts/starters.py: made by the framework's own generator) is committed to a
git repository on disk and pushed twice to a real api and proxy on loopback: the first build
starts with an empty build cache, the second restores the one the first saved. Push to live
is the time from the signed push webhook until the proxy serves the new deployment at the
project's production host (its `x-slipway-deployment` header names it).

Every download comes from loopback: npm packages from a registry serving the tarballs the
starter's own install fetched (tests/support/npm_registry.py), set per project with the
build variable `npm_config_registry`; Python wheels from a find-links page; a newer Node.js,
when a framework needs one, is already installed. The sandbox's network cannot reach the
host's loopback, so these builds run with SLIPWAY_SANDBOX=none (still as a build user).

Results go to stdout and to the "Builds: push to live per framework" section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.build_report import report
from bench.loopback_downloads import Downloads, loopback_downloads
from bench.machine import IdleGate
from bench.report import emit
from scripts.starter_tools import NODE_RUNTIMES_DIR
from scripts.starters import STARTERS, Starter, build_variables, prepare
from services.core.deployment_states import FINAL
from tests.support.gitrepo import GitRepo
from tests.support.platform import Platform

DEFAULT_STARTERS = ("vite-react-ts", "vitepress", "docusaurus", "next-export", "mkdocs")
# Left out of `all`: unsandboxed builds share the host's /tmp, each as a build user of its
# own, and Qwik's build writes its manifest there under a fixed name, which the next build's
# user cannot rewrite (EACCES). Sandboxed builds have a /tmp of their own.
UNSANDBOXED_CLASH = {"qwik-city": "its build writes a fixed name in the host's /tmp"}
LIVE_LIMIT = 900.0  # seconds from a push until its deployment must be live (a build's timeout)
POLL_SECONDS = 0.1
STATUS_EVERY = 10  # polls of the proxy between two looks at the deployment's status


@dataclass(frozen=True)
class Build:
    push_to_live: float
    install: float  # the install step, from the build log
    build: float  # the build command
    restored_cache: bool
    downloads: int  # package files fetched from the loopback server


@dataclass(frozen=True)
class StarterResult:
    starter: Starter
    first: Build | None = None
    cached: Build | None = None
    failure: str = ""  # why a build did not go live


class NotLive(Exception):
    """A push whose deployment never went live; one line saying why."""


def step_seconds(log: str, step: str) -> float:
    """The step's time in the build log; a Python install is two (the venv, then pip)."""
    found = re.findall(rf"\| {step} done in ([\d.]+)s", log)
    return sum(map(float, found)) if found else float("nan")


def failed(slipway: Platform, deployment: str) -> bool:
    """Final and never to be served (a ready one is, once the proxy's route cache expires)."""
    status = slipway.deployment(deployment)["status"]
    return status in FINAL and status != "ready"


def push_to_live(slipway: Platform, project: str, commit: str, downloads: Downloads) -> Build:
    """Push, then poll the production host until it serves this push's deployment."""
    fetched_before = downloads.package_requests()
    started = time.monotonic()
    [deployment] = slipway.push(project, commit).json()["deployments"]
    live = None
    polls = 0
    while time.monotonic() - started < LIVE_LIMIT:
        served = slipway.site(f"{project}.localhost").headers.get("x-slipway-deployment")
        if served == deployment:
            live = time.monotonic() - started
            break
        polls += 1
        if polls % STATUS_EVERY == 0 and failed(slipway, deployment):
            break
        time.sleep(POLL_SECONDS)
    # The next push must find the cache this build saves once it is published.
    outcome = slipway.wait_final(deployment, limit=LIVE_LIMIT)
    log = slipway.api.get(f"/api/deployments/{deployment}/logs").text
    if live is None or outcome["status"] != "ready":
        print(log[-4000:], file=sys.stderr)
        raise NotLive(f"{outcome['status']}: {outcome.get('error')}")
    return Build(
        push_to_live=live,
        install=step_seconds(log, "install"),
        build=step_seconds(log, "build"),
        restored_cache="restored the build cache" in log,
        downloads=downloads.package_requests() - fetched_before,
    )


def measure(slipway: Platform, starter: Starter, root: Path, gate: IdleGate) -> StarterResult:
    repo = GitRepo(root / starter.name)
    shutil.copytree(starter.app, repo.path, dirs_exist_ok=True)
    commit = repo.commit({}, "the generated starter")
    with loopback_downloads(starter) as downloads:
        env = {**downloads.variables, **build_variables(starter, repo.path)}
        slipway.create_project(starter.name, repo.url, env=env)
        build = "first"
        try:
            gate.wait()
            first = push_to_live(slipway, starter.name, commit, downloads)
            build = "cached"
            gate.wait()
            cached = push_to_live(slipway, starter.name, repo.commit({}, "again"), downloads)
        except NotLive as exc:
            print(f"{starter.name}: {exc}", file=sys.stderr)
            return StarterResult(starter, failure=f"the {build} build: {exc}")
    print(
        f"{starter.name}: {first.push_to_live:.1f} s first, {cached.push_to_live:.1f} s cached",
        file=sys.stderr,
    )
    return StarterResult(starter, first, cached)


def run(names: list[str]) -> tuple[list[StarterResult], IdleGate]:
    for name in names:
        prepare(STARTERS[name])  # generated and installed once, from the registry
    gate = IdleGate()
    with tempfile.TemporaryDirectory(prefix="bench-builds-") as tmp:
        slipway = Platform(
            Path(tmp) / "platform",
            SLIPWAY_SANDBOX="none",
            SLIPWAY_MAX_CONCURRENT_BUILDS="1",
            # Releases a framework needs are installed ahead; nothing is downloaded.
            SLIPWAY_RUNTIMES_DIR=str(NODE_RUNTIMES_DIR),
            SLIPWAY_RUNTIME_REGISTRY="",
        )
        slipway.start("api")
        slipway.start("proxy")
        try:
            results = [measure(slipway, STARTERS[n], Path(tmp), gate) for n in names]
        finally:
            slipway.stop()
    return results, gate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "starters",
        nargs="*",
        help=f"default: {' '.join(DEFAULT_STARTERS)}; `all`: every one but {', '.join(UNSANDBOXED_CLASH)}",
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    every = [n for n in STARTERS if n not in UNSANDBOXED_CLASH]
    names = every if args.starters == ["all"] else args.starters or list(DEFAULT_STARTERS)
    unknown = [n for n in names if n not in STARTERS]
    if unknown:
        parser.error(f"unknown starter {unknown[0]!r}: choose from {', '.join(STARTERS)}")
    results, gate = run(names)
    section = report(results, gate.describe(), UNSANDBOXED_CLASH)
    emit(section, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
