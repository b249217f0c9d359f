"""Resolving a branch or tag to a commit with `git ls-remote` (runs no repository code)."""

from __future__ import annotations

import asyncio
import base64
import re

_SHA_RE = re.compile(r"^[0-9a-f]{40}$")


class GitRemoteError(Exception):
    pass


def ls_remote_args(repo_url: str, ref: str, token: str = "") -> list[str]:
    args = ["git"]
    if token and repo_url.startswith("https://"):
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        args += ["-c", f"http.extraHeader=Authorization: Basic {basic}"]
    return [*args, "ls-remote", "--", repo_url, ref, f"refs/heads/{ref}", f"refs/tags/{ref}"]


async def resolve_commit(repo_url: str, ref: str, token: str = "", limit: float = 30) -> str:
    if _SHA_RE.match(ref):
        return ref
    proc = await asyncio.create_subprocess_exec(
        *ls_remote_args(repo_url, ref, token),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={"GIT_TERMINAL_PROMPT": "0", "PATH": "/usr/local/bin:/usr/bin:/bin"},
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), limit)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise GitRemoteError(f"git ls-remote timed out after {limit:.0f} s") from None
    if proc.returncode != 0:
        message = err.decode(errors="replace").strip().splitlines()
        raise GitRemoteError(f"cannot read the repository: {message[-1] if message else 'error'}")
    refs: dict[str, str] = {}
    for line in out.decode().splitlines():
        sha, _, name = line.partition("\t")
        refs[name] = sha
    for name in (f"refs/heads/{ref}", f"refs/tags/{ref}^{{}}", f"refs/tags/{ref}", ref):
        if name in refs:
            return refs[name]
    raise GitRemoteError(f"no branch or tag named {ref!r} in the repository")
