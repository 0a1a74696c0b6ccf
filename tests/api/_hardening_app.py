"""A small app for the hardening tests: the real middleware, error handlers and routers, a fake chat.

The fake chat service answers instantly and deterministically, so these tests exercise the HTTP layer
(validation, limits, auth, request ids, logs) and not the retrieval pipeline.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from api.app import create_app
from bot.schemas import ChatReply
from bot.settings import Settings

NORMAL_QUESTION = "5G基站2025年的目标是多少？"


@dataclass
class FakeChat:
    """Answers every question with an echo; records (question, session_id) pairs."""

    calls: list[tuple[str, str | None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, question: str, session_id: str | None = None) -> ChatReply:
        with self._lock:
            self.calls.append((question, session_id))
        session = session_id or "fake-session"
        return ChatReply(answer=f"已收到：{question[:20]}", intent="help", session_id=session)


@dataclass
class FakeComponents:
    chat: FakeChat = field(default_factory=FakeChat)


def make_settings(**server: Any) -> Settings:
    """Settings isolated from the environment; `server` overrides ServerSettings fields."""
    base = Settings(_env_file=None)  # type: ignore[call-arg]
    return base.model_copy(update={"server": base.server.model_copy(update=server)})


def build_app(settings: Settings, components: Any | None = None) -> FastAPI:
    """`create_app` with fake (or given) components."""
    fixed = components if components is not None else FakeComponents()
    return create_app(settings, components_factory=lambda _settings: fixed)


def assert_uniform_error(response: Any, status: int | None = None) -> dict[str, str]:
    """Assert the uniform error body (and a request id) and return the inner error dict."""
    if status is not None:
        assert response.status_code == status, (response.status_code, response.text)
    assert 400 <= response.status_code < 600, response.status_code
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    # OpenAI-compatible routes add OpenAI's "type" so OpenAI clients read the same body.
    assert {"code", "message"} <= set(body["error"]) <= {"code", "message", "type"}, body
    assert body["error"]["code"] and isinstance(body["error"]["code"], str)
    message = body["error"]["message"]
    assert "/" in message, body
    assert re.search(r"[\u4e00-\u9fff]", message) and re.search(r"[A-Za-z]{3}", message), body
    assert response.headers.get("x-request-id"), "every response carries a request id"
    error: dict[str, str] = body["error"]
    return error
