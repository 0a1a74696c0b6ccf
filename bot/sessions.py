"""Conversation state for follow-up questions, behind a small store protocol.

Only what a follow-up needs is kept (the last indicator, topic and intent), so a session is a few
hundred bytes. The in-memory store is bounded (LRU eviction) and forgets idle sessions after a TTL;
a shared backend (e.g. Redis) can implement the same protocol; `SqliteSessionStore` shares sessions
between the worker processes of one machine.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol


@dataclass
class SessionState:
    """What the previous turns leave behind for the next one."""

    indicator: str | None = None
    topic: str | None = None
    intent: str | None = None
    operation: str | None = None  # the last numeric operation, reused by "那机架数呢？"
    plan: str | None = None  # the plan the last answer was about ("那年均增长率呢？" keeps it)
    turns: int = 0
    list_items: list[str] = field(default_factory=list)  # the last list's items (names = their ids)
    list_kind: str | None = None  # what they are: subtasks, tasks, safeguards, indicators
    list_plan: str | None = None  # the plan the list came from
    focus: str | None = None  # the item last talked about ("它属于哪个工程")
    history: list[tuple[str, str]] = field(default_factory=list)  # (question, answer), newest last

    MAX_HISTORY: ClassVar[int] = 6


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

    def __init__(self, ttl_seconds: float, max_sessions: int, clock: Callable[[], float] = time.monotonic) -> None:
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


class SqliteSessionStore:
    """Sessions in a SQLite file, shared by every worker process on one machine (WAL mode).

    >>> store = SqliteSessionStore(Path("/tmp/sessions.db"), ttl_seconds=60, max_sessions=100)  # doctest: +SKIP
    """

    def __init__(
        self, path: Path, ttl_seconds: float, max_sessions: int, clock: Callable[[], float] = time.time
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError(f"ttl_seconds must be greater than 0. Currently, ttl_seconds is {ttl_seconds}")
        if max_sessions <= 0:
            raise ValueError(f"max_sessions must be greater than 0. Currently, max_sessions is {max_sessions}")
        self._path = path
        self._ttl = ttl_seconds
        self._max = max_sessions
        self._clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self._path, check_same_thread=False, timeout=5.0, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, stamp REAL NOT NULL, state TEXT NOT NULL)"
            )
            conn.execute("CREATE INDEX IF NOT EXISTS sessions_stamp ON sessions(stamp)")
            self._conn = conn
        return self._conn

    def get(self, session_id: str) -> SessionState | None:
        with self._lock:
            row = self._db().execute("SELECT stamp, state FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None or self._clock() - row[0] > self._ttl:
            return None
        data = json.loads(row[1])
        data["history"] = [tuple(pair) for pair in data.get("history", [])]
        return SessionState(**data)

    def put(self, session_id: str, state: SessionState) -> None:
        now = self._clock()
        payload = json.dumps(asdict(state), ensure_ascii=False)
        with self._lock:
            db = self._db()
            db.execute(
                "INSERT OR REPLACE INTO sessions (id, stamp, state) VALUES (?, ?, ?)",
                (session_id, now, payload),
            )
            db.execute("DELETE FROM sessions WHERE stamp < ?", (now - self._ttl,))
            db.execute(
                "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions ORDER BY stamp DESC LIMIT -1 OFFSET ?)",
                (self._max,),
            )

    def delete(self, session_id: str) -> None:
        with self._lock:
            self._db().execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    def count(self) -> int:
        with self._lock:
            return int(self._db().execute("SELECT COUNT(*) FROM sessions").fetchone()[0])
