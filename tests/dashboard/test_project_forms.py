"""The project's forms over plain HTTP, as a browser without JavaScript sends them: each one
checked by the API's own rules, refused in one sentence beside the form with what was typed
kept, and its effect read back through the API."""

from __future__ import annotations

import html
import re
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.cli.live import BUILD_COMMAND, LiveApi, Site, site_repo
from tests.dashboard.conftest import csrf_of, refusal_of


def project_of(api: LiveApi, name: str, reveal: bool = False) -> httpx.Response:
    with api.client() as c:
        return c.get(f"/api/projects/{name}", params={"reveal_env": "true"} if reveal else None)


def field_value(page: str, field_id: str) -> str:
    match = re.search(rf'<input id="{field_id}"[^>]* value="([^"]*)"', page)
    assert match, f"no field {field_id}"
    return html.unescape(match.group(1))


def of(site: Site, part: str) -> str:
    """The address of one of the project's dashboard pages or forms."""
    return f"/dashboard/projects/{site.name}/{part}"


def post_form(client: httpx.Client, page_url: str, action: str, **fields: str) -> httpx.Response:
    token = csrf_of(client.get(page_url).text)
    return client.post(action, data={"csrf_token": token, **fields})


def test_a_new_project_is_checked_as_the_api_checks_it_and_lands_on_its_page(
    api: LiveApi, browser_client: httpx.Client, tmp_path: Path
) -> None:
    name = f"new-{uuid.uuid4().hex[:8]}"
    repo = site_repo(tmp_path / name)
    form = {
        "name": name,
        "repo_url": "git@github.com:acme/site.git",
        "production_branch": "main",
        "build_command": BUILD_COMMAND,
        "output_dir": "dist",
        "spa": "1",
    }
    refused = post_form(browser_client, "/dashboard/new-project", "/dashboard/new-project", **form)
    assert refused.status_code == 400
    assert refusal_of(refused.text, "create") == (
        "the builder cannot clone over SSH: use the repository's https URL "
        "(https://github.com/acme/site.git), with SLIPWAY_GITHUB_TOKEN set on the api if it is "
        "private."
    )
    assert field_value(refused.text, "create-name") == name
    assert field_value(refused.text, "create-build_command") == BUILD_COMMAND
    assert 'id="create-spa" name="spa" value="1" checked' in refused.text
    assert 'id="create-auto_promote" name="auto_promote" value="1">' in refused.text  # unticked
    assert project_of(api, name).status_code == 404  # nothing created half-way

    branch = {**form, "repo_url": repo.url, "production_branch": "mian"}
    refused = post_form(
        browser_client, "/dashboard/new-project", "/dashboard/new-project", **branch
    )
    assert "set production_branch to 'main', the closest branch it has" in refusal_of(
        refused.text, "create"
    )
    assert 'id="create-production_branch" name="production_branch" type="text" value="mian"' in (
        refused.text
    )
    assert 'aria-invalid="true"' in refused.text  # the field the sentence names is marked
    assert project_of(api, name).status_code == 404

    good = {**branch, "production_branch": "main"}
    created = post_form(browser_client, "/dashboard/new-project", "/dashboard/new-project", **good)
    assert (created.status_code, created.headers["location"]) == (
        303,
        f"/dashboard/projects/{name}?done=created#top",
    )
    project = project_of(api, name).json()
    assert (project["repo_url"], project["output_dir"], project["spa"]) == (repo.url, "dist", True)
    assert project["auto_promote"] is False
    page = browser_client.get(created.headers["location"]).text
    assert "Project created" in page

    again = post_form(browser_client, "/dashboard/new-project", "/dashboard/new-project", **good)
    assert again.status_code == 409
    assert refusal_of(again.text, "create") == f"a project named {name!r} already exists."


def test_settings_change_only_what_was_changed_and_keep_a_refused_form(
    api: LiveApi, browser_client: httpx.Client, site: Site
) -> None:
    settings = of(site, "settings")
    page = browser_client.get(settings).text
    assert field_value(page, "general-build_command") == BUILD_COMMAND
    typed = {
        "repo_url": site.repo.url,
        "production_branch": "main",
        "build_command": "sh build.sh --fast",
        "root_dir": "../elsewhere",
        "auto_promote": "1",
    }
    refused = post_form(browser_client, settings, settings, **typed)
    assert refused.status_code == 400
    assert (
        refusal_of(refused.text, "general")
        == "root_dir must be a relative directory inside the repository."
    )
    assert field_value(refused.text, "general-root_dir") == "../elsewhere"
    assert field_value(refused.text, "general-build_command") == "sh build.sh --fast"
    assert project_of(api, site.name).json()["build_command"] == BUILD_COMMAND

    saved = post_form(browser_client, settings, settings, **{**typed, "root_dir": "", "spa": "1"})
    assert (saved.status_code, saved.headers["location"]) == (
        303,
        f"{settings}?done=general-saved#general",
    )
    project = project_of(api, site.name).json()
    assert (project["build_command"], project["spa"], project["root_dir"]) == (
        "sh build.sh --fast",
        True,
        "",
    )
    same = post_form(browser_client, settings, settings, **{**typed, "root_dir": "", "spa": "1"})
    assert same.headers["location"] == f"{settings}?done=general-unchanged#general"


