"""DingTalk state shared by every replica through Redis: seen msgIds, accepted signatures, send budgets.

DingTalk may deliver one message to any replica behind the load balancer (and deliver it again); with
these backends every replica sees the same memory, so a message is answered once, a signature is
accepted once, and a robot's 20 messages a minute are counted across all replicas together.

- `RedisSeenIds` (msgIds) and `RedisReplayCache` ((timestamp, sign) pairs) are one ``SET key NX`` each,
  with Redis's own expiry;
- `RedisSendBudget` is a moving window per robot (`limits`' Redis strategy, a Lua script run atomically).

Each replica keeps its own reply queues (`api.dingtalk.queues`): a reply is sent by the replica that took
the message, so `sessionWebhook` URLs — bearer credentials — never leave that process; only the budget
that paces the queues is shared. A Redis that cannot be reached raises `SharedStateUnavailable` on the
callback path (DingTalk gets a 503 and retries) and makes the sender wait and retry. The sender asks the
budget from its event loop (one short Redis round trip per send; the client's timeout bounds a stall).

>>> import fakeredis
>>> seen = RedisSeenIds(fakeredis.FakeRedis(), ttl_seconds=7200)
>>> seen.add_if_new("msg-1"), seen.add_if_new("msg-1"), seen.add_if_new("msg-2")
(True, False, True)
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from bot.redis_state import DEFAULT_PREFIX, guarded

log = logging.getLogger("policybot.dingtalk")

Sleep = Callable[[float], Awaitable[None]]
STORAGE_RETRY_SECONDS = 1.0  # how long the sender waits before asking an unreachable Redis again


class SeenIds(Protocol):
    """Keys remembered for a fixed TTL: `add_if_new` is True the first time only (e.g. msgIds)."""

    def add_if_new(self, key: str) -> bool: ...


class SendBudget(Protocol):
    """A robot's send limit: `try_acquire` takes a slot (0.0) or says how long until one frees up."""

    def try_acquire(self) -> float: ...

    async def acquire(self) -> float: ...


class RedisSeenIds:
    """`SeenIds` in Redis (``SET key 1 NX PX ttl``): every replica drops the others' repeats."""

    def __init__(self, client: Any, ttl_seconds: float, prefix: str = DEFAULT_PREFIX) -> None:
        if ttl_seconds <= 0:
            raise ValueError(f"ttl_seconds must be greater than 0. Currently, ttl_seconds is {ttl_seconds}")
        self._client = client
        self._ttl_ms = max(1, round(ttl_seconds * 1000))
        self._prefix = f"{prefix}dingtalk:msg:"

    def add_if_new(self, key: str) -> bool:
        with guarded():
            return bool(self._client.set(self._prefix + key, b"1", nx=True, px=self._ttl_ms))


class RedisReplayCache:
    """`ReplayCache` in Redis (``SET key 1 NX PXAT expires_at``): a signature is accepted once by all replicas.

    >>> import fakeredis
    >>> cache = RedisReplayCache(fakeredis.FakeRedis())
    >>> later = time.time() + 60
    >>> cache.add_if_new("1577262236757:sig", later), cache.add_if_new("1577262236757:sig", later)
    (True, False)
    """

    def __init__(self, client: Any, prefix: str = DEFAULT_PREFIX, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._prefix = f"{prefix}dingtalk:sig:"
        self._clock = clock

    def add_if_new(self, key: str, expires_at: float) -> bool:
        if expires_at <= self._clock():
            return True  # already outside the window it protects: nothing to remember (the signature check refuses it)
        with guarded():
            return bool(self._client.set(self._prefix + key, b"1", nx=True, pxat=math.ceil(expires_at * 1000)))


class RedisSendBudget:
    """At most `limit` sends per `window_seconds` for one robot, counted in Redis across replicas.

    `try_acquire` never blocks on a full window: it returns the seconds until a slot frees up. While Redis
    cannot be reached it returns `STORAGE_RETRY_SECONDS` (nothing is sent unpaced).
    """

    def __init__(
        self,
        storage: Any,
        robot: str,
        limit: int = 20,
        window_seconds: int = 60,
        prefix: str = DEFAULT_PREFIX,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        import limits
        import limits.strategies

        if limit < 1:
            raise ValueError(f"limit must be at least 1. Currently, limit is {limit}")
        self._item = limits.RateLimitItemPerSecond(limit, window_seconds)
        self._limiter = limits.strategies.MovingWindowRateLimiter(storage)
        self._key = (f"{prefix}dingtalk-send", robot)
        self._sleep = sleep

    def try_acquire(self) -> float:
        import limits.errors

        try:
            if self._limiter.hit(self._item, *self._key):
                return 0.0
            reset_at = self._limiter.get_window_stats(self._item, *self._key).reset_time
        except limits.errors.StorageError as exc:
            log.warning("DingTalk send budget: Redis unavailable (%s); retrying", type(exc.storage_error).__name__)
            return STORAGE_RETRY_SECONDS
        return max(0.01, reset_at - time.time())

    async def acquire(self) -> float:
        waited = 0.0
        while (wait := await asyncio.to_thread(self.try_acquire)) > 0:
            await self._sleep(wait)
            waited += wait
        return waited
