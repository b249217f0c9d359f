"""Production promoted and rolled back every 100 ms while the proxy is under load."""

from __future__ import annotations

import pytest

from bench.proxy_flip import flip_under_load, publish_pair
from services.core.storage import Storage
from tests.proxy.server import RunningProxy
from tests.proxy.sites import unique_project

pytestmark = pytest.mark.anyio


async def test_every_answer_comes_wholly_from_one_deployment(
    proxy: RunningProxy, storage: Storage
) -> None:
    project = unique_project()
    pair = await publish_pair(storage, project)
    report = await flip_under_load(
        proxy.port,
        storage,
        f"{project}.localhost",
        pair,
        connections=8,
        # The proxy reloads the route every 0.2-0.3 s and each reload sees one of two states:
        # 4 s gives a dozen samples, so seeing only one deployment is a 1-in-4,000 chance.
        # The request cap only bounds the loop; it must not end it before the time does.
        seconds=4.0,
        flip_every=0.1,
        max_requests=400_000,
    )
    assert report.errors == 0, report.examples
    assert report.flips >= 5
    assert set(report.by_deployment) == {m.deployment for m in pair}, report.summary()
