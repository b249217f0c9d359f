from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from scripts.cli.errors import EXIT_CONFLICT, EXIT_FAILED, EXIT_USAGE
from tests.cli.conftest import Cli
from tests.cli.live import LiveApi, Site

REPO_ROOT = Path(__file__).resolve().parents[2]


def slipway(api: LiveApi, *args: str) -> subprocess.Popen[str]:
    """The console script in its own process, for watching output as it arrives."""
    env = {**os.environ, "SLIPWAY_API_URL": api.url, "SLIPWAY_API_TOKEN": api.token}
    return subprocess.Popen(
        [sys.executable, "-m", "scripts.cli.main", *args],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_deploy_waits_streams_the_log_and_prints_the_url(
    cli: Cli, api: LiveApi, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    result = cli("deploy", site.name)
    assert result.code == 0, result.err
    assert "queued" in result.err
    assert "build step one: first" in result.out
    assert "build step two" in result.out
    assert "is ready" in result.err
    last_lines = result.out.strip().splitlines()[-3:]
    assert last_lines[0].startswith(f"Deployment URL: http://{site.name}-")
    assert last_lines[1] == (
        f"Branch URL: http://{site.name}-git-main.localhost:8080/ (follows branch main)"
    )
    assert last_lines[2] == f"Production URL: http://{site.name}.localhost:8080/"

    rows = json.loads(cli("deployments", "list", site.name, "--json").out)
    assert [(d["status"], d["production"]) for d in rows] == [("ready", True)]
    table = cli("deployments", "list", site.name).out
    assert rows[0]["id"] in table
    assert "production" in table
    shown = cli("deployments", "show", rows[0]["id"])
    assert "ready" in shown.out
    assert (
        json.loads(cli("deployments", "show", rows[0]["id"], "--json").out)["id"] == rows[0]["id"]
    )

    log = cli("logs", rows[0]["id"])
    assert log.code == 0
    assert "build step two" in log.out


def test_deploy_of_another_branch_is_not_production(
    cli: Cli, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    site.repo.checkout("feature", create=True)
    site.repo.commit({"title.txt": "feature"})
    result = cli("deploy", site.name, "--ref", "feature", "--json")
    assert result.code == 0, result.err
    d = json.loads(result.out)
    assert (d["ref"], d["status"], d["production"]) == ("feature", "ready", False)
    assert "build step one: feature" in result.err


def test_a_failed_build_exits_non_zero_with_the_reason(
    cli: Cli, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    site.repo.commit({"fail.txt": "yes"})
    result = cli("deploy", site.name)
    assert result.code == EXIT_FAILED
    assert "error: the site does not build" in result.out
    assert "failed (build)" in result.err
    # The cause, as the API's error has it: the step, the command, its own code, its words.
    cause = "build: `sh build.sh` exited with code 1: error: the site does not build"
    assert cause in " ".join(result.err.split())
    assert "slipway logs" in result.err


def test_deploy_no_wait_and_follow_the_log_live(
    cli: Cli, api: LiveApi, make_site: Callable[..., Site]
) -> None:
    site = make_site(gated=True)
    result = cli("deploy", site.name, "--no-wait")
    assert result.code == 0, result.err
    deployment_id = result.out.strip()

    follower = slipway(api, "logs", deployment_id, "--follow")
    assert follower.stdout is not None
    first = follower.stdout.readline()
    while "build step one" not in first:  # lines before it: fetch, detect…
        assert first, follower.stderr.read() if follower.stderr else ""
        first = follower.stdout.readline()
    # The build is held at its gate: that line can only have come from the live log.
    assert api.wait_for(deployment_id, ("ready",), limit=0)["status"] == "building"
    site.open_gate()
    rest, err = follower.communicate(timeout=60)
    assert follower.returncode == 0, err
    assert "build step two" in rest
    assert f"Deployment {deployment_id} is ready" in err


def test_deploy_shows_the_live_log_before_the_build_ends(
    api: LiveApi, make_site: Callable[..., Site]
) -> None:
    site = make_site(gated=True)
    deploy = slipway(api, "deploy", site.name)
    assert deploy.stdout is not None
    line = deploy.stdout.readline()
    while "build step one" not in line:
        assert line, deploy.stderr.read() if deploy.stderr else ""
        line = deploy.stdout.readline()
    site.open_gate()
    out, err = deploy.communicate(timeout=60)
    assert deploy.returncode == 0, err
    assert "Building" in err
    assert out.strip().endswith(f"Production URL: http://{site.name}.localhost:8080/")


def test_promote_and_rollback(cli: Cli, api: LiveApi, make_site: Callable[..., Site]) -> None:
    site = make_site()
    assert cli("deploy", site.name).code == 0
    site.repo.commit({"title.txt": "second"})
    assert cli("deploy", site.name).code == 0
    second, first = json.loads(cli("deployments", "list", site.name, "--json").out)
    assert second["production"]

    result = cli("rollback", site.name)
    assert result.code == 0, result.err
    assert result.out.strip() == (
        f"Rolled {site.name} back from {second['id']} to {first['id']}: "
        f"http://{site.name}.localhost:8080/"
    )
    shown = json.loads(cli("projects", "show", site.name, "--json").out)
    assert shown["production_deployment"]["id"] == first["id"]
    assert shown["promoted_by"] == "cli:rollback"

    nothing = cli("rollback", site.name)
    assert nothing.code == EXIT_CONFLICT
    assert "no earlier ready deployment of main" in nothing.err
    assert "deploy it (slipway deploy" in nothing.err

    promoted = cli("promote", second["id"])
    assert promoted.code == 0, promoted.err
    assert promoted.out.strip() == (
        f"http://{site.name}.localhost:8080/ now serves deployment {second['id']}"
    )
    assert (
        json.loads(cli("projects", "show", site.name, "--json").out)["production_deployment"]["id"]
        == second["id"]
    )


def test_a_short_commit_says_how_to_get_the_full_one(
    cli: Cli, api: LiveApi, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    refused = cli("deploy", site.name, "--commit", "abc1234")
    assert refused.code == EXIT_USAGE
    assert refused.err == (
        "error: commit must be a full 40-character hexadecimal sha: `git rev-parse <commit>` "
        "prints it, or leave the commit out to build the branch's newest\n"
    )
    with api.client() as c:
        assert c.get(f"/api/projects/{site.name}/deployments").json() == []


def test_cancel_a_building_deployment(
    cli: Cli, api: LiveApi, make_site: Callable[..., Site]
) -> None:
    site = make_site(gated=True)
    deployment_id = cli("deploy", site.name, "--no-wait").out.strip()
    assert api.wait_for(deployment_id, ("building",))["status"] == "building"
    result = cli("cancel", deployment_id)
    assert result.code == 0, result.err
    assert deployment_id in result.out
    d = api.wait_for(deployment_id, ("canceled", "ready", "failed"))
    assert (d["status"], d["reason"], d["error"]) == ("canceled", "canceled", "canceled on request")
    # A cancel is not a failure: the deployment's facts do not call it an error.
    shown = cli("deployments", "show", deployment_id).out
    assert "reason      canceled on request" in shown
    assert "error" not in shown

    again = cli("cancel", deployment_id)
    assert again.code == EXIT_CONFLICT
    assert "already canceled" in again.err
    refused = cli("promote", deployment_id)
    assert refused.code == EXIT_CONFLICT
    assert "only a ready deployment can be promoted" in refused.err

    follow = cli("logs", deployment_id, "--follow")
    assert follow.code == EXIT_FAILED
    assert "is canceled" in follow.err
    site.open_gate()
