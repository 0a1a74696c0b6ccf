"""An unreachable Redis is a bilingual 503 (never a 500) on the routes that need it, in-process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.redis_state import RedisSessionStore, connect
from bot.settings import RedisSettings, ServerSettings, SessionSettings, Settings


@pytest.fixture
def dead_redis() -> str:
    from servers import free_port

    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def sessions_down(components: Any, dead_redis: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The real components with their session store pointed at a Redis nobody listens on (no rate limit)."""
    from api.app import create_app

    monkeypatch.setattr(components.deterministic, "sessions", RedisSessionStore(connect(dead_redis, 0.5), 60, 10))
    settings = Settings(_env_file=None, server=ServerSettings(rate_limit=""))  # type: ignore[call-arg]
    monkeypatch.setattr(components, "close", lambda: None)  # shared by the whole session: keep it open
    with TestClient(create_app(settings, components_factory=lambda _s: components)) as client:
        yield client


def test_chat_needing_a_session_is_503(sessions_down: TestClient) -> None:
    response = sessions_down.post("/v1/chat", json={"question": "5G基站2025年的目标是多少？", "session_id": "s1"})
    assert response.status_code == 503
    assert response.json() == {"error": {
        "code": "shared_state_unavailable",
        "message": "共享状态服务（Redis）暂不可用，请稍后再试 / Shared state (Redis) is unavailable, retry later",
    }}
    assert response.headers["Retry-After"] == "5"


def test_a_streamed_chat_reports_it_in_band(sessions_down: TestClient) -> None:
    response = sessions_down.post("/v1/chat", json={"question": "5G基站2025年的目标是多少？", "stream": True})
    assert response.status_code == 200
    assert "event: error" in response.text and '"code": "shared_state_unavailable"' in response.text


def test_routes_without_shared_state_still_answer(sessions_down: TestClient) -> None:
    assert sessions_down.get("/healthz").status_code == 200
    assert sessions_down.get("/v1/plans").status_code == 200


def test_rate_limit_counters_in_an_unreachable_redis_are_503(dead_redis: str) -> None:
    from fastapi import FastAPI

    from api.errors import install_error_handlers
    from api.middleware import install_middleware

    app = FastAPI()
    install_error_handlers(app)
    install_middleware(app, Settings(_env_file=None, redis=RedisSettings(url=dead_redis)))  # type: ignore[call-arg]
    app.get("/ping")(lambda: {"ok": True})
    with TestClient(app) as client:
        response = client.get("/ping")
        assert (response.status_code, response.json()["error"]["code"]) == (503, "shared_state_unavailable")
        assert client.get("/healthz").status_code == 404  # exempt from the limit: no Redis needed to route it


def test_session_backend_redis_needs_the_url() -> None:
    from bot.components import make_session_store

    with pytest.raises(ValueError, match="POLICYBOT_REDIS_URL"):
        make_session_store(Settings(_env_file=None, session=SessionSettings(backend="redis")))  # type: ignore[call-arg]
