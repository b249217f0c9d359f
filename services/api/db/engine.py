"""Engine creation and migrations applied at start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from services.core.settings import Settings

from .connect import Connector, connector_from_settings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def to_async_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite://` URLs and pick the async driver."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


def engine_for(settings: Settings) -> AsyncEngine:
    """A database URL is used as it is; a database given in parts (as on AWS) gets each new
    connection from `connect.py`: the rotating password, verified TLS."""
    if settings.database_url or not settings.database_host:
        return create_engine(settings.resolved_database_url)
    return create_engine("postgresql+asyncpg://", async_creator=connector_from_settings(settings))


def create_engine(url: str, *, async_creator: Connector | None = None) -> AsyncEngine:
    url = to_async_url(url)
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
            # WAL lets readers work during a write; the busy timeout queues writers.
            cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            # WAL with NORMAL sync survives a crash of the process without losing commits.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    options: dict[str, Any] = {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}
    if async_creator is not None:
        options["async_creator"] = async_creator
    return create_async_engine(url, **options)


def session_factory(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    return async_sessionmaker(engine, expire_on_commit=False)


def _upgrade(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def migrate(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)
