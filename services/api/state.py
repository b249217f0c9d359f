"""Long-lived clients of the api, built in the lifespan and handed to handlers as one dependency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.core.settings import Settings
from services.core.storage import Storage

from .builders import Builder
from .dispatcher import Dispatcher
from .intake import DeliveryIntake
from .site_routes import RouteWriter


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


# How handlers ask for the state (Litestar wants named dependencies marked explicitly).
StateDep: TypeAlias = NamedDependency[AppState]
