"""`server.threads` sizes the thread pool that answers sync routes (requests competing for the GIL)."""

from __future__ import annotations

import anyio.to_thread
from fastapi.testclient import TestClient

from tests.api._hardening_app import build_app, make_settings


def test_thread_pool_is_sized_by_the_setting() -> None:
    app = build_app(make_settings(threads=3))

    @app.get("/_threads")
    async def threads() -> float:
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    with TestClient(app) as client:
        assert client.get("/_threads").json() == 3
