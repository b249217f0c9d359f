from __future__ import annotations

import io
from pathlib import Path

import pytest

from build_runner import fetch
from build_runner.deadline import Deadline
from build_runner.errors import BuildFailure
from build_runner.fetch import check_repo_url, git_base_args
from build_runner.log import BuildLog
from services.core.build_protocol import EXIT_CLONE
from tests.support.gitrepo import GitRepo


def test_token_reaches_git_only_through_askpass_for_https(tmp_path: Path) -> None:
    args = git_base_args("https://github.com/o/r.git", "ghs_token123")
    assert "ghs_token123" not in " ".join(args)
    env = fetch.git_env("https://github.com/o/r.git", "ghs_token123", tmp_path)
    askpass = Path(env["GIT_ASKPASS"])
    assert "ghs_token123" not in askpass.read_text()
    assert "ghs_token123" in env.values()
    assert "GIT_ASKPASS" not in fetch.git_env("file:///tmp/r", "ghs_token123", tmp_path)
    assert "ghs_token123" not in fetch.git_env("file:///tmp/r", "ghs_token123", tmp_path).values()


def test_only_known_transports() -> None:
    args = git_base_args("file:///tmp/r", "")
    assert args[:3] == ["git", "-c", "protocol.allow=never"]
    assert "protocol.file.allow=always" in args
    assert "protocol.ext.allow=always" not in args


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("ext::sh -c touch% /tmp/pwned", id="ext"),
        pytest.param("ssh://git@example.com/r.git", id="ssh"),
        pytest.param("https://user:pass@example.com/r.git", id="credentials"),
        pytest.param("/tmp/plain/path", id="no-scheme"),
    ],
)
def test_refused_repository_urls(url: str) -> None:
    with pytest.raises(BuildFailure) as failure:
        check_repo_url(url)
    assert failure.value.exit_code == EXIT_CLONE


@pytest.mark.anyio
async def test_falls_back_when_the_server_refuses_a_commit_by_sha(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = GitRepo(tmp_path / "repo")
    older = repo.commit({"index.html": "older"})
    repo.commit({"index.html": "newer"})
    # Protocol v0 servers refuse unadvertised objects: the shallow fetch of `older` fails.
    monkeypatch.setattr(
        fetch,
        "git_base_args",
        lambda url, token: [*git_base_args(url, token), "-c", "protocol.version=0"],
    )
    stream = io.StringIO()
    head = await fetch.fetch_commit(
        repo_url=repo.url,
        commit_sha=older,
        ref="main",
        token="",
        dest=tmp_path / "checkout",
        log=BuildLog(stream),
        deadline=Deadline(60),
        private_dir=tmp_path,
    )
    assert head == older
    assert (tmp_path / "checkout/index.html").read_text() == "older"
    assert "refused a shallow fetch" in stream.getvalue()
