"""Naming a deployment as pages show it: short ids, URLs, a project's newest; and the one
sentence for a name that matches nothing, or more than one thing."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

import pytest

from scripts.cli.errors import EXIT_NOT_FOUND, EXIT_USAGE
from tests.cli.conftest import Cli
from tests.cli.live import LiveApi, Site


def ready_deployment(cli: Cli, site: Site, *args: str) -> dict:  # type: ignore[type-arg]
    result = cli("deploy", site.name, "--json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)  # type: ignore[no-any-return]


def test_a_deployment_is_named_by_its_short_id_its_url_or_its_host(
    cli: Cli, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    d = ready_deployment(cli, site)
    host = d["url"].split("://", 1)[1].rstrip("/")
    for given in (d["id"], d["id"][:8], d["id"][:12].upper(), d["url"], host, host.split(":")[0]):
        shown = cli("deployments", "show", given, "--json")
        assert shown.code == 0, (given, shown.err)
        assert json.loads(shown.out)["id"] == d["id"], given
    log = cli("logs", d["id"][:8])
    assert (log.code, "build step two" in log.out) == (0, True)
    promoted = cli("promote", d["url"])
    assert promoted.code == 0, promoted.err
    assert d["id"] in promoted.out


def test_branch_and_production_urls_name_their_newest_deployment(
    cli: Cli, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    site.repo.git("branch", "feature")
    on_branch = ready_deployment(cli, site, "--ref", "feature")
    production = ready_deployment(cli, site)
    shown = cli("deployments", "show", on_branch["branch_url"], "--json")
    assert json.loads(shown.out)["id"] == on_branch["id"], shown.err
    project_url = f"http://{site.name}.localhost:8080/"
    shown = cli("deployments", "show", project_url, "--json")
    assert json.loads(shown.out)["id"] == production["id"], shown.err


def test_logs_of_a_project_show_its_newest_deployment(
    cli: Cli, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    empty = cli("logs", site.name)
    assert (empty.code, empty.err) == (
        EXIT_NOT_FOUND,
        f"error: {site.name} has no deployments yet; start one with `slipway deploy {site.name}`\n",
    )
    ready_deployment(cli, site)
    site.repo.commit({"title.txt": "second"}, message="second")
    ready_deployment(cli, site)
    log = cli("logs", site.name)
    assert log.code == 0, log.err
    assert "build step one: second" in log.out


def test_a_mistyped_project_gets_a_suggestion(cli: Cli, make_site: Callable[..., Site]) -> None:
    site = make_site()
    typo = site.name[:-1] + ("x" if site.name[-1] != "x" else "y")
    shown = cli("projects", "show", typo)
    assert (shown.code, shown.err) == (
        EXIT_NOT_FOUND,
        f"error: no project named {typo!r}; did you mean {site.name!r}?\n",
    )
    logs = cli("logs", typo)
    assert (logs.code, logs.err) == (
        EXIT_NOT_FOUND,
        f"error: no project or deployment {typo!r}; did you mean {site.name!r}?\n",
    )


@pytest.mark.parametrize(
    ("given", "code", "message"),
    [
        pytest.param(
            "abc",
            EXIT_NOT_FOUND,
            "'abc' names no deployment: type at least 8 characters of a deployment's id, "
            "or its URL (`slipway deployments list PROJECT` shows the ids and URLs)",
            id="too-short",
        ),
        pytest.param(
            "http://nothing-here.localhost:8080/",
            EXIT_NOT_FOUND,
            "no deployment is served at nothing-here.localhost; "
            "`slipway deployments list PROJECT` shows the ids and URLs",
            id="unknown-url",
        ),
        pytest.param(
            "http://bad host/",
            EXIT_USAGE,
            "'http://bad host/' is not a deployment URL: type its id, or a URL such as "
            "http://site-1a2b3c4d.localhost:8080/",
            id="not-a-url",
        ),
    ],
)
def test_what_names_no_deployment_is_one_sentence(
    cli: Cli, given: str, code: int, message: str
) -> None:
    for command in (("promote",), ("deployments", "show"), ("cancel",)):
        result = cli(*command, given)
        assert (result.code, result.err) == (code, f"error: {message}\n"), command


def test_an_ambiguous_prefix_says_to_type_more(
    cli: Cli, api: LiveApi, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    first = ready_deployment(cli, site)
    site.repo.git("branch", "feature")
    with api.client() as c:  # the database makes two ids share their first 8 characters
        twin = c.post(f"/api/projects/{site.name}/deployments", json={"ref": "feature"}).json()
    twin_id = first["id"][:8] + twin["id"][8:]
    api.wait_for(twin["id"], ("ready", "failed"))
    _rename_deployment(api, twin["id"], twin_id)
    result = cli("promote", first["id"][:8])
    assert result.code == EXIT_USAGE
    assert result.err.startswith(f"error: '{first['id'][:8]}' is the start of 2 deployment ids (")
    assert result.err.endswith("); type more of the id\n")
    longer = cli("deployments", "show", first["id"][:12], "--json")
    assert json.loads(longer.out)["id"] in (first["id"], twin_id)


def _rename_deployment(api: LiveApi, old: str, new: str) -> None:
    path = api.settings.resolved_database_url.split("///", 1)[1]
    with sqlite3.connect(path) as db:
        db.execute("UPDATE deployments SET id = ? WHERE id = ?", (new, old))


def test_the_api_refuses_a_prefix_shorter_than_pages_show(api: LiveApi) -> None:
    with api.client() as c:
        answer = c.get("/api/deployments", params={"prefix": "abc"})
    assert answer.status_code == 400
    assert answer.json()["message"] == (
        "'abc' is not a deployment id: type at least 8 of its letters and digits"
    )


def test_the_api_names_an_invalid_project_name_in_one_sentence(api: LiveApi) -> None:
    with api.client() as c:
        answer = c.post("/api/projects", json={"name": "Bad_Name", "repo_url": "file:///x"})
        env = c.post(
            "/api/projects",
            json={"name": "okay-name", "repo_url": "file:///x", "env": {"1BAD": "x"}},
        )
    assert answer.status_code == 400
    assert answer.json()["message"] == (
        "'Bad_Name' is not a valid project name: a project name is 1-40 lowercase letters, "
        "digits and single hyphens, starting and ending with a letter or digit"
    )
    assert env.status_code == 400
    assert "regex" not in env.json()["message"]
    assert env.json()["message"].startswith("build variable '1BAD': a name is letters")
