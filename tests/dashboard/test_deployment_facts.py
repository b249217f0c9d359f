"""What a deployment's page says about its commit and its addresses, from the template."""

from __future__ import annotations

from typing import Any

from services.api.dashboard.redeploy import redeployable
from services.api.dashboard.refusal import NO_REFUSAL
from services.api.dashboard.web import jinja

BASE: dict[str, Any] = {
    "id": "a1b2c3d4e5f6g7h8i9j0",
    "project": "site",
    "status": "failed",
    "reason": "clone",
    "error": "clone: the branch is gone",
    "commit": "",
    "ref": "feature",
    "commit_message": "",
    "trigger": "api",
    "pull_request": None,
    "context": "branch-deploy",
    "url": "http://site-a1b2c3d4.localhost:8080",
    "branch_url": "http://site-git-feature.localhost:8080",
    "pull_request_url": None,
    "production": False,
    "created_at": "2026-12-04T10:00:00+00:00",
    "started_at": None,
    "finished_at": None,
    "file_count": None,
    "total_bytes": None,
}


def page(active: bool = False, log_text: str = "", **changes: Any) -> str:
    d = {**BASE, **changes}
    return jinja.get_template("deployment.html").render(
        signed_in=True,
        csrf="token",
        notice="",
        d=d,
        project={"url": "http://site.localhost:8080"},
        log_text=log_text,
        active=active,
        redeployable=redeployable(d),
        refusal=NO_REFUSAL,
    )


def test_a_commit_never_resolved_is_not_said_to_be_resolving() -> None:
    assert "(never resolved)" in page()
    assert "(resolving)" not in page()
    assert "(resolving)" in page(active=True, status="queued")


def test_a_pull_requests_address_is_labelled_as_such_with_its_number() -> None:
    shown = page(
        pull_request=42,
        context="deploy-preview",
        pull_request_url="http://site-pr-42.localhost:8080",
        branch_url="http://site-pr-42.localhost:8080",
    )
    assert "pull request #42" in shown
    assert "<dt>Pull request URL</dt>" in shown
    assert "Branch URL" not in shown
    assert "<dt>Branch URL</dt>" in page()


def test_only_a_ready_deployment_links_to_its_address() -> None:
    failed = page()
    assert f'<a href="{BASE["url"]}">' not in failed
    assert "serves nothing (the build did not finish)" in failed
    assert "serves nothing until the build is ready" in page(active=True, status="building")
    assert f'<a href="{BASE["url"]}">' in page(status="ready", error=None)


def test_an_empty_log_says_so_instead_of_an_empty_box() -> None:
    empty = page()
    assert 'id="log-empty"' in empty
    assert "its error above says why" in empty
    assert 'id="log"' not in empty
    assert 'id="log" tabindex="0" data-end' in page(log_text="a line\n")


def test_redeploy_is_offered_for_a_finished_branch_build_whose_commit_is_known() -> None:
    commit = "a" * 40
    assert "/redeploy" in page(status="ready", commit=commit, error=None)
    assert "/redeploy" in page(commit=commit)  # failed: the same commit may build now
    assert "/redeploy" not in page()  # the commit never resolved
    assert "/redeploy" not in page(active=True, status="building", commit=commit)
    assert "/redeploy" not in page(commit=commit, pull_request=7, context="deploy-preview")


def test_only_a_failure_is_shown_as_an_error() -> None:
    assert '<dt>Error</dt><dd class="error">clone: the branch is gone</dd>' in page()
    canceled = page(status="canceled", reason="canceled", error="canceled on request")
    assert '<dt>Reason</dt><dd id="reason">canceled on request</dd>' in canceled
    assert "Error" not in canceled
    assert "its reason above says why" in canceled
