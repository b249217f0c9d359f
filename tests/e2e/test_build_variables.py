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
