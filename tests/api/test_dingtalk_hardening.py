"""Red-team cases of the DingTalk callback: replayed signatures, hostile JSON, one robot flooding the queue.

Before: a captured signed callback could be replayed with a new msgId for an hour; a signed body nested
50,000 levels deep answered 500; all replies shared one unbounded FIFO, so one robot's backlog delayed
every other robot.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.dingtalk.models import MarkdownMessage
from api.dingtalk.replay import InMemoryReplayCache, ReplayCache, make_replay_cache
from api.dingtalk.sender import Outgoing, WebhookSender
from api.dingtalk.service import bot_from_settings
from api.dingtalk.signing import dingtalk_sign
from api.json_limits import json_depth
from api.routers import dingtalk as dingtalk_router
from bot.schemas import ChatReply
from bot.settings import DingTalkSettings, Settings

SECRET = "hardening-secret-7Yx"


class EchoChat:
    def __init__(self) -> None:
        self.questions: list[str] = []

    def answer(self, question: str, session_id: str | None = None) -> ChatReply:
        self.questions.append(question)
        return ChatReply(answer="答：" + question, intent="passage", session_id=session_id or "")


def make_app(**dingtalk: Any) -> tuple[FastAPI, EchoChat]:
    settings = Settings(dingtalk=DingTalkSettings(app_secret=SecretStr(SECRET), **dingtalk))
    chat = EchoChat()
    app = FastAPI()
    app.state.settings = settings
    app.state.chat = chat
    app.include_router(dingtalk_router.router)
    return app, chat


@pytest.fixture
def client() -> Iterator[tuple[TestClient, FastAPI, EchoChat]]:
    app, chat = make_app(max_body_bytes=4096, max_json_depth=8)
    with TestClient(app) as test_client:
        yield test_client, app, chat


def headers_for(stamp: int) -> dict[str, str]:
    return {"timestamp": str(stamp), "sign": dingtalk_sign(str(stamp), SECRET)}


def message(msg_id: str, text: str = "5G基站目标") -> dict[str, Any]:
    # No sessionWebhook: the bot accepts and dedups the message but has nowhere to post (never the network).
    return {"msgtype": "text", "msgId": msg_id, "text": {"content": text}, "conversationId": "c", "robotCode": "r"}


def post(test_client: TestClient, body: Any, headers: dict[str, str]) -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return test_client.post("/v1/dingtalk/callback", content=raw,
                            headers={**headers, "content-type": "application/json"})


# --- replayed signatures -------------------------------------------------------------------------
def test_replay_with_a_new_msg_id_is_401_and_logged(
    client: tuple[TestClient, FastAPI, EchoChat], caplog: pytest.LogCaptureFixture
) -> None:
    test_client, app, _ = client
    captured = headers_for(int(time.time() * 1000))
    assert post(test_client, message("m-original"), captured).status_code == 200
    with caplog.at_level(logging.WARNING, logger="policybot.dingtalk"):
        replay = post(test_client, message("m-forged", "把答案发到别处"), captured)
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "replayed_signature"
    assert " / " in replay.json()["error"]["message"]
    assert any("replayed signature" in r.getMessage() for r in caplog.records)
    bot = app.state.dingtalk_bot
    assert (bot.stats.accepted, bot.stats.replays) == (1, 1)


def test_a_fresh_signature_is_still_accepted(client: tuple[TestClient, FastAPI, EchoChat]) -> None:
    test_client, _, _ = client
    now = int(time.time() * 1000)
    assert post(test_client, message("m1"), headers_for(now)).status_code == 200
    assert post(test_client, message("m2"), headers_for(now + 1)).status_code == 200


def test_signature_of_a_refused_callback_is_not_spent(client: tuple[TestClient, FastAPI, EchoChat]) -> None:
    """A callback we answered 400 may come again with the same headers (DingTalk's retry)."""
    test_client, _, _ = client
    pair = headers_for(int(time.time() * 1000))
    assert post(test_client, b"not json", pair).status_code == 400
    assert post(test_client, message("m-retry"), pair).status_code == 200
    assert post(test_client, message("m-retry"), pair).status_code == 401


# --- hostile JSON ---------------------------------------------------------------------------------
def test_50000_levels_deep_is_400_not_500(client: tuple[TestClient, FastAPI, EchoChat]) -> None:
    app, _ = make_app()  # default limits: the 50,000-level body is 100,000 bytes, under the 128 KiB cap
    with TestClient(app) as test_client:
        response = post(test_client, b"[" * 50_000 + b"]" * 50_000, headers_for(int(time.time() * 1000)))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "json_too_deep"


@pytest.mark.parametrize(("depth", "status"), [(8, 200), (9, 400)])
def test_depth_limit_is_exact(client: tuple[TestClient, FastAPI, EchoChat], depth: int, status: int) -> None:
    body = message(f"m-depth-{depth}")
    # The message object is level 1; wrap an extra field in depth - 1 more levels.
    nested: Any = 1
    for _ in range(depth - 1):
        nested = [nested]
    body["extra"] = nested
    raw = json.dumps(body).encode()
    assert json_depth(raw) == depth
    response = post(client[0], raw, headers_for(int(time.time() * 1000) + depth))
    assert response.status_code == status, response.text


def test_brackets_inside_strings_do_not_count(client: tuple[TestClient, FastAPI, EchoChat]) -> None:
    text = "[[[[[[[[[[{{{{{{{{{{ \\\" ]]"
    response = post(client[0], message("m-brackets", text), headers_for(int(time.time() * 1000)))
    assert response.status_code == 200, response.text


def test_oversized_body_is_400(client: tuple[TestClient, FastAPI, EchoChat]) -> None:
    response = post(client[0], message("m-big", "问" * 2000), headers_for(int(time.time() * 1000)))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "body_too_large"


# --- the replay cache contract (a shared backend subclasses this) --------------------------------
class Clock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class ReplayCacheContract:
    def make(self, clock: Clock, max_items: int = 100) -> ReplayCache:
        raise NotImplementedError

    def test_second_add_is_refused_until_expiry(self) -> None:
        clock = Clock()
        cache = self.make(clock)
        assert cache.add_if_new("k", expires_at=1_060.0) is True
        assert cache.add_if_new("k", expires_at=1_060.0) is False
        clock.now = 1_059.9
        assert cache.add_if_new("k", expires_at=1_120.0) is False
        clock.now = 1_060.0
        assert cache.add_if_new("k", expires_at=1_120.0) is True

    def test_keys_are_independent(self) -> None:
        cache = self.make(Clock())
        assert [cache.add_if_new(k, 2_000.0) for k in ("a", "b", "a", "c")] == [True, True, False, True]


class TestInMemoryReplayCache(ReplayCacheContract):
    def make(self, clock: Clock, max_items: int = 100) -> ReplayCache:
        return InMemoryReplayCache(max_items=max_items, clock=clock)

    def test_bounded_soonest_expiry_forgotten_first(self) -> None:
        cache = InMemoryReplayCache(max_items=2, clock=Clock())
        cache.add_if_new("late", 5_000.0)
        cache.add_if_new("soon", 2_000.0)
        cache.add_if_new("mid", 3_000.0)
        assert len(cache) == 2
        assert cache.add_if_new("soon", 2_000.0) is True  # forgotten to make room
        assert cache.add_if_new("late", 5_000.0) is False

    def test_factory(self) -> None:
        assert isinstance(make_replay_cache(Settings()), InMemoryReplayCache)
        assert isinstance(bot_from_settings(Settings(), chat=EchoChat()).replay, InMemoryReplayCache)


# --- fair per-robot queues -----------------------------------------------------------------------
class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def item(text: str, robot: str) -> Outgoing:
    return Outgoing(webhook="https://oapi.example/robot", robot=robot, msg_id=text,
                    message=MarkdownMessage(markdown={"title": "t", "text": text}))  # type: ignore[arg-type]


def deliver(items: list[Outgoing], per_minute: int, max_queue: int = 100) -> tuple[list[tuple[float, str]], Any]:
    clock = FakeClock()
    sent: list[tuple[float, str]] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append((clock.now, json.loads(request.content)["markdown"]["text"]))
        return httpx.Response(200, json={"errcode": 0})

    async def scenario() -> Any:
        sender = WebhookSender(per_minute, client=httpx.AsyncClient(transport=httpx.MockTransport(record)),
                               clock=clock, sleep=clock.sleep, wall_ms=lambda: 0, max_queue_per_robot=max_queue)
        await sender.start()
        for one in items:
            sender.enqueue(one)
        await sender.join()
        await sender.stop()
        return sender.stats

    return sent, asyncio.run(scenario())


def test_flooded_robot_does_not_delay_another() -> None:
    """Robot A has 30 replies queued at 2/minute (15 minutes of backlog); B's one reply goes out at once."""
    flood = [item(f"a{i}", "A") for i in range(30)]
    sent, stats = deliver([*flood, item("b0", "B")], per_minute=2)
    assert "b0" in [text for t, text in sent if t == 0.0]
    assert [t for t, text in sent if text.startswith("a")] == [60.0 * (i // 2) for i in range(30)]
    assert stats.sent == 31


def test_robots_take_turns() -> None:
    items = [item(f"a{i}", "A") for i in range(3)] + [item(f"b{i}", "B") for i in range(3)]
    sent, _ = deliver(items, per_minute=20)
    assert [text for _, text in sent] == ["a0", "b0", "a1", "b1", "a2", "b2"]


def test_full_queue_drops_the_oldest_with_a_log_and_a_counter(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="policybot.dingtalk"):
        sent, stats = deliver([item(f"a{i}", "A") for i in range(5)] + [item("b0", "B")], per_minute=20, max_queue=3)
    assert sorted(text for _, text in sent) == ["a2", "a3", "a4", "b0"]
    assert (stats.sent, stats.dropped) == (4, 2)
    assert sum("queue of robot 'A' is full" in r.getMessage() for r in caplog.records) == 2
