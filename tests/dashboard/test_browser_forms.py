"""Every action of the CLI, done in headless Chromium at a desktop's width and at a phone's
(390 px, where nothing may scroll sideways), each effect read back through the API.

Screenshots land in artifacts/screenshots/ (`make screenshots`), one per screen size.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.cli.live import BUILD_COMMAND, LiveApi, Site, site_repo
from tests.dashboard.chromium import PHONE, WAIT_MS, looked_at, open_settings
from tests.dashboard.conftest import collectable, orphan_route, project

pytestmark = pytest.mark.browser


def test_create_a_project(page: Page, api: LiveApi, screen: str, tmp_path: Path) -> None:
    name = f"made-{uuid.uuid4().hex[:8]}"
    repo = site_repo(tmp_path / name)
    page.click("text=New project")
    expect(page.locator("h1")).to_have_text("New project")
    page.fill("#create-name", name)
    page.fill("#create-repo_url", "git@github.com:acme/site.git")
    page.fill("#create-build_command", BUILD_COMMAND)
    page.fill("#create-output_dir", "dist")
    page.check("#create-spa")
    page.uncheck("#create-auto_promote")
    page.click("button:has-text('Create project')")

    expect(page.locator("#create-error")).to_contain_text("the builder cannot clone over SSH")
    expect(page.locator("#create-name")).to_have_value(name)  # what was typed stays
    expect(page.locator("#create-spa")).to_be_checked()
    expect(page.locator("#create-auto_promote")).not_to_be_checked()
    looked_at(page, "20-new-project-refused", screen)
    with api.client() as c:
        assert c.get(f"/api/projects/{name}").status_code == 404

    page.fill("#create-repo_url", repo.url)
    page.click("button:has-text('Create project')")
    expect(page).to_have_url(re.compile(rf"/dashboard/projects/{name}\?done=created#top$"))
    expect(page.locator(".notice")).to_contain_text("Project created")
    created = project(api, name)
    assert (created["repo_url"], created["build_command"], created["output_dir"]) == (
        repo.url,
        BUILD_COMMAND,
        "dist",
    )
    assert (created["spa"], created["auto_promote"]) == (True, False)
    looked_at(page, "21-new-project-created", screen)


def test_change_a_projects_settings(page: Page, api: LiveApi, screen: str, site: Site) -> None:
    open_settings(page, api, site.name)
    page.fill("#general-output_dir", "/srv/www")
    page.click("button:has-text('Save settings')")
    expect(page.locator("#general-error")).to_have_text(
        "output_dir must be a relative directory inside the repository."
    )
    expect(page.locator("#general-output_dir")).to_have_value("/srv/www")
    expect(page.locator("#general-output_dir")).to_have_attribute("aria-invalid", "true")
    looked_at(page, "22-settings-refused", screen)
    assert project(api, site.name)["output_dir"] == ""

    page.fill("#general-output_dir", "dist")
    page.fill("#general-install_command", "true")
    page.check("#general-spa")
    page.uncheck("#general-auto_promote")
    page.click("button:has-text('Save settings')")
    expect(page.locator("#general .notice")).to_have_text(
        "Settings saved: builds use them from the next deployment."
    )
    saved = project(api, site.name)
    assert (saved["output_dir"], saved["install_command"]) == ("dist", "true")
    assert (saved["spa"], saved["auto_promote"]) == (True, False)
    looked_at(page, "23-settings-saved", screen)


def test_add_change_and_remove_build_variables(
    page: Page, api: LiveApi, screen: str, site: Site
) -> None:
    open_settings(page, api, site.name)
    page.select_option("#variables-group", "production_env")
    page.fill("#variables-key", "STRIPE_KEY")
    page.fill("#variables-value", "sk_live_first")
    page.click("button:has-text('Save variable')")
    expect(page.locator("#variables .notice")).to_contain_text("Build variable saved")
    row = page.locator("#variables-production_env tr", has_text="STRIPE_KEY")
    expect(row).to_contain_text("hidden")
    assert "sk_live_first" not in page.content()  # hidden until asked for
    assert project(api, site.name, reveal=True)["production_env"] == {"STRIPE_KEY": "sk_live_first"}

    page.select_option("#variables-group", "production_env")
    page.fill("#variables-key", "STRIPE_KEY")
    page.fill("#variables-value", "sk_live_second")
    page.click("button:has-text('Save variable')")
    expect(page.locator("#variables .notice")).to_contain_text("Build variable saved")
    assert project(api, site.name, reveal=True)["production_env"] == {
        "STRIPE_KEY": "sk_live_second"
    }
    page.click("#show-values")
    expect(row).to_contain_text("sk_live_second")
    looked_at(page, "24-variables-shown", screen)

    page.fill("#variables-key", "2BAD")
    page.fill("#variables-value", "x")
    page.click("button:has-text('Save variable')")
    expect(page.locator("#variables-error")).to_contain_text("build variable '2BAD'")
    expect(page.locator("#variables-key")).to_have_value("2BAD")

    row.locator("button:has-text('Remove')").click()
    expect(page.locator("#variables .notice")).to_contain_text("Build variable removed")
    assert project(api, site.name, reveal=True)["production_env"] == {}
    looked_at(page, "25-variables-removed", screen)


def test_add_and_remove_custom_domains(page: Page, api: LiveApi, screen: str, site: Site) -> None:
    host = f"{site.name}.example.net"
    open_settings(page, api, site.name)
    page.fill("#domains-host", host)
    page.click("button:has-text('Add domain')")
    expect(page.locator("#domain-list")).to_contain_text(host)
    assert project(api, site.name)["domains"] == [host]

    page.fill("#domains-host", "not a domain")
    page.click("button:has-text('Add domain')")
    expect(page.locator("#domains-error")).to_have_text(
        "not a valid domain name: 'not a domain': type a host name such as www.example.com."
    )
    expect(page.locator("#domains-host")).to_have_value("not a domain")
    looked_at(page, "26-domains-refused", screen)

    page.locator("#domain-list li", has_text=host).locator("button:has-text('Remove')").click()
    expect(page.locator("#domains .notice")).to_contain_text("Domain removed")
    assert project(api, site.name)["domains"] == []


def test_protect_previews_and_make_them_public_again(
    page: Page, api: LiveApi, screen: str, site: Site
) -> None:
    open_settings(page, api, site.name)
    page.fill("#previews-password", "correct horse")
    page.click("button:has-text('Protect previews')")
    expect(page.locator("#preview-state")).to_contain_text("Previews ask for a password")
    assert project(api, site.name)["preview_protected"] is True
    looked_at(page, "27-previews-protected", screen)

    page.click("button:has-text('Make previews public')")
    expect(page.locator("#preview-state")).to_contain_text("Previews are public")
    assert project(api, site.name)["preview_protected"] is False


def test_delete_a_project(page: Page, api: LiveApi, screen: str, site: Site) -> None:
    open_settings(page, api, site.name)
    page.fill("#delete-confirm_name", "not-it")
    page.click("button:has-text('Delete project')")
    expect(page.locator("#delete-error")).to_have_text(
        f"type the project's name, {site.name}, to delete it."
    )
    looked_at(page, "28-delete-refused", screen)
    assert project(api, site.name)["name"] == site.name

    page.fill("#delete-confirm_name", site.name)
    page.click("button:has-text('Delete project')")
    expect(page.locator(".notice")).to_have_text("Project deleted: its sites are no longer served.")
    expect(page.locator(f"text={site.name}")).to_have_count(0)
    with api.client() as c:
        assert c.get(f"/api/projects/{site.name}").status_code == 404


def test_deploy_promote_redeploy_roll_back_and_cancel(
    page: Page, api: LiveApi, screen: str, make_site: Callable[..., Site]
) -> None:
    site = make_site(auto_promote=False)
    site.open_gate()
    status = page.locator("#status")

    page.goto(f"{api.url}/dashboard/projects/{site.name}")
    page.click("button:has-text('Deploy')")
    expect(status).to_have_text("ready")
    first = page.url.split("/")[-1].split("?")[0]
    page.reload()  # the actions that apply once it is ready
    page.click("button:has-text('Promote to production')")
    expect(page.locator(".notice")).to_have_text("The deployment is now in production.")
    assert project(api, site.name)["production_deployment"]["id"] == first

    page.click("button:has-text('Redeploy')")
    expect(page.locator(".notice")).to_contain_text("the same commit, built again")
    expect(status).to_have_text("ready")
    second = page.url.split("/")[-1].split("?")[0]
    assert second != first
    with api.client() as c:
        first_commit = c.get(f"/api/deployments/{first}").json()["commit"]
        assert c.get(f"/api/deployments/{second}").json()["commit"] == first_commit
    page.reload()
    page.click("button:has-text('Promote to production')")
    assert project(api, site.name)["production_deployment"]["id"] == second
    looked_at(page, "29-redeployed-and-promoted", screen)

    # A rollback goes back to another commit: a rebuild of the same one would change nothing.
    site.repo.commit({"title.txt": "changed"})
    page.goto(f"{api.url}/dashboard/projects/{site.name}")
    page.click("button:has-text('Deploy')")
    expect(status).to_have_text("ready")
    newer = page.url.split("/")[-1].split("?")[0]
    page.reload()
    page.click("button:has-text('Promote to production')")
    assert project(api, site.name)["production_deployment"]["id"] == newer
    page.goto(f"{api.url}/dashboard/projects/{site.name}")
    page.click(f"button:has-text('Roll back to {second[:8]}')")
    expect(page.locator(".notice")).to_contain_text("Rolled back")
    rolled = project(api, site.name)
    assert rolled["production_deployment"]["id"] == second
    assert rolled["promoted_by"] == "dashboard:rollback"
    looked_at(page, "30-rolled-back", screen)

    site.close_gate()
    page.click("button:has-text('Deploy')")
    expect(status).to_have_text("building")
    page.click("button:has-text('Cancel deployment')")
    expect(status).to_have_text("canceled")
    third = page.url.split("/")[-1].split("?")[0]
    assert api.wait_for(third, ("canceled",))["status"] == "canceled"
    assert project(api, site.name)["production_deployment"]["id"] == second
    looked_at(page, "31-canceled", screen)
    site.open_gate()


def test_clean_up_storage(page: Page, api: LiveApi, screen: str) -> None:
    host = orphan_route(api)
    page.click("header >> text=Storage")
    expect(page.locator("#deletions")).to_contain_text(host)
    expect(page.locator("#summary")).to_contain_text("Would delete")
    looked_at(page, "33-storage-dry-run", screen)
    assert host in collectable(api)

    page.click("button:has-text('Delete them now')")
    expect(page.locator("#summary")).to_contain_text("Deleted")
    expect(page.locator("#deletions")).to_contain_text(host)
    assert host not in collectable(api)
    looked_at(page, "34-storage-collected", screen)


def test_settings_without_javascript_ask_on_a_page_of_their_own(
    browser: Browser, api: LiveApi, make_site: Callable[..., Site]
) -> None:
    site = make_site(domains=["old.example.com"])
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{api.url}/dashboard/login")
    page.fill("#token", api.token)
    page.click("button[type=submit]")
    open_settings(page, api, site.name)
    page.locator("#domain-list li", has_text="old.example.com").locator(
        "button:has-text('Remove')"
    ).click()
    expect(page.locator("h1")).to_have_text("Are you sure?")
    expect(page.locator("main")).to_contain_text(f"Stop serving {site.name} on old.example.com?")
    assert project(api, site.name)["domains"] == ["old.example.com"]
    looked_at(page, "32-no-js-remove-domain", "phone")
    page.click("button:has-text('Yes, go ahead')")
    expect(page.locator("#domains .notice")).to_contain_text("Domain removed")
    assert project(api, site.name)["domains"] == []
    context.close()
    site.open_gate()