def test_build_variables_are_added_changed_and_removed_with_values_hidden_by_default(
    api: LiveApi, browser_client: httpx.Client, site: Site
) -> None:
    settings, action = of(site, "settings"), of(site, "variables")
    added = post_form(
        browser_client,
        settings,
        action,
        group="preview_env",
        key="API_URL",
        value="https://staging",
    )
    assert added.headers["location"] == f"{settings}?done=variables-saved#variables"
    changed = post_form(
        browser_client, settings, action, group="preview_env", key="API_URL", value="https://next"
    )
    assert changed.status_code == 303
    assert project_of(api, site.name, reveal=True).json()["preview_env"] == {
        "API_URL": "https://next"
    }

    hidden = browser_client.get(settings).text
    assert "API_URL" in hidden
    assert "https://next" not in hidden
    assert str(site.gate) not in hidden
    shown = browser_client.get(f"{settings}?reveal=1").text
    assert "https://next" in shown

    refused = post_form(browser_client, settings, action, group="env", key="SLIPWAY_X", value="v")
    assert refused.status_code == 400
    assert refusal_of(refused.text, "variables") == (
        "build variable SLIPWAY_X: names starting with SLIPWAY_ are reserved."
    )
    assert field_value(refused.text, "variables-key") == "SLIPWAY_X"
    assert field_value(refused.text, "variables-value") == "v"

    remove = f"{action}/remove"
    ask = post_form(browser_client, settings, remove, group="preview_env", key="API_URL")
    assert ask.status_code == 200
    assert "Remove build variable API_URL" in ask.text
    assert project_of(api, site.name, reveal=True).json()["preview_env"] == {
        "API_URL": "https://next"
    }
    done = browser_client.post(
        remove,
        data={
            "csrf_token": csrf_of(ask.text),
            "group": "preview_env",
            "key": "API_URL",
            "confirmed": "1",
        },
    )
    assert done.headers["location"] == f"{settings}?done=variables-removed#variables"
    assert project_of(api, site.name, reveal=True).json()["preview_env"] == {}


def test_custom_domains_are_added_and_removed(
    api: LiveApi, browser_client: httpx.Client, site: Site
) -> None:
    settings, action = of(site, "settings"), of(site, "domains")
    host = f"{site.name}.example.org"
    added = post_form(browser_client, settings, action, host=f" {host} ")
    assert added.headers["location"] == f"{settings}?done=domains-added#domains"
    assert project_of(api, site.name).json()["domains"] == [host]

    twice = post_form(browser_client, settings, action, host=host.upper())
    assert refusal_of(twice.text, "domains") == f"{site.name} already answers on {host.upper()}."
    bad = post_form(browser_client, settings, action, host="localhost")
    assert bad.status_code == 400
    assert refusal_of(bad.text, "domains") == (
        "not a valid domain name: 'localhost': type a host name such as www.example.com."
    )
    assert field_value(bad.text, "domains-host") == "localhost"

    removed = post_form(browser_client, settings, f"{action}/remove", host=host, confirmed="1")
    assert removed.headers["location"] == f"{settings}?done=domains-removed#domains"
    assert project_of(api, site.name).json()["domains"] == []


def test_previews_are_protected_and_made_public_again(
    api: LiveApi, browser_client: httpx.Client, site: Site
) -> None:
    settings, action = of(site, "settings"), of(site, "preview-password")
    short = post_form(browser_client, settings, action, password="short")
    assert short.status_code == 400
    assert refusal_of(short.text, "previews").startswith("preview_password must be 8 to 128")
    assert "short" not in re.findall(r'<input id="previews-password"[^>]*>', short.text)[0]
    empty = post_form(browser_client, settings, action, password="")
    assert refusal_of(empty.text, "previews") == "type the password that previews will ask for."
    assert project_of(api, site.name).json()["preview_protected"] is False

    post_form(browser_client, settings, action, password="a long secret")
    assert project_of(api, site.name).json()["preview_protected"] is True
    ask = post_form(browser_client, settings, f"{action}/remove")
    assert "Make the previews of" in ask.text
    assert project_of(api, site.name).json()["preview_protected"] is True
    post_form(browser_client, settings, f"{action}/remove", confirmed="1")
    assert project_of(api, site.name).json()["preview_protected"] is False


def test_deleting_needs_the_projects_name_typed(
    api: LiveApi, browser_client: httpx.Client, site: Site
) -> None:
    settings, action = of(site, "settings"), of(site, "delete")
    wrong = post_form(browser_client, settings, action, confirm_name="something-else")
    assert wrong.status_code == 400
    assert refusal_of(wrong.text, "delete") == (
        f"type the project's name, {site.name}, to delete it."
    )
    assert field_value(wrong.text, "delete-confirm_name") == "something-else"
    assert project_of(api, site.name).status_code == 200

    deleted = post_form(browser_client, settings, action, confirm_name=site.name)
    assert (deleted.status_code, deleted.headers["location"]) == (
        303,
        "/dashboard/?done=deleted#top",
    )
    assert project_of(api, site.name).status_code == 404
    assert site.name not in browser_client.get("/dashboard/").text


def test_a_redeploy_builds_the_same_commit_of_the_same_branch_again(
    api: LiveApi, browser_client: httpx.Client, site: Site
) -> None:
    site.open_gate()
    with api.client() as c:
        first: dict[str, Any] = c.post(f"/api/projects/{site.name}/deployments", json={}).json()
    first = api.wait_for(first["id"], ("ready", "failed"))
    site.repo.commit({"title.txt": "newer"})  # the branch moved on; the redeploy does not
    page = f"/dashboard/deployments/{first['id']}"
    again = post_form(browser_client, page, f"{page}/redeploy")
    assert again.status_code == 303
    new_id = again.headers["location"].split("/")[-1].split("?")[0]
    assert again.headers["location"].endswith("?done=redeployed")
    new = api.wait_for(new_id, ("ready", "failed"))
    assert (new["commit"], new["ref"], new["trigger"]) == (first["commit"], "main", "dashboard")
    assert new["status"] == "ready"
