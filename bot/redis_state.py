"""State shared by several replicas through Redis: the client, its one error, and the session store.

Every replica of a deployment points ``POLICYBOT_REDIS_URL`` at the same Redis. What lives there is
small and short-lived: follow-up sessions (`RedisSessionStore`), rate-limit counters, DingTalk's seen
msgIds and signatures, the per-robot send budget, and plan-library notices (`bot.plan_notices`).

A Redis that cannot be reached surfaces as `SharedStateUnavailable` (a clear 503 at the API, never a
500); the client reconnects by itself on the next call once Redis is back.

>>> client = connect("redis://127.0.0.1:6379/0")  # doctest: +SKIP
>>> store = RedisSessionStore(client, ttl_seconds=1800, max_sessions=10_000)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import Any

from bot.sessions import SessionState
from bot.settings import Settings

DEFAULT_PREFIX = "policybot:"
INSTALL_HINT = "the redis client is missing: pip install 'redis>=5' (a dependency of policybot)"


class SharedStateUnavailable(RuntimeError):
    """Redis (the replicas' shared state) cannot be reached; the message is bilingual."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "共享状态服务（Redis）暂不可用，请稍后再试 / Shared state (Redis) is unavailable, retry later"
            + (f" ({detail})" if detail else "")
        )


def connect(url: str, timeout_seconds: float = 2.0) -> Any:
    """A `redis.Redis` for `url` with short timeouts and one immediate retry (a connection that died with a
    restarted server is replaced on the retry).

    Raises:
        ValueError: `url` is not a redis:// , rediss:// or unix:// URL.
        RuntimeError: the redis client is not installed.
    """
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"redis url must start with redis://, rediss:// or unix://. Currently, it is {url[:40]!r}")
    try:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(INSTALL_HINT) from exc
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        retry=Retry(NoBackoff(), 1),
        health_check_interval=30,
    )


def redis_from_settings(settings: Settings) -> Any:
    """The replicas' shared Redis client (None without ``redis.url``); it connects on first use."""
    if not settings.redis.url:
        return None
    return connect(settings.redis.url, settings.redis.timeout_seconds)


def limits_storage(uri: str, timeout_seconds: float = 2.0) -> Any:
    """A `limits` storage for `uri` (memory:// or redis://…) whose backend errors are wrapped as
    `limits.errors.StorageError`; Redis gets the same short timeouts and one retry as `connect`."""
    import limits.storage

    options: dict[str, Any] = {}
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        options = {"socket_timeout": timeout_seconds, "socket_connect_timeout": timeout_seconds,
                   "retry": Retry(NoBackoff(), 1)}
    return limits.storage.storage_from_string(uri, wrap_exceptions=True, **options)


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Turn the client's connection errors into `SharedStateUnavailable` (other errors are bugs)."""
    import redis

    try:
        yield
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, redis.exceptions.BusyLoadingError) as exc:
        raise SharedStateUnavailable(type(exc).__name__) from exc


# Sessions: a hash id → state JSON and a sorted set id → last write (the clock's seconds). Both scripts run
# atomically in Redis, so concurrent replicas never see half an eviction.
_GET = """
local stamp = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not stamp then return false end
if tonumber(stamp) < tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1]); redis.call('HDEL', KEYS[2], ARGV[1]); return false
end
return redis.call('HGET', KEYS[2], ARGV[1])
"""
_PUT = """
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
for _, id in ipairs(old) do redis.call('ZREM', KEYS[1], id); redis.call('HDEL', KEYS[2], id) end
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[5])
if over > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[1], over)
  for i = 1, #popped, 2 do redis.call('HDEL', KEYS[2], popped[i]) end
end
redis.call('EXPIRE', KEYS[1], ARGV[6]); redis.call('EXPIRE', KEYS[2], ARGV[6])
return 1
"""
_DELETE = "redis.call('ZREM', KEYS[1], ARGV[1]); return redis.call('HDEL', KEYS[2], ARGV[1])"


class RedisSessionStore:
    """`SessionStore` in Redis, shared by every replica (same TTL and size bound as the other stores).

    Expired sessions are removed when read and on every write; beyond `max_sessions` the least recently
    written go first. Both keys also expire in Redis when nothing was written for a whole TTL.

    >>> store = RedisSessionStore(connect("redis://127.0.0.1:6379"), 1800, 10_000)  # doctest: +SKIP
    >>> store.put("s1", SessionState(indicator="5G基站数量")); store.get("s1").indicator  # doctest: +SKIP
    '5G基站数量'
    """

    def __init__(
        self,
        client: Any,
        ttl_seconds: float,
        max_sessions: int,
        clock: Callable[[], float] = time.time,
        prefix: str = DEFAULT_PREFIX,
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError(f"ttl_seconds must be greater than 0. Currently, ttl_seconds is {ttl_seconds}")
        if max_sessions <= 0:
            raise ValueError(f"max_sessions must be greater than 0. Currently, max_sessions is {max_sessions}")
        self._client = client
        self._ttl = ttl_seconds
        self._max = max_sessions
        self._clock = clock
        self._keys = [f"{prefix}sessions:stamps", f"{prefix}sessions:states"]
        self._get = client.register_script(_GET)
        self._put = client.register_script(_PUT)
        self._delete = client.register_script(_DELETE)

    def get(self, session_id: str) -> SessionState | None:
        cutoff = self._clock() - self._ttl
        with guarded():
            raw = self._get(keys=self._keys, args=[session_id, repr(cutoff)])
        if not raw:
            return None
        return SessionState.from_dict(json.loads(raw))

    def put(self, session_id: str, state: SessionState) -> None:
        now = self._clock()
        payload = json.dumps(asdict(state), ensure_ascii=False)
        keep = max(60, int(self._ttl) + 60)  # Redis's own expiry of idle keys: a backstop, in real seconds
        with guarded():
            self._put(keys=self._keys, args=[session_id, repr(now), payload, repr(now - self._ttl), self._max, keep])

    def delete(self, session_id: str) -> None:
        with guarded():
            self._delete(keys=self._keys, args=[session_id])

    def count(self) -> int:
        with guarded():
            return int(self._client.zcard(self._keys[0]))
