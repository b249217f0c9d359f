"""Storage clean-up, as `slipway gc`: what garbage collection would delete now, by which
rule, and what a rule would drop but keeps (a dry run); then, asked first, deleting it.

The collector (services/api/collector.py, behind POST /api/gc) decides everything; this page
only shows its report.
"""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post

from services.api.gc_api import collector_for
from services.api.gc_report import Report
from services.api.state import AppState

from .session import Session
from .web import (
    PREFIX,
    AnyRequest,
    DashboardRoutes,
    builtins,
    checked_form,
    confirmation,
    current_session,
    render,
)


def storage_page(request: AnyRequest, session: Session, report: Report) -> Response[str]:
    shown = builtins(report)
    total = sum(item["bytes"] for item in shown["deletions"])
    return render(request, "storage.html", session=session, report=shown, total=total)


class StorageForms(DashboardRoutes):
    @get("/storage")
    async def storage(self, request: AnyRequest, app_state: AppState) -> Response[str]:
        session = await current_session(request)
        return storage_page(request, session, await collector_for(app_state).run(dry_run=True))

    @post("/storage/collect", status_code=200)
    async def collect(self, request: AnyRequest, app_state: AppState) -> Response[Any]:
        session, form = await checked_form(request)
        if form.get("confirmed") != "1":
            question = "Delete now what garbage collection lets go, by the rules as they stand?"
            back, action = f"{PREFIX}/storage", f"{PREFIX}/storage/collect"
            return confirmation(request, session, question, back, action, form)
        # The collector plans again: the list deleted is the one it finds now, and the page
        # shows exactly that.
        return storage_page(request, session, await collector_for(app_state).run())
