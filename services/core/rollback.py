"""Which deployment a rollback goes back to; shared by the CLI and the dashboard."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.core.deployment_states import Status


def rollback_target(
    production_id: str | None,
    production_branch: str,
    deployments: Sequence[Mapping[str, Any]],
) -> Mapping[str, Any] | None:
    """The previous ready production deployment, or None when there is nothing to go back to.

    `deployments` are API-shaped deployments of one project, newest first. The target is the
    newest ready deployment of the production branch (not a pull request) created before the
    current production deployment, of another commit: going back to a rebuild of the same
    commit would change nothing. Rolling back twice therefore goes back two commits.
    """
    if production_id is None:
        return None
    current_commit = None
    seen_current = False
    for d in deployments:
        if d["id"] == production_id:
            seen_current = True
            current_commit = d.get("commit") or None
            continue
        if not seen_current:
            continue
        if (
            d["status"] == Status.READY
            and d.get("pull_request") is None
            and d.get("ref") == production_branch
            and (current_commit is None or d.get("commit") != current_commit)
        ):
            return d
    return None
