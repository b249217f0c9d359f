"""A repository whose build is one shell command, built by the runner as its image runs it."""

from __future__ import annotations

from pathlib import Path

from tests.build_runner.support import RunResult, run_runner
from tests.support.gitrepo import GitRepo


def build_shell_command(
    repo_dir: Path,
    storage_url: str,
    command: str,
    *,
    sandbox: str,
    files: dict[str, str] | None = None,
    variables: dict[str, str] | None = None,
) -> RunResult:
    """Commit `files` to a new repository and build it with `command`, publishing `out/`.

    `variables` go to the runner's environment (the host's settings, or build variables
    named in `SLIPWAY_BUILD_ENV_NAMES`)."""
    repo = GitRepo(repo_dir)
    commit = repo.commit({"README.md": "build", **(files or {})})
    return run_runner(
        repo_url=repo.url,
        commit=commit,
        storage_url=storage_url,
        extra={
            "SLIPWAY_BUILD_COMMAND": command,
            "SLIPWAY_OUTPUT_DIR": "out",
            "SLIPWAY_SANDBOX": sandbox,
            **(variables or {}),
        },
    )
