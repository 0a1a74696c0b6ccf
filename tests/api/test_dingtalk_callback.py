"""DingTalk robot end to end over real loopback HTTP: signed callback → 200 → markdown reply on a fake
sessionWebhook server. Also: rejections (401/503/400), msgId dedup, long answers, commands, Stream mode,
the rate-limited sender (fake clock) and the msgId TTL cache.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dingtalk_stream
import httpx
import pytest
import typer
import uvicorn
from fakes.dingtalk_webhook import FakeWebhook
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.testing import CliRunner

from api.cli.dingtalk import stream_command
from api.dingtalk.models import MarkdownMessage
from api.dingtalk.render import TRIM_NOTE
from api.dingtalk.replay import TtlCache
from api.dingtalk.sender import Outgoing, RateLimiter, WebhookSender
from api.dingtalk.service import HELP_TEXT, ONLY_TEXT, RESET_TEXT, bot_from_settings
from api.dingtalk.signing import dingtalk_sign
from api.dingtalk.stream import PolicyBotStreamHandler, stream_client
from api.routers import dingtalk as dingtalk_router
from bot.schemas import ChatReply, FigureOut
from bot.settings import DingTalkSettings, Settings

SECRET = "test-robot-secret-Zq81"
LONG_ANSWER = "数字经济" * 7500  # 30,000 characters
TIMEOUT = 5.0


# --- deterministic fakes -----------------------------------------------------------------------
class FakeChat:
    """5G target questions → 30000; "长答案" → 30,000 characters; anything else → a refusal."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []
        self._lock = threading.Lock()

    def answer(self, question: str, session_id: str | None = None) -> ChatReply:
        with self._lock:
            self.calls.append((question, session_id))
        if "长答案" in question:
            return ChatReply(answer=LONG_ANSWER, intent="passage", session_id=session_id or "")
        if "5G" in question and "目标" in question:
            return ChatReply(
                answer="到2025年，5G基站数量目标为30000个。",
                intent="indicator",
                session_id=session_id or "",
                figures=[
                    FigureOut(
                        indicator="5G基站数量",
                        quantity="target",
                        value=30000.0,
                        unit="个",
                        formula="规划目标值",
                    )
                ],
            )
        return ChatReply(answer="规划未涉及该问题。", intent="out_of_scope", session_id=session_id or "")

    def questions(self) -> list[str]:
        with self._lock:
            return [q for q, _ in self.calls]


