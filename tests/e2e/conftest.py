from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.platform import Platform


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    """The api and the proxy as processes on loopback ports."""
    p = Platform(tmp_path)
    p.start("api")
    p.start("proxy")
    try:
        yield p
    finally:
        p.stop()
