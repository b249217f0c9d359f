"""Whether the builder will be able to build a project: its repository answers `git ls-remote`
the way the builder reaches it, and has the branch asked for.

Checked when a project is created, when its repo_url or production branch changes, and
before a deploy of a named branch, so that nothing is created that can only fail.
"""

from __future__ import annotations

from services.core.settings import Settings
from services.core.suggest import did_you_mean

from .errors import BadRequest
from .gitremote import GitRemoteTimeout, GitRemoteUnreadable, commit_of, ls_remote
from .records import load_project
from .state import AppState

BRANCH_PREFIX = "refs/heads/"
CHECK_SECONDS = 20.0  # a request waits this long at most for the repository to answer


async def branches_of(settings: Settings, repo_url: str) -> list[str]:
    """The repository's branch names; BadRequest in one sentence when it cannot be read."""
    refs = await _refs(settings, repo_url, ["--heads"])
    return sorted(name.removeprefix(BRANCH_PREFIX) for name in refs)


async def check_repository(settings: Settings, repo_url: str, branch: str) -> None:
    """BadRequest unless the repository can be read and has `branch`.

    An empty repository passes: a project may be set up before the first push, which then
    creates the branch (and a deploy by hand before it is refused by check_ref).
    """
    if not settings.check_repositories:
        return
    branches = await branches_of(settings, repo_url)
    if branch in branches or not branches:
        return
    raise BadRequest(
        f"the repository at {repo_url} has no branch {branch!r}: set production_branch to "
        f"{_one_of(branch, branches)}"
    )


async def check_ref(settings: Settings, repo_url: str, ref: str) -> None:
    """BadRequest unless `ref` is a branch or tag of the repository (before a deploy)."""
    if not settings.check_repositories:
        return
    refs = await _refs(settings, repo_url, ["--heads", "--tags"])
    if commit_of(refs, ref) is not None:
        return
    branches = sorted(n.removeprefix(BRANCH_PREFIX) for n in refs if n.startswith(BRANCH_PREFIX))
    instead = f", or deploy {_one_of(ref, branches)}" if branches else ""
    raise BadRequest(f"the repository has no branch or tag {ref!r}: push it first{instead}")


async def check_deployable(app_state: AppState, name: str, ref: str) -> None:
    """BadRequest before a deploy of `ref` (the production branch when "") that the project's
    repository does not have; NotFound for an unknown project."""
    async with app_state.sessions() as session:
        project = await load_project(session, name)
    await check_ref(app_state.settings, project.repo_url, ref or project.production_branch)


def _one_of(wanted: str, branches: list[str]) -> str:
    close = did_you_mean(wanted, branches)
    if close is not None:
        return f"{close!r}, the closest branch it has"
    shown = ", ".join(repr(b) for b in branches[:5])
    return f"one of the branches it has ({shown}{', …' if len(branches) > 5 else ''})"


async def _refs(settings: Settings, repo_url: str, options: list[str]) -> dict[str, str]:
    try:
        return await ls_remote(repo_url, [], settings.github_token, CHECK_SECONDS, options=options)
    except GitRemoteTimeout:
        raise BadRequest(
            f"the repository at {repo_url} did not answer within "
            f"{CHECK_SECONDS:.0f} s: check the URL, and that the api can "
            "reach it"
        ) from None
    except GitRemoteUnreadable as exc:
        private = " (for a private repository, set SLIPWAY_GITHUB_TOKEN on the api)"
        raise BadRequest(
            f"cannot read a git repository at {repo_url} ({exc.reason}): check repo_url"
            f"{private if repo_url.startswith('https://') else ''}"
        ) from None
