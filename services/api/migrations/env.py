"""Alembic environment: always run with a connection handed over by `db.engine.migrate`."""

from __future__ import annotations

from alembic import context

from services.api.db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - offline SQL generation is not used
    raise RuntimeError("migrations run only through services.api.db.engine.migrate")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
