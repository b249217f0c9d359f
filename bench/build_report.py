"""The "Builds: push to live per framework" section of docs/benchmarks.md (bench/builds.py)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bench.machine import machine

if TYPE_CHECKING:
    from bench.builds import Build, StarterResult


def _seconds(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.1f} s"  # nan: the build had no such step


def _ratio(before: float, after: float) -> str:
    return "—" if math.isnan(before / after) else f"{before / after:.2f}x"


def _times(build: Build) -> str:
    return " | ".join(_seconds(s) for s in (build.push_to_live, build.install, build.build))


def row(result: StarterResult) -> str:
    first, cached = result.first, result.cached
    starter = f"| {result.starter.name} | {result.starter.made_with} | {result.starter.framework} "
    if first is None or cached is None:
        failure = result.failure.replace("|", "\\|")
        return starter + f"| not live: {failure} |" + " |" * 8
    return (
        starter
        + f"| {first.downloads:,} / {cached.downloads:,} | {_times(first)} | {_times(cached)} "
        f"| {_ratio(first.push_to_live, cached.push_to_live)} "
        f"| {_ratio(first.install, cached.install)} |"
    )


def report(results: list[StarterResult], idle: str, left_out: dict[str, str]) -> str:
    unrestored = [  # a build with no install has no cache to restore
        r.starter.name
        for r in results
        if r.cached and not r.cached.restored_cache and not math.isnan(r.cached.install)
    ]
    lines = [
        "## Builds: push to live per framework",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}, by "
        "`make bench-builds`: each framework's starter, made by its own generator "
        "(scripts/starters.py), committed to a git repository on disk and pushed twice to a "
        "real api and proxy on loopback (SQLite, the local builder, one build at a time). "
        "Push to live runs from the signed push webhook until the proxy serves the new "
        "deployment at the production host; install and build are the build log's steps "
        "(a Python install is two: the venv, then pip). The first build starts with an "
        "empty build cache; the second, an empty commit, restores the cache the first "
        f"saved. Before each push the benchmark waited for idle CPUs: {idle}.",
        "",
        "| starter | made with | framework | packages fetched, first / cached "
        "| first: push to live | install | build | cached: push to live | install | build "
        "| push to live speed-up | install speed-up |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(row(r) for r in results),
        "",
        "Every download came from loopback (bench/loopback_downloads.py): npm packages from "
        "a registry serving the tarballs the starter's own install fetched "
        "(tests/support/npm_registry.py, set per project with the build variable "
        "`npm_config_registry`), Python wheels from a find-links page; the proxy variables "
        "send anything else to a closed port. The packages column counts the package files "
        "each build fetched from those servers: the second build takes every one from the "
        "restored cache. Fetching from loopback costs next to nothing, so what the cache "
        "saves here is little beyond npm's and pip's own work per download; a real first "
        "build also waits for the registry to send each of those packages, and there the "
        "cache saves that wait too. The cache holds downloads (npm's cache, pip's), not "
        "node_modules or the venv: a cached build still unpacks and links every package. "
        "Other work on these 2 vCPU moves single figures by a few seconds. The sandbox's own "
        "network cannot reach the host's loopback, so these builds ran with "
        "`SLIPWAY_SANDBOX=none` (the commands still as a build user, each build a user of "
        "its own); a sandboxed build adds the sandbox's setup. Unsandboxed builds share the "
        "host's /tmp, so `all` leaves out "
        + ", ".join(f"{name} ({why})" for name, why in left_out.items())
        + ": a second build, as another user, could not rewrite that file.",
    ]
    if unrestored:
        lines += ["", f"Cache not restored on the second build of: {', '.join(unrestored)}."]
    return "\n".join(lines) + "\n"
