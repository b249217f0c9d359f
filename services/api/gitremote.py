"""Resolving a branch or tag to a commit with `git ls-remote` (runs no repository code)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from services.core.git_auth import git_environment
from services.core.git_names import is_commit_sha


class GitRemoteError(Exception):
    pass


def ls_remote_args(repo_url: str, ref: str) -> list[str]:
    return ["git", "ls-remote", "--", repo_url, f"refs/heads/{ref}", f"refs/tags/{ref}*"]


async def resolve_commit(repo_url: str, ref: str, token: str = "", limit: float = 30) -> str:
    """The commit a branch or tag points at; the token reaches git only through askpass."""
    if is_commit_sha(ref):
        return ref
    use_token = token if repo_url.startswith("https://") else ""
    proc = await asyncio.create_subprocess_exec(
        *ls_remote_args(repo_url, ref),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=git_environment(use_token, Path(tempfile.gettempdir()) / "slipway-git"),
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), limit)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise GitRemoteError(f"git ls-remote timed out after {limit:.0f} s") from None
    if proc.returncode != 0:
        lines = err.decode(errors="replace").replace(token or "\0", "***").strip().splitlines()
        raise GitRemoteError(f"cannot read the repository: {lines[-1] if lines else 'error'}")
    refs: dict[str, str] = {}
    for line in out.decode().splitlines():
        sha, _, name = line.partition("\t")
        refs[name] = sha
    for name in (f"refs/heads/{ref}", f"refs/tags/{ref}^{{}}", f"refs/tags/{ref}"):
        if name in refs:
            return refs[name]
    raise GitRemoteError(f"no branch or tag named {ref!r} in the repository")