def wait_for(condition: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within timeout")
        time.sleep(0.01)


# --- the app under test on a real port ---------------------------------------------------------
def build_app(settings: Settings, chat: FakeChat) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await dingtalk_router.start(app)
        yield
        await dingtalk_router.stop(app)

    app = FastAPI(lifespan=lifespan)
    app.state.settings = settings
    app.state.chat = chat
    app.include_router(dingtalk_router.router)
    return app


@dataclass
class Live:
    base: str
    app: FastAPI
    chat: FakeChat
    webhook: FakeWebhook

    def bot_idle(self) -> bool:
        bot = getattr(self.app.state, "dingtalk_bot", None)
        return bot is None or bot.idle


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    chat = FakeChat()
    settings = Settings(dingtalk=DingTalkSettings(app_secret=SecretStr(SECRET)))
    app = build_app(settings, chat)
    # The fake sessionWebhook is on loopback; production allows only DingTalk's hosts.
    app.state.dingtalk_bot = bot_from_settings(settings, chat, webhook_hosts=["127.0.0.1"])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    webhook = FakeWebhook()
    wait_for(lambda: server.started)
    try:
        yield Live(f"http://127.0.0.1:{port}", app, chat, webhook)
    finally:
        server.should_exit = True
        thread.join(TIMEOUT)
        webhook.close()
        sock.close()


def message_body(
    live: Live,
    text: str = " 5G基站2025年目标是多少",
    *,
    session: str | None = None,
    msg_id: str | None = None,
    conversation_type: str = "1",
    msgtype: str = "text",
    staff: str = "staff001",
) -> tuple[dict[str, Any], str]:
    session = session or uuid.uuid4().hex
    body: dict[str, Any] = {
        "msgtype": msgtype,
        "msgId": msg_id or f"msg{uuid.uuid4().hex}",
        "createAt": int(time.time() * 1000),
        "conversationType": conversation_type,
        "conversationId": f"cid{session[:8]}",
        "senderId": "$:LWCP_v1:$abc",
        "senderStaffId": staff,
        "senderNick": "张三",
        "isInAtList": True,
        "sessionWebhook": live.webhook.url(session),
        "sessionWebhookExpiredTime": int(time.time() * 1000) + 3_600_000,
        "robotCode": "dingrobot",
        "chatbotUserId": "$:LWCP_v1:$bot",  # an extra field DingTalk sends; must be tolerated
    }
    if msgtype == "text":
        body["text"] = {"content": text}
    else:
        body["content"] = {"downloadCode": "xyz"}
    return body, session


_last_stamp = [0]


def fresh_stamp() -> int:
    """Now in ms, strictly increasing: each signature is accepted once, as DingTalk signs each callback."""
    _last_stamp[0] = max(int(time.time() * 1000), _last_stamp[0] + 1)
    return _last_stamp[0]


def signed_headers(timestamp_ms: int | None = None, secret: str = SECRET) -> dict[str, str]:
    stamp = str(timestamp_ms if timestamp_ms is not None else fresh_stamp())
    return {"timestamp": stamp, "sign": dingtalk_sign(stamp, secret)}


def post(live: Live, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{live.base}/v1/dingtalk/callback", json=body, headers=headers, timeout=TIMEOUT)


# --- acceptance ---------------------------------------------------------------------------------
def test_signed_callback_is_answered_via_session_webhook(
    live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body, session = message_body(live)
    started = time.monotonic()
    response = post(live, body, signed_headers())
    assert response.status_code == 200
    wait_for(lambda: len(live.webhook.for_session(session)) == 1)
    assert time.monotonic() - started < TIMEOUT
    payload = live.webhook.for_session(session)[0].body
    assert payload["msgtype"] == "markdown"
    assert "30000" in payload["markdown"]["text"]
    assert payload["markdown"]["title"].startswith("规划问答：5G基站2025年目标")
    assert payload["at"]["atUserIds"] == []  # one-to-one chat: nobody to @
    assert "5G基站2025年目标是多少" in live.chat.questions()  # leading space after the @ was stripped
    # Neither the robot secret nor the sessionWebhook (a bearer URL) may reach the logs.
    wait_for(live.bot_idle)  # the request log line is written after the webhook has answered
    assert SECRET not in caplog.text
    assert session not in caplog.text
    assert "<redacted>" in caplog.text  # the httpx request log was written, with its query hidden


def test_group_reply_ats_the_asker(live: Live) -> None:
    body, session = message_body(live, " 5G基站2025年目标是多少？", conversation_type="2", staff="wang01")
    assert post(live, body, signed_headers()).status_code == 200
    wait_for(lambda: len(live.webhook.for_session(session)) == 1)
    payload = live.webhook.for_session(session)[0].body
    assert payload["at"]["atUserIds"] == ["wang01"]
    assert payload["markdown"]["text"].startswith("@wang01\n\n")
    assert "30000" in payload["markdown"]["text"]


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param("wrong-sign", id="wrong-sign"),
        pytest.param("wrong-secret", id="signed-with-another-secret"),
        pytest.param("stale", id="stale-timestamp"),
        pytest.param("future", id="future-timestamp"),
        pytest.param("tampered", id="sign-of-another-timestamp"),
        pytest.param({}, id="no-headers"),
        pytest.param("only-timestamp", id="missing-sign"),
        pytest.param("only-sign", id="missing-timestamp"),
    ],
)
def test_bad_signature_is_401_and_never_answered(live: Live, headers: Any) -> None:
    now = int(time.time() * 1000)
    hour = 3_600_000
    cases: dict[str, dict[str, str]] = {
        "wrong-sign": {"timestamp": str(now), "sign": "d3Jvbmc="},
        "wrong-secret": signed_headers(secret="not-the-secret"),
        "stale": signed_headers(now - hour - 60_000),
        "future": signed_headers(now + hour + 60_000),
        "tampered": {"timestamp": str(now), "sign": signed_headers(now - 1)["sign"]},
        "only-timestamp": {"timestamp": str(now)},
        "only-sign": {"sign": signed_headers(now)["sign"]},
    }
    if isinstance(headers, str):
        headers = cases[headers]
    question = f"5G目标 {uuid.uuid4().hex}"
    body, session = message_body(live, question)
    response = post(live, body, headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_signature"
    wait_for(live.bot_idle)
    assert live.webhook.for_session(session) == []
    assert question not in live.chat.questions()


def test_same_msg_id_twice_gets_one_reply(live: Live) -> None:
    body, session = message_body(live)
    first = post(live, body, signed_headers())
    second = post(live, body, signed_headers())
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.headers["X-Policybot-Duplicate"], second.headers["X-Policybot-Duplicate"]) == ("0", "1")
    wait_for(lambda: len(live.webhook.for_session(session)) >= 1)
    wait_for(live.bot_idle)
    assert len(live.webhook.for_session(session)) == 1


def test_30000_character_answer_arrives_in_parts_within_20000_bytes(live: Live) -> None:
    body, session = message_body(live, " 请给我一个长答案")
    assert post(live, body, signed_headers()).status_code == 200
    wait_for(lambda: len(live.webhook.for_session(session)) == 3)
    wait_for(live.bot_idle)
    received = live.webhook.for_session(session)
    assert len(received) == 3
    assert all(len(r.raw) <= 20_000 for r in received)  # the bytes that really crossed the wire
    assert [r.body["markdown"]["title"][-5:] for r in received] == ["（1/3）", "（2/3）", "（3/3）"]
    assert received[-1].body["markdown"]["text"].endswith(TRIM_NOTE)


@pytest.mark.parametrize(
    ("text", "msgtype", "expected"),
    [
        ("", "picture", ONLY_TEXT),
        (" 帮助", "text", HELP_TEXT),
        ("  ", "text", "请在消息中写下您的问题"),
    ],
)
def test_commands_and_non_text(live: Live, text: str, msgtype: str, expected: str) -> None:
    calls_before = len(live.chat.calls)
    body, session = message_body(live, text, msgtype=msgtype)
    assert post(live, body, signed_headers()).status_code == 200
    wait_for(lambda: len(live.webhook.for_session(session)) == 1)
    assert expected in live.webhook.for_session(session)[0].body["markdown"]["text"]
    assert len(live.chat.calls) == calls_before  # handled without the chat service


def replies_are(live: Live, session: str, count: int) -> bool:
    return len(live.webhook.for_session(session)) == count


def test_reset_starts_a_new_session(live: Live) -> None:
    session = uuid.uuid4().hex
    for sent, text in enumerate((" 5G基站目标 A", " 5G基站目标 B", " 重置", " 5G基站目标 C"), start=1):
        body, _ = message_body(live, text, session=session)
        assert post(live, body, signed_headers()).status_code == 200
        wait_for(functools.partial(replies_are, live, session, sent))  # one turn at a time
    assert RESET_TEXT in live.webhook.for_session(session)[2].body["markdown"]["text"]
    ids = {q[-1]: sid for q, sid in live.chat.calls if q.startswith("5G基站目标 ")}
    assert ids["A"] == ids["B"] != ids["C"]


def test_webhook_outside_the_allowed_hosts_is_not_called(live: Live) -> None:
    bot = live.app.state.dingtalk_bot
    before = bot.stats.unreachable
    body, session = message_body(live)
    body["sessionWebhook"] = f"http://localhost:{live.webhook.port}/robot/sendBySession?session={session}"
    assert post(live, body, signed_headers()).status_code == 200
    wait_for(lambda: bot.stats.unreachable == before + 1)
    wait_for(live.bot_idle)
    assert live.webhook.for_session(session) == []


def test_signed_but_malformed_body_is_400(live: Live) -> None:
    response = httpx.post(
        f"{live.base}/v1/dingtalk/callback", content=b"not json", headers=signed_headers(), timeout=TIMEOUT
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_dingtalk_message"


def test_no_secret_configured_is_503() -> None:
    app = build_app(Settings(), FakeChat())
    with TestClient(app) as client:
        response = client.post("/v1/dingtalk/callback", json={}, headers=signed_headers())
    assert response.status_code == 503
    assert "POLICYBOT_DINGTALK_APP_SECRET" in response.json()["error"]["message"]


def test_through_create_app(live: Live) -> None:
    from api.app import create_app

    @dataclass
    class Components:
        chat: FakeChat

    chat = FakeChat()
    settings = Settings(dingtalk=DingTalkSettings(app_secret=SecretStr(SECRET)))
    with TestClient(create_app(settings, components_factory=lambda _: Components(chat))) as client:
        client.app.state.dingtalk_bot.webhook_hosts = frozenset({"127.0.0.1"})  # type: ignore[attr-defined]
        body, session = message_body(live)
        assert client.post("/v1/dingtalk/callback", json=body, headers=signed_headers()).status_code == 200
        wait_for(lambda: len(live.webhook.for_session(session)) == 1)
    assert "30000" in live.webhook.for_session(session)[0].body["markdown"]["text"]


# --- Stream mode --------------------------------------------------------------------------------
def test_stream_handler_acks_at_once_and_replies_via_webhook(live: Live) -> None:
    body, session = message_body(live)
    frame = dingtalk_stream.CallbackMessage.from_dict(
        {
            "specVersion": "1.0",
            "type": "CALLBACK",
            "headers": {"topic": PolicyBotStreamHandler.TOPIC, "messageId": "frame-1"},
            "data": json.dumps(body, ensure_ascii=False),
        }
    )
    chat = FakeChat()
    bot = bot_from_settings(Settings(), chat, webhook_hosts=["127.0.0.1"])

    async def scenario() -> int:
        handler = PolicyBotStreamHandler(bot)
        ack = await handler.raw_process(frame)
        again = await handler.raw_process(frame)  # a redelivery is acked but not answered twice
        await bot.drain()
        await bot.sender.stop()
        assert again.code == dingtalk_stream.AckMessage.STATUS_OK
        return int(ack.code)

    assert asyncio.run(scenario()) == dingtalk_stream.AckMessage.STATUS_OK
    received = live.webhook.for_session(session)
    assert len(received) == 1
    assert "30000" in received[0].body["markdown"]["text"]


def test_stream_handler_rejects_a_non_robot_frame() -> None:
    frame = dingtalk_stream.CallbackMessage.from_dict(
        {"headers": {"topic": "x"}, "data": json.dumps({"a": 1})}
    )
    handler = PolicyBotStreamHandler(bot_from_settings(Settings(), FakeChat()))
    code, _ = asyncio.run(handler.process(frame))
    assert code == dingtalk_stream.AckMessage.STATUS_BAD_REQUEST


def test_stream_command_without_credentials_exits_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("POLICYBOT_DINGTALK_CLIENT_ID", "POLICYBOT_DINGTALK_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file
    cli = typer.Typer()
    cli.command()(stream_command)
    result = CliRunner().invoke(cli, [])
    assert result.exit_code == 2
    assert "POLICYBOT_DINGTALK_CLIENT_ID" in result.output


def test_stream_client_registers_the_robot_topic() -> None:
    settings = Settings(dingtalk=DingTalkSettings(client_id="dingabc", client_secret=SecretStr("s3cret")))
    client = stream_client(settings, bot_from_settings(settings, FakeChat()))
    handler = client.callback_handler_map[dingtalk_stream.ChatbotMessage.TOPIC]
    assert isinstance(handler, PolicyBotStreamHandler)
    assert (client.credential.client_id, client.credential.client_secret) == ("dingabc", "s3cret")


# --- the sender: rate limit with a fake clock, expiry, and the msgId cache ---------------------
class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def _outgoing(text: str, robot: str = "r1", expires_at_ms: int | None = None) -> Outgoing:
    return Outgoing(
        webhook="https://oapi.example/robot/sendBySession?session=s",
        robot=robot,
        message=MarkdownMessage(markdown={"title": "t", "text": text}),  # type: ignore[arg-type]
        expires_at_ms=expires_at_ms,
        msg_id=text,
    )


def _run_sender(
    items: list[Outgoing],
    per_minute: int,
    wall_ms: int = 0,
    responses: list[httpx.Response | Exception] | None = None,
) -> tuple[list[tuple[float, str]], Any]:
    """Deliver `items` through a MockTransport; `responses` (used in order) replace the default 200."""
    clock = FakeClock()
    sent: list[tuple[float, str]] = []
    queued = list(responses or [])

    def record(request: httpx.Request) -> httpx.Response:
        sent.append((clock.now, json.loads(request.content)["markdown"]["text"]))
        if queued:
            outcome = queued.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})

    async def scenario() -> Any:
        sender = WebhookSender(
            per_minute,
            client=httpx.AsyncClient(transport=httpx.MockTransport(record)),
            clock=clock,
            sleep=clock.sleep,
            wall_ms=lambda: wall_ms,
        )
        await sender.start()
        for item in items:
            sender.enqueue(item)
        await sender.join()
        await sender.stop()
        return sender.stats

    return sent, asyncio.run(scenario())


def test_rate_limit_queues_instead_of_dropping() -> None:
    sent, stats = _run_sender([_outgoing(f"m{i}") for i in range(5)], per_minute=2)
    assert sent == [(0.0, "m0"), (0.0, "m1"), (60.0, "m2"), (60.0, "m3"), (120.0, "m4")]
    assert (stats.sent, stats.failed, stats.expired, stats.waited_seconds) == (5, 0, 0, 120.0)


def test_rate_limit_is_per_robot() -> None:
    items = [_outgoing("a0", "A"), _outgoing("b0", "B"), _outgoing("a1", "A"), _outgoing("b1", "B")]
    sent, _ = _run_sender(items, per_minute=1)
    assert sent == [(0.0, "a0"), (0.0, "b0"), (60.0, "a1"), (60.0, "b1")]


def test_twenty_per_minute_default() -> None:
    sent, _ = _run_sender([_outgoing(f"m{i}") for i in range(21)], per_minute=20)
    assert [t for t, _ in sent] == [0.0] * 20 + [60.0]


def test_expired_webhook_is_not_posted() -> None:
    sent, stats = _run_sender(
        [_outgoing("late", expires_at_ms=1_000), _outgoing("ok", expires_at_ms=9_000)],
        per_minute=20,
        wall_ms=5_000,
    )
    assert sent == [(0.0, "ok")]
    assert (stats.sent, stats.expired) == (1, 1)


@pytest.mark.parametrize(
    ("responses", "times", "sent_failed"),
    [
        pytest.param([httpx.Response(500)], [0.0, 2.0], (1, 0), id="5xx-then-ok"),
        pytest.param(
            [httpx.Response(200, json={"errcode": 130101, "errmsg": "send too fast"})],
            [0.0, 2.0],
            (1, 0),
            id="too-fast-then-ok",
        ),
        pytest.param([httpx.ConnectError("boom")] * 3, [0.0, 2.0, 6.0], (0, 1), id="network-down"),
        pytest.param(
            [httpx.Response(200, json={"errcode": 300001, "errmsg": "bad token"})],
            [0.0],
            (0, 1),
            id="permanent-error-not-retried",
        ),
        pytest.param([httpx.Response(404)], [0.0], (0, 1), id="4xx-not-retried"),
    ],
)
def test_retries_with_backoff(
    responses: list[httpx.Response | Exception], times: list[float], sent_failed: tuple[int, int]
) -> None:
    sent, stats = _run_sender([_outgoing("m")], per_minute=20, responses=responses)
    assert [t for t, _ in sent] == times
    assert (stats.sent, stats.failed) == sent_failed


def test_rate_limiter_sliding_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3, 60.0, clock=clock, sleep=clock.sleep)

    async def scenario() -> list[float]:
        stamps = []
        for gap in (0, 10, 10, 0, 0):
            clock.now += gap
            await limiter.acquire()
            stamps.append(clock.now)
        return stamps

    # Sends at 0, 10, 20; the 4th waits for 0+60, the 5th for 10+60.
    assert asyncio.run(scenario()) == [0.0, 10.0, 20.0, 60.0, 70.0]


def test_ttl_cache_expires_and_stays_bounded() -> None:
    clock = FakeClock()
    cache = TtlCache(ttl_seconds=3600, max_items=3, clock=clock)
    assert [cache.add_if_new(k) for k in ("a", "b", "a")] == [True, True, False]
    clock.now = 3599.0
    assert cache.add_if_new("a") is False  # still within the hour
    clock.now = 3600.0
    assert cache.add_if_new("a") is True  # forgotten after the TTL
    for key in ("c", "d", "e", "f"):
        cache.add_if_new(key)
    assert len(cache) == 3


def test_dedup_ttl_must_cover_an_hour() -> None:
    from api.dingtalk.service import DingTalkBot

    with pytest.raises(ValueError, match="3600"):
        DingTalkBot(FakeChat(), WebhookSender(), dedup_ttl_seconds=60)
