"""DingTalk Stream mode: the robot connects out over a websocket, no public callback URL needed.

`dingtalk_stream.ChatbotHandler.reply_markdown` does a blocking `requests.post` and, on failure,
logs the exception text (which contains the sessionWebhook URL). So the handler only parses the
message and hands it to `DingTalkBot.submit`, then acknowledges at once; the chat service runs in a
worker thread and the reply goes through the same async, rate-limited `WebhookSender` as HTTP mode.

>>> handler = PolicyBotStreamHandler(bot=None)  # type: ignore[arg-type]
>>> handler.TOPIC
'/v1.0/im/bot/messages/get'
"""

from __future__ import annotations

import logging

import dingtalk_stream
from pydantic import ValidationError

from api.dingtalk.models import CallbackMessage
from api.dingtalk.service import DingTalkBot, bot_from_settings
from bot.schemas import ChatService
from bot.settings import Settings

log = logging.getLogger("policybot.dingtalk")


class StreamConfigError(Exception):
    """Stream mode lacks its credentials; the message names the settings to set."""


class PolicyBotStreamHandler(dingtalk_stream.ChatbotHandler):  # type: ignore[misc]  # SDK is untyped
    """Receives robot messages on the Stream topic and answers them through a `DingTalkBot`."""

    TOPIC = dingtalk_stream.ChatbotMessage.TOPIC

    def __init__(self, bot: DingTalkBot) -> None:
        super().__init__()
        self.bot = bot

    async def process(self, callback: dingtalk_stream.CallbackMessage) -> tuple[int, str]:
        """Parse, dedup and schedule the answer; the SDK sends our (code, message) back as the ack."""
        try:
            message = CallbackMessage.model_validate(callback.data)
        except ValidationError:
            log.warning("DingTalk Stream: ignoring a callback that is not a robot message")
            return dingtalk_stream.AckMessage.STATUS_BAD_REQUEST, "not a robot message"
        self.bot.submit(message)
        return dingtalk_stream.AckMessage.STATUS_OK, "OK"


def _quiet_sdk_logger() -> logging.Logger:
    # The SDK logs the websocket endpoint with its connection ticket at INFO; keep that out.
    logger = logging.getLogger("policybot.dingtalk.sdk")
    logger.setLevel(logging.WARNING)
    return logger


def stream_credentials(settings: Settings) -> tuple[str, str]:
    """(client_id, client_secret) for Stream mode.

    Raises:
        StreamConfigError: `dingtalk.client_id` or `dingtalk.client_secret` is missing.
    """
    client_id = settings.dingtalk.client_id
    secret = settings.dingtalk.client_secret.get_secret_value() if settings.dingtalk.client_secret else ""
    if not client_id or not secret:
        raise StreamConfigError(
            "Stream 模式需要 POLICYBOT_DINGTALK_CLIENT_ID 和 POLICYBOT_DINGTALK_CLIENT_SECRET"
            "（应用的 AppKey/AppSecret）/ Stream mode needs POLICYBOT_DINGTALK_CLIENT_ID and "
            "POLICYBOT_DINGTALK_CLIENT_SECRET (the app's AppKey/AppSecret)"
        )
    return client_id, secret


def stream_client(settings: Settings, bot: DingTalkBot) -> dingtalk_stream.DingTalkStreamClient:
    """An SDK client with our handler registered for robot messages.

    Raises:
        StreamConfigError: credentials are missing (see `stream_credentials`).
    """
    client_id, secret = stream_credentials(settings)
    credential = dingtalk_stream.Credential(client_id, secret)
    client = dingtalk_stream.DingTalkStreamClient(credential, logger=_quiet_sdk_logger())
    client.register_callback_handler(PolicyBotStreamHandler.TOPIC, PolicyBotStreamHandler(bot))
    return client


async def run_stream(settings: Settings, chat: ChatService) -> None:
    """Connect and answer until cancelled (the SDK reconnects by itself after network errors).

    Raises:
        StreamConfigError: credentials are missing.
    """
    bot = bot_from_settings(settings, chat)
    client = stream_client(settings, bot)
    await bot.sender.start()
    try:
        await client.start()
    finally:
        await bot.drain(timeout_seconds=5.0)
        await bot.sender.stop(drain_seconds=1.0)
