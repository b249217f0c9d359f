from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.api.db.models import Deployment, Project
from services.api.dispatcher import should_promote

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def deployment(ref: str = "main", minutes: int = 0, pull_request: int | None = None) -> Deployment:
    return Deployment(
        id="d", ref=ref, created_at=T0 + timedelta(minutes=minutes), pull_request=pull_request
    )


@pytest.mark.parametrize(
    ("candidate", "current", "auto", "expected"),
    [
        pytest.param(deployment(), None, True, True, id="first-production"),
        pytest.param(deployment(minutes=5), deployment(minutes=1), True, True, id="newer"),
        pytest.param(
            deployment(minutes=1), deployment(minutes=5), True, False, id="older-finishing-late"
        ),
        pytest.param(deployment(ref="feature"), None, True, False, id="other-branch"),
        pytest.param(deployment(pull_request=3), None, True, False, id="pull-request"),
        pytest.param(deployment(), None, False, False, id="auto-promote-off"),
    ],
)
def test_should_promote(
    candidate: Deployment, current: Deployment | None, auto: bool, expected: bool
) -> None:
    project = Project(name="site", production_branch="main", auto_promote=auto)
    assert should_promote(project, candidate, current) is expected
