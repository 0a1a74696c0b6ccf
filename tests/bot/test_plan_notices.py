"""Plan-change notices between replicas over a real redis-server on loopback."""

from __future__ import annotations

import threading

from bot.library import wait_for
from bot.plan_notices import PlanNotices
from bot.redis_state import connect


class Counter:
    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self) -> bool:
        with self._lock:
            self.calls += 1
        return True


def test_a_notice_reaches_every_listening_replica(redis_url: str) -> None:
    one, two = Counter(), Counter()
    listeners = [PlanNotices(connect(redis_url), one), PlanNotices(connect(redis_url), two)]
    for listener in listeners:
        listener.start()
    try:
        publisher = PlanNotices(connect(redis_url), refresh=lambda: None)
        assert wait_for(lambda: publisher.publish(7) == 2, 60), "listeners did not subscribe"
        assert wait_for(lambda: one.calls >= 1 and two.calls >= 1, 60)
        assert [listener.received >= 1 for listener in listeners] == [True, True]
    finally:
        for listener in listeners:
            listener.close()


def test_prefixes_are_separate_channels(redis_url: str) -> None:
    listener = PlanNotices(connect(redis_url), Counter(), prefix="dep-a:")
    assert (listener.channel, PlanNotices(connect(redis_url), Counter(), prefix="dep-b:").channel) == (
        "dep-a:plans", "dep-b:plans")


# Liveness bounds (60 s) only: events are awaited, not timed; a busy 2-core machine may be slow to reconnect.
def test_listening_survives_a_redis_restart(tmp_path: object) -> None:
    """Redis stops: publishing is a logged no-op (0 receivers); it returns: the listener hears again."""
    from servers import RedisServer

    server = RedisServer()
    server.start()
    calls = Counter()
    # The socket timeout must exceed the listener's 1 s read wait, as in production (2 s by default).
    listener = PlanNotices(connect(server.url, 3), calls, retry_seconds=0.2)
    listener.start()
    publisher = PlanNotices(connect(server.url, 0.5), refresh=lambda: None)
    try:
        assert wait_for(lambda: publisher.publish(1) == 1, 60)
        server.stop()
        assert publisher.publish(2) == 0
        server.start()
        # Back: the listener subscribes again (and refreshes once for what it may have missed).
        # Pub/sub is fire-and-forget: a notice sent while the listener resubscribes may be lost (the poll
        # covers it), so notices are sent until one is heard.
        assert wait_for(lambda: publisher.publish(3) >= 0 and listener.received >= 2, 60)
        assert calls.calls >= 3
    finally:
        listener.close()
        server.close()
