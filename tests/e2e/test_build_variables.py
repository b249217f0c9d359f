"""Build variables at the limit reach a real build whole: api → local builder → runner →
the build command's environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.core.build_variables import MAX_TOTAL_BYTES, total_bytes
from tests.support.gitrepo import GitRepo
from tests.support.platform import Platform
from tests.support.variables import variables_of_total

pytestmark = pytest.mark.slow

BUILD = "mkdir -p out && env > out/env.txt && echo built > out/index.html"


def test_a_build_receives_every_variable_at_the_total_limit(
    platform: Platform, tmp_path: Path
) -> None:
    repo = GitRepo(tmp_path / "repo")
    shared = variables_of_total(MAX_TOTAL_BYTES - 1000, prefix="SHARED")
    production = variables_of_total(1000, prefix="PROD")
    assert total_bytes({**shared, **production}) == MAX_TOTAL_BYTES
    platform.create_project(
        "vars",
        repo.url,
        build_command=BUILD,
        output_dir="out",
        env=shared,
        production_env=production,
    )
    commit = repo.commit({"README": "variables"})
    response = platform.push("vars", commit)
    assert response.status_code == 202, response.text
    [deployment_id] = response.json()["deployments"]
    done = platform.wait_final(deployment_id)
    assert done["status"] == "ready", platform.api.get(
        f"/api/deployments/{deployment_id}/logs"
    ).text

    assert platform.site_eventually("vars.localhost", "built").text == "built\n"
    seen = platform.site("vars.localhost", "/env.txt").text.splitlines()
    expected = {**shared, **production}
    received = {line.partition("=")[0]: line.partition("=")[2] for line in seen}
    assert {name: received.get(name) for name in expected} == expected


URL_NAMES = (
    "SLIPWAY_URL",
    "SLIPWAY_DEPLOYMENT_URL",
    "SLIPWAY_BRANCH_URL",
    "SLIPWAY_PRODUCTION_URL",
    "URL",
    "DEPLOY_URL",
    "DEPLOY_PRIME_URL",
    "CONTEXT",
    "BRANCH",
    "COMMIT_REF",
    "VERCEL_URL",
    "VERCEL_ENV",
    "VERCEL_GIT_COMMIT_REF",
    "VERCEL_GIT_COMMIT_SHA",
    "VERCEL_BRANCH_URL",
    "VERCEL_PROJECT_PRODUCTION_URL",
)
# The build prints each variable, and publishes them for the test to read back.
PRINT_URLS = (
    "mkdir -p out && echo built > out/index.html && for name in "
    + " ".join(URL_NAMES)
    + ' ; do eval "echo $name=\\$$name"; done | tee out/urls.txt'
)


@pytest.mark.parametrize(
    ("branch", "context", "prime_host"),
    [
        pytest.param("main", "production", "urls.localhost", id="production"),
        pytest.param("preview", "branch-deploy", "urls-git-preview.localhost", id="branch"),
    ],
)
def test_a_build_knows_the_urls_it_will_be_served_at(
    platform: Platform, tmp_path: Path, branch: str, context: str, prime_host: str
) -> None:
    repo = GitRepo(tmp_path / "repo")
    platform.create_project("urls", repo.url, build_command=PRINT_URLS, output_dir="out")
    commit = repo.commit({"README": "urls"})
    [deployment_id] = platform.push("urls", commit, branch=branch).json()["deployments"]
    done = platform.wait_final(deployment_id)
    log = platform.api.get(f"/api/deployments/{deployment_id}/logs").text
    assert done["status"] == "ready", log

    port = platform.proxy_port
    own = f"urls-{deployment_id[:8]}.localhost:{port}"
    branch_host = f"urls-git-{branch}.localhost:{port}"
    expected = {
        "SLIPWAY_URL": f"http://{prime_host}:{port}",
        "SLIPWAY_DEPLOYMENT_URL": f"http://{own}",
        "SLIPWAY_BRANCH_URL": f"http://{branch_host}",
        "SLIPWAY_PRODUCTION_URL": f"http://urls.localhost:{port}",
        "URL": f"http://urls.localhost:{port}",
        "DEPLOY_URL": f"http://{own}",
        "DEPLOY_PRIME_URL": f"http://{prime_host}:{port}",
        "CONTEXT": context,
        "BRANCH": branch,
        "COMMIT_REF": commit,
        "VERCEL_URL": own,
        "VERCEL_ENV": "production" if context == "production" else "preview",
        "VERCEL_GIT_COMMIT_REF": branch,
        "VERCEL_GIT_COMMIT_SHA": commit,
        "VERCEL_BRANCH_URL": branch_host,
        "VERCEL_PROJECT_PRODUCTION_URL": f"urls.localhost:{port}",
    }
    # What the build printed, in its log, and what it wrote into the site.
    printed = dict(
        line.partition("| ")[2].partition("=")[::2]
        for line in log.splitlines()
        if line.partition("| ")[2].partition("=")[0] in URL_NAMES
    )
    assert printed == expected
    served = platform.site(own.partition(":")[0], "/urls.txt").text.splitlines()
    assert dict(line.partition("=")[::2] for line in served) == expected
    # Each host the variables name serves this very deployment.
    assert platform.site(branch_host.partition(":")[0]).text == "built\n"
