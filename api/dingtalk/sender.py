"""Asynchronous, rate-limited delivery of robot replies to DingTalk's `sessionWebhook`.

DingTalk lets a robot send 20 messages per minute; replies beyond that wait in a queue (they are
never dropped while their webhook is valid). A `sessionWebhook` URL is a bearer credential, so it is
never logged: the `httpx` request log is filtered to hide query strings (see `install_log_redaction`).

>>> cache = TtlCache(ttl_seconds=3600, max_items=2, clock=lambda: 0.0)
>>> cache.add_if_new("m1"), cache.add_if_new("m1")
(True, False)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from api.dingtalk.models import MarkdownMessage

log = logging.getLogger("policybot.dingtalk")

# DingTalk errcodes worth retrying: 130101 "send too fast", -1 "system busy".
_RETRY_ERRCODES = {130101, -1}

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


def _wall_ms() -> int:
    return int(time.time() * 1000)


class TtlCache:
    """A bounded set whose members are forgotten `ttl_seconds` after they were added (thread-safe).

    Used to drop DingTalk's duplicate deliveries of one `msgId`. When more than `max_items` ids
    arrive within the TTL the oldest are evicted first, so memory stays bounded under any load.
    """

    def __init__(self, ttl_seconds: float, max_items: int, clock: Clock = time.monotonic) -> None:
        if ttl_seconds <= 0:
            raise ValueError(f"ttl_seconds must be greater than 0. Currently, ttl_seconds is {ttl_seconds}")
        if max_items <= 0:
            raise ValueError(f"max_items must be greater than 0. Currently, max_items is {max_items}")
        self._ttl = ttl_seconds
        self._max = max_items
        self._clock = clock
        self._items: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def add_if_new(self, key: str) -> bool:
        """Record `key`; True if it was not seen within the TTL, False for a repeat."""
        now = self._clock()
        with self._lock:
            while self._items:
                oldest, stamp = next(iter(self._items.items()))
                if now - stamp < self._ttl:
                    break
                del self._items[oldest]
            if key in self._items:
                return False
            self._items[key] = now
            while len(self._items) > self._max:
                self._items.popitem(last=False)
            return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


class RateLimiter:
    """Sliding window: at most `limit` acquisitions in any `window_seconds`; callers wait, never fail.

    >>> asyncio.run(RateLimiter(limit=20).acquire())
    0.0
    """

    def __init__(
        self,
        limit: int,
        window_seconds: float = 60.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1. Currently, limit is {limit}")
        self._limit = limit
        self._window = window_seconds
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()

    async def acquire(self) -> float:
        """Wait until one more message fits in the window; return the seconds waited."""
        waited = 0.0
        while True:
            now = self._clock()
            while self._sent and now - self._sent[0] >= self._window:
                self._sent.popleft()
            if len(self._sent) < self._limit:
                self._sent.append(now)
                return waited
            delay = self._sent[0] + self._window - now
            await self._sleep(delay)
            waited += delay


@dataclass(frozen=True)
class Outgoing:
    """One reply to deliver. `webhook` is secret: it is kept out of `repr` and logs."""

    webhook: str = field(repr=False)
    message: MarkdownMessage
    expires_at_ms: int | None = None
    robot: str = ""
    msg_id: str = ""


@dataclass
class SenderStats:
    sent: int = 0
    failed: int = 0
    expired: int = 0
    waited_seconds: float = 0.0


class _RedactQuery(logging.Filter):
    """Replace URL query strings in `httpx` log records: they carry session and token secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redact(arg) for arg in record.args)
        return True


def _redact(value: Any) -> Any:
    if isinstance(value, httpx.URL) and value.query:
        return str(value.copy_with(query=None)) + "?<redacted>"
    return value


def install_log_redaction() -> None:
    """Make the `httpx` logger hide query strings (idempotent).

    httpx logs every request URL at INFO, and both `sessionWebhook` (``?session=…``) and the
    浙政钉 token call (``?appsecret=…``) put secrets in the query.
    """
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactQuery) for f in logger.filters):
        logger.addFilter(_RedactQuery())


