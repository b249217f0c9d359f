"""Redeploy: build a finished deployment's commit again, on the same branch, through the one
deploy of the operations layer (services/api/deployment_actions.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.api import deployment_actions
from services.api.db.models import Deployment
from services.api.errors import Conflict
from services.api.lifecycle import ACTIVE
from services.api.records import load_deployment
from services.api.state import AppState


def redeployable(d: Mapping[str, Any]) -> bool:
    """Offered for a finished build of a branch whose commit is known. A pull request's
    deployment is left out: deploy() knows branches, so it would come back as a branch
    deployment, no longer the pull request's preview."""
    return d["status"] not in ACTIVE and bool(d["commit"]) and d["pull_request"] is None


async def redeploy(app_state: AppState, deployment_id: str) -> Deployment:
    async with app_state.sessions() as db:
        old = await load_deployment(db, deployment_id)
    if old.pull_request is not None:
        raise Conflict(
            f"deployment {old.id} belongs to pull request #{old.pull_request}: "
            "a push to the pull request builds it again"
        )
    if not old.commit:
        raise Conflict(f"deployment {old.id} never resolved its commit: deploy its branch instead")
    new, _ = await deployment_actions.deploy(
        app_state, old.project_name, ref=old.ref, commit=old.commit, trigger="dashboard"
    )
    return new
