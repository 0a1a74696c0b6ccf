"""The one app factory: `create_app(settings)` builds the FastAPI application.

Heavy components (indicator table, index, embedder, matcher) are built once in the lifespan
startup step, so importing this module is cheap and `/healthz` answers 200 only once they are ready.

>>> from fastapi.testclient import TestClient
>>> with TestClient(create_app(Settings())) as client:  # doctest: +SKIP
...     client.post("/v1/chat", json={"question": "5G基站2025年目标是多少？"}).json()["answer"]
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI

from api.errors import install_error_handlers
from api.middleware import install_middleware
from api.routers import chat, dingtalk, feedback, health, indicators, monitoring, openai_compat, plans, tasks, web
from bot.settings import Settings

log = logging.getLogger("policybot")

ComponentsFactory = Callable[[Settings], Any]


def _default_components(settings: Settings) -> Any:
    from bot.components import build_components

    return build_components(settings, watch=True)


def create_app(settings: Settings | None = None, components_factory: ComponentsFactory | None = None) -> FastAPI:
    """Build the app. `components_factory` lets tests inject prebuilt (or fake) components."""
    settings = settings or Settings()
    factory = components_factory or _default_components

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Sync routes run in anyio's thread pool: its size is how many requests compete for the GIL at once.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.server.threads
        components = factory(settings)
        app.state.components = components
        app.state.chat = components.chat
        await dingtalk.start(app)
        app.state.ready = True
        log.info("policybot ready")
        banner = getattr(app.state, "ready_banner", None)
        if banner:  # set by `policybot serve`: the one line a first-time user needs
            print(banner, flush=True)
        try:
            yield
        finally:
            app.state.ready = False
            await dingtalk.stop(app)
            close = getattr(components, "close", None)
            if callable(close):
                close()

    app = FastAPI(
        title="policybot",
        description="政府规划问答助手：带出处的回答与可复核的指标计算，支持多个规划。",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by the web router from vendored assets (works offline)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.ready = False
    install_error_handlers(app)
    install_middleware(app, settings)
    app.include_router(health.router)
    app.include_router(chat.router)
    app.include_router(plans.router)
    app.include_router(indicators.router)
    app.include_router(tasks.router)
    app.include_router(monitoring.router)
    app.include_router(openai_compat.router)
    app.include_router(dingtalk.router)
    app.include_router(feedback.router)
    app.include_router(web.router)
    web.install_static(app)
    return app
