"""Run one command, stream its output into the log, and stop it at the deadline or a limit."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Mapping
from pathlib import Path

from build_runner import disk_watch
from build_runner.deadline import Deadline
from build_runner.disk_watch import DiskLimits, LimitReached, over_limit
from build_runner.errors import BuildFailure
from build_runner.log import BuildLog
from build_runner.sandbox import SandboxedCommand
from services.core.build_protocol import EXIT_INTERNAL

_READ_CHUNK = 64 * 1024
# A line longer than this is logged in pieces rather than held in memory.
_MAX_LINE = 16 * 1024


async def run_logged(
    command: SandboxedCommand,
    *,
    cwd: Path,
    env: Mapping[str, str],
    log: BuildLog,
    step: str,
    deadline: Deadline,
    disk: tuple[Path, DiskLimits] | None = None,
) -> int:
    """Run the command and return its exit code; past the deadline or a limit, stop it and raise."""
    try:
        proc = await asyncio.create_subprocess_exec(
            *command.argv,
            cwd=cwd,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a timeout stops every child
            pass_fds=command.pass_fds,
        )
    finally:
        command.spawned()
    # Output is read from the start, so that a sandbox that fails to set up says why.
    pump = asyncio.ensure_future(_pump(proc, log, step))
    watcher = asyncio.ensure_future(disk_watch.watch(*disk)) if disk else None
    try:
        async with asyncio.timeout(deadline.remaining()):
            if command.network is not None:
                try:
                    await command.network.connect()
                except (OSError, TimeoutError) as exc:
                    await asyncio.wait({pump}, timeout=1)
                    raise BuildFailure(EXIT_INTERNAL, f"the build's network: {exc}") from None
            waiting = {pump} | ({watcher} if watcher else set())
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if watcher in done:
                reason = watcher.result()
                log.line(step, f"limit reached: {reason}")
                raise LimitReached(reason)
            await pump
            code = await proc.wait()
            # A command that fills the disk faster than the watch looks still ends over it.
            after = await asyncio.to_thread(over_limit, *disk) if disk is not None else None
            if after is not None:
                log.line(step, f"limit reached: {after}")
                raise LimitReached(after)
            return code
    except TimeoutError:
        log.line(step, "time limit reached: stopping the command")
        raise deadline.expired() from None
    finally:
        pump.cancel()
        if watcher is not None:
            watcher.cancel()
        if proc.returncode is None:
            _kill_group(proc.pid)
            await proc.wait()
        if command.network is not None:
            await command.network.close()


async def _pump(proc: asyncio.subprocess.Process, log: BuildLog, step: str) -> None:
    assert proc.stdout is not None
    pending = b""
    while chunk := await proc.stdout.read(_READ_CHUNK):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for raw in lines:
            log.output(step, raw.decode(errors="replace"))
        while len(pending) > _MAX_LINE:
            log.output(step, pending[:_MAX_LINE].decode(errors="replace"))
            pending = pending[_MAX_LINE:]
    if pending:
        log.output(step, pending.decode(errors="replace"))


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
