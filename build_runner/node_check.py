"""Pick the Node.js a build runs with: the one the project asks for, found or downloaded.

In order: the builder's own `node` (on PATH) when it meets the request, else the newest
release in the runtimes directory that does, else the newest published release that does,
downloaded once (build_runner/runtimes.py). A project that asks for nothing gets the
builder's own. Whatever cannot be met fails the build with one sentence saying what to change.
"""

from __future__ import annotations

import asyncio
import shutil
import tarfile
import time
from collections.abc import Mapping

from build_runner.deadline import Deadline
from build_runner.errors import BuildFailure
from build_runner.log import BuildLog
from build_runner.node_version import UnknownRange, parse_version, satisfies
from build_runner.registry import RegistryError, Release
from build_runner.runtimes import NodeRuntime, RuntimeStore, StoreError
from services.core.build_protocol import EXIT_INSTALL, EXIT_INTERNAL

# Where a range is only a wish: package.json's engines often say ">=14" or odder things.
LENIENT_SOURCE = "package.json engines.node"


async def node_version(env: Mapping[str, str]) -> str | None:
    node = shutil.which("node", path=env.get("PATH"))
    if node is None:
        return None
    proc = await asyncio.create_subprocess_exec(
        node, "--version", env=dict(env), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    return out.decode().strip() if proc.returncode == 0 else None


async def select_node(
    request: tuple[str, str] | None,
    env: Mapping[str, str],
    store: RuntimeStore,
    log: BuildLog,
    deadline: Deadline,
) -> NodeRuntime | None:
    """The runtime to put first on PATH, or None for the builder's own node."""
    own = await node_version(env)
    if request is None:
        if own is not None:
            log.line("detect", f"node {own} (the project does not ask for a version)")
            return None
        installed = _installed(store)
        if not installed:
            raise BuildFailure(
                EXIT_INSTALL,
                "this project has a package.json but this builder has no node: "
                "ask for a version in .nvmrc (such as 22) so that one is downloaded",
            )
        log.line("detect", f"node {installed[-1].describe()} (the newest installed)")
        return installed[-1]
    spec, source = request
    try:
        own_meets = own is not None and satisfies(parse_version(own), spec)
    except UnknownRange:
        if source != LENIENT_SOURCE:
            raise BuildFailure(
                EXIT_INSTALL,
                f"cannot read the Node version {spec!r} ({source}): "
                "write a major version such as 22, or a range such as >=20",
            ) from None
        log.line("detect", f"cannot read the Node range {spec!r} ({source}); using node {own}")
        return None
    if own_meets:
        log.line("detect", f"node {own}; the project asks for {spec!r} ({source})")
        return None
    for runtime in reversed(_installed(store)):
        if satisfies(runtime.version, spec):
            log.line("detect", f"node {runtime.describe()} for {spec!r} ({source}), installed")
            return runtime
    return await _download(spec, source, own, store, log, deadline)


def _installed(store: RuntimeStore) -> list[NodeRuntime]:
    try:
        return store.installed_node()
    except StoreError as exc:
        raise BuildFailure(EXIT_INTERNAL, str(exc)) from None


async def _download(
    spec: str, source: str, own: str | None, store: RuntimeStore, log: BuildLog, deadline: Deadline
) -> NodeRuntime:
    newest: list[str] = []

    def choose(published: list[Release]) -> Release | None:
        matching = [r for r in published if satisfies(parse_version(r.version), spec)]
        if published:
            newest.append(max(published, key=lambda r: parse_version(r.version)).version)
        return max(matching, key=lambda r: parse_version(r.version), default=None)

    started = time.monotonic()
    log.line(
        "detect", f"the project asks for Node {spec!r} ({source}): looking in {store.registry}"
    )
    try:
        runtime = await asyncio.wait_for(
            asyncio.to_thread(store.install_node, choose, deadline.remaining()),
            deadline.remaining(),
        )
    except TimeoutError:
        raise deadline.expired() from None
    except StoreError as exc:
        raise BuildFailure(EXIT_INTERNAL, str(exc)) from None
    except (RegistryError, OSError, tarfile.TarError) as exc:
        has = f"this builder has node {own}" if own else "this builder has no node"
        raise BuildFailure(
            EXIT_INSTALL,
            f"the project asks for Node {spec!r} ({source}); {has} and could not download "
            f"one: {exc}",
        ) from None
    if runtime is None:
        latest = newest[0] if newest else "unknown"
        raise BuildFailure(
            EXIT_INSTALL,
            f"no Node.js release matches {spec!r} ({source}); the newest is v{latest}: "
            f"change it to a published version such as {latest.split('.')[0]}",
        )
    log.line(
        "detect",
        f"node {runtime.describe()} for {spec!r} ({source}), downloaded in "
        f"{time.monotonic() - started:.1f}s and kept for later builds",
    )
    return runtime
