"""Asynchronous, rate-limited delivery of robot replies to DingTalk's `sessionWebhook`.

DingTalk lets a robot send 20 messages per minute; replies beyond that wait in that robot's own
bounded queue (`api.dingtalk.queues.RobotQueues`), and robots are served in turn, so one flooded robot
never delays another. A reply is dropped only when its webhook expires or its robot's queue is full
(then the oldest goes, with a log line and `stats.dropped`). A `sessionWebhook` URL is a bearer credential, so it is
never logged: the `httpx` request log is filtered to hide query strings (see `install_log_redaction`).

>>> asyncio.run(RateLimiter(limit=20).acquire())
0.0
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from api.dingtalk.models import MarkdownMessage
from api.dingtalk.queues import RobotQueues
from api.dingtalk.shared import SendBudget

log = logging.getLogger("policybot.dingtalk")

# DingTalk errcodes worth retrying: 130101 "send too fast", -1 "system busy".
_RETRY_ERRCODES = {130101, -1}

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


def _wall_ms() -> int:
    return int(time.time() * 1000)


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

    def try_acquire(self) -> float:
        """Take a slot now and return 0.0, or return the seconds until one frees up (taking nothing)."""
        now = self._clock()
        while self._sent and now - self._sent[0] >= self._window:
            self._sent.popleft()
        if len(self._sent) < self._limit:
            self._sent.append(now)
            return 0.0
        return self._sent[0] + self._window - now

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
    dropped: int = 0  # the oldest reply of a robot whose queue was full
    waited_seconds: float = 0.0  # time the scheduler waited for rate limits (no robot could send)


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
    """Per-robot queues of replies, served round-robin by one scheduler task under per-robot rate limits.

    Each robot has at most one delivery in flight (its replies stay in order) and at most
    `max_inflight` deliveries run at once; a robot that is rate-limited, retrying or slow is skipped
    while others send. `budget_factory(robot)` replaces the in-process limit with a shared one
    (`api.dingtalk.shared.RedisSendBudget`: one 20/min budget per robot across every replica).

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
        max_queue_per_robot: int = 100,
        max_inflight: int = 8,
        budget_factory: Callable[[str], SendBudget] | None = None,
    ) -> None:
        if messages_per_minute < 1:
            raise ValueError(
                "messages_per_minute must be at least 1. "
                f"Currently, messages_per_minute is {messages_per_minute}"
            )
        if max_inflight < 1:
            raise ValueError(f"max_inflight must be at least 1. Currently, max_inflight is {max_inflight}")
        self._per_minute = messages_per_minute
        self._client = client
        self._owns_client = client is None
        self._clock = clock
        self._sleep = sleep
        self._wall_ms = wall_ms
        self._timeout = timeout_seconds
        self._attempts = max(1, attempts)
        self._retry_seconds = retry_seconds
        self._max_inflight = max_inflight
        # robot → its send budget; in-process `RateLimiter`s unless a shared (Redis) budget is given.
        self._budget_factory = budget_factory
        self._limiters: dict[str, SendBudget] = {}
        self._queues: RobotQueues[Outgoing] = RobotQueues(max_queue_per_robot)
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._wake: asyncio.Event | None = None
        self._idle: asyncio.Event | None = None
        self._worker: asyncio.Task[None] | None = None
        self.stats = SenderStats()

    @property
    def running(self) -> bool:
        return self._worker is not None and not self._worker.done()

    @property
    def idle(self) -> bool:
        """Nothing queued and nothing being sent."""
        return self._queues.pending == 0 and not self._inflight

    def queued(self, robot: str) -> int:
        """Replies waiting for `robot` (not counting one being sent)."""
        return self._queues.size(robot)

    async def start(self) -> None:
        """Start the scheduler task on the running event loop (idempotent)."""
        if self.running:
            return
        install_log_redaction()
        if self._client is None:
            # No redirects: a webhook that redirects elsewhere must not receive our payload.
            self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)
            self._owns_client = True
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._update_idle()
        self._worker = asyncio.create_task(self._run(), name="dingtalk-sender")

    async def stop(self, drain_seconds: float = 5.0) -> None:
        """Deliver what is queued (up to `drain_seconds`), then stop and close the HTTP client."""
        if self._worker is not None:
            if drain_seconds > 0:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self.join(), drain_seconds)
            tasks = [self._worker, *self._inflight.values()]
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            self._worker = None
            self._inflight.clear()
        left = self._queues.clear()
        if left:
            log.warning("DingTalk sender stopped with %d undelivered replies", left)
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None

    def enqueue(self, item: Outgoing) -> None:
        """Queue a reply on its robot's queue (call from the event loop thread; `start()` must have run).

        Raises:
            RuntimeError: the sender was not started.
        """
        if self._wake is None or not self.running:
            raise RuntimeError("DingTalk sender is not running; call start() first / 钉钉发送队列未启动")
        dropped = self._queues.push(item.robot, item)
        if dropped is not None:
            self.stats.dropped += 1
            log.warning("DingTalk reply %s dropped: robot queue full", dropped.msg_id)
        self._update_idle()
        self._wake.set()

    async def join(self) -> None:
        """Wait until every queued reply has been handled."""
        while self._idle is not None and not self.idle:
            await self._idle.wait()

    def _update_idle(self) -> None:
        if self._idle is not None:
            if self.idle:
                self._idle.set()
            else:
                self._idle.clear()

    def _limiter(self, robot: str) -> SendBudget:
        limiter = self._limiters.get(robot)
        if limiter is None:
            if self._budget_factory is not None:
                limiter = self._budget_factory(robot)
            else:
                limiter = RateLimiter(self._per_minute, 60.0, clock=self._clock, sleep=self._sleep)
            self._limiters[robot] = limiter
        return limiter

    def _launch_ready(self) -> float | None:
        """Start deliveries for robots that may send now; return seconds until a rate-limited one may."""
        next_wait: float | None = None

        def eligible(robot: str) -> bool:
            nonlocal next_wait
            if robot in self._inflight or len(self._inflight) >= self._max_inflight:
                return False
            wait = self._limiter(robot).try_acquire()
            if wait > 0:
                next_wait = wait if next_wait is None else min(next_wait, wait)
                return False
            return True

        while (picked := self._queues.pop_next(eligible)) is not None:
            robot, item = picked
            task = asyncio.create_task(self._deliver_one(item), name=f"dingtalk-send-{robot[:20]}")
            self._inflight[robot] = task
            task.add_done_callback(functools.partial(self._finished, robot))
        return next_wait

    def _finished(self, robot: str, _task: asyncio.Task[None] | None = None) -> None:
        self._inflight.pop(robot, None)
        self._update_idle()
        if self._wake is not None:
            self._wake.set()

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            wait = self._launch_ready()
            if wait is None:
                # Nothing is rate-limited: an enqueue or a finished delivery wakes us.
                await self._wake.wait()
                continue
            # Some robot waits for its rate limit: sleep until then, unless something happens first.
            waker = asyncio.create_task(self._wake.wait())
            sleeper = asyncio.ensure_future(self._sleep(wait))
            await asyncio.wait({waker, sleeper}, return_when=asyncio.FIRST_COMPLETED)
            if sleeper.done() and not waker.done():
                self.stats.waited_seconds += wait
            for task in (waker, sleeper):
                task.cancel()

    async def _deliver_one(self, item: Outgoing) -> None:
        try:
            await self._deliver(item, slot_taken=True)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one bad reply must not stop the queue
            self.stats.failed += 1
            # Only the class name: httpx error texts may contain the webhook URL.
            log.warning("DingTalk reply %s failed: %s", item.msg_id, type(exc).__name__)

    def _expired(self, item: Outgoing) -> bool:
        return item.expires_at_ms is not None and self._wall_ms() >= item.expires_at_ms

    async def _deliver(self, item: Outgoing, *, slot_taken: bool = False) -> None:
        """Post one reply; retry (with backoff) what DingTalk or the network may accept later.

        `slot_taken`: the scheduler already took this robot's rate-limit slot for the first attempt.
        """
        outcome = ""
        for attempt in range(self._attempts):
            if attempt:
                await self._sleep(self._retry_seconds * 2 ** (attempt - 1))
            if self._expired(item):
                self.stats.expired += 1
                log.warning("DingTalk reply %s dropped: its sessionWebhook has expired", item.msg_id)
                return
            if not (slot_taken and attempt == 0):
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
