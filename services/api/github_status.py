"""Commit statuses on GitHub (`slipway/<project>`): pending, then success or failure; and for
a pull request's deployment, its comment with the preview (services/api/github_comments.py).

Reporting is best effort: GitHub being slow or unreachable never delays or fails a build.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import httpx

from services.core.deployment_states import Status

from .github_comments import PreviewReport, PullRequestComments

log = logging.getLogger("slipway.github")

STATES: dict[str, str] = {
    Status.BUILDING: "pending",
    Status.READY: "success",
    Status.FAILED: "failure",
    Status.CANCELED: "error",
}
DESCRIPTIONS: dict[str, str] = {
    Status.BUILDING: "Building",
    Status.READY: "Deployed",
    Status.FAILED: "Build failed",
    Status.CANCELED: "Canceled",
}
# GitHub refuses a longer description.
MAX_DESCRIPTION = 140


def status_description(status: str, detail: str | None) -> str:
    """The deployment's status and the first line of its error, cut to GitHub's limit."""
    first_line = detail.strip().splitlines()[0] if detail and detail.strip() else ""
    text = DESCRIPTIONS[status] + (f": {first_line}" if first_line else "")
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


class CommitStatusReporter:
    def __init__(self, token: str, api_url: str, timeout: float = 5.0) -> None:
        self.token = token
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self._tasks: set[asyncio.Task[None]] = set()
        self.comments = PullRequestComments(self.api_url, self._headers, timeout)

    @property
    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    def report(
        self,
        github_repo: str | None,
        commit: str,
        project: str,
        status: str,
        target_url: str,
        detail: str | None = None,
        preview: PreviewReport | None = None,
    ) -> None:
        """Send the status (and the pull request's comment) in the background; the caller
        never waits for GitHub."""
        if not self.enabled or not github_repo or len(commit) != 40 or status not in STATES:
            return
        body = {
            "state": STATES[status],
            "target_url": target_url,
            "description": status_description(status, detail),
            "context": f"slipway/{project}",
        }
        self._background(self._send(f"/repos/{github_repo}/statuses/{commit}", body))
        if preview is not None:
            self._background(self._comment(preview))

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, path: str, body: dict[str, str]) -> None:
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(self.api_url + path, json=body, headers=self._headers)
            if response.status_code >= 300:
                log.warning("GitHub refused a commit status (%s): %s", response.status_code, path)
        except httpx.HTTPError as exc:
            log.warning("could not reach GitHub for a commit status: %s", type(exc).__name__)

    async def _comment(self, preview: PreviewReport) -> None:
        try:
            code = await self.comments.upsert(preview)
            if code >= 300:
                log.warning(
                    "GitHub refused the comment on %s#%s (%s)",
                    preview.github_repo,
                    preview.pull_request,
                    code,
                )
        except httpx.HTTPError as exc:
            log.warning("could not reach GitHub for a pull request comment: %s", type(exc).__name__)

    async def drain(self) -> None:
        """Wait for statuses still in flight (used at shutdown and by tests)."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
