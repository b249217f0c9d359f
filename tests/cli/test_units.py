from __future__ import annotations

from typing import Any

import pytest

from services.api.dashboard.rollback import rollback_target
from services.api.dashboard.timefmt import human_span


def dep(id: str, status: str = "ready", ref: str = "main", pr: int | None = None) -> dict[str, Any]:
    return {"id": id, "status": status, "ref": ref, "pull_request": pr}


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
