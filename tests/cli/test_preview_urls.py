"""`deploy` and `deployments show` print where a branch or pull request is served, labelled
as what it is."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from tests.api.conftest import sign
from tests.cli.conftest import Cli
from tests.cli.live import LiveApi, Site


def test_deploy_of_a_branch_prints_its_branch_url(cli: Cli, make_site: Callable[..., Site]) -> None:
    site = make_site()
    site.repo.git("branch", "feature")
    result = cli("deploy", site.name, "--ref", "feature")
    assert result.code == 0, result.err
    lines = result.out.strip().splitlines()
    assert lines[-1] == (
        f"Branch URL: http://{site.name}-git-feature.localhost:8080/ (follows branch feature)"
    )
    d = json.loads(cli("deployments", "list", site.name, "--json").out)[0]
    shown = cli("deployments", "show", d["id"]).out
    assert f"branch URL  http://{site.name}-git-feature.localhost:8080/ (branch feature)" in shown
    assert "pull request" not in shown


def test_a_pull_requests_deployment_shows_its_pull_request_url(
    cli: Cli, api: LiveApi, make_site: Callable[..., Site]
) -> None:
    github_repo = f"acme/{uuid.uuid4().hex[:8]}"
    site = make_site(github_repo=github_repo)
    head = site.repo.git("rev-parse", "HEAD").strip()
    payload = {
        "action": "opened",
        "number": 12,
        "repository": {"full_name": github_repo},
        "pull_request": {
            "title": "Add a page",
            "head": {"sha": head, "ref": "feature", "repo": {"full_name": github_repo}},
            "base": {"ref": "main", "repo": {"full_name": github_repo}},
        },
    }
    body = json.dumps(payload).encode()
    with api.client() as c:
        answer = c.post(
            "/webhooks/github",
            content=body,
            headers={
                "X-GitHub-Event": "pull_request",
                "X-GitHub-Delivery": str(uuid.uuid4()),
                "X-Hub-Signature-256": sign(body),
                "Content-Type": "application/json",
            },
        )
    assert answer.status_code < 300, answer.text
    d = json.loads(cli("deployments", "list", site.name, "--json").out)[0]
    pr_url = f"http://{site.name}-pr-12.localhost:8080/"
    assert (d["pull_request"], d["pull_request_url"], d["branch_url"]) == (12, pr_url, pr_url)
    shown = cli("deployments", "show", d["id"]).out
    assert f"pull request URL  {pr_url} (pull request #12)" in shown
    assert "pull request      #12" in shown
    assert "branch URL" not in shown
    api.wait_for(d["id"], ("ready", "failed", "canceled"))
