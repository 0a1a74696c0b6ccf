"""👍/👎 feedback on answers: the record, a store `Protocol` and its embedded SQLite default.

The web page posts one record per vote (`POST /v1/feedback`); `policybot feedback export` writes them all
as JSON lines or CSV for whoever reviews the answers.

>>> store = SqliteFeedbackStore(Path(":memory:"))
>>> saved = store.add(FeedbackIn(rating="up", question="5G基站目标？", answer="30000个"))
>>> [r.rating for r in store.all()]
['up']
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from bot.validation import SESSION_ID_PATTERN

Rating = Literal["up", "down"]
FEEDBACK_DB = "feedback.db"


class FeedbackIn(BaseModel):
    """`POST /v1/feedback` body: the vote and what it is about."""

    model_config = ConfigDict(extra="forbid")

    rating: Rating = Field(description="up = 有帮助, down = 没帮助.")
    question: str = Field(min_length=1, max_length=4000, description="The question as asked.")
    answer: str = Field("", max_length=20000, description="The answer text the vote is about.")
    session_id: str | None = Field(None, pattern=SESSION_ID_PATTERN)
    intent: str = Field("", max_length=40)
    citations: list[str] = Field(default_factory=list, max_length=50, description="Cited chunk ids.")
    comment: str = Field("", max_length=2000, description="Optional free text.")


class FeedbackRecord(FeedbackIn):
    id: str
    created_at: str = Field(description="UTC, ISO 8601.")


class FeedbackStore(Protocol):
    def add(self, item: FeedbackIn) -> FeedbackRecord: ...

    def all(self) -> list[FeedbackRecord]: ...


class SqliteFeedbackStore:
    """One table, one JSON document per vote; safe across threads and `serve --workers N` processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._memory: sqlite3.Connection | None = None
        if str(path) == ":memory:":
            self._memory = sqlite3.connect(":memory:", check_same_thread=False)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS feedback (id TEXT PRIMARY KEY, created_at TEXT, body TEXT)")

    def _connect(self) -> sqlite3.Connection:
        return self._memory or sqlite3.connect(self.path, timeout=10)

    def add(self, item: FeedbackIn) -> FeedbackRecord:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        record = FeedbackRecord(**item.model_dump(), id=uuid.uuid4().hex, created_at=now)
        with self._lock, self._connect() as conn:
            conn.execute(
                "INSERT INTO feedback (id, created_at, body) VALUES (?, ?, ?)",
                (record.id, record.created_at, record.model_dump_json()),
            )
        return record

    def all(self) -> list[FeedbackRecord]:
        with self._lock, self._connect() as conn:
            rows = conn.execute("SELECT body FROM feedback ORDER BY created_at, rowid").fetchall()
        return [FeedbackRecord.model_validate_json(body) for (body,) in rows]


def as_jsonl(records: Iterable[FeedbackRecord]) -> str:
    return "".join(json.dumps(r.model_dump(), ensure_ascii=False) + "\n" for r in records)


CSV_FIELDS = ["id", "created_at", "rating", "question", "answer", "session_id", "intent", "citations", "comment"]


def as_csv(records: Iterable[FeedbackRecord]) -> str:
    """CSV with a header row; citations joined by spaces."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for r in records:
        writer.writerow({**r.model_dump(), "citations": " ".join(r.citations)})
    return out.getvalue()
