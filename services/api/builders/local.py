"""Builds as local subprocesses that outlive an api restart.

Each run is `sh -c 'python -m build_runner …; echo $? > exit-code'` in its own session, so a
restarted api finds the run by its process id and reads its exit code from a file instead
of losing it with the parent. The environment holds only the runner's inputs.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from services.core.certificates import CERTIFICATE_VARIABLES
from services.core.private_files import pass_through_directory
from services.core.runner_inputs import CONTRACT_KEYS, RunnerInputs

from . import BuildState

# Builds run niced: under a burst of webhooks the api keeps answering before builds run.
SCRATCH_ROOT = Path("/var/tmp") if Path("/var/tmp").is_dir() else Path(tempfile.gettempdir())  # noqa: S108
_WRAPPER = 'nice -n 10 "$0" -m build_runner >>"$1" 2>&1; echo $? >"$2.tmp"; mv "$2.tmp" "$2"'
_PASSTHROUGH = ("PATH", "LANG", "LC_ALL", "TZ", *CERTIFICATE_VARIABLES)
_AWS_PREFIXES = ("AWS_",)


class LocalBuilder:
    def __init__(
        self,
        data_dir: Path,
        storage_is_s3: bool = False,
        runner_env: Mapping[str, str] | None = None,
    ) -> None:
        """`runner_env`: the runner's own settings beside its inputs (where runtimes live)."""
        self.root = (data_dir / "builds").resolve()
        self.storage_is_s3 = storage_is_s3
        self.runner_env = dict(runner_env or {})
        self._children: dict[str, asyncio.subprocess.Process] = {}

    def workspace(self, deployment_id: str) -> Path:
        return self.root / deployment_id

    def log_path(self, deployment_id: str) -> Path:
        return self.workspace(deployment_id) / "build.log"

    def scratch(self, deployment_id: str) -> Path:
        """Where the runner makes the build's workspace (its TMPDIR), outside the data dir.

        The build's own commands get a TMPDIR of their own inside that workspace
        (build_runner/buildenv.py, `own_tmpdir`), never this directory nor the host's /tmp.

        bubblewrap, running as the build user, needs to pass through every directory above
        the workspace; the data directory stays closed to it, so the workspace lives in the
        system's disk-backed temporary directory instead, in a directory of this deployment.
        """
        return SCRATCH_ROOT / f"slipway-build-{deployment_id}"

    def _exit_path(self, deployment_id: str) -> Path:
        return self.workspace(deployment_id) / "exit-code"

    def _environment(self, inputs: RunnerInputs, workspace: Path) -> dict[str, str]:
        env = {k: os.environ[k] for k in _PASSTHROUGH if k in os.environ}
        if self.storage_is_s3:
            # S3 credentials are the runner's own input: it publishes the files.
            env.update({k: v for k, v in os.environ.items() if k.startswith(_AWS_PREFIXES)})
        env.update(self.runner_env)
        env.update(inputs.to_env())
        env["HOME"] = str(workspace / "home")
        env["TMPDIR"] = str(self.scratch(inputs.deployment_id))
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _pid_path(self, deployment_id: str) -> Path:
        return self.workspace(deployment_id) / "pid"

    async def start(self, inputs: RunnerInputs) -> str:
        workspace = self.workspace(inputs.deployment_id)
        # A run again (its first was never recorded) starts clean but keeps the first log:
        # the wrapper appends to it.
        for sub in ("work", "home"):
            shutil.rmtree(workspace / sub, ignore_errors=True)
            (workspace / sub).mkdir(parents=True)
        for stale in (self._exit_path(inputs.deployment_id), self._pid_path(inputs.deployment_id)):
            stale.unlink(missing_ok=True)
        scratch = self.scratch(inputs.deployment_id)
        shutil.rmtree(scratch, ignore_errors=True)
        pass_through_directory(scratch)
        proc = await asyncio.create_subprocess_exec(
            "/bin/sh",
            "-c",
            _WRAPPER,
            sys.executable,
            str(self.log_path(inputs.deployment_id)),
            str(self._exit_path(inputs.deployment_id)),
            cwd=workspace / "work",
            env=self._environment(inputs, workspace),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
        self._children[inputs.deployment_id] = proc
        self._pid_path(inputs.deployment_id).write_text(str(proc.pid))
        return str(proc.pid)

    async def find(self, deployment_id: str) -> str | None:
        """The run's process id from its pid file; it tells `poll` the exit code as well
        once the run has ended."""
        try:
            return str(int(self._pid_path(deployment_id).read_text().strip()))
        except (FileNotFoundError, ValueError):
            return None

    def _exit_code(self, deployment_id: str) -> int | None:
        try:
            return int(self._exit_path(deployment_id).read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    async def poll(self, deployment_id: str, handle: str) -> BuildState:
        child = self._children.get(deployment_id)
        if child is not None and child.returncode is None:
            return BuildState(running=True)
        if child is None and _is_our_process(int(handle), deployment_id):
            return BuildState(running=True)  # started before an api restart, still going
        self._children.pop(deployment_id, None)
        code = self._exit_code(deployment_id)
        if code is None:
            return BuildState(running=False, detail="the build process ended without an exit code")
        return BuildState(running=False, exit_code=code)

    async def stop(self, deployment_id: str, handle: str) -> None:
        pid = int(handle)
        child = self._children.get(deployment_id)
        if child is None and not _is_our_process(pid, deployment_id):
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                break
            for _ in range(50):  # up to 5 s for a clean exit before SIGKILL
                await asyncio.sleep(0.1)
                if child is not None and child.returncode is not None:
                    break
                if child is None and not _is_our_process(pid, deployment_id):
                    break
            else:
                continue
            break
        if child is not None:
            await child.wait()

    async def read_log(
        self, deployment_id: str, handle: str | None, offset: int
    ) -> tuple[str, int]:
        path = self.log_path(deployment_id)
        try:
            with path.open("rb") as fh:
                fh.seek(offset)
                data = fh.read(1024 * 1024)
        except FileNotFoundError:
            return "", offset
        return data.decode("utf-8", "replace"), offset + len(data)

    async def cleanup(self, deployment_id: str) -> None:
        """Drop the checkout and caches of a finished run; keep its log for reading."""
        workspace = self.workspace(deployment_id)
        for directory in (workspace / "work", workspace / "home", self.scratch(deployment_id)):
            await asyncio.to_thread(shutil.rmtree, directory, True)


def _is_our_process(pid: int, deployment_id: str) -> bool:
    """True when `pid` is alive, not a zombie, and is the wrapper of this deployment."""
    proc = Path("/proc") / str(pid)
    try:
        stat = (proc / "stat").read_text()
        environ = (proc / "environ").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    if stat.rsplit(")", 1)[-1].split()[0] == "Z":
        return False
    entry = f"{CONTRACT_KEYS['deployment_id']}={deployment_id}"
    return entry.encode() in environ.split(b"\0")
