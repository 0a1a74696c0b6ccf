"""Plan-library notices between replicas: "the plans changed, look now" over Redis pub/sub.

Every replica polls `PlanRegistry.generation()` (a file under ``data_dir/plans``) every
``plans.watch_seconds``; that poll stays the fallback. With ``POLICYBOT_REDIS_URL`` the replica that
ingests or removes a plan also publishes the new generation, and every replica's listener refreshes its
library at once — so an ingest is answered everywhere within a second or two, not a poll period later.

A notice carries no plan data: each replica reads the plans from its own ``data_dir/plans``, which must
therefore be the same shared storage for every replica (in ``deploy/docker-compose.yml`` one volume
mounted at ``/data/plans`` in each api container). Replicas on machines without shared storage must each
be given the plan (``policybot ingest`` or ``POST /v1/plans`` on each one).

Publishing is best effort: a Redis that is down only delays the others until their next poll.

>>> import fakeredis
>>> notices = PlanNotices(fakeredis.FakeRedis(), refresh=lambda: True)
>>> notices.publish(3)
0
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from bot.redis_state import DEFAULT_PREFIX

log = logging.getLogger("policybot.library")


class PlanNotices:
    """Publish plan changes and, once `start`ed, call `refresh` on every notice from any replica.

    Args:
        client: a `redis.Redis` (see `bot.redis_state.connect`).
        refresh: what to do on a notice, e.g. ``library.refresh`` (returns whether the plans changed).
        prefix: key prefix of the deployment; the channel is ``<prefix>plans``.
        retry_seconds: pause before listening again after Redis went away.
    """

    def __init__(
        self, client: Any, refresh: Callable[[], object], prefix: str = DEFAULT_PREFIX, retry_seconds: float = 1.0
    ) -> None:
        self._client = client
        self._refresh = refresh
        self.channel = f"{prefix}plans"
        self._retry = retry_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.received = 0

    def publish(self, generation: int) -> int:
        """Tell every listening replica (best effort); returns how many received it (0 when Redis is down)."""
        import redis

        try:
            return int(self._client.publish(self.channel, str(generation)))
        except redis.exceptions.RedisError as exc:
            log.warning("plan notice not published (%s); other replicas will see the change on their next poll",
                        type(exc).__name__)
            return 0

    def start(self) -> None:
        """Listen in a daemon thread until `close` (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._listen, name="plan-notices", daemon=True)
            self._thread.start()

    def _listen(self) -> None:
        import redis

        down = False
        while not self._stop.is_set():
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self.channel)
                if down:
                    log.info("plan notices: Redis is back; listening again")
                    down = False
                    self._on_notice()  # a notice may have been missed while Redis was down
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None and message.get("type") == "message":
                        self.received += 1
                        self._on_notice()
            except redis.exceptions.RedisError as exc:
                if not down:
                    log.warning("plan notices: Redis unavailable (%s); polling only until it is back",
                                type(exc).__name__)
                down = True
                self._stop.wait(self._retry)
            finally:
                with contextlib.suppress(redis.exceptions.RedisError):
                    pubsub.close()

    def _on_notice(self) -> None:
        try:
            self._refresh()
        except Exception as exc:  # keep listening; the poll retries too
            log.error("plan library refresh after a notice failed: %s", exc)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
