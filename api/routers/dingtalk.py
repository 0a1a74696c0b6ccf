"""POST /v1/dingtalk/callback: the enterprise-internal DingTalk robot in HTTP mode.

Every callback must carry DingTalk's `timestamp` (ms) and `sign` headers; a missing, stale
(|now − timestamp| > `dingtalk.max_timestamp_skew_seconds`) or wrong signature gets 401, and so does a
signature that was already accepted once (a replay; see `api.dingtalk.replay`). Bodies over
`dingtalk.max_body_bytes` or nested deeper than `dingtalk.max_json_depth` get 400 before parsing. A
valid one is acknowledged at once with 200 and answered in the background through the message's
`sessionWebhook`. Without `POLICYBOT_DINGTALK_APP_SECRET` the endpoint answers 503.

Wiring (done in `api.app.create_app`)::

    app.include_router(dingtalk.router)
    await dingtalk.start(app)   # in the lifespan, after app.state.chat is set
    await dingtalk.stop(app)    # on shutdown: drains queued replies for a few seconds
"""

from __future__ import annotations

import json
import logging
import time

from fastapi import APIRouter, FastAPI, Header, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from api.dingtalk.models import CallbackMessage
from api.dingtalk.service import DingTalkBot, bot_from_settings
from api.dingtalk.signing import SignatureError, verify_dingtalk_callback
from api.errors import error_body
from api.json_limits import json_limit_error
from bot.settings import Settings

log = logging.getLogger("policybot.dingtalk")

router = APIRouter(tags=["dingtalk"])

_STATE_ATTR = "dingtalk_bot"


def _now_ms() -> int:
    return int(time.time() * 1000)


def get_bot(app: FastAPI) -> DingTalkBot:
    """The app's bot, created on first use from `app.state.settings` and `app.state.chat`."""
    bot: DingTalkBot | None = getattr(app.state, _STATE_ATTR, None)
    if bot is None:
        bot = bot_from_settings(app.state.settings, app.state.chat)
        setattr(app.state, _STATE_ATTR, bot)
    return bot


async def start(app: FastAPI) -> None:
    """Lifespan hook: start the reply queue when a robot secret is configured (no-op otherwise)."""
    settings: Settings = app.state.settings
    if settings.dingtalk.app_secret is None or getattr(app.state, "chat", None) is None:
        return
    await get_bot(app).sender.start()
    log.info("DingTalk callback enabled at /v1/dingtalk/callback")


async def stop(app: FastAPI) -> None:
    """Lifespan hook: finish pending answers and deliveries (bounded), then stop the queue."""
    bot: DingTalkBot | None = getattr(app.state, _STATE_ATTR, None)
    if bot is None:
        return
    await bot.drain(timeout_seconds=5.0)
    await bot.sender.stop(drain_seconds=1.0)


# Names the issue brief suggested; same functions.
start_dingtalk = start
stop_dingtalk = stop


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status)


@router.post(
    "/v1/dingtalk/callback",
    summary="DingTalk robot callback (HTTP mode)",
    description="Signed by DingTalk with the robot AppSecret; answered asynchronously via sessionWebhook.",
    responses={
        200: {"description": "Accepted (the answer follows via sessionWebhook)."},
        400: {"description": "Body is not a DingTalk robot message, too large or nested too deep."},
        401: {"description": "Missing, stale, wrong or replayed timestamp/sign."},
        503: {"description": "No robot AppSecret configured."},
    },
)
async def dingtalk_callback(
    request: Request,
    timestamp: str | None = Header(None, description="Milliseconds since the epoch, set by DingTalk."),
    sign: str | None = Header(
        None, description="base64(HMAC-SHA256(appSecret, timestamp + '\\n' + appSecret))."
    ),
) -> JSONResponse:
    settings: Settings = request.app.state.settings
    secret = settings.dingtalk.app_secret
    if secret is None or not secret.get_secret_value():
        return _error(
            503,
            "dingtalk_not_configured",
            "未配置钉钉机器人 AppSecret，请设置 POLICYBOT_DINGTALK_APP_SECRET / "
            "DingTalk robot is not configured: set POLICYBOT_DINGTALK_APP_SECRET",
        )
    try:
        verify_dingtalk_callback(
            timestamp,
            sign,
            secret.get_secret_value(),
            now_ms=_now_ms(),
            max_skew_seconds=settings.dingtalk.max_timestamp_skew_seconds,
        )
    except SignatureError as exc:
        log.warning("DingTalk callback rejected: %s", exc.reason)
        return _error(401, "bad_signature", exc.reason)
    if getattr(request.app.state, "chat", None) is None:
        return _error(503, "not_ready", "服务正在启动，请稍后再试 / Service is starting, retry shortly")
    body = await request.body()
    over = json_limit_error(body, settings.dingtalk.max_body_bytes, settings.dingtalk.max_json_depth)
    if over is not None:
        log.warning("DingTalk callback rejected: %s (%d bytes)", over[0], len(body))
        return _error(400, over[0], over[1])
    try:
        message = CallbackMessage.model_validate(json.loads(body))
    except (ValueError, ValidationError, RecursionError):
        return _error(
            400,
            "invalid_dingtalk_message",
            "请求体不是有效的钉钉机器人消息 / Body is not a valid DingTalk robot message (need msgId)",
        )
    bot = get_bot(request.app)
    # Remembered only once the callback is accepted, so DingTalk may retry one we could not take (503/400).
    stamp, signature = (timestamp or "").strip(), (sign or "").strip()
    expires_at = int(stamp) / 1000 + settings.dingtalk.max_timestamp_skew_seconds + 1
    if not bot.replay.add_if_new(f"{stamp}:{signature}", expires_at):
        bot.stats.replays += 1
        log.warning("DingTalk callback rejected: replayed signature (timestamp %s, msgId %s)", stamp, message.msg_id)
        return _error(
            401,
            "replayed_signature",
            "该签名已被使用过（疑似重放） / This timestamp/sign pair was already used (replayed callback)",
        )
    accepted = bot.submit(message)
    # An empty JSON body: DingTalk sends nothing synchronously; the answer follows via sessionWebhook.
    return JSONResponse({}, headers={"X-Policybot-Duplicate": "0" if accepted else "1"})
