"""Session stores: one contract (TTL with a fake clock, size bound, thread safety) for every backend."""

from __future__ import annotations

import dataclasses
import json
import random
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.sessions import InMemorySessionStore, SessionState, SessionStore, SqliteSessionStore


@dataclass
class FakeClock:
    now: float = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


StoreFactory = Callable[[float, int, FakeClock], SessionStore]


class SessionStoreContract:
    """Every SessionStore implementation passes these; subclasses provide `make`."""

    @pytest.fixture
    def make(self, tmp_path: Path) -> StoreFactory:
        raise NotImplementedError

    def test_round_trip_and_delete(self, make: StoreFactory) -> None:
        store = make(60, 10, FakeClock())
        assert store.get("s1") is None
        store.put("s1", SessionState(plan="wz-digital-14", indicator="5G基站数量", operation="cagr", turns=2))
        got = store.get("s1")
        assert got is not None
        assert (got.plan, got.indicator, got.operation, got.turns) == ("wz-digital-14", "5G基站数量", "cagr", 2)
        store.delete("s1")
        store.delete("never-existed")  # deleting an unknown id is not an error
        assert store.get("s1") is None

    @pytest.mark.parametrize(
        ("idle", "alive"), [(0, True), (59.9, True), (60, True), (60.1, False), (3600, False)]
    )
    def test_ttl(self, make: StoreFactory, idle: float, alive: bool) -> None:
        clock = FakeClock()
        store = make(60, 10, clock)
        store.put("s", SessionState(topic="数字基建"))
        clock.advance(idle)
        assert (store.get("s") is not None) is alive

    def test_put_restarts_the_ttl(self, make: StoreFactory) -> None:
        clock = FakeClock()
        store = make(60, 10, clock)
        store.put("s", SessionState(turns=1))
        clock.advance(50)
        store.put("s", SessionState(turns=2))
        clock.advance(50)
        got = store.get("s")
        assert got is not None and got.turns == 2

    def test_size_is_bounded_oldest_evicted(self, make: StoreFactory) -> None:
        clock = FakeClock()
        store = make(3600, 3, clock)
        for n in range(10):
            store.put(f"s{n}", SessionState(turns=n))
            clock.advance(1)
            assert store.count() <= 3
        assert [store.get(f"s{n}") is not None for n in range(10)] == [False] * 7 + [True] * 3

    @pytest.mark.parametrize(("ttl", "size"), [(0, 10), (-1, 10), (60, 0), (60, -5)])
    def test_rejects_bad_bounds(self, make: StoreFactory, ttl: float, size: int) -> None:
        with pytest.raises(ValueError, match="must be greater than 0"):
            make(ttl, size, FakeClock())

    def test_concurrent_put_get_delete(self, make: StoreFactory) -> None:
        """8 threads hammer 50 ids; no exception, the bound holds, a read never sees another id's state."""
        store = make(3600, 20, FakeClock())
        errors: list[BaseException] = []
        barrier = threading.Barrier(8)

        def worker(seed: int) -> None:
            rng = random.Random(seed)
            barrier.wait()
            try:
                for _ in range(400):
                    sid = f"s{rng.randrange(50)}"
                    action = rng.random()
                    if action < 0.5:
                        store.put(sid, SessionState(topic=sid, turns=seed))
                    elif action < 0.9:
                        got = store.get(sid)
                        assert got is None or got.topic == sid
                    else:
                        store.delete(sid)
                    assert store.count() <= 20
            except BaseException as exc:  # collected and re-raised in the main thread
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads), "a worker hung (deadlock?)"
        assert errors == []
        assert store.count() <= 20


class TestInMemorySessionStore(SessionStoreContract):
    @pytest.fixture
    def make(self, tmp_path: Path) -> StoreFactory:
        return lambda ttl, size, clock: InMemorySessionStore(ttl_seconds=ttl, max_sessions=size, clock=clock)

    def test_reading_keeps_a_session_from_eviction(self) -> None:
        store = InMemorySessionStore(ttl_seconds=60, max_sessions=2, clock=FakeClock())
        store.put("a", SessionState(turns=1))
        store.put("b", SessionState(turns=2))
        assert store.get("a") is not None  # "a" is now the most recently used
        store.put("c", SessionState(turns=3))
        assert store.get("b") is None
        assert store.get("a") is not None and store.get("c") is not None

    def test_expired_session_is_removed_on_read(self) -> None:
        clock = FakeClock()
        store = InMemorySessionStore(ttl_seconds=10, max_sessions=5, clock=clock)
        store.put("a", SessionState())
        clock.advance(11)
        assert store.get("a") is None
        assert store.count() == 0


