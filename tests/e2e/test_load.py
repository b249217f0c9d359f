"""A burst of push webhooks: every one answered, every deployment built exactly once.

Sized for `make test`; `make soak` runs the full 500 (see bench/webhooks.py). Answer times
are reported by the benchmark, not asserted here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.webhooks import burst

pytestmark = pytest.mark.slow


def test_burst_of_pushes_builds_each_once(tmp_path: Path) -> None:
    result = burst(tmp_path, pushes=40)
    assert result.statuses == {202: 40}
    assert result.deployments == 40
    assert result.ready == 40
    assert result.builds_started == 40
