"""Deploy hooks and API tokens, made, used and revoked in headless Chromium at a desktop's
width and at a phone's (390 px): the secret is shown once, works from outside the browser,
and stops working once revoked.

Screenshots land in artifacts/screenshots/ (`make screenshots`), one per screen size.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.cli.live import LiveApi, Site
from tests.dashboard.chromium import looked_at, open_settings

pytestmark = pytest.mark.browser


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def shown_whole_and_copied(page: Page, shown: str) -> None:
    """The secret fits its box, nothing cut off at either width, and Copy copies it."""
    field = page.locator(f"#{shown}-value")
    assert field.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
    page.click(f"#{shown} button:has-text('Copy')")
    expect(page.locator(f"#{shown} button")).to_have_text("Copied")


def test_make_use_and_delete_a_deploy_hook(
    page: Page, api: LiveApi, screen: str, site: Site
) -> None:
    site.open_gate()
    open_settings(page, api, site.name)
    expect(page.locator("#hooks .empty")).to_have_text("None.")
    page.fill("#hooks-name", "cms")
    page.fill("#hooks-ref", "bad..name")
    page.click("button:has-text('Create hook')")
    expect(page.locator("#hooks-error")).to_have_text("not a valid branch name: 'bad..name'.")
    expect(page.locator("#hooks-name")).to_have_value("cms")  # what was typed stays
    expect(page.locator("#hook-list")).to_have_count(0)

    page.fill("#hooks-ref", "")
    page.click("button:has-text('Create hook')")
    shown = page.locator("#hook-made")
    expect(shown).to_contain_text("Copy it now: it is not shown again.")
    url = page.locator("#hook-made-value").input_value()
    assert url.startswith(f"{api.url}/hooks/deploy/")
    shown_whole_and_copied(page, "hook-made")
    row = page.locator("#hook-list tr", has_text="cms")
    expect(row).to_contain_text("main")
    expect(row.locator("[data-label='Last used']")).to_have_text("never")
    assert page.locator("#hook-made").is_visible()
    looked_at(page, "40-hook-created", screen)

    answer = httpx.post(url, timeout=30)  # over loopback, as a CMS would
    assert answer.status_code == 202, answer.text
    deployed = api.wait_for(answer.json()["id"], ("ready", "failed"))
    assert (deployed["status"], deployed["trigger"], deployed["ref"]) == ("ready", "hook", "main")

    open_settings(page, api, site.name)
    expect(page.locator("#hook-made")).to_have_count(0)
    assert url.rsplit("/", 1)[1] not in page.content()  # never shown again
    expect(row.locator("[data-label='Last used']")).not_to_have_text("never")
    row.locator("button:has-text('Delete')").click()
    expect(page.locator("#hooks .notice")).to_have_text(
        "Deploy hook deleted: its URL deploys nothing any more."
    )
    expect(page.locator("#hook-list")).to_have_count(0)
    looked_at(page, "41-hook-deleted", screen)
    assert httpx.post(url, timeout=30).status_code == 404


def test_make_use_and_revoke_an_api_token(
    page: Page, api: LiveApi, screen: str, site: Site
) -> None:
    name = f"reader-{screen}"
    page.click("header >> text=Tokens")
    expect(page.locator("h1")).to_have_text("API tokens")
    page.fill("#tokens-name", "x" * 101)
    page.select_option("#tokens-role", "read")
    page.select_option("#tokens-project", site.name)
    page.click("button:has-text('Create token')")
    expect(page.locator("#tokens-error")).to_have_text("name: Expected `str` of length <= 100.")
    expect(page.locator("#tokens-project")).to_have_value(site.name)  # what was chosen stays
    expect(page.locator("#token-made")).to_have_count(0)

    page.fill("#tokens-name", name)
    page.click("button:has-text('Create token')")
    expect(page.locator("#token-made")).to_contain_text("Copy it now: it is not shown again.")
    token = page.locator("#token-made-value").input_value()
    assert token.startswith("slw_")
    shown_whole_and_copied(page, "token-made")
    row = page.locator("#token-list tr", has_text=name)
    expect(row.locator("[data-label=Role]")).to_have_text("read")
    expect(row.locator("[data-label=Project]")).to_have_text(site.name)
    looked_at(page, "42-token-created", screen)

    with httpx.Client(base_url=api.url, headers=bearer(token), timeout=30) as c:
        assert c.get(f"/api/projects/{site.name}").status_code == 200
        refused = c.post(f"/api/projects/{site.name}/deployments", json={})
        assert refused.status_code == 403
        assert refused.json()["message"] == "this token's role is read; this needs deploy or above"

    page.click("header >> text=Tokens")
    expect(page.locator("#token-made")).to_have_count(0)
    assert token not in page.content()  # never shown again
    expect(row.locator("[data-label='Last used']")).not_to_have_text("never")
    row.locator("button:has-text('Revoke')").click()
    expect(page.locator(".notice")).to_have_text("Token revoked: its next request is refused.")
    expect(page.locator("#token-list tr", has_text=name)).to_have_count(0)
    looked_at(page, "43-token-revoked", screen)
    with httpx.Client(base_url=api.url, headers=bearer(token), timeout=30) as c:
        assert c.get(f"/api/projects/{site.name}").status_code == 401
