"""The DingTalk conversation logic shared by HTTP-callback and Stream mode.

`DingTalkBot.submit(message)` drops repeated deliveries (same `msgId`), then answers in the
background: commands ("帮助", "重置") are handled here, other text goes to the `ChatService` in a
worker thread (it is synchronous), and the reply is rendered and queued on the `WebhookSender`.

>>> import asyncio
>>> from bot.schemas import ChatReply
>>> class Echo:
...     def answer(self, question, session_id=None):
...         return ChatReply(answer="答：" + question, intent="passage", session_id=session_id or "")
>>> bot = DingTalkBot(Echo(), WebhookSender())
>>> msg = CallbackMessage.model_validate({"msgId": "m1", "text": {"content": " 你好"},
...                                       "conversationId": "c", "senderStaffId": "u"})
>>> bot.build_replies(msg)[0].markdown.text
'答：你好'
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from api.dingtalk.models import CallbackMessage, MarkdownMessage
from api.dingtalk.render import DEFAULT_MAX_PARTS, markdown_messages, message_title, reply_messages
from api.dingtalk.replay import InMemoryReplayCache, ReplayCache, TtlCache, make_replay_cache
from api.dingtalk.sender import Outgoing, WebhookSender
from api.dingtalk.shared import SeenIds
from bot.schemas import ChatService
from bot.settings import Settings
from bot.validation import QuestionError, clean_question

log = logging.getLogger("policybot.dingtalk")

# Where DingTalk's sessionWebhook URLs point (https://oapi.dingtalk.com/robot/sendBySession?session=…).
DEFAULT_WEBHOOK_HOSTS = ("oapi.dingtalk.com", "api.dingtalk.com")

HELP_TITLE = "规划问答：使用帮助"


def plans_line(chat: object) -> str:
    """"本助手回答以下规划：《A》、《B》" from the chat service's plan library (empty when it has none)."""
    library = getattr(getattr(chat, "deterministic", chat), "library", None)
    if library is None or not len(library):
        return ""
    return "\n\n本助手回答以下规划：" + "、".join(c.info.display for c in library.contexts()) + "。"
HELP_TEXT = """### 规划问答助手

直接用文字提问即可，例如：

- 5G基站2025年的目标是多少？
- 数字经济核心产业增加值年均要增长多少？
- 规划提出了哪些主要任务？
- 我们是一家工业互联网企业，和哪些任务相关？

回答中的数字来自规划原文或可复核的计算，并附出处。

命令：

- **帮助**：显示本说明
- **重置**：清空本会话的上下文，重新开始

在群聊中请先 @我 再提问。"""
RESET_TEXT = "已重置本会话，之前的上下文已清空。请提出新的问题。"
ONLY_TEXT = "抱歉，目前只支持文字提问。请直接输入文字问题，例如：5G基站2025年的目标是多少？"
EMPTY_TEXT = "请在消息中写下您的问题。发送“帮助”可查看使用说明。"
ERROR_TEXT = "抱歉，回答这个问题时出了点问题，请稍后再试，或换一种问法。"

_HELP_WORDS = {"帮助", "help", "?", "使用帮助", "使用说明", "菜单", "menu"}
_RESET_WORDS = {"重置", "reset", "清空", "清除", "重新开始", "新对话", "clear"}
_COMMAND_TRIM = " \t\r\n/／!！。.？?：:"
# Traditional forms an official might type; mapped before matching a command.
_TRADITIONAL = str.maketrans({"幫": "帮", "說": "说", "單": "单", "話": "话", "開": "开"})


def command_of(text: str) -> str | None:
    """'help', 'reset' or None for a question.

    >>> [command_of(t) for t in (" 帮助 ", "/RESET", "幫助", "重置。", "帮助我理解5G")]
    ['help', 'reset', 'help', 'reset', None]
    """
    word = unicodedata.normalize("NFKC", text).strip().translate(_TRADITIONAL).lower()
    bare = word.strip(_COMMAND_TRIM)
    if word in ("?", "？") or bare in _HELP_WORDS:
        return "help"
    if bare in _RESET_WORDS:
        return "reset"
    return None


@dataclass
class BotStats:
    accepted: int = 0
    duplicates: int = 0
    replays: int = 0  # callbacks refused because their (timestamp, sign) was already accepted
    answered: int = 0
    commands: int = 0
    errors: int = 0
    unreachable: int = 0


