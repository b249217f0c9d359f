from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.platform import Platform, running_platform


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    """The api and the proxy as processes on loopback ports."""
    with running_platform(tmp_path) as p:
        yield p
