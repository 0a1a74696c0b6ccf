"""Alembic migrations of the actuals store (run programmatically by `bot.actuals.store.open_store`)."""
