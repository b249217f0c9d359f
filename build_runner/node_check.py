"""Report the Node version a project asks for, and fail clearly when this builder cannot meet it."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Mapping

from build_runner.errors import BuildFailure
from build_runner.log import BuildLog
from build_runner.node_version import UnknownRange, parse_version, satisfies
from services.core.build_protocol import EXIT_INSTALL


async def node_version(env: Mapping[str, str]) -> str | None:
    node = shutil.which("node", path=env.get("PATH"))
    if node is None:
        return None
    proc = await asyncio.create_subprocess_exec(
        node, "--version", env=dict(env), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    return out.decode().strip() if proc.returncode == 0 else None


async def check_node(
    request: tuple[str, str] | None, env: Mapping[str, str], log: BuildLog
) -> None:
    installed = await node_version(env)
    if installed is None:
        raise BuildFailure(
            EXIT_INSTALL, "this project has a package.json but node is not installed"
        )
    if request is None:
        log.line("detect", f"node {installed} (the project does not ask for a version)")
        return
    spec, source = request
    log.line("detect", f"node {installed}; the project asks for {spec!r} ({source})")
    try:
        met = satisfies(parse_version(installed), spec)
    except UnknownRange:
        log.line("detect", f"cannot read the Node range {spec!r}; building with node {installed}")
        return
    if not met:
        raise BuildFailure(
            EXIT_INSTALL,
            f"the project asks for Node {spec!r} ({source}) but this builder has node {installed}",
        )
