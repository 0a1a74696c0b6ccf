"""Conversation state for follow-up questions, behind a small store protocol.

Only what a follow-up needs is kept — the plan, the last indicator, operation and topic, and a turn
count — never the question or answer text, so a session is a few dozen bytes and a stolen
``sessions.db`` reveals no conversation. The in-memory store is bounded (LRU eviction) and forgets idle
sessions after a TTL; `SqliteSessionStore` shares sessions between the worker processes of one machine
and deletes expired sessions from disk (``secure_delete`` overwrites them, the WAL is truncated);
`bot.redis_state.RedisSessionStore` shares them between replicas. All three pass one contract test
(tests/bot/test_sessions.py).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger("policybot.sessions")


@dataclass
class SessionState:
    """What the previous turns leave behind for the next one (no question or answer text).

    >>> SessionState.from_dict({"indicator": "5G基站数量", "history": [["问", "答"]], "turns": 2})
    SessionState(plan=None, indicator='5G基站数量', topic=None, operation=None, turns=2, list_items=[], ...)
    """

    plan: str | None = None  # the plan id the conversation is about (set by plan-aware understanding)
    indicator: str | None = None
    topic: str | None = None
    operation: str | None = None  # the last numeric operation, reused by "那机架数呢？"
    turns: int = 0
    list_items: list[str] = field(default_factory=list)  # the last list's items (names = their ids)
    list_kind: str | None = None  # what they are: subtasks, tasks, safeguards, indicators
    list_plan: str | None = None  # the plan the list came from
    focus: str | None = None  # the item last talked about ("它属于哪个工程")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionState:
        """Build from stored JSON, ignoring fields this version does not keep (e.g. an old ``history``)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


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

    Expired rows are deleted when the store opens, when an expired session is read and on every write;
    ``secure_delete`` zeroes their pages and the WAL is truncated at most every `checkpoint_seconds`,
    so what is gone from the table is gone from the files too.

    >>> store = SqliteSessionStore(Path("/tmp/sessions.db"), ttl_seconds=60, max_sessions=100)  # doctest: +SKIP
    """

    def __init__(
        self,
        path: Path,
        ttl_seconds: float,
        max_sessions: int,
        clock: Callable[[], float] = time.time,
        checkpoint_seconds: float = 60.0,
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError(f"ttl_seconds must be greater than 0. Currently, ttl_seconds is {ttl_seconds}")
        if max_sessions <= 0:
            raise ValueError(f"max_sessions must be greater than 0. Currently, max_sessions is {max_sessions}")
        self._path = path
        self._ttl = ttl_seconds
        self._max = max_sessions
        self._clock = clock
        self._checkpoint_every = checkpoint_seconds
        self._last_checkpoint = float("-inf")
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self._path, check_same_thread=False, timeout=5.0, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA secure_delete=ON")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, stamp REAL NOT NULL, state TEXT NOT NULL)"
            )
            conn.execute("CREATE INDEX IF NOT EXISTS sessions_stamp ON sessions(stamp)")
            self._conn = conn
            self._scrub_old_rows(conn)
            self._purge(conn, self._clock(), force_checkpoint=True)
        return self._conn

    @staticmethod
    def _scrub_old_rows(conn: sqlite3.Connection) -> None:
        """Rewrite rows an older version stored with question/answer ``history`` (kept in plain text)."""
        rows = conn.execute("SELECT id, state FROM sessions WHERE state LIKE '%\"history\"%'").fetchall()
        for session_id, state in rows:
            try:
                kept = asdict(SessionState.from_dict(json.loads(state)))
            except (ValueError, TypeError):
                conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
                continue
            payload = json.dumps(kept, ensure_ascii=False)
            conn.execute("UPDATE sessions SET state = ? WHERE id = ?", (payload, session_id))
        if rows:
            log.info("sessions: removed question/answer history from %d stored sessions", len(rows))

    def _purge(self, conn: sqlite3.Connection, now: float, *, force_checkpoint: bool = False) -> None:
        """Delete expired rows; truncate the WAL (throttled) so their old frames leave the disk too."""
        deleted = conn.execute("DELETE FROM sessions WHERE stamp < ?", (now - self._ttl,)).rowcount
        if force_checkpoint or (deleted and now - self._last_checkpoint >= self._checkpoint_every):
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._last_checkpoint = now

    def purge_expired(self) -> None:
        """Delete every expired session from the table and the files now (also runs on writes)."""
        with self._lock:
            self._purge(self._db(), self._clock(), force_checkpoint=True)

    def get(self, session_id: str) -> SessionState | None:
        now = self._clock()
        with self._lock:
            db = self._db()
            row = db.execute("SELECT stamp, state FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if row is not None and now - row[0] > self._ttl:
                db.execute("DELETE FROM sessions WHERE id = ? AND stamp = ?", (session_id, row[0]))
                row = None
        if row is None:
            return None
        return SessionState.from_dict(json.loads(row[1]))

    def put(self, session_id: str, state: SessionState) -> None:
        now = self._clock()
        payload = json.dumps(asdict(state), ensure_ascii=False)
        with self._lock:
            db = self._db()
            db.execute(
                "INSERT OR REPLACE INTO sessions (id, stamp, state) VALUES (?, ?, ?)",
                (session_id, now, payload),
            )
            self._purge(db, now)
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

    def close(self) -> None:
        """Close the connection (a later call reopens it)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
