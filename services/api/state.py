"""Long-lived clients of the api, built in the lifespan and handed to handlers as one dependency."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.core.settings import Settings
from services.core.storage import Storage

from .builders import Builder
from .dispatcher import Dispatcher
from .intake import DeliveryIntake
from .site_routes import RouteWriter
from .throttle import FailureThrottle


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    storage: Storage
    builder: Builder
    routes: RouteWriter
    dispatcher: Dispatcher
    api_token: str
    webhook_secret: str
    intake: DeliveryIntake
    # Shared by the bearer guard and the dashboard's sign-in form (services.api.auth).
    sign_in_failures: FailureThrottle = field(default_factory=FailureThrottle)


# How handlers ask for the state (Litestar wants named dependencies marked explicitly).
StateDep: TypeAlias = NamedDependency[AppState]
