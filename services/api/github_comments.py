"""One comment per pull request and project, kept up to date with its preview, as GitHub bots do.

The comment carries a hidden marker (`<!-- slipway:<project> -->`); each report finds it
among the pull request's comments and edits it, or writes it the first time, so a busy
pull request gets one comment that always shows its latest deployment, not one per push.
Reports for one pull request are serialised, so two builds finishing together cannot
each write a first comment.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from services.core.deployment_states import Status

# GitHub lists at most 100 a page; a pull request with more than this many comments gets
# a new one rather than an unbounded search.
MAX_PAGES = 10
# Reports of one pull request share a lock: a fixed set, so memory stays bounded.
LOCK_STRIPES = 64
_SHOWN: dict[str, str] = {
    Status.BUILDING: "🔄 Building",
    Status.READY: "✅ Ready",
    Status.FAILED: "❌ Failed",
    Status.CANCELED: "⏹️ Canceled",
}


def marker(project: str) -> str:
    return f"<!-- slipway:{project} -->"


@dataclass(frozen=True)
class PreviewReport:
    github_repo: str
    pull_request: int
    project: str
    status: str
    commit: str
    preview_url: str  # where the pull request is served, following its newest deployment
    deployment_url: str
    detail: str | None = None  # the failure's cause, first line


def comment_body(report: PreviewReport, now: datetime | None = None) -> str:
    when = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    status = _SHOWN.get(report.status, report.status)
    preview = (
        f"[{report.preview_url}]({report.preview_url})" if report.status == Status.READY else "—"
    )
    lines = [
        marker(report.project),
        f"**Slipway** · `{report.project}`",
        "",
        "| Status | Preview | Deployment | Commit | Updated |",
        "|---|---|---|---|---|",
        f"| {status} | {preview} | [{report.deployment_url}]({report.deployment_url}) "
        f"| `{report.commit[:7]}` | {when} |",
    ]
    if report.detail and report.status == Status.FAILED:
        first = report.detail.strip().splitlines()[0][:500].replace("`", "'")
        lines += ["", f"`{first}`"]
    return "\n".join(lines) + "\n"


class PullRequestComments:
    def __init__(self, api_url: str, headers: dict[str, str], timeout: float) -> None:
        self.api_url = api_url
        self.headers = headers
        self.timeout = timeout
        self._locks = [asyncio.Lock() for _ in range(LOCK_STRIPES)]

    async def upsert(self, report: PreviewReport) -> int:
        """Edit the project's comment on the pull request, or write it; GitHub's status."""
        key = (report.github_repo.lower(), report.pull_request, report.project)
        lock = self._locks[hash(key) % LOCK_STRIPES]
        async with lock, httpx.AsyncClient(timeout=self.timeout, headers=self.headers) as client:
            body = {"body": comment_body(report)}
            found = await self._find(client, report)
            if found is not None:
                url = f"{self.api_url}/repos/{report.github_repo}/issues/comments/{found}"
                response = await client.patch(url, json=body)
            else:
                url = (
                    f"{self.api_url}/repos/{report.github_repo}/issues/"
                    f"{report.pull_request}/comments"
                )
                response = await client.post(url, json=body)
        return response.status_code

    async def _find(self, client: httpx.AsyncClient, report: PreviewReport) -> int | None:
        wanted = marker(report.project)
        url = f"{self.api_url}/repos/{report.github_repo}/issues/{report.pull_request}/comments"
        for page in range(1, MAX_PAGES + 1):
            response = await client.get(url, params={"per_page": 100, "page": page})
            if response.status_code != 200:
                return None
            comments: list[dict[str, Any]] = response.json()
            for comment in comments:
                if isinstance(comment.get("body"), str) and comment["body"].startswith(wanted):
                    return int(comment["id"])
            if len(comments) < 100:
                return None
        return None
