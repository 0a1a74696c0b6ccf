"""Conversation state for follow-up questions, behind a small store protocol.

Only what a follow-up needs is kept (the last indicator, topic and intent), so a session is a few
hundred bytes. The in-memory store is bounded (LRU eviction) and forgets idle sessions after a TTL;
a shared backend (e.g. Redis) can implement the same protocol for multi-worker deployments.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class SessionState:
    """What the previous turns leave behind for the next one."""

    indicator: str | None = None
    topic: str | None = None
    intent: str | None = None
    turns: int = 0
    history: list[tuple[str, str]] = field(default_factory=list)  # (question, answer), newest last

    MAX_HISTORY = 6


class SessionStore(Protocol):
    def get(self, session_id: str) -> SessionState | None: ...

    def put(self, session_id: str, state: SessionState) -> None: ...

    def delete(self, session_id: str) -> None: ...

    def count(self) -> int: ...


class InMemorySessionStore:
    """Thread-safe TTL + LRU session store.

    >>> store = InMemorySessionStore(ttl_seconds=60, max_sessions=2)
    >>> store.put("a", SessionState(indicator="5G基站数量"))
    >>> store.get("a").indicator
    '5G基站数量'
    """

    def __init__(
        self, ttl_seconds: float, max_sessions: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError(f"ttl_seconds must be greater than 0. Currently, ttl_seconds is {ttl_seconds}")
        if max_sessions <= 0:
            raise ValueError(f"max_sessions must be greater than 0. Currently, max_sessions is {max_sessions}")
        self._ttl = ttl_seconds
        self._max = max_sessions
        self._clock = clock
        self._data: OrderedDict[str, tuple[float, SessionState]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str) -> SessionState | None:
        now = self._clock()
        with self._lock:
            item = self._data.get(session_id)
            if item is None:
                return None
            stamp, state = item
            if now - stamp > self._ttl:
                del self._data[session_id]
                return None
            self._data.move_to_end(session_id)
            return state

    def put(self, session_id: str, state: SessionState) -> None:
        now = self._clock()
        with self._lock:
            self._data[session_id] = (now, state)
            self._data.move_to_end(session_id)
            while len(self._data) > self._max:
                self._data.popitem(last=False)

    def delete(self, session_id: str) -> None:
        with self._lock:
            self._data.pop(session_id, None)

    def count(self) -> int:
        with self._lock:
            return len(self._data)
