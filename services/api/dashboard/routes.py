"""What the api service mounts for the dashboard: the pages, their static files, `/`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.static_files import create_static_files_router

from .deployment_forms import DeploymentForms
from .pages import DashboardController, root

STATIC = Path(__file__).parent / "static"

dashboard_handlers: list[Any] = [
    DashboardController,
    DeploymentForms,
    create_static_files_router(
        path="/dashboard/static", directories=[STATIC], include_in_schema=False
    ),
    root,
]
