"""DingTalk's shared state: one contract per protocol, passed by the in-process and the Redis backends.

The Redis backends run against a real redis-server on loopback (fixture `redis_url`); expiry is checked
with short TTLs and a sleep well past them (only "gone after the TTL" is asserted, never "still there
just before it").
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

from api.dingtalk.replay import InMemoryReplayCache, ReplayCache, TtlCache, make_replay_cache
from api.dingtalk.sender import RateLimiter
from api.dingtalk.service import bot_from_settings
from api.dingtalk.shared import RedisReplayCache, RedisSeenIds, RedisSendBudget, SeenIds, SendBudget
from bot.redis_state import SharedStateUnavailable, connect, limits_storage
from bot.settings import DingTalkSettings, RedisSettings, Settings


class ReplayCacheContract:
    @pytest.fixture
    def make(self) -> Callable[[], ReplayCache]:
        raise NotImplementedError

    def test_a_key_is_new_once(self, make: Callable[[], ReplayCache]) -> None:
        cache = make()
        later = time.time() + 3600
        assert [cache.add_if_new("1:a", later), cache.add_if_new("1:a", later), cache.add_if_new("1:b", later)] == [
            True, False, True]

    def test_a_key_is_forgotten_after_its_expiry(self, make: Callable[[], ReplayCache]) -> None:
        cache = make()
        assert cache.add_if_new("2:a", time.time() + 0.3) is True
        time.sleep(0.8)
        assert cache.add_if_new("2:a", time.time() + 3600) is True
        assert cache.add_if_new("2:a", time.time() + 3600) is False


class TestInMemoryReplayCache(ReplayCacheContract):
    @pytest.fixture
    def make(self) -> Callable[[], ReplayCache]:
        return InMemoryReplayCache


class TestRedisReplayCache(ReplayCacheContract):
    @pytest.fixture
    def make(self, redis_url: str) -> Callable[[], ReplayCache]:
        return lambda: RedisReplayCache(connect(redis_url))

    def test_two_replicas_refuse_each_others_replays(self, redis_url: str) -> None:
        one, two = RedisReplayCache(connect(redis_url)), RedisReplayCache(connect(redis_url))
        later = time.time() + 3600
        assert (one.add_if_new("3:sig", later), two.add_if_new("3:sig", later)) == (True, False)


class SeenIdsContract:
    @pytest.fixture
    def make(self) -> Callable[[float], SeenIds]:
        raise NotImplementedError

    def test_an_id_is_new_once(self, make: Callable[[float], SeenIds]) -> None:
        seen = make(3600)
        assert [seen.add_if_new("m1"), seen.add_if_new("m1"), seen.add_if_new("m2")] == [True, False, True]

    def test_an_id_is_forgotten_after_the_ttl(self, make: Callable[[float], SeenIds]) -> None:
        seen = make(0.3)
        assert seen.add_if_new("m1") is True
        time.sleep(0.8)
        assert [seen.add_if_new("m1"), seen.add_if_new("m1")] == [True, False]

    @pytest.mark.parametrize("ttl", [0, -1])
    def test_rejects_a_bad_ttl(self, make: Callable[[float], SeenIds], ttl: float) -> None:
        with pytest.raises(ValueError, match="must be greater than 0"):
            make(ttl)


class TestTtlCache(SeenIdsContract):
    @pytest.fixture
    def make(self) -> Callable[[float], SeenIds]:
        return lambda ttl: TtlCache(ttl, 1000)


class TestRedisSeenIds(SeenIdsContract):
    @pytest.fixture
    def make(self, redis_url: str) -> Callable[[float], SeenIds]:
        return lambda ttl: RedisSeenIds(connect(redis_url), ttl)

    def test_a_message_sent_to_two_replicas_is_taken_once(self, redis_url: str) -> None:
        one, two = RedisSeenIds(connect(redis_url), 7200), RedisSeenIds(connect(redis_url), 7200)
        assert (one.add_if_new("msg-x"), two.add_if_new("msg-x"), two.add_if_new("msg-y")) == (True, False, True)


class SendBudgetContract:
    @pytest.fixture
    def make(self) -> Callable[[str, int], SendBudget]:
        raise NotImplementedError

    def test_limit_then_wait(self, make: Callable[[str, int], SendBudget]) -> None:
        budget = make("robot-a", 3)
        assert [budget.try_acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
        wait = budget.try_acquire()
        assert 0 < wait <= 60

    def test_robots_have_their_own_budget(self, make: Callable[[str, int], SendBudget]) -> None:
        a, b = make("robot-a", 1), make("robot-b", 1)
        assert a.try_acquire() == 0.0 and a.try_acquire() > 0
        assert b.try_acquire() == 0.0

    def test_acquire_within_the_limit_does_not_wait(self, make: Callable[[str, int], SendBudget]) -> None:
        budget = make("robot-c", 2)
        assert asyncio.run(budget.acquire()) == 0.0


class TestRateLimiter(SendBudgetContract):
    @pytest.fixture
    def make(self) -> Callable[[str, int], SendBudget]:
        return lambda robot, limit: RateLimiter(limit)


class TestRedisSendBudget(SendBudgetContract):
    @pytest.fixture
    def make(self, redis_url: str) -> Callable[[str, int], SendBudget]:
        storage = limits_storage(redis_url)
        return lambda robot, limit: RedisSendBudget(storage, robot, limit)

    def test_one_budget_across_replicas(self, redis_url: str) -> None:
        one = RedisSendBudget(limits_storage(redis_url), "robot-shared", 3)
        two = RedisSendBudget(limits_storage(redis_url), "robot-shared", 3)
        assert [one.try_acquire(), two.try_acquire(), one.try_acquire()] == [0.0, 0.0, 0.0]
        assert two.try_acquire() > 0 and one.try_acquire() > 0

    def test_unreachable_redis_means_wait_and_retry(self) -> None:
        from servers import free_port

        budget = RedisSendBudget(limits_storage(f"redis://127.0.0.1:{free_port()}/0", 0.5), "robot", 20)
        assert budget.try_acquire() == 1.0


def _redis_settings(url: str | None, backend: str = "auto") -> Settings:
    return Settings(_env_file=None, redis=RedisSettings(url=url),  # type: ignore[call-arg]
                    dingtalk=DingTalkSettings(replay_backend=backend))  # type: ignore[arg-type]


@pytest.mark.parametrize(("url", "backend", "kind"), [
    (None, "auto", InMemoryReplayCache),
    ("redis://127.0.0.1:1/0", "auto", RedisReplayCache),
    ("redis://127.0.0.1:1/0", "memory", InMemoryReplayCache),
    ("redis://127.0.0.1:1/0", "redis", RedisReplayCache),
])
def test_backend_choice(url: str | None, backend: str, kind: type) -> None:
    settings = _redis_settings(url, backend)
    assert type(make_replay_cache(settings)) is kind
    bot = bot_from_settings(settings, chat=None)  # type: ignore[arg-type]
    assert type(bot.replay) is kind
    assert (type(bot._seen) is RedisSeenIds) == (kind is RedisReplayCache)


def test_redis_backend_without_url_fails_with_the_setting_to_set() -> None:
    with pytest.raises(ValueError, match="POLICYBOT_REDIS_URL"):
        make_replay_cache(_redis_settings(None, "redis"))


def test_fakeredis_unit_seen_ids_use_the_prefix() -> None:
    import fakeredis

    client: Any = fakeredis.FakeRedis()
    RedisSeenIds(client, 60, prefix="dep1:").add_if_new("m")
    assert client.keys() == [b"dep1:dingtalk:msg:m"]
    assert 0 < client.pttl(b"dep1:dingtalk:msg:m") <= 60_000


def test_unreachable_redis_raises_shared_state_unavailable() -> None:
    from servers import free_port

    seen = RedisSeenIds(connect(f"redis://127.0.0.1:{free_port()}/0", 0.5), 60)
    with pytest.raises(SharedStateUnavailable):
        seen.add_if_new("m")


def test_two_senders_share_one_robot_budget(redis_url: str) -> None:
    """Two replicas' senders, 4 replies each for one robot, a 3/min budget in Redis: 3 go out in total, the
    other 5 wait for the window (each sender's own 3/min would have sent 6)."""
    from fakes.dingtalk_webhook import FakeWebhook

    from api.dingtalk.models import MarkdownMessage
    from api.dingtalk.sender import Outgoing, WebhookSender

    webhook = FakeWebhook()
    storage = limits_storage(redis_url)

    async def run() -> tuple[int, int, int]:
        senders = [
            WebhookSender(3, budget_factory=lambda robot: RedisSendBudget(storage, robot, 3)) for _ in range(2)
        ]
        for sender in senders:
            await sender.start()
        for n in range(8):
            senders[n % 2].enqueue(Outgoing(
                webhook=webhook.url("budget"), robot="robot-budget", msg_id=f"m{n}",
                message=MarkdownMessage(markdown={"title": "t", "text": f"reply {n}"}),
            ))
        deadline = time.monotonic() + 30
        while sum(s.stats.sent for s in senders) < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(2.0)  # room for a fourth send, were the budget not shared
        sent = sum(s.stats.sent for s in senders)
        queued = sum(s.queued("robot-budget") for s in senders)
        for sender in senders:
            await sender.stop(drain_seconds=0)
        return sent, queued, len(webhook.for_session("budget"))

    try:
        assert asyncio.run(run()) == (3, 5, 3)
    finally:
        webhook.close()
