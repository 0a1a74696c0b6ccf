"""Remembering what was already seen: DingTalk's duplicate `msgId`s and replayed signatures.

DingTalk's callback `sign` covers only the timestamp (and the secret), so a captured request could be
sent again, with any body, until its timestamp leaves the skew window. `ReplayCache` remembers every
accepted (timestamp, sign) pair until then, so each signature is accepted once. The cache is a small
protocol: `InMemoryReplayCache` serves one process; `api.dingtalk.shared.RedisReplayCache` (``SET key NX
PXAT``) implements the same method so that every worker of every replica rejects the others' replays.
`make_replay_cache(settings)` chooses the backend.

>>> cache = InMemoryReplayCache(clock=lambda: 1_000.0)
>>> cache.add_if_new("1577262236757:sig", expires_at=1_060.0), cache.add_if_new("1577262236757:sig", 1_060.0)
(True, False)
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from bot.settings import Settings

log = logging.getLogger("policybot.dingtalk")

Clock = Callable[[], float]


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


class ReplayCache(Protocol):
    """Keys seen before, each remembered until its own expiry (wall-clock seconds since the epoch)."""

    def add_if_new(self, key: str, expires_at: float) -> bool:
        """Record `key` until `expires_at`; True if it was not already recorded (and unexpired)."""
        ...


class InMemoryReplayCache:
    """`ReplayCache` in process memory (thread-safe, bounded).

    With more than `max_items` live keys the soonest-to-expire is forgotten first (and logged): only
    DingTalk can make valid signatures, so this bound is reached only under a flood of genuine callbacks.
    """

    def __init__(self, max_items: int = 100_000, clock: Clock = time.time) -> None:
        if max_items <= 0:
            raise ValueError(f"max_items must be greater than 0. Currently, max_items is {max_items}")
        self._max = max_items
        self._clock = clock
        self._expiry: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def _forget_expired(self, now: float) -> None:
        while self._heap and (self._heap[0][0] <= now or len(self._expiry) > self._max):
            expires_at, key = heapq.heappop(self._heap)
            if self._expiry.get(key) == expires_at:
                del self._expiry[key]
                if expires_at > now:
                    log.warning("DingTalk replay cache full (%d): forgot a signature before its expiry", self._max)

    def add_if_new(self, key: str, expires_at: float) -> bool:
        now = self._clock()
        with self._lock:
            self._forget_expired(now)
            if key in self._expiry:
                return False
            self._expiry[key] = expires_at
            heapq.heappush(self._heap, (expires_at, key))
            self._forget_expired(now)
            return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._expiry)


def make_replay_cache(settings: Settings, redis_client: object = None) -> ReplayCache:
    """The replay cache named by `settings.dingtalk.replay_backend` (``auto``: Redis when ``redis.url`` is set).

    Raises:
        ValueError: the backend is not supported, or ``redis`` is chosen without ``redis.url``.
    """
    backend = settings.dingtalk.replay_backend
    if backend == "redis" and not settings.redis.url:
        raise ValueError("dingtalk.replay_backend=redis needs POLICYBOT_REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    if settings.dingtalk_shared:
        from api.dingtalk.shared import RedisReplayCache
        from bot.redis_state import redis_from_settings

        client = redis_client if redis_client is not None else redis_from_settings(settings)
        return RedisReplayCache(client, prefix=settings.redis.prefix)
    if backend in ("memory", "auto"):
        return InMemoryReplayCache()
    raise ValueError(f"Replay backend {backend!r} is not supported. Available: auto, memory, redis")
