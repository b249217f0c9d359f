from __future__ import annotations

import os

import pytest

NETWORK_ENV = "SLIPWAY_TEST_NETWORK"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"network: downloads from a package registry; runs only with {NETWORK_ENV}=1"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave registry-downloading tests out of the default run (they are not skipped: absent)."""
    if os.environ.get(NETWORK_ENV) == "1":
        return
    kept = [item for item in items if item.get_closest_marker("network") is None]
    deselected = [item for item in items if item.get_closest_marker("network") is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
