"""The retention rules on their own: which records go, and by which rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.api.db.models import Deployment, Project, Promotion
from services.api.retention import Policy, Rule, recent_production, records_to_drop

NOW = datetime(2026, 6, 1, tzinfo=UTC)
POLICY = Policy(per_branch=2, window=timedelta(days=7), safety_age=timedelta(days=1))


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


def deployment(
    id: str, age: float, status: str = "ready", ref: str = "main", pr: int | None = None
) -> Deployment:
    return Deployment(
        id=id,
        project_name="site",
        status=status,
        ref=ref,
        pull_request=pr,
        created_at=days_ago(age),
        finished_at=days_ago(age),
    )


def promotion(n: int, deployment_id: str, age: float) -> Promotion:
    return Promotion(
        id=n, project_name="site", deployment_id=deployment_id, created_at=days_ago(age)
    )


def drop(
    deployments: list[Deployment],
    production: str | None = None,
    promotions: list[Promotion] | None = None,
) -> dict[str, Rule]:
    project = Project(name="site", production_deployment_id=production)
    return records_to_drop(project, deployments, promotions or [], POLICY, NOW)


@pytest.mark.parametrize(
    ("deployments", "production", "promotions", "expected"),
    [
        pytest.param(
            [deployment(f"m{i}", 30 - i) for i in range(4)],
            None,
            [],
            {"m0": Rule.BEYOND_RETENTION, "m1": Rule.BEYOND_RETENTION},
            id="the-newest-two-of-a-branch-stay",
        ),
        pytest.param(
            [deployment(f"m{i}", 30 - i) for i in range(4)],
            "m0",
            [],
            {"m1": Rule.BEYOND_RETENTION},
            id="production-stays-however-old",
        ),
        pytest.param(
            [deployment(f"m{i}", 30 - i) for i in range(4)],
            "m3",
            [promotion(1, "m0", 40), promotion(2, "m1", 10), promotion(3, "m3", 5)],
            {"m0": Rule.BEYOND_RETENTION},
            id="production-within-the-window-stays",
        ),
        pytest.param(
            [
                deployment("a1", 9, ref="a"),
                deployment("a2", 8, ref="a"),
                deployment("a3", 7, ref="a"),
                deployment("b1", 9, ref="b"),
                deployment("b2", 8, ref="b"),
            ],
            None,
            [],
            {"a1": Rule.BEYOND_RETENTION},
            id="each-branch-counts-on-its-own",
        ),
        pytest.param(
            [deployment(f"p{i}", 9 - i, ref="feature", pr=7) for i in range(3)]
            + [deployment("f1", 9, ref="feature")],
            None,
            [],
            {"p0": Rule.BEYOND_RETENTION},
            id="a-pull-request-is-its-own-group",
        ),
        pytest.param(
            [
                deployment("x1", 8, "failed"),
                deployment("x2", 6, "canceled"),
                deployment("m1", 20),
                deployment("m2", 19),
            ],
            None,
            [],
            {"x1": Rule.EXPIRED_FAILURE},
            id="failures-go-after-the-window-and-do-not-count",
        ),
        pytest.param(
            [deployment("q1", 50, "queued"), deployment("b1", 50, "building")],
            None,
            [],
            {},
            id="unfinished-never-go",
        ),
    ],
)
def test_the_rules_drop_exactly(
    deployments: list[Deployment],
    production: str | None,
    promotions: list[Promotion],
    expected: dict[str, Rule],
) -> None:
    assert drop(deployments, production, promotions) == expected


def test_a_deployment_replaced_inside_the_window_was_recently_in_production() -> None:
    history = [promotion(1, "old", 30), promotion(2, "mid", 20), promotion(3, "new", 3)]
    assert recent_production(history, days_ago(7), "new") == {"mid", "new"}


def test_the_policy_comes_from_the_settings() -> None:
    from services.core.settings import Settings

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        retention_branch_deployments=3,
        retention_days=5,
        gc_safety_age=7200,
    )
    assert Policy.from_settings(settings) == Policy(3, timedelta(days=5), timedelta(hours=2))


def test_a_safety_age_shorter_than_a_build_is_refused() -> None:
    from pydantic import ValidationError

    from services.core.settings import Settings

    with pytest.raises(ValidationError, match="SLIPWAY_GC_SAFETY_AGE"):
        Settings(_env_file=None, gc_safety_age=600, build_timeout=900)  # type: ignore[call-arg]
