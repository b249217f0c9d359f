"""A repository the builder cannot build from is refused when it is named, in one sentence
saying what to change, and nothing is created: real git repositories over file://."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scripts.cli.errors import EXIT_NOT_FOUND, EXIT_USAGE
from tests.cli.conftest import Cli
from tests.cli.live import LiveApi, Site
from tests.support.gitrepo import GitRepo


def repository(path: Path, *branches: str) -> GitRepo:
    repo = GitRepo(path, branch=branches[0] if branches else "main")
    repo.commit({"index.html": "hi"})
    for branch in branches[1:]:
        repo.git("branch", branch)
    return repo


def assert_not_created(cli: Cli, name: str) -> None:
    assert cli("projects", "show", name).code == EXIT_NOT_FOUND


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param(
            "git@github.com:acme/blog.git",
            "the builder cannot clone over SSH: use the repository's https URL "
            "(https://github.com/acme/blog.git), with SLIPWAY_GITHUB_TOKEN set on the api "
            "if it is private",
            id="scp-like",
        ),
        pytest.param(
            "ssh://git@git.example.com:2222/acme/blog.git",
            "the builder cannot clone over SSH: use the repository's https URL "
            "(https://git.example.com/acme/blog.git), with SLIPWAY_GITHUB_TOKEN set on the api "
            "if it is private",
            id="ssh-scheme",
        ),
    ],
)
def test_an_ssh_url_is_refused_with_its_https_form(cli: Cli, url: str, message: str) -> None:
    result = cli("projects", "create", "by-ssh", "--repo", url)
    assert (result.code, result.err) == (EXIT_USAGE, f"error: {message}\n")
    assert_not_created(cli, "by-ssh")


def test_a_repository_that_does_not_exist_is_refused(cli: Cli, tmp_path: Path) -> None:
    missing = (tmp_path / "nowhere").as_uri()
    result = cli("projects", "create", "ghost", "--repo", missing)
    assert result.code == EXIT_USAGE
    assert result.err.startswith(f"error: cannot read a git repository at {missing} (")
    assert result.err.endswith("): check repo_url\n")
    assert "does not appear to be a git repository" in result.err
    assert len(result.err.splitlines()) == 1
    assert_not_created(cli, "ghost")


def test_a_production_branch_the_repository_lacks_is_refused(cli: Cli, tmp_path: Path) -> None:
    repo = repository(tmp_path / "r", "master", "develop")
    result = cli("projects", "create", "no-main", "--repo", repo.url)
    assert (result.code, result.err) == (
        EXIT_USAGE,
        f"error: the repository at {repo.url} has no branch 'main': set production_branch to "
        "one of the branches it has ('develop', 'master')\n",
    )
    typo = cli("projects", "create", "no-main", "--repo", repo.url, "--branch", "mastr")
    assert typo.err == (
        f"error: the repository at {repo.url} has no branch 'mastr': set production_branch to "
        "'master', the closest branch it has\n"
    )
    assert_not_created(cli, "no-main")
    made = cli("projects", "create", "no-main", "--repo", repo.url, "--branch", "master")
    assert made.code == 0, made.err


def test_an_empty_repository_is_accepted_but_not_deployed_until_pushed(
    cli: Cli, tmp_path: Path
) -> None:
    empty = GitRepo(tmp_path / "empty")
    assert cli("projects", "create", "empty", "--repo", empty.url).code == 0
    refused = cli("deploy", "empty")
    assert (refused.code, refused.err) == (
        EXIT_USAGE,
        "error: the repository has no branch or tag 'main': push it first\n",
    )
    assert cli("deployments", "list", "empty", "--json").out.strip() == "[]"
    first = empty.commit({"index.html": "first"})
    deployed = json.loads(cli("deploy", "empty", "--json").out)  # waits until the build ends
    assert (deployed["ref"], deployed["commit"]) == ("main", first)


def test_changing_the_repository_or_branch_is_checked_too(
    cli: Cli, make_site: Callable[..., Site], tmp_path: Path
) -> None:
    site = make_site()
    missing = (tmp_path / "gone").as_uri()
    moved = cli("projects", "update", site.name, "--repo", missing)
    assert moved.code == EXIT_USAGE
    assert moved.err.startswith(f"error: cannot read a git repository at {missing} (")
    branch = cli("projects", "update", site.name, "--branch", "trunk")
    assert branch.err == (
        f"error: the repository at {site.repo.url} has no branch 'trunk': set production_branch "
        "to one of the branches it has ('main')\n"
    )
    shown = json.loads(cli("projects", "show", site.name, "--json").out)
    assert (shown["repo_url"], shown["production_branch"]) == (site.repo.url, "main")
    site.repo.git("branch", "trunk")
    assert cli("projects", "update", site.name, "--branch", "trunk").code == 0


def test_a_deploy_of_an_unknown_branch_creates_nothing(
    cli: Cli, api: LiveApi, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    site.repo.git("branch", "feature")
    result = cli("deploy", site.name, "--ref", "featur")
    assert (result.code, result.err) == (
        EXIT_USAGE,
        "error: the repository has no branch or tag 'featur': push it first, or deploy "
        "'feature', the closest branch it has\n",
    )
    assert cli("deployments", "list", site.name, "--json").out.strip() == "[]"
    site.repo.git("tag", "v1")
    tagged = cli("deploy", site.name, "--ref", "v1", "--json")  # a tag is deployable
    assert tagged.code == 0, tagged.err
    assert json.loads(tagged.out)["ref"] == "v1"
