from __future__ import annotations

from typing import Any

import pytest

from scripts.cli.deployments import await_promotion
from services.core.rollback import rollback_target
from services.core.timefmt import human_span


def dep(
    id: str, status: str = "ready", ref: str = "main", pr: int | None = None, commit: str = ""
) -> dict[str, Any]:
    return {"id": id, "status": status, "ref": ref, "pull_request": pr, "commit": commit}


@pytest.mark.parametrize(
    ("production", "rows", "expected"),
    [
        pytest.param(None, [dep("a")], None, id="nothing-in-production"),
        pytest.param("a", [dep("a")], None, id="only-one"),
        pytest.param("b", [dep("a"), dep("b"), dep("c")], "c", id="older-not-newer"),
        pytest.param(
            "a",
            [dep("a"), dep("b", "failed"), dep("c", ref="feature"), dep("d", pr=3), dep("e")],
            "e",
            id="skips-failed-branches-and-prs",
        ),
        pytest.param(
            "a",
            [dep("a", commit="c2"), dep("b", commit="c2"), dep("c", commit="c1")],
            "c",
            id="skips-a-rebuild-of-the-same-commit",
        ),
    ],
)
def test_rollback_target(
    production: str | None, rows: list[dict[str, Any]], expected: str | None
) -> None:
    target = rollback_target(production, "main", rows)
    assert (target["id"] if target else None) == expected


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (59, "59s"),
        (60, "1m"),
        (61, "1m01s"),
        (3600, "1h"),
        (3720, "1h02m"),
        (200000, "2d"),
    ],
)
def test_human_span(seconds: int, text: str) -> None:
    assert human_span(seconds) == text


class ScriptedApi:
    """Answers GETs from a script of successive states (the api between polls)."""

    def __init__(self, deployments: list[dict[str, Any]], projects: list[dict[str, Any]]) -> None:
        self.deployments = deployments
        self.projects = projects

    def get(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        queue = self.deployments if path.startswith("/api/deployments/") else self.projects
        return queue.pop(0) if len(queue) > 1 else queue[0]


def deployment(production: bool, created: str = "2026-11-27T10:00:00Z") -> dict[str, Any]:
    return {
        "id": "d1",
        "project": "site",
        "status": "ready",
        "ref": "main",
        "pull_request": None,
        "production": production,
        "created_at": created,
    }


def project(current: dict[str, Any] | None, auto_promote: bool = True) -> dict[str, Any]:
    return {
        "name": "site",
        "url": "http://site.localhost:8080/",
        "production_branch": "main",
        "auto_promote": auto_promote,
        "production_deployment": current,
    }


def test_deploy_waits_for_the_promotion_that_follows_ready() -> None:
    api = ScriptedApi([deployment(True)], [project(None), project(deployment(True))])
    sleeps: list[float] = []
    d, p = await_promotion(api, deployment(False), sleep=sleeps.append)  # type: ignore[arg-type]
    assert d["production"]
    assert p["production_deployment"]["id"] == "d1"
    assert len(sleeps) == 1


@pytest.mark.parametrize(
    "current_project",
    [
        pytest.param(project(None, auto_promote=False), id="no-auto-promotion"),
        pytest.param(
            project({**deployment(True), "id": "d2", "created_at": "2026-11-27T11:00:00Z"}),
            id="a-newer-build-is-in-production",
        ),
    ],
)
def test_deploy_does_not_wait_for_a_promotion_that_will_not_come(
    current_project: dict[str, Any],
) -> None:
    api = ScriptedApi([deployment(False)], [current_project])
    sleeps: list[float] = []
    d, _ = await_promotion(api, deployment(False), sleep=sleeps.append)  # type: ignore[arg-type]
    assert not d["production"]
    assert sleeps == []
