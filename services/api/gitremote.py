"""Reading a repository's refs with `git ls-remote` (runs no repository code, never prompts)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from services.core.git_auth import git_environment
from services.core.git_names import is_commit_sha

LS_REMOTE_SECONDS = 30.0


class GitRemoteError(Exception):
    pass


class GitRemoteUnreadable(GitRemoteError):
    """git could not read the repository; `reason` is git's own last line."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"cannot read the repository: {reason}")
        self.reason = reason


class GitRemoteTimeout(GitRemoteError):
    pass


def ls_remote_args(repo_url: str, *patterns: str, options: list[str] | None = None) -> list[str]:
    return ["git", "ls-remote", *(options or []), "--", repo_url, *patterns]


def ref_patterns(ref: str) -> list[str]:
    return [f"refs/heads/{ref}", f"refs/tags/{ref}*"]


def token_for(repo_url: str, token: str) -> str:
    """The builder's rule (build_runner/fetch.py): git gets the token over https only."""
    return token if urlsplit(repo_url).scheme == "https" else ""


async def ls_remote(
    repo_url: str,
    patterns: list[str],
    token: str = "",
    limit: float = LS_REMOTE_SECONDS,
    options: list[str] | None = None,
) -> dict[str, str]:
    """{ref name: sha} of the refs matching `patterns` (every ref when empty); `options` such
    as `--heads` narrow the kinds."""
    proc = await asyncio.create_subprocess_exec(
        *ls_remote_args(repo_url, *patterns, options=options),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=git_environment(
            token_for(repo_url, token), Path(tempfile.gettempdir()) / "slipway-git"
        ),
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), limit)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise GitRemoteTimeout(f"git ls-remote timed out after {limit:.0f} s") from None
    if proc.returncode != 0:
        text = err.decode(errors="replace").replace(token or "\0", "***")
        raise GitRemoteUnreadable(_reason(text.strip().splitlines()))
    refs: dict[str, str] = {}
    for line in out.decode().splitlines():
        sha, _, name = line.partition("\t")
        refs[name] = sha
    return refs


def _reason(lines: list[str]) -> str:
    """git's first `fatal:` line says what went wrong; the advice after it is generic."""
    fatal = [line.removeprefix("fatal: ") for line in lines if line.startswith("fatal: ")]
    return (fatal or lines or ["error"])[0].strip()


def commit_of(refs: dict[str, str], ref: str) -> str | None:
    """The commit a branch or tag points at (an annotated tag's commit, not the tag)."""
    for name in (f"refs/heads/{ref}", f"refs/tags/{ref}^{{}}", f"refs/tags/{ref}"):
        if name in refs:
            return refs[name]
    return None


async def resolve_commit(
    repo_url: str, ref: str, token: str = "", limit: float = LS_REMOTE_SECONDS
) -> str:
    """The commit a branch or tag points at; the token reaches git only through askpass."""
    if is_commit_sha(ref):
        return ref
    refs = await ls_remote(repo_url, ref_patterns(ref), token, limit)
    commit = commit_of(refs, ref)
    if commit is None:
        raise GitRemoteError(f"no branch or tag named {ref!r} in the repository")
    return commit
