"""ASGI entry for uvicorn workers: `uvicorn --factory api.main:create_app_from_env`."""

from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app
from bot.settings import Settings


def create_app_from_env() -> FastAPI:
    """Settings come from POLICYBOT_* environment variables (and .env)."""
    return create_app(Settings())
