"""`python -m build_runner`: read the inputs from the environment, build, exit with the code."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Mapping

from build_runner.log import BuildLog
from build_runner.runner import run_build
from services.core.build_protocol import EXIT_INTERNAL
from services.core.private_files import keep_files_private
from services.core.runner_inputs import InputError, RunnerInputs


def main(environ: Mapping[str, str] | None = None) -> int:
    keep_files_private()
    env = dict(os.environ if environ is None else environ)
    try:
        inputs = RunnerInputs.from_env(env)
    except InputError as exc:
        print(f"build_runner: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    return asyncio.run(_run_until_terminated(inputs, env))


async def _run_until_terminated(inputs: RunnerInputs, env: dict[str, str]) -> int:
    """Run the build; SIGTERM cancels it, which stops every command it started."""
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    return await run_build(inputs, env, BuildLog())
