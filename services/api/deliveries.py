"""`GET /api/projects/{name}/deliveries`: a project's recent webhook deliveries, newest first."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import Parameter

from . import delivery_records
from .auth import require_token
from .records import load_project
from .schemas import DeliveryRead
from .state import StateDep
from .views import delivery_view


class DeliveryController(Controller):
    path = "/api/projects"
    guards = [require_token]
    tags = ["projects"]

    @get("/{name:str}/deliveries", operation_id="listDeliveries")
    async def list_deliveries(
        self,
        name: str,
        app_state: StateDep,
        limit: int = Parameter(default=delivery_records.KEPT, ge=1, le=delivery_records.KEPT),
    ) -> list[DeliveryRead]:
        """The webhook deliveries the project received, newest first (the last 50 are kept):
        when, which event and delivery id, the outcome, the answer's status, the reason, and
        the deployments each created."""
        async with app_state.sessions() as session:
            await load_project(session, name)
            rows = await delivery_records.recent(session, name, limit)
        return [delivery_view(row) for row in rows]
