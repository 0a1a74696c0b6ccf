"""Alembic revision files (alembic skips this file)."""
