"""Headless Chromium (Debian's) drives the dashboard: sign-in, deploy, live log, rollback, cancel.

Screenshots land in artifacts/screenshots/ for people to look at.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.api.conftest import push_payload
from tests.cli.live import LiveApi, Site
from tests.dashboard.chromium import (
    PHONE,
    WAIT_MS,
    accept,
    fits_the_screen,
    shot,
    sign_in,
)

pytestmark = pytest.mark.browser


def test_sign_in_deploy_live_log_rollback_and_cancel(
    browser: Browser, api: LiveApi, make_site: Callable[..., Site]
) -> None:
    site = make_site(domains=[f"{'www'}.example.org"])
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.on("dialog", accept)

    # Sign-in: a wrong token is refused, the right one lands on the projects list.
    sign_in(page, api, "wrong")
    expect(page.locator(".error")).to_have_text("That token is not valid.")
    shot(page, "01-sign-in-refused")
    page.fill("#token", api.token)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Projects")
    cookie = next(c for c in context.cookies() if c["name"] == "slipway_session")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Lax"
    shot(page, "02-projects")

    # Deploy from the project page and watch the log arrive while the build is held.
    page.click(f"text={site.name}")
    expect(page.locator("#domains")).to_contain_text("www.example.org")
    page.click("button:has-text('Deploy')")
    expect(page).to_have_url(re.compile(r"/dashboard/deployments/[a-z0-9]{20}"))
    first_id = page.url.split("/")[-1].split("?")[0]
    log = page.locator("#log")
    expect(log).to_contain_text("build step one: first")
    expect(page.locator("#status")).to_have_text("building")
    assert "build step two" not in log.inner_text()
    shot(page, "03-live-log-building")
    site.open_gate()
    expect(log).to_contain_text("build step two")
    expect(page.locator("#status")).to_have_text("ready")  # the page reloads when it ends
    # Auto-promotion follows `ready` (a separate step in the api): wait for it, then look.
    assert api.wait_for_production(site.name, first_id) == first_id
    page.reload()
    expect(page.locator(".headline .production")).to_be_visible()
    shot(page, "04-deployment-ready")

    # A second deployment, then roll back to the first.
    site.repo.commit({"title.txt": "second"})
    page.click(f"text={site.name}")
    page.click("button:has-text('Deploy')")
    expect(page.locator("#status")).to_have_text("ready")
    second_id = page.url.split("/")[-1].split("?")[0]
    assert api.wait_for_production(site.name, second_id) == second_id
    page.click(f".crumbs >> text={site.name}")
    production_row = page.locator("#deployments tr.production")
    expect(production_row).to_contain_text(second_id[:8])
    page.click("button:has-text('Roll back to')")
    expect(page.locator(".notice")).to_have_text(
        "Rolled back: the previous deployment is in production again."
    )
    expect(production_row).to_contain_text(first_id[:8])
    shot(page, "05-rolled-back")
    with api.client() as c:
        project = c.get(f"/api/projects/{site.name}").json()
    assert project["production_deployment"]["id"] == first_id
    assert project["promoted_by"] == "dashboard:rollback"

    # Cancel a build that is running: it ends canceled, production stays where it was.
    site.close_gate()
    page.click("button:has-text('Deploy')")
    expect(page.locator("#log")).to_contain_text("build step one")
    expect(page.locator("#status")).to_have_text("building")
    page.click("button:has-text('Cancel deployment')")
    expect(page.locator("#status")).to_have_text("canceled")
    expect(page.locator("button:has-text('Cancel deployment')")).to_have_count(0)
    shot(page, "06-canceled")
    with api.client() as c:
        assert c.get(f"/api/projects/{site.name}").json()["production_deployment"]["id"] == first_id

    # A phone-sized screen: nothing overflows sideways.
    page.set_viewport_size(PHONE)
    page.click(f".crumbs >> text={site.name}")
    expect(page.locator("#deployments")).to_be_visible()
    assert fits_the_screen(page)
    shot(page, "07-project-phone")
    page.goto(f"{api.url}/dashboard/deployments/{first_id}")
    assert fits_the_screen(page)
    shot(page, "08-deployment-phone")
    context.close()
    site.open_gate()


def test_a_dismissed_confirmation_changes_nothing(
    browser: Browser, api: LiveApi, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    sign_in(page, api, api.token)
    page.goto(f"{api.url}/dashboard/projects/{site.name}")
    page.click("button:has-text('Deploy')")
    expect(page.locator("#status")).to_have_text("building")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("button:has-text('Cancel deployment')")
    expect(page.locator("#status")).to_have_text("building")
    site.open_gate()
    expect(page.locator("#status")).to_have_text("ready")
    context.close()


def test_without_javascript(browser: Browser, api: LiveApi, make_site: Callable[..., Site]) -> None:
    site = make_site()
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    sign_in(page, api, api.token)
    expect(page.locator("h1")).to_have_text("Projects")
    page.goto(f"{api.url}/dashboard/projects/{site.name}")
    page.click("button:has-text('Deploy')")
    expect(page.locator("#status")).to_have_text(re.compile("queued|building"))
    page.click("button:has-text('Cancel deployment')")
    expect(page.locator("h1")).to_have_text("Are you sure?")
    shot(page, "09-no-js-confirm")
    page.click("button:has-text('Yes, go ahead')")
    expect(page.locator(".notice")).to_have_text("Cancel requested.")
    deployment_id = page.url.split("/")[-1].split("?")[0]
    assert api.wait_for(deployment_id, ("canceled",))["status"] == "canceled"
    page.reload()
    expect(page.locator("#status")).to_have_text("canceled")
    context.close()
    site.open_gate()


def test_recent_deliveries_on_the_project_page(
    browser: Browser, api: LiveApi, make_site: Callable[..., Site]
) -> None:
    github_repo = f"acme/{uuid.uuid4().hex[:8]}"
    site = make_site(github_repo=github_repo)
    push = push_payload(repo=github_repo, after=site.repo.git("rev-parse", "HEAD"))
    for n in range(8):  # the oldest of these is the eleventh: not shown
        api.deliver("star", push, f"star-{n}")
    assert api.deliver("push", push, "d-queued").status_code == 202
    assert api.deliver("push", push, "d-forged", signature="sha256=" + "0" * 64).status_code == 401
    html_ref = {**push, "ref": "refs/notes/<b>bold</b>"}
    assert api.deliver("push", html_ref, "d-ignored").status_code == 202
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    sign_in(page, api, api.token)
    page.goto(f"{api.url}/dashboard/projects/{site.name}")

    rows = page.locator("#deliveries tbody tr")
    expect(rows).to_have_count(10)
    expect(rows.nth(0)).to_contain_text(
        "ref 'refs/notes/<b>bold</b>' is neither a branch nor a tag"
    )
    expect(rows.nth(0).locator("b")).to_have_count(0)  # the sender's text stays text
    expect(rows.nth(1).locator(".badge")).to_have_text("refused")
    expect(rows.nth(1)).to_contain_text("missing or invalid X-Hub-Signature-256")
    expect(rows.nth(1).locator("[data-label=Status]")).to_have_text("401")
    expect(rows.nth(2).locator(".badge")).to_have_text("queued")
    expect(rows.nth(2)).to_contain_text("d-queued")
    expect(rows.nth(9)).to_contain_text("star-1")
    colours = {
        outcome: rows.locator(f".outcome-{outcome}").first.evaluate(
            "e => getComputedStyle(e).color"
        )
        for outcome in ("queued", "ignored", "refused")
    }
    assert colours == {
        "queued": "rgb(23, 128, 61)",
        "ignored": "rgb(161, 92, 7)",
        "refused": "rgb(180, 35, 24)",
    }
    shot(page, "10-recent-deliveries")

    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator("#deliveries")).to_be_visible()
    assert fits_the_screen(page)
    shot(page, "11-recent-deliveries-phone")
    rows.nth(2).locator("[data-label=Deployments] a").click()
    expect(page).to_have_url(re.compile(r"/dashboard/deployments/[a-z0-9]{20}$"))
    deployment_id = page.url.rsplit("/", 1)[1]
    site.open_gate()
    assert api.wait_for(deployment_id, ("ready", "failed", "canceled"))["status"] == "ready"
    context.close()


def test_a_failed_build_opens_at_its_cause_with_live_ages_and_no_dead_links(
    browser: Browser, api: LiveApi, make_site: Callable[..., Site]
) -> None:
    noisy = "i=0; while [ $i -lt 400 ]; do echo line $i; i=$((i+1)); done; echo 'error: the cause'; exit 2"
    site = make_site(build_command=noisy)
    with api.client() as c:
        d = c.post(f"/api/projects/{site.name}/deployments", json={}).json()
    assert api.wait_for(d["id"], ("ready", "failed"))["status"] == "failed"
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    sign_in(page, api, api.token)
    page.goto(f"{api.url}/dashboard/deployments/{d['id']}")

    log = page.locator("#log")
    expect(log).to_contain_text("error: the cause")
    # Scrolled to its end: the failing lines are what the page shows first.
    at_end = "e => e.scrollTop + e.clientHeight >= e.scrollHeight - 2"
    assert log.evaluate(at_end)
    assert log.evaluate("e => e.scrollTop > 0")
    # The deployment's own address serves nothing: no link to a 404.
    expect(page.locator(f'a[href="{d["url"]}"]')).to_have_count(0)
    age = page.locator("time[data-age]").first
    before = age.inner_text()
    page.wait_for_timeout(2100)
    assert age.inner_text() != before  # the age goes on counting
    assert fits_the_screen(page)
    shot(page, "11-failed-build-at-its-cause-phone")

    page.goto(f"{api.url}/dashboard/projects/{site.name}")
    expect(page.locator("#deployments tbody tr").first.locator("[data-label=Visit]")).to_have_text(
        "-"
    )


# 200 lines at once, then one every 0.2 s until the gate opens: a long log that keeps growing.
CHATTY_BUILD = (
    'i=0; while [ $i -lt 200 ]; do echo "line $i"; i=$((i+1)); done; '
    'while [ ! -e "$GATE" ] && [ $i -lt 1500 ]; do echo "line $i"; i=$((i+1)); sleep 0.2; done; '
    "sh build.sh"
)
# Whether the log's last line is on the screen: inside the log box and inside the window.
NEWEST_LINE_IN_VIEW = """log => {
  const range = document.createRange();
  range.selectNodeContents(log);
  const lines = Array.from(range.getClientRects()).filter(r => r.width > 0 && r.height > 0);
  const last = lines.reduce((a, b) => (b.bottom > a.bottom ? b : a));
  const box = log.getBoundingClientRect();
  return last.top >= Math.max(0, box.top) - 1
    && last.bottom <= Math.min(window.innerHeight, box.bottom) + 1;
}"""


def newest_line_in_view(page: Page) -> bool:
    return bool(page.locator("#log").evaluate(NEWEST_LINE_IN_VIEW))


def test_a_running_build_keeps_its_newest_line_in_view(
    page: Page, api: LiveApi, screen: str, make_site: Callable[..., Site]
) -> None:
    """On a phone the page follows the log until the reader scrolls it away; on a desktop
    only the log box follows, and the page stays where it is."""
    site = make_site(build_command=CHATTY_BUILD)
    try:
        page.goto(f"{api.url}/dashboard/projects/{site.name}")
        page.click("button:has-text('Deploy')")
        log = page.locator("#log")
        expect(log).to_contain_text("line 210")
        assert log.evaluate("e => e.scrollTop + e.clientHeight >= e.scrollHeight - 2")
        if screen == "desktop":
            assert page.evaluate("window.scrollY") == 0
            return
        for _ in range(5):  # line after line, the newest stays on the screen
            assert newest_line_in_view(page)
            page.wait_for_timeout(300)
        shot(page, "12-live-log-follows-phone")

        # Scrolled back up to the top by the reader: it stays there while lines arrive.
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(1000)
        assert page.evaluate("window.scrollY") == 0
        assert not newest_line_in_view(page)
        # Scrolled down to the log's end again: it follows again.
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        seen = log.inner_text().count("\n")
        page.wait_for_function(
            "n => document.getElementById('log').innerText.split('\\n').length > n + 3", arg=seen
        )
        assert newest_line_in_view(page)
    finally:
        site.open_gate()
    expect(page.locator("#status")).to_have_text("ready")


def test_a_running_builds_commit_age_and_duration_keep_up(
    page: Page, api: LiveApi, site: Site
) -> None:
    """While the build runs, its page counts on without a reload; once it ends, it stops."""
    with api.client() as c:
        d = c.post(f"/api/projects/{site.name}/deployments", json={}).json()
    api.wait_for(d["id"], ("building",))
    page.goto(f"{api.url}/dashboard/deployments/{d['id']}")
    expect(page.locator("#status")).to_have_text("building")
    expect(page.locator("#commit")).to_have_text(re.compile(r"^[0-9a-f]{40}$"))
    duration = page.locator("#duration")
    age = page.locator("time[data-age]").first
    expect(duration).to_have_text(re.compile(r"^\d+s$"))
    counted, aged = duration.inner_text(), age.inner_text()
    page.wait_for_timeout(2100)
    assert duration.inner_text() != counted
    assert age.inner_text() != aged

    site.open_gate()
    expect(page.locator("#status")).to_have_text("ready")
    expect(page.locator("#live")).to_have_count(0)  # the finished page, reloaded
    final = duration.inner_text()
    page.wait_for_timeout(1100)
    assert duration.inner_text() == final

    # Ready: the deployments table links to what it serves.
    page.goto(f"{api.url}/dashboard/projects/{site.name}")
    visit = page.locator("#deployments tbody tr").first.locator("[data-label=Visit] a.visit")
    expect(visit).to_have_attribute("href", d["url"])


def test_a_project_pages_running_rows_follow_their_builds(
    page: Page, api: LiveApi, screen: str, site: Site
) -> None:
    """Without a reload, a building row turns ready (its duration stops, its Visit link
    appears), and a failing one turns failed with no link."""
    sha = site.repo.commit({"title.txt": "rows"}, message="Live rows")
    with api.client() as c:
        d = c.post(f"/api/projects/{site.name}/deployments", json={}).json()
    api.wait_for(d["id"], ("building",))
    page.goto(f"{api.url}/dashboard/projects/{site.name}")
    page.evaluate("window.notReloaded = true")
    row = page.locator(f"#deployments tbody tr:has(a[href='/dashboard/deployments/{d['id']}'])")
    status = row.locator("[data-label=Status] .badge")
    duration = row.locator("[data-label=Duration]")
    visit = row.locator("[data-label=Visit]")
    expect(status).to_have_text("building")
    expect(row.locator("[data-label=Commit] code")).to_have_text(sha[:7])
    expect(visit).to_have_text("-")
    expect(duration).to_have_text(re.compile(r"^\d+s$"))
    counted = duration.inner_text()
    page.wait_for_timeout(2100)
    assert duration.inner_text() != counted  # it counts while the build runs
    assert fits_the_screen(page)
    shot(page, f"13-project-row-building-{screen}")

    site.open_gate()
    expect(status).to_have_text("ready")
    expect(status).to_have_class("badge status-ready")
    expect(visit.locator("a.visit")).to_have_attribute("href", d["url"])
    expect(row.locator("[data-label=Commit]")).to_contain_text("Live rows")
    final = duration.inner_text()
    page.wait_for_timeout(2100)
    assert duration.inner_text() == final  # fixed once the build ended
    assert page.evaluate("window.notReloaded") is True
    assert fits_the_screen(page)
    shot(page, f"14-project-row-ready-{screen}")

    # A build that fails: its row turns failed and never links to what it did not publish.
    site.close_gate()
    site.repo.commit({"fail.txt": "yes"}, message="Break the build")
    with api.client() as c:
        failing = c.post(f"/api/projects/{site.name}/deployments", json={}).json()
    api.wait_for(failing["id"], ("building",))
    page.goto(f"{api.url}/dashboard/projects/{site.name}")
    page.evaluate("window.notReloaded = true")
    row = page.locator(
        f"#deployments tbody tr:has(a[href='/dashboard/deployments/{failing['id']}'])"
    )
    status = row.locator("[data-label=Status] .badge")
    expect(status).to_have_text("building")
    site.open_gate()
    expect(status).to_have_text(re.compile(r"^failed"))
    expect(status).to_have_class("badge status-failed")
    expect(row.locator("[data-label=Duration]")).not_to_have_attribute("data-since", re.compile(""))
    expect(row.locator("[data-label=Visit]")).to_have_text("-")
    expect(row.locator("a")).to_have_count(1)  # its own page, nothing it would serve
    assert page.evaluate("window.notReloaded") is True
    assert fits_the_screen(page)
    shot(page, f"15-project-row-failed-{screen}")