class DingTalkBot:
    """Answers DingTalk messages through a `ChatService`; replies go out via a `WebhookSender`.

    Sessions are keyed on conversationId + the asker, so colleagues in one group keep separate
    follow-up contexts. "重置" starts a new session id for that key (the old one simply ages out of
    the chat service's own TTL store).
    """

    def __init__(
        self,
        chat: ChatService,
        sender: WebhookSender,
        *,
        dedup_ttl_seconds: float = 7200.0,
        dedup_max_items: int = 50_000,
        max_question_chars: int = 2000,
        max_parts: int = DEFAULT_MAX_PARTS,
        max_sessions: int = 10_000,
        webhook_hosts: Iterable[str] = DEFAULT_WEBHOOK_HOSTS,
        clock: Callable[[], float] = time.monotonic,
        replay: ReplayCache | None = None,
        seen: SeenIds | None = None,
    ) -> None:
        if dedup_ttl_seconds < 3600:
            # DingTalk may redeliver a message for up to an hour.
            raise ValueError(f"dedup_ttl_seconds must be at least 3600. Currently, it is {dedup_ttl_seconds}")
        self.chat = chat
        self.sender = sender
        self.max_question_chars = max_question_chars
        self.max_parts = max_parts
        # The signature covers only the timestamp, not the body, so a replayed header pair could
        # point sessionWebhook anywhere: only post to DingTalk's own hosts ("*" allows any).
        self.webhook_hosts = frozenset(h.lower() for h in webhook_hosts)
        # msgIds already taken: in this process, or (`seen`) in Redis for every replica.
        self._seen: SeenIds = seen if seen is not None else TtlCache(dedup_ttl_seconds, dedup_max_items, clock=clock)
        # Accepted (timestamp, sign) pairs of HTTP callbacks; see api.dingtalk.replay.
        self.replay: ReplayCache = replay if replay is not None else InMemoryReplayCache()
        self._generations: OrderedDict[str, int] = OrderedDict()
        self._max_sessions = max_sessions
        self._lock = threading.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self.stats = BotStats()

    # -- sessions ---------------------------------------------------------------------------
    @staticmethod
    def session_key(message: CallbackMessage) -> str:
        return f"{message.conversation_id}\n{message.asker}"

    def session_id(self, message: CallbackMessage) -> str:
        """Stable id for conversation + asker; hashed so ids stay short and opaque in logs.

        >>> bot = DingTalkBot(None, WebhookSender())  # type: ignore[arg-type]
        >>> m = CallbackMessage.model_validate({"msgId": "1", "conversationId": "c", "senderStaffId": "u"})
        >>> before = bot.session_id(m)
        >>> bot.reset(m)
        >>> before, bot.session_id(m)
        ('dingtalk-4e1ec3e8b1e8a49f-0', 'dingtalk-4e1ec3e8b1e8a49f-1')
        """
        key = self.session_key(message)
        with self._lock:
            generation = self._generations.get(key, 0)
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
        return f"dingtalk-{digest}-{generation}"

    def reset(self, message: CallbackMessage) -> None:
        key = self.session_key(message)
        with self._lock:
            self._generations[key] = self._generations.get(key, 0) + 1
            self._generations.move_to_end(key)
            while len(self._generations) > self._max_sessions:
                self._generations.popitem(last=False)

    # -- replies ----------------------------------------------------------------------------
    def build_replies(self, message: CallbackMessage) -> list[MarkdownMessage]:
        """The markdown messages answering `message` (blocking: runs the chat service)."""
        at = message.asker if message.is_group and message.sender_staff_id else None

        def plain(text: str, title: str = "规划问答") -> list[MarkdownMessage]:
            return markdown_messages(text, title=title, at_user_id=at, max_parts=self.max_parts)

        if not message.is_text:
            return plain(ONLY_TEXT)
        question = message.question
        if not question:
            return plain(EMPTY_TEXT)
        command = command_of(question)
        if command == "help":
            self.stats.commands += 1
            return plain(HELP_TEXT + plans_line(self.chat), HELP_TITLE)
        if command == "reset":
            self.stats.commands += 1
            self.reset(message)
            return plain(RESET_TEXT)
        try:
            question = clean_question(question, self.max_question_chars)
        except QuestionError as exc:
            return plain(f"抱歉，{exc.message_zh}。")
        try:
            reply = self.chat.answer(question, self.session_id(message))
        except Exception:
            self.stats.errors += 1
            log.exception("DingTalk message %s: the chat service failed", message.msg_id)
            return plain(ERROR_TEXT)
        self.stats.answered += 1
        return reply_messages(reply, title=message_title(question), at_user_id=at, max_parts=self.max_parts)

    def submit(self, message: CallbackMessage) -> bool:
        """Accept a message for a background answer; False (and nothing else) for a repeated msgId.

        Must be called on the event loop that runs the sender.
        """
        if not self._seen.add_if_new(message.msg_id):
            self.stats.duplicates += 1
            log.info("DingTalk message %s is a repeat delivery; ignored", message.msg_id)
            return False
        self.stats.accepted += 1
        task = asyncio.get_running_loop().create_task(self.respond(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    def webhook_allowed(self, url: str | None) -> bool:
        """True when `url` is an http(s) URL on one of `webhook_hosts`.

        >>> bot = DingTalkBot(None, WebhookSender())  # type: ignore[arg-type]
        >>> [bot.webhook_allowed(u) for u in ("https://oapi.dingtalk.com/robot/sendBySession?session=x",
        ...                                   "http://169.254.169.254/latest", None)]
        [True, False, False]
        """
        if not url:
            return False
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        return "*" in self.webhook_hosts or parts.hostname.lower() in self.webhook_hosts

    async def respond(self, message: CallbackMessage) -> None:
        """Compute the reply off the event loop and queue it for the message's sessionWebhook."""
        if not self.webhook_allowed(message.session_webhook):
            self.stats.unreachable += 1
            host = urlsplit(message.session_webhook or "").hostname
            log.warning("DingTalk message %s: sessionWebhook host %r is not allowed; not answered",
                        message.msg_id, host)
            return
        try:
            replies = await asyncio.to_thread(self.build_replies, message)
        except Exception:  # rendering bugs must not kill the task silently
            self.stats.errors += 1
            log.exception("DingTalk message %s: building the reply failed", message.msg_id)
            return
        assert message.session_webhook is not None  # checked by webhook_allowed
        await self.sender.start()
        for reply in replies:
            self.sender.enqueue(
                Outgoing(
                    webhook=message.session_webhook,
                    message=reply,
                    expires_at_ms=message.session_webhook_expired_time,
                    robot=message.robot_code or "",
                    msg_id=message.msg_id,
                )
            )

    @property
    def idle(self) -> bool:
        """No answer being computed and nothing waiting to be sent."""
        return not self._tasks and self.sender.idle

    async def drain(self, timeout_seconds: float = 10.0) -> None:
        """Wait for pending answers and deliveries (used on shutdown and in tests)."""
        deadline = time.monotonic() + timeout_seconds
        while not self.idle and time.monotonic() < deadline:
            if self._tasks:
                await asyncio.wait(set(self._tasks), timeout=max(0.0, deadline - time.monotonic()))
            else:
                await asyncio.sleep(0.01)


def bot_from_settings(
    settings: Settings, chat: ChatService, *, webhook_hosts: Iterable[str] | None = None
) -> DingTalkBot:
    """A `DingTalkBot` configured from settings; its sender starts on first use (or call `start`).

    >>> bot = bot_from_settings(Settings(), chat=None)  # type: ignore[arg-type]
    >>> bot.max_question_chars
    2000
    """
    # Remember msgIds at least as long as a replayed callback could still pass the timestamp check.
    ttl = max(3600.0, float(settings.dingtalk.max_timestamp_skew_seconds)) + 600.0
    per_minute = settings.dingtalk.messages_per_minute
    seen: SeenIds | None = None
    budget_factory = None
    redis_client = None
    if settings.dingtalk_shared and settings.redis.url:
        # Several replicas: msgIds, signatures and each robot's send budget live in Redis.
        from api.dingtalk.shared import RedisSeenIds, RedisSendBudget
        from bot.redis_state import limits_storage, redis_from_settings

        redis_client = redis_from_settings(settings)
        seen = RedisSeenIds(redis_client, ttl, prefix=settings.redis.prefix)
        storage = limits_storage(settings.redis.url, settings.redis.timeout_seconds)

        def budget_factory(robot: str) -> RedisSendBudget:
            return RedisSendBudget(storage, robot, per_minute, 60, prefix=settings.redis.prefix)

    sender = WebhookSender(
        messages_per_minute=per_minute,
        max_queue_per_robot=settings.dingtalk.max_queue_per_robot,
        budget_factory=budget_factory,
    )
    # `dingtalk.webhook_hosts` is optional in the settings tree (专有钉钉 deployments use other hosts).
    hosts = webhook_hosts or getattr(settings.dingtalk, "webhook_hosts", None) or DEFAULT_WEBHOOK_HOSTS
    return DingTalkBot(
        chat,
        sender,
        dedup_ttl_seconds=ttl,
        max_question_chars=settings.server.max_question_chars,
        max_sessions=settings.session.max_sessions,
        webhook_hosts=hosts,
        replay=make_replay_cache(settings, redis_client),
        seen=seen,
    )
