"""Which deployment records retention lets go: the rules, in one place, as a pure function.

Kept, whatever else holds: the production deployment, the newest N ready deployments of
each branch (and of each pull request), every deployment promoted or in production during
the last D days, and anything not finished yet. Failed and canceled records are history
only; they go once they ended more than D days ago. Routed deployments are protected by the
collector (services/api/collector.py), which reads the routes; this module sees records only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from services.core.settings import Settings

from .db.models import Deployment, Project, Promotion
from .lifecycle import Status


class Rule(StrEnum):
    """Why something goes; shown by `slipway gc --dry-run`."""

    BEYOND_RETENTION = "beyond-retention"  # ready, older than the newest N, not recent production
    EXPIRED_FAILURE = "expired-failure"  # failed or canceled, ended more than D days ago
    PARTIAL_PUBLISH = "partial-publish"  # files a failed or canceled build left behind
    UNRECORDED = "unrecorded"  # objects of a deployment the database has no record of
    DELETED_PROJECT = "deleted-project"  # a route or cache of a project that no longer exists


@dataclass(frozen=True)
class Policy:
    per_branch: int
    window: timedelta  # "in the last D days"
    safety_age: timedelta  # younger unfinished objects may still be publishing

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            per_branch=settings.retention_branch_deployments,
            window=timedelta(days=settings.retention_days),
            safety_age=timedelta(seconds=settings.gc_safety_age),
        )


def branch_of(d: Deployment) -> str:
    """What "per branch" groups by: a pull request's deployments form their own group."""
    return f"pr:{d.pull_request}" if d.pull_request is not None else f"ref:{d.ref}"


def recent_production(
    promotions: Iterable[Promotion], since: datetime, production_id: str | None
) -> set[str]:
    """Deployments that were in production at some moment after `since`.

    A promotion keeps its deployment in production until the next promotion of the project.
    """
    ordered = sorted(promotions, key=lambda p: (p.created_at, p.id))
    recent = {production_id} if production_id else set()
    for i, current in enumerate(ordered):
        replaced_at = ordered[i + 1].created_at if i + 1 < len(ordered) else None
        if replaced_at is None or replaced_at >= since:
            recent.add(current.deployment_id)
    return recent


def records_to_drop(
    project: Project,
    deployments: Sequence[Deployment],
    promotions: Iterable[Promotion],
    policy: Policy,
    now: datetime,
) -> dict[str, Rule]:
    """The project's deployment records that the policy lets go, each with its rule."""
    since = now - policy.window
    protected = recent_production(promotions, since, project.production_deployment_id)
    ready_by_branch: dict[str, list[Deployment]] = defaultdict(list)
    drop: dict[str, Rule] = {}
    for d in deployments:
        if d.status == Status.READY:
            ready_by_branch[branch_of(d)].append(d)
        elif d.status in (Status.FAILED, Status.CANCELED) and d.id not in protected:
            ended = d.finished_at or d.created_at
            if ended < since:
                drop[d.id] = Rule.EXPIRED_FAILURE
    for group in ready_by_branch.values():
        group.sort(key=lambda d: (d.created_at, d.id), reverse=True)
        for d in group[policy.per_branch :]:
            if d.id not in protected:
                drop[d.id] = Rule.BEYOND_RETENTION
    return drop