class TestSqliteSessionStore(SessionStoreContract):
    @pytest.fixture
    def make(self, tmp_path: Path) -> StoreFactory:
        path = tmp_path / "sessions.db"
        return lambda ttl, size, clock: SqliteSessionStore(
            path, ttl_seconds=ttl, max_sessions=size, clock=clock
        )

    def test_expired_sessions_leave_the_files(self, tmp_path: Path) -> None:
        """An expired session's bytes are gone from sessions.db and its WAL, not just from the table."""
        clock = FakeClock()
        path = tmp_path / "sessions.db"
        store = SqliteSessionStore(path, ttl_seconds=60, max_sessions=10, clock=clock)
        store.put("old", SessionState(topic="MARKER-保密话题"))
        assert MARKER in _file_bytes(path)  # control: the check below can fail
        clock.advance(61)
        store.put("new", SessionState(topic="数字基建"))  # a write purges expired rows
        assert store.count() == 1
        assert MARKER not in _file_bytes(path)

    def test_expired_session_read_is_deleted(self, tmp_path: Path) -> None:
        clock = FakeClock()
        store = SqliteSessionStore(tmp_path / "s.db", ttl_seconds=60, max_sessions=10, clock=clock)
        store.put("a", SessionState(turns=1))
        clock.advance(61)
        assert store.get("a") is None
        assert store.count() == 0

    def test_opening_purges_and_scrubs_history_of_older_versions(self, tmp_path: Path) -> None:
        """Rows written by the version that kept (question, answer) pairs lose them on open."""
        path = tmp_path / "sessions.db"
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE sessions (id TEXT PRIMARY KEY, stamp REAL NOT NULL, state TEXT NOT NULL)")
        legacy = {"indicator": "5G基站数量", "turns": 3, "intent": "indicator",
                  "history": [["MARKER-保密话题 问题", "MARKER-保密话题 完整回答"]]}
        conn.execute("INSERT INTO sessions VALUES (?, ?, ?)", ("live", 1_000.0, json.dumps(legacy)))
        conn.execute("INSERT INTO sessions VALUES (?, ?, ?)", ("gone", 1.0, json.dumps({"topic": "MARKER-保密话题"})))
        conn.commit()
        conn.close()
        store = SqliteSessionStore(path, ttl_seconds=60, max_sessions=10, clock=FakeClock(now=1_010.0))
        got = store.get("live")
        assert got == SessionState(indicator="5G基站数量", turns=3)
        assert store.count() == 1  # "gone" was 1,009 s old
        assert MARKER not in _file_bytes(path)

    def test_two_stores_on_one_file_share_sessions(self, tmp_path: Path) -> None:
        """What `--workers N` relies on: another process (here another connection) sees the session."""
        clock = FakeClock()
        one = SqliteSessionStore(tmp_path / "s.db", ttl_seconds=60, max_sessions=10, clock=clock)
        two = SqliteSessionStore(tmp_path / "s.db", ttl_seconds=60, max_sessions=10, clock=clock)
        one.put("shared", SessionState(indicator="数字经济核心产业增加值"))
        got = two.get("shared")
        assert got is not None and got.indicator == "数字经济核心产业增加值"


