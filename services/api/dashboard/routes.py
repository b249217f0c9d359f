"""What the api service mounts for the dashboard: the pages, their static files, `/`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.static_files import create_static_files_router

from .cache_forms import CacheForms
from .deployment_forms import DeploymentForms
from .domain_forms import DomainForms
from .hook_forms import HookForms
from .pages import DashboardController, root
from .preview_forms import PreviewForms
from .project_forms import ProjectForms
from .storage_forms import StorageForms
from .token_forms import TokenForms
from .variable_forms import VariableForms

STATIC = Path(__file__).parent / "static"

dashboard_handlers: list[Any] = [
    DashboardController,
    DeploymentForms,
    ProjectForms,
    VariableForms,
    DomainForms,
    PreviewForms,
    CacheForms,
    StorageForms,
    HookForms,
    TokenForms,
    create_static_files_router(
        path="/dashboard/static", directories=[STATIC], include_in_schema=False
    ),
    root,
]
