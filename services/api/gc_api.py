"""`POST /api/gc`: run garbage collection now, or with `dry_run` only say what would go."""

from __future__ import annotations

import msgspec
from litestar import Controller, post
from litestar.params import JSONBody

from .auth import require_token
from .collector import Collector
from .gc_report import Report
from .state import AppState, StateDep


class GcRequest(msgspec.Struct, forbid_unknown_fields=True):
    dry_run: bool = False


def collector_for(app_state: AppState) -> Collector:
    return Collector(app_state.settings, app_state.sessions, app_state.storage)


class GcController(Controller):
    path = "/api/gc"
    guards = [require_token]
    tags = ["gc"]

    @post("/", operation_id="collectGarbage", status_code=200)
    async def collect(self, app_state: StateDep, data: JSONBody[GcRequest | None] = None) -> Report:
        request = data or GcRequest()
        return await collector_for(app_state).run(dry_run=request.dry_run)
