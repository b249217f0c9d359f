"""Commit statuses on GitHub (`slipway/<project>`): pending, then success or failure.

Reporting is best effort: GitHub being slow or unreachable never delays or fails a build.
"""

from __future__ import annotations

import asyncio
import logging

import httpx

from services.core.deployment_states import Status

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
    ) -> None:
        """Send the status in the background; the caller never waits for GitHub."""
        if not self.enabled or not github_repo or len(commit) != 40 or status not in STATES:
            return
        body = {
            "state": STATES[status],
            "target_url": target_url,
            "description": status_description(status, detail),
            "context": f"slipway/{project}",
        }
        task = asyncio.create_task(self._send(f"/repos/{github_repo}/statuses/{commit}", body))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, path: str, body: dict[str, str]) -> None:
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(self.api_url + path, json=body, headers=headers)
            if response.status_code >= 300:
                log.warning("GitHub refused a commit status (%s): %s", response.status_code, path)
        except httpx.HTTPError as exc:
            log.warning("could not reach GitHub for a commit status: %s", type(exc).__name__)

    async def drain(self) -> None:
        """Wait for statuses still in flight (used at shutdown and by tests)."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
