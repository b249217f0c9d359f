"""Fetch exactly the commit to build, and nothing else, into an empty directory."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlsplit

from build_runner.deadline import Deadline
from build_runner.errors import BuildFailure
from build_runner.log import BuildLog
from build_runner.process import run_logged
from build_runner.sandbox import SandboxedCommand
from services.core.build_protocol import EXIT_CLONE
from services.core.commit_line import LOG_STEP as COMMIT_STEP
from services.core.commit_line import commit_message
from services.core.git_auth import git_environment
from services.core.git_names import is_commit_sha

ALLOWED_SCHEMES = ("https", "http", "file")
_GIT_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/nonexistent",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
}


def git_base_args(repo_url: str, token: str) -> list[str]:
    """`git -c …`: only the allowed transports. The token never appears here (see git_env)."""
    args = ["git", "-c", "protocol.allow=never"]
    args += [arg for scheme in ALLOWED_SCHEMES for arg in ("-c", f"protocol.{scheme}.allow=always")]
    return args


def git_env(repo_url: str, token: str, workspace: Path) -> dict[str, str]:
    """git's environment: over https the token is answered by askpass, from the environment
    only, so it is never in a URL, an argv, a file or a log line."""
    use_token = token if urlsplit(repo_url).scheme == "https" else ""
    return {**_GIT_ENV, **git_environment(use_token, workspace), "PATH": _GIT_ENV["PATH"]}


def check_repo_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES:
        raise BuildFailure(
            EXIT_CLONE, f"unsupported repository URL scheme: {parts.scheme or url!r}"
        )
    if parts.username or parts.password:
        raise BuildFailure(EXIT_CLONE, "credentials in the repository URL are refused")


async def fetch_commit(
    *,
    repo_url: str,
    commit_sha: str,
    ref: str,
    token: str,
    dest: Path,
    log: BuildLog,
    deadline: Deadline,
    private_dir: Path,
    depth: int = 1,
) -> str:
    """Fetch `commit_sha` (or the tip of `ref` when no commit is given); return the full sha.

    `depth` commits of history come along (1: the commit alone). git's askpass helper goes
    into `private_dir`, which the project's commands never see."""
    check_repo_url(repo_url)
    if commit_sha and not is_commit_sha(commit_sha):
        raise BuildFailure(EXIT_CLONE, f"not a full commit sha: {commit_sha!r}")
    target = commit_sha or (f"refs/heads/{ref}" if ref else "HEAD")
    base = git_base_args(repo_url, token)
    git = [*base, "-C", str(dest)]
    env = git_env(repo_url, token, private_dir / ".git-auth")

    async def run(*args: str) -> int:
        return await run_logged(
            SandboxedCommand([*git, *args]),
            cwd=dest,
            env=env,
            log=log,
            step="fetch",
            deadline=deadline,
        )

    log.line("fetch", f"fetching {target} from {repo_url}")
    if await run_logged(
        SandboxedCommand([*base, "init", "-q", str(dest)]),
        cwd=dest.parent,
        env=_GIT_ENV,
        log=log,
        step="fetch",
        deadline=deadline,
    ):
        raise BuildFailure(EXIT_CLONE, "git init failed")
    checkout_target = "FETCH_HEAD"
    if await run("fetch", "-q", "--no-tags", "--depth", str(depth), "--", repo_url, target):
        if not commit_sha:
            raise BuildFailure(EXIT_CLONE, f"could not fetch {target} from {repo_url}")
        # Some servers refuse to hand out a commit by its sha: fetch the branches instead.
        log.line("fetch", "the server refused a shallow fetch of the commit; fetching branches")
        if await run("fetch", "-q", "--no-tags", "--", repo_url, "+refs/heads/*:refs/remotes/b/*"):
            raise BuildFailure(EXIT_CLONE, f"could not fetch {repo_url}")
        checkout_target = commit_sha
    if await run("checkout", "-q", "--detach", checkout_target):
        raise BuildFailure(EXIT_CLONE, f"commit {checkout_target} is not in {repo_url}")
    head = await _git_output([*git, "rev-parse", "HEAD"], dest)
    if commit_sha and head != commit_sha:
        raise BuildFailure(EXIT_CLONE, f"fetched {head}, expected {commit_sha}")
    log.line("fetch", f"checked out {head}")
    subject = await _git_output([*git, "log", "-1", "--format=%s", head], dest)
    log.line(COMMIT_STEP, commit_message(head, subject))  # for the api (services/core)
    return head


async def _git_output(argv: list[str], cwd: Path) -> str:
    proc = await asyncio.create_subprocess_exec(
        *argv, cwd=cwd, env=_GIT_ENV, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    return out.decode().strip()
