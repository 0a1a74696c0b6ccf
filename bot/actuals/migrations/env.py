"""Alembic environment: the connection comes from `bot.actuals.store.migrate` (config.attributes)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached by a bare `alembic upgrade` without our runner
    raise RuntimeError("请通过 bot.actuals.store.migrate 运行迁移 / run migrations through bot.actuals.store.migrate")
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
