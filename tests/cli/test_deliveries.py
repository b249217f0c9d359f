"""`slipway deliveries PROJECT` against a running api: what GitHub sent and what came of it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from scripts.cli.errors import EXIT_NOT_FOUND, EXIT_USAGE
from tests.api.conftest import push_payload
from tests.cli.conftest import Cli
from tests.cli.live import LiveApi, Site


def test_deliveries_shows_each_outcome_newest_first(
    cli: Cli, api: LiveApi, make_site: Callable[..., Site]
) -> None:
    github_repo = f"acme/{uuid.uuid4().hex[:8]}"
    site = make_site(github_repo=github_repo)
    head = site.repo.git("rev-parse", "HEAD")
    push = push_payload(repo=github_repo, after=head)
    assert api.deliver("push", push, "d-queued").status_code == 202
    assert api.deliver("push", push, "d-forged", signature="sha256=" + "0" * 64).status_code == 401
    assert api.deliver("issues", push, "d-ignored").status_code == 202
    [deployment] = json.loads(cli("deployments", "list", site.name, "--json").out)

    result = cli("deliveries", site.name)
    assert result.code == 0, result.err
    header, *rows = result.out.splitlines()
    assert header.split() == [
        "TIME", "(UTC)", "EVENT", "DELIVERY", "OUTCOME", "STATUS", "REASON", "DEPLOYMENTS"
    ]  # fmt: skip
    assert [row.split()[2:6] for row in rows] == [
        ["issues", "d-ignored", "ignored", "202"],
        ["push", "d-forged", "refused", "401"],
        ["push", "d-queued", "queued", "202"],
    ]
    words = [" ".join(row.split()) for row in rows]
    assert words[0].endswith("202 event 'issues' is not used -")
    assert words[1].endswith("401 missing or invalid X-Hub-Signature-256 -")
    assert words[2].endswith(f"202 1 deployment(s) queued {deployment['id']}")

    listed = json.loads(cli("deliveries", site.name, "--json", "--limit", "1").out)
    assert [(d["delivery_id"], d["outcome"]) for d in listed] == [("d-ignored", "ignored")]
    api.wait_for(deployment["id"], ("ready", "failed", "canceled"))


def test_a_project_without_deliveries_says_so(cli: Cli, make_site: Callable[..., Site]) -> None:
    site = make_site()
    result = cli("deliveries", site.name)
    assert result.code == 0, result.err
    assert result.out.startswith(f"{site.name} has received no webhook deliveries yet")


def test_a_mistyped_project_gets_the_closest_name_and_a_bad_limit_is_usage(
    cli: Cli, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    typo = site.name[:-1]
    result = cli("deliveries", typo)
    assert result.code == EXIT_NOT_FOUND
    assert result.err == f"error: no project named {typo!r}; did you mean {site.name!r}?\n"
    assert cli("deliveries", site.name, "--limit", "51").code == EXIT_USAGE
