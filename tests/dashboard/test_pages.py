"""The dashboard over plain HTTP: sign-in, CSRF, pages readable without JavaScript."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from services.api.dashboard.session import COOKIE
from tests.cli.live import LiveApi, Site, create_site
from tests.dashboard.conftest import csrf_of


def test_pages_need_a_session(api: LiveApi) -> None:
    with httpx.Client(base_url=api.url, follow_redirects=False) as client:
        root = client.get("/")
        assert (root.status_code, root.headers["location"]) == (303, "/dashboard/")
        page = client.get("/dashboard/projects/x?tab=1")
        assert page.status_code == 303
        assert page.headers["location"] == "/dashboard/login?next=/dashboard/projects/x%3Ftab%3D1"
        assert client.get("/dashboard/deployments/abc/log").status_code == 303
        action = client.post("/dashboard/projects/x/deploy", data={})
        assert action.status_code == 303
        assert action.headers["location"].startswith("/dashboard/login")
    with httpx.Client(
        base_url=api.url, follow_redirects=False, cookies={COOKIE: "1.2.3"}
    ) as forged:
        assert forged.get("/dashboard/").status_code == 303


def test_sign_in_page_names_where_this_api_reads_its_token(api: LiveApi) -> None:
    token_file = api.settings.api_token_file
    with httpx.Client(base_url=api.url, follow_redirects=False) as client:
        # Started with the token in the environment only: the page says so.
        assert not token_file.exists()
        assert "<code>SLIPWAY_API_TOKEN</code>" in client.get("/dashboard/login").text
        token_file.parent.mkdir(parents=True, exist_ok=True)
        token_file.write_text(api.token + "\n")
        try:
            page = client.get("/dashboard/login").text
        finally:
            token_file.unlink()
    assert f"<code>{token_file}</code>" in page


def test_sign_in_sets_a_strict_cookie_and_goes_back(api: LiveApi) -> None:
    with httpx.Client(base_url=api.url, follow_redirects=False) as client:
        login = client.get("/dashboard/login?next=/dashboard/projects/x")
        assert login.status_code == 200
        assert 'value="/dashboard/projects/x"' in login.text

        wrong = client.post("/dashboard/login", data={"token": "wrong"})
        assert wrong.status_code == 401
        assert "That token is not valid." in wrong.text
        assert COOKIE not in wrong.headers.get("set-cookie", "")

        ok = client.post(
            "/dashboard/login", data={"token": api.token, "next": "https://evil.example/"}
        )
        assert (ok.status_code, ok.headers["location"]) == (303, "/dashboard/")
        cookie = ok.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}=")
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Path=/dashboard" in cookie
        assert api.token not in cookie

        home = client.get("/dashboard/")
        assert home.status_code == 200
        assert home.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in home.headers["content-security-policy"]
        assert home.headers["cache-control"] == "no-store"

        out = client.post("/dashboard/logout", data={"csrf_token": csrf_of(home.text)})
        assert out.status_code == 303
        assert client.get("/dashboard/").status_code == 303


def test_state_changes_need_the_csrf_token_and_our_origin(
    api: LiveApi, browser_client: httpx.Client, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    page = browser_client.get(f"/dashboard/projects/{site.name}")
    token = csrf_of(page.text)
    url = f"/dashboard/projects/{site.name}/deploy"

    assert browser_client.post(url, data={}).status_code == 403
    assert browser_client.post(url, data={"csrf_token": "0" * 64}).status_code == 403
    cross = browser_client.post(
        url, data={"csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert cross.status_code == 403
    assert "did not come from the dashboard" in cross.text
    with api.client() as c:
        assert c.get(f"/api/projects/{site.name}/deployments").json() == []

    ok = browser_client.post(
        url, data={"csrf_token": token, "ref": "main"}, headers={"Origin": api.url}
    )
    assert ok.status_code == 303
    assert re.fullmatch(
        r"/dashboard/deployments/[a-z0-9]{20}\?done=deployed", ok.headers["location"]
    )
    site.open_gate()


def test_readable_without_javascript_and_confirmation_pages(
    api: LiveApi, browser_client: httpx.Client, make_site: Callable[..., Site]
) -> None:
    site = make_site(domains=["docs.example.com"])
    project = browser_client.get(f"/dashboard/projects/{site.name}")
    token = csrf_of(project.text)
    deployed = browser_client.post(
        f"/dashboard/projects/{site.name}/deploy", data={"csrf_token": token, "ref": "main"}
    )
    deployment_page = deployed.headers["location"].split("?")[0]
    deployment_id = deployment_page.rsplit("/", 1)[1]
    assert api.wait_for(deployment_id, ("building",))["status"] == "building"

    page = browser_client.get(deployment_page)
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="5">' in page.text  # inside <noscript>
    assert "status-building" in page.text
    assert "Cancel deployment" in page.text

    project = browser_client.get(f"/dashboard/projects/{site.name}").text
    assert "docs.example.com" in project
    assert "GATE" in project  # build variable names are shown, their values never
    assert str(site.gate) not in project
    assert deployment_id[:8] in project
    assert "building" in project

    # Without JavaScript, the button leads to a page that asks first.
    ask = browser_client.post(f"{deployment_page}/cancel", data={"csrf_token": token})
    assert ask.status_code == 200
    assert f"Cancel deployment {deployment_id} of {site.name}?" in ask.text
    assert 'name="confirmed" value="1"' in ask.text
    assert api.wait_for(deployment_id, ("canceled",), limit=0)["status"] == "building"

    done = browser_client.post(
        f"{deployment_page}/cancel", data={"csrf_token": csrf_of(ask.text), "confirmed": "1"}
    )
    assert (done.status_code, done.headers["location"]) == (
        303,
        f"{deployment_page}?done=cancel-requested",
    )
    assert api.wait_for(deployment_id, ("canceled",))["status"] == "canceled"
    final = browser_client.get(deployment_page).text
    assert "Cancel requested." not in final
    assert "status-canceled" in final
    assert "http-equiv" not in final
    # A cancel is not shown as an error.
    assert '<dt>Reason</dt><dd id="reason">canceled on request</dd>' in final
    assert "<dt>Error</dt>" not in final

    again = browser_client.post(
        f"{deployment_page}/cancel", data={"csrf_token": token, "confirmed": "1"}
    )
    assert again.status_code == 409
    assert "already canceled" in again.text
    site.open_gate()


def test_unknown_things_get_an_html_error(browser_client: httpx.Client) -> None:
    page = browser_client.get("/dashboard/projects/nope")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "no project named" in page.text
    assert browser_client.get("/dashboard/deployments/nope0000000000000000").status_code == 404


def test_escapes_what_it_shows(
    api: LiveApi, browser_client: httpx.Client, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    site.open_gate()
    site.repo.commit({"title.txt": "<script>alert(1)</script>"}, message="<b>bold</b> move")
    with api.client() as c:
        d = c.post(f"/api/projects/{site.name}/deployments", json={}).json()
    api.wait_for(d["id"], ("ready", "failed"))
    page = browser_client.get(f"/dashboard/deployments/{d['id']}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_project_page_lists_the_three_variable_groups_without_values(
    api: LiveApi, browser_client: httpx.Client, make_site: Callable[..., Site]
) -> None:
    site = make_site(
        production_env={"STRIPE_KEY": "sk_live_dash"},
        preview_env={"NOINDEX": "preview-only-value"},
    )
    page = browser_client.get(f"/dashboard/projects/{site.name}")
    assert page.status_code == 200
    groups = dict(re.findall(r'<dd id="env-(\w+)">(.*?)</dd>', page.text))
    assert groups["all"].startswith("GATE ")
    assert groups["production"].startswith("STRIPE_KEY ")
    assert "(values hidden)" in groups["production"]
    assert groups["preview"].startswith("NOINDEX ")
    for value in ("sk_live_dash", "preview-only-value", str(site.gate)):
        assert value not in page.text

    site.repo.git("branch", "other")
    with api.client() as c:
        # Held at the gate: its context is known from the start, before the build ends.
        d = c.post(f"/api/projects/{site.name}/deployments", json={"ref": "other"}).json()
    shown = browser_client.get(f"/dashboard/deployments/{d['id']}").text
    site.open_gate()
    assert '<span class="muted" id="context">(branch-deploy)</span>' in shown


def test_project_page_says_whether_previews_are_protected(
    api: LiveApi, browser_client: httpx.Client, make_site: Callable[..., Site]
) -> None:
    site = make_site()

    def previews() -> str:
        page = browser_client.get(f"/dashboard/projects/{site.name}")
        assert page.status_code == 200
        [shown] = re.findall(r'<dd id="previews">(.*?)</dd>', page.text)
        return str(shown)

    assert previews() == "public"
    with api.client() as c:
        patched = c.patch(f"/api/projects/{site.name}", json={"preview_password": "dash board"})
        assert patched.status_code == 200, patched.text
    shown = previews()
    assert shown.startswith("password-protected ")
    assert "dash board" not in shown


def test_a_failed_builds_page_shows_its_cause_and_its_colours(
    api: LiveApi, browser_client: httpx.Client, tmp_path: Path
) -> None:
    build = (
        "printf '\\033[32mcompiled\\033[0m\\n'; "
        "printf '\\033[31merror: <img src=x onerror=alert(1)> is broken\\033[0m\\n'; exit 4"
    )
    site = create_site(api, tmp_path, "colour", False, build_command=build)
    with api.client() as c:
        d = c.post(f"/api/projects/{site.name}/deployments", json={}).json()
    final = api.wait_for(d["id"], ("ready", "failed"))
    expected = f"build: `{build}` exited with code 4: error: <img src=x onerror=alert(1)> is broken"
    assert final["error"] == expected
    page = browser_client.get(f"/dashboard/deployments/{d['id']}").text
    assert '<span class="ansi-fg-2">compiled</span>' in page
    assert (
        '<span class="ansi-fg-1">error: &lt;img src=x onerror=alert(1)&gt; is broken</span>' in page
    )
    assert "\x1b" not in page
    assert "<img src=x" not in page
    assert "exited with code 4: error: &lt;img src=x onerror=alert(1)&gt; is broken" in page


def test_a_dashboard_deploy_of_a_branch_the_repository_lacks_queues_nothing_and_says_why(
    api: LiveApi, browser_client: httpx.Client, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    token = csrf_of(browser_client.get(f"/dashboard/projects/{site.name}").text)
    refused = browser_client.post(
        f"/dashboard/projects/{site.name}/deploy", data={"csrf_token": token, "ref": "mian"}
    )
    assert refused.status_code == 400
    # Beside the Deploy form, which keeps what was typed.
    assert (
        '<p class="error form-error" role="alert" id="deploy-error">'
        "the repository has no branch or tag &#39;mian&#39;: push it first, or deploy "
        "&#39;main&#39;, the closest branch it has.</p>"
    ) in refused.text
    assert 'name="ref" value="mian"' in refused.text
    with api.client() as c:
        assert c.get(f"/api/projects/{site.name}/deployments").json() == []


def test_a_running_rows_status_answer_speaks_the_tables_words(
    api: LiveApi, browser_client: httpx.Client, site: Site
) -> None:
    """The project page marks a running row for dashboard.js and keeps its Visit link inert;
    the status answer it polls carries the words the table renders."""
    sha = site.repo.commit({"title.txt": "live"}, message="Live rows\n\nmore text")
    with api.client() as c:
        d = c.post(f"/api/projects/{site.name}/deployments", json={}).json()
    assert api.wait_for(d["id"], ("building",))["status"] == "building"

    page = browser_client.get(f"/dashboard/projects/{site.name}").text
    row = re.search(
        rf'<tr[^>]*data-status="/dashboard/deployments/{d["id"]}/status".*?</tr>', page, re.S
    )
    assert row, "the running row is not marked live"
    assert 'data-show="duration" data-since="' in row.group(0)
    visit = re.search(r'data-label="Visit"[^>]*>(.*?)</td>', row.group(0), re.S)
    assert visit
    assert visit.group(1).startswith('-<template><a class="visit"')

    status = browser_client.get(f"/dashboard/deployments/{d['id']}/status").json()
    assert status["label"] == "building"
    assert not status["final"]
    assert (status["commit"], status["short"]) == (sha, sha[:7])
    assert status["subject"] == ""  # a branch's subject is recorded once its build ends
    assert re.fullmatch(r"\d+s", status["duration"])

    site.open_gate()
    assert api.wait_for(d["id"], ("ready", "failed"))["status"] == "ready"
    for _ in range(100):
        status = browser_client.get(f"/dashboard/deployments/{d['id']}/status").json()
        if status["subject"]:
            break
        time.sleep(0.1)
    assert (status["label"], status["final"], status["subject"]) == ("ready", True, "Live rows")
    page = browser_client.get(f"/dashboard/projects/{site.name}").text
    assert f'data-status="/dashboard/deployments/{d["id"]}/status"' not in page
    assert "<template>" not in page