class TestRedisSessionStore(SessionStoreContract):
    """The same contract against a real redis-server on loopback."""

    @pytest.fixture
    def make(self, tmp_path: Path, redis_url: str) -> StoreFactory:
        from bot.redis_state import RedisSessionStore, connect

        return lambda ttl, size, clock: RedisSessionStore(
            connect(redis_url), ttl_seconds=ttl, max_sessions=size, clock=clock
        )

    def test_two_replicas_share_sessions(self, redis_url: str) -> None:
        """Two clients (two replicas) on one Redis see each other's sessions and deletions."""
        from bot.redis_state import RedisSessionStore, connect

        clock = FakeClock()
        one = RedisSessionStore(connect(redis_url), ttl_seconds=60, max_sessions=10, clock=clock)
        two = RedisSessionStore(connect(redis_url), ttl_seconds=60, max_sessions=10, clock=clock)
        one.put("shared", SessionState(plan="p1", indicator="数字经济核心产业增加值", turns=1))
        assert two.get("shared") == SessionState(plan="p1", indicator="数字经济核心产业增加值", turns=1)
        two.delete("shared")
        assert one.get("shared") is None and one.count() == 0

    def test_prefixes_keep_deployments_apart(self, redis_url: str) -> None:
        from bot.redis_state import RedisSessionStore, connect

        a = RedisSessionStore(connect(redis_url), 60, 10, clock=FakeClock(), prefix="a:")
        b = RedisSessionStore(connect(redis_url), 60, 10, clock=FakeClock(), prefix="b:")
        a.put("s", SessionState(turns=1))
        assert (b.get("s"), b.count(), a.count()) == (None, 0, 1)

    def test_unreachable_redis_is_shared_state_unavailable(self) -> None:
        from servers import free_port

        from bot.redis_state import RedisSessionStore, SharedStateUnavailable, connect

        store = RedisSessionStore(connect(f"redis://127.0.0.1:{free_port()}", timeout_seconds=0.5), 60, 10)
        with pytest.raises(SharedStateUnavailable, match="Redis"):
            store.get("s")
        with pytest.raises(SharedStateUnavailable, match="暂不可用"):
            store.put("s", SessionState())


MARKER = "MARKER-保密话题".encode()


def _file_bytes(db: Path) -> bytes:
    """sessions.db plus its WAL and shared-memory files, as they are on disk."""
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


def test_session_state_keeps_only_what_follow_ups_need() -> None:
    # The last list's item names (for "第三条是什么") are follow-up context, not question or answer text.
    assert [f.name for f in dataclasses.fields(SessionState)] == [
        "plan", "indicator", "topic", "operation", "turns", "list_items", "list_kind", "list_plan", "focus"
    ]


def test_chat_turn_stores_no_question_or_answer_text(components: Any) -> None:
    """After a real turn the stored state is the follow-up context only (and a follow-up still works)."""
    chat = components.deterministic
    first = chat.answer("5G基站2025年的目标是多少？", "privacy-1")
    stored = chat.sessions.get("privacy-1")
    assert stored is not None
    text = json.dumps(dataclasses.asdict(stored), ensure_ascii=False)
    assert "目标是多少" not in text and first.answer[:20] not in text
    assert (stored.indicator, stored.turns) == ("5G基站数量", 1)
    follow_up = chat.answer("那2023年呢？", "privacy-1")
    assert follow_up.figures and follow_up.figures[0].indicator == "5G基站数量"


# --- the real chat service under concurrency -------------------------------------------------------

OPENERS = [
    "5G基站2025年的目标是多少？",
    "数据中心总机架数2025年要达到多少？",
    "规上数字经济核心制造业增加值的目标是多少？",
    "工业互联网平台的目标是多少？",
]
FOLLOW_UPS = ["那2023年呢？", "年均增长多少？"]


def _conversation(chat: Any, opener: str, session_id: str) -> list[tuple[str, str, list[float]]]:
    replies = [chat.answer(q, session_id) for q in (opener, *FOLLOW_UPS)]
    return [(r.intent, r.answer, [f.value for f in r.figures]) for r in replies]


def test_concurrent_conversations_keep_their_own_context(components: Any) -> None:
    """32 three-turn conversations on 8 threads give exactly the replies they give one at a time.

    Follow-ups ("那2023年呢？") depend on the session's last indicator, so a session store or cache that
    mixed state between threads would change an answer.
    """
    chat = components.chat
    expected = {opener: _conversation(chat, opener, f"seq-{n}") for n, opener in enumerate(OPENERS)}
    results: dict[str, list[tuple[str, str, list[float]]]] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker(thread: int) -> None:
        barrier.wait()
        try:
            for k in range(4):
                session = f"t{thread}-c{k}"
                results[session] = _conversation(chat, OPENERS[(thread + k) % len(OPENERS)], session)
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a conversation hung"
    assert errors == []
    assert len(results) == 32
    for session, turns in results.items():
        thread, k = (int(part[1:]) for part in session.split("-"))
        assert turns == expected[OPENERS[(thread + k) % len(OPENERS)]], session
    # Different openers really lead to different follow-up answers (the check above can fail).
    assert len({turns[1][1] for turns in expected.values()}) == len(OPENERS)
