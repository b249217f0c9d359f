"""Resolving refs with `git ls-remote`, and handing a token to git only through askpass."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from services.api.gitremote import GitRemoteError, ls_remote_args, resolve_commit
from services.core.git_auth import TOKEN_VARIABLE, git_environment
from tests.support.gitrepo import GitRepo

pytestmark = pytest.mark.anyio


async def test_branches_and_tags_resolve(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    first = repo.commit({"a": "1"})
    repo.git("tag", "-a", "v1", "-m", "v1")
    second = repo.commit({"a": "2"})
    assert await resolve_commit(repo.url, "main") == second
    assert await resolve_commit(repo.url, "v1") == first  # the annotated tag's commit
    with pytest.raises(GitRemoteError, match="no branch or tag"):
        await resolve_commit(repo.url, "missing")
    with pytest.raises(GitRemoteError, match="cannot read"):
        await resolve_commit((tmp_path / "nowhere").as_uri(), "main")


def test_token_never_in_argv_and_askpass_answers(tmp_path: Path) -> None:
    token = "ghp_do_not_leak"
    args = ls_remote_args("https://github.com/acme/private", "refs/heads/main")
    assert token not in " ".join(args)
    env = git_environment(token, tmp_path)
    askpass = Path(env["GIT_ASKPASS"])
    assert token not in askpass.read_text()
    run_env = {**os.environ, **env}
    user = subprocess.run(
        [askpass, "Username for 'https://github.com': "],
        env=run_env,
        capture_output=True,
        text=True,
    )
    password = subprocess.run(
        [askpass, "Password for 'https://x@github.com': "],
        env=run_env,
        capture_output=True,
        text=True,
    )
    assert (user.stdout.strip(), password.stdout.strip()) == ("x-access-token", token)
    assert env[TOKEN_VARIABLE] == token
    assert "GIT_ASKPASS" not in git_environment("", tmp_path)
