"""The api service: `create_app(settings)` builds it; nothing reads the environment at import."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from litestar import Litestar, Response, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from sqlalchemy import text

from services.core.host_header import OneHostOnly
from services.core.settings import Settings
from services.core.storage import Storage

from .api_reference import ReferencePage
from .builders import Builder
from .builders.local import LocalBuilder
from .collector import collect_forever
from .dashboard.routes import dashboard_handlers
from .db.engine import engine_for, migrate, session_factory
from .deliveries import DeliveryController
from .deployments import DeploymentController
from .dispatcher import Dispatcher
from .errors import handle_exception
from .gc_api import GcController, collector_for
from .github_status import CommitStatusReporter
from .intake import DeliveryIntake
from .projects import ProjectController
from .schemas import Health
from .site_routes import RouteWriter
from .state import AppState, StateDep
from .tokens_api import HookController, TokenController, run_deploy_hook
from .webhooks import github_webhook, intake_handler

log = logging.getLogger("slipway.api")


def default_builder(settings: Settings, storage: Storage) -> Builder:
    if settings.builder == "ecs":
        from .builders.ecs import EcsBuilder

        return EcsBuilder.from_settings(settings)
    return LocalBuilder(
        settings.data_dir, storage_is_s3=not storage.is_local, runner_env=settings.runtime_env()
    )


@get("/livez", operation_id="liveness", tags=["health"], sync_to_thread=False)
def livez() -> dict[str, str]:
    """Liveness, for the load balancer and ECS: the process serves requests. It asks neither
    the database nor storage, so a database reboot does not get healthy tasks replaced."""
    return {"status": "ok"}


@get("/healthz", operation_id="health", tags=["health"], include_in_schema=True)
async def healthz(app_state: StateDep) -> Response[Health]:
    """Readiness: the database and storage both answer."""
    database = storage = "ok"
    try:
        async with app_state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        database = f"unavailable: {type(exc).__name__}"
    try:
        await app_state.storage.head("routes/.healthz")
    except Exception as exc:
        storage = f"unavailable: {type(exc).__name__}"
    healthy = database == "ok" and storage == "ok"
    return Response(
        Health(status="ok" if healthy else "degraded", database=database, storage=storage),
        status_code=200 if healthy else 503,
    )


def create_app(
    settings: Settings,
    *,
    builder: Builder | None = None,
    run_dispatcher: bool = True,
) -> Litestar:
    api_token = settings.resolved_api_token()
    webhook_secret = settings.resolved_webhook_secret()

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = engine_for(settings)
        await migrate(engine)
        storage = Storage(settings.resolved_storage_url)
        sessions = session_factory(engine)
        routes = RouteWriter(settings, storage)
        chosen = builder or default_builder(settings, storage)
        statuses = CommitStatusReporter(settings.github_token, settings.github_api_url)
        dispatcher = Dispatcher(settings, sessions, storage, chosen, routes, statuses)
        # The intake's handler needs the state, and the state holds the intake.
        intake = DeliveryIntake(sessions, lambda session, d: handler(session, d))
        state = AppState(
            settings,
            engine,
            sessions,
            storage,
            chosen,
            routes,
            dispatcher,
            api_token,
            webhook_secret,
            intake,
        )
        handler = intake_handler(state)
        app.state.slipway = state
        task = asyncio.create_task(dispatcher.run_forever()) if run_dispatcher else None
        intake_task = asyncio.create_task(intake.run_forever())
        # Garbage collection on a schedule wherever builds are dispatched (docs/deployments.md).
        gc_task = (
            asyncio.create_task(collect_forever(collector_for(state), settings.gc_interval))
            if run_dispatcher and settings.gc_interval > 0
            else None
        )
        try:
            yield
        finally:
            if gc_task is not None:
                gc_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await gc_task
            intake_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await intake_task
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await statuses.drain()
            await engine.dispose()

    def provide_state(state: State) -> AppState:
        return state.slipway  # type: ignore[no-any-return]

    app = Litestar(
        route_handlers=[
            livez,
            healthz,
            github_webhook,
            ProjectController,
            DeploymentController,
            DeliveryController,
            GcController,
            TokenController,
            HookController,
            run_deploy_hook,
            *dashboard_handlers,
        ],
        dependencies={"app_state": Provide(provide_state, sync_to_thread=False)},
        lifespan=[lifespan],
        exception_handlers={Exception: handle_exception},
        openapi_config=OpenAPIConfig(
            title="Slipway API", version="1.0.0", path="/schema", render_plugins=[ReferencePage()]
        ),
        # The process's own logging stays (services/api/__main__.LOG_FORMAT): Litestar's
        # default would replace the root handler, and CloudWatch's metric filters read ours.
        logging_config=None,
    )
    # Outermost, before routing: the rule holds for every path, unknown ones included.
    app.asgi_handler = OneHostOnly(app.asgi_handler)
    return app
