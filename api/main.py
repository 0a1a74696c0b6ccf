"""ASGI entry for uvicorn workers: `uvicorn --factory api.main:create_app_from_env`."""

from __future__ import annotations

import os

from fastapi import FastAPI

from api.app import create_app
from api.logging_setup import configure_logging
from bot.settings import Settings


def create_app_from_env() -> FastAPI:
    """Settings come from POLICYBOT_* environment variables (and .env); each worker logs through the redactor."""
    settings = Settings()
    configure_logging(os.environ.get("POLICYBOT_LOG_LEVEL", "INFO"), settings=settings)
    return create_app(settings)
