"""Run one command, stream its output into the log, and stop it at the deadline."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Mapping, Sequence
from pathlib import Path

from build_runner.deadline import Deadline
from build_runner.log import BuildLog

_READ_CHUNK = 64 * 1024
# A line longer than this is logged in pieces rather than held in memory.
_MAX_LINE = 16 * 1024


async def run_logged(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    log: BuildLog,
    step: str,
    deadline: Deadline,
) -> int:
    """Run `argv` and return its exit code; raise the timeout failure past the deadline."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=cwd,
        env=dict(env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,  # its own process group, so a timeout stops every child
    )
    try:
        async with asyncio.timeout(deadline.remaining()):
            await _pump(proc, log, step)
            return await proc.wait()
    except TimeoutError:
        log.line(step, "time limit reached: stopping the command")
        raise deadline.expired() from None
    finally:
        if proc.returncode is None:
            _kill_group(proc.pid)
            await proc.wait()


async def _pump(proc: asyncio.subprocess.Process, log: BuildLog, step: str) -> None:
    assert proc.stdout is not None
    pending = b""
    while chunk := await proc.stdout.read(_READ_CHUNK):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for raw in lines:
            log.line(step, raw.decode(errors="replace"))
        while len(pending) > _MAX_LINE:
            log.line(step, pending[:_MAX_LINE].decode(errors="replace"))
            pending = pending[_MAX_LINE:]
    if pending:
        log.line(step, pending.decode(errors="replace"))


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