class WebhookSender:
    """Queue of replies, delivered in order by one background task under a per-robot rate limit.

    >>> async def demo() -> int:
    ...     sender = WebhookSender(messages_per_minute=20,
    ...                            client=httpx.AsyncClient(transport=httpx.MockTransport(
    ...                                lambda request: httpx.Response(200, json={"errcode": 0}))))
    ...     await sender.start()
    ...     sender.enqueue(Outgoing(webhook="https://example.invalid/robot", message=MarkdownMessage(
    ...         markdown={"title": "t", "text": "x"})))
    ...     await sender.join()
    ...     await sender.stop()
    ...     return sender.stats.sent
    >>> asyncio.run(demo())
    1
    """

    def __init__(
        self,
        messages_per_minute: int = 20,
        *,
        client: httpx.AsyncClient | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        wall_ms: Callable[[], int] = _wall_ms,
        timeout_seconds: float = 10.0,
        attempts: int = 3,
        retry_seconds: float = 2.0,
    ) -> None:
        if messages_per_minute < 1:
            raise ValueError(
                "messages_per_minute must be at least 1. "
                f"Currently, messages_per_minute is {messages_per_minute}"
            )
        self._per_minute = messages_per_minute
        self._client = client
        self._owns_client = client is None
        self._clock = clock
        self._sleep = sleep
        self._wall_ms = wall_ms
        self._timeout = timeout_seconds
        self._attempts = max(1, attempts)
        self._retry_seconds = retry_seconds
        self._limiters: dict[str, RateLimiter] = {}
        self._queue: asyncio.Queue[Outgoing] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._inflight = False
        self.stats = SenderStats()

    @property
    def running(self) -> bool:
        return self._worker is not None and not self._worker.done()

    @property
    def idle(self) -> bool:
        """Nothing queued and nothing being sent."""
        return (self._queue is None or self._queue.empty()) and not self._inflight

    async def start(self) -> None:
        """Start the delivery task on the running event loop (idempotent)."""
        if self.running:
            return
        install_log_redaction()
        if self._client is None:
            # No redirects: a webhook that redirects elsewhere must not receive our payload.
            self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)
            self._owns_client = True
        self._queue = asyncio.Queue()
        self._worker = asyncio.create_task(self._run(), name="dingtalk-sender")

    async def stop(self, drain_seconds: float = 5.0) -> None:
        """Deliver what is queued (up to `drain_seconds`), then stop and close the HTTP client."""
        if self._worker is not None:
            if self._queue is not None and drain_seconds > 0:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._queue.join(), drain_seconds)
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        if self._queue is not None and not self._queue.empty():
            log.warning("DingTalk sender stopped with %d undelivered replies", self._queue.qsize())
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None

    def enqueue(self, item: Outgoing) -> None:
        """Queue a reply (call from the event loop thread; `start()` must have run).

        Raises:
            RuntimeError: the sender was not started.
        """
        if self._queue is None or not self.running:
            raise RuntimeError("DingTalk sender is not running; call start() first / 钉钉发送队列未启动")
        self._queue.put_nowait(item)

    async def join(self) -> None:
        """Wait until every queued reply has been handled."""
        if self._queue is not None:
            await self._queue.join()

    def _limiter(self, robot: str) -> RateLimiter:
        limiter = self._limiters.get(robot)
        if limiter is None:
            limiter = RateLimiter(self._per_minute, 60.0, clock=self._clock, sleep=self._sleep)
            self._limiters[robot] = limiter
        return limiter

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            item = await self._queue.get()
            self._inflight = True
            try:
                await self._deliver(item)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # one bad reply must not stop the queue
                self.stats.failed += 1
                # Only the class name: httpx error texts may contain the webhook URL.
                log.warning("DingTalk reply %s failed: %s", item.msg_id, type(exc).__name__)
            finally:
                self._inflight = False
                self._queue.task_done()

    def _expired(self, item: Outgoing) -> bool:
        return item.expires_at_ms is not None and self._wall_ms() >= item.expires_at_ms

    async def _deliver(self, item: Outgoing) -> None:
        """Post one reply; retry (with backoff) what DingTalk or the network may accept later."""
        outcome = ""
        for attempt in range(self._attempts):
            if attempt:
                await self._sleep(self._retry_seconds * 2 ** (attempt - 1))
            if self._expired(item):
                self.stats.expired += 1
                log.warning("DingTalk reply %s dropped: its sessionWebhook has expired", item.msg_id)
                return
            self.stats.waited_seconds += await self._limiter(item.robot).acquire()
            if self._expired(item):
                continue  # reported at the top of the next round, or below after the last one
            assert self._client is not None
            try:
                response = await self._client.post(item.webhook, json=item.message.payload())
            except httpx.TransportError as exc:
                # Only the class name: httpx error texts may contain the webhook URL.
                outcome = type(exc).__name__
                continue
            errcode = _errcode(response)
            if response.status_code == 200 and errcode in (None, 0):
                self.stats.sent += 1
                return
            outcome = f"HTTP {response.status_code} errcode {errcode}"
            if not (response.status_code >= 500 or response.status_code == 429 or errcode in _RETRY_ERRCODES):
                break
        if self._expired(item):
            self.stats.expired += 1
            log.warning("DingTalk reply %s dropped: its sessionWebhook expired while queued", item.msg_id)
            return
        self.stats.failed += 1
        log.warning("DingTalk reply %s not delivered: %s", item.msg_id, outcome)


def _errcode(response: httpx.Response) -> int | None:
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("errcode") if isinstance(body, dict) else None
    return code if isinstance(code, int) else None
