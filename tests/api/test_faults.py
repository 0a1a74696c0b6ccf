"""Faults with real processes: the server SIGKILLed under load and restarted; a Chroma server stopped
mid-request and started again.

Acceptance: sessions in SQLite survive the kill, the index opens uncorrupted and answers as before, and
a vanished Chroma server gives a clear 503 with the uniform body (never a 500), then service resumes.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from bot.settings import EmbeddingSettings, ServerSettings, Settings, VectorStoreSettings
from tests.api._hardening_app import assert_uniform_error
from tests.api._live import ChromaServer, PolicybotServer, chroma_cli

OPENER = "5G基站2025年的目标是多少？"
FOLLOW_UP = "那2023年呢？"
# Answered from retrieved passages (BM25 + the vector store), not from the indicator table.
PASSAGE = "如何推进工业互联网平台建设？"
LOAD_QUESTIONS = [OPENER, PASSAGE, "数据中心总机架数2025年要达到多少？", "跨境电商有哪些任务？"]
PATIENCE = 120.0  # generous: the machine may be busy


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


class Load:
    """`threads` clients asking LOAD_QUESTIONS in fresh sessions until `stop`; records each outcome."""

    def __init__(self, send: Callable[[str, str], int], threads: int = 4) -> None:
        self.outcomes: list[int | str] = []
        self._send = send
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]

    def _run(self, n: int) -> None:
        i = 0
        while not self._stop.is_set():
            question = LOAD_QUESTIONS[i % len(LOAD_QUESTIONS)]
            try:
                outcome: int | str = self._send(question, f"load-{n}-{i}")
            except httpx.HTTPError:
                outcome = "connection"  # a killed server drops its connections
            with self._lock:
                self.outcomes.append(outcome)
            i += 1

    def start(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def count(self) -> int:
        with self._lock:
            return len(self.outcomes)

    def stop(self) -> list[int | str]:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=PATIENCE)
        assert not any(t.is_alive() for t in self._threads), "a load thread hung"
        return list(self.outcomes)


# --- SIGKILL under load -------------------------------------------------------------------------
def _chat(url: str, question: str, session: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(url + "/v1/chat", json={"question": question, "session_id": session},
                      headers=headers, timeout=PATIENCE)


def test_sigkill_under_load_then_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"POLICYBOT_EMBEDDING_MODE": "hash", "POLICYBOT_SESSION_BACKEND": "sqlite", "POLICYBOT_SERVER_RATE_LIMIT": ""}
    server = PolicybotServer(data, env).start()
    try:
        opener = _chat(server.url, OPENER, "survivor")
        assert opener.status_code == 200 and opener.json()["figures"][0]["indicator"] == "5G基站数量"
        passage_before = _chat(server.url, PASSAGE, "p-before").json()
        assert passage_before["citations"], "the passage question must use the index"

        load = Load(lambda q, s: _chat(server.url, q, s).status_code).start()
        wait_for(lambda: load.count() >= 20, "20 answers under load")
        server.kill()
        outcomes = load.stop()
        assert outcomes.count(200) >= 20
        assert set(outcomes) <= {200, "connection"}, outcomes  # no 5xx before the kill

        server.start()  # same data dir: the index and sessions.db written before the kill
        follow_up = _chat(server.url, FOLLOW_UP, "survivor")
        assert follow_up.status_code == 200
        assert follow_up.json()["figures"][0]["indicator"] == "5G基站数量"  # the session survived
        passage_after = _chat(server.url, PASSAGE, "p-after").json()
        assert passage_after["answer"] == passage_before["answer"]
        assert [c["id"] for c in passage_after["citations"]] == [c["id"] for c in passage_before["citations"]]
        with sqlite3.connect(data / "sessions.db") as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            stored = db.execute("SELECT COUNT(*) FROM sessions WHERE id LIKE 'load-%'").fetchone()[0]
        assert stored >= 20  # every answered turn had written its session before the reply

        # The real server believes no X-Forwarded-For by default (uvicorn's own default trusts 127.0.0.1).
        server.stop()
        server.extra_env["POLICYBOT_SERVER_RATE_LIMIT"] = "3/minute"
        server.start()
        statuses = [
            _chat(server.url, OPENER, f"xff-{n}", headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
            for n in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
    finally:
        server.stop()


# --- a Chroma server that goes away --------------------------------------------------------------
@pytest.fixture
def chroma(tmp_path: Path) -> Any:
    cli = chroma_cli()
    if cli is None:
        pytest.skip("the chroma CLI is not installed (pip install chromadb puts it in the venv's bin)")
    server = ChromaServer(cli, tmp_path / "chroma-db").start()
    yield server
    server.stop()


def test_chroma_server_stopped_mid_request_gives_503_then_recovers(tmp_path: Path, chroma: ChromaServer) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        embedding=EmbeddingSettings(mode="hash"),
        vectorstore=VectorStoreSettings(mode="chroma-http", host="127.0.0.1", port=chroma.port),
        server=ServerSettings(rate_limit=""),
    )
    with TestClient(create_app(settings)) as client:

        def ask(question: str, session: str) -> httpx.Response:
            return client.post("/v1/chat", json={"question": question, "session_id": session})

        assert ask(PASSAGE, "warm").json()["citations"]
        # Unique passage questions (the result cache must not hide the store) while the server stops.
        load = Load(lambda q, s: ask(f"{s}：{PASSAGE}", s).status_code, threads=2).start()
        wait_for(lambda: load.count() >= 5, "answers before the stop")
        chroma.stop()
        wait_for(lambda: load.count() >= 15, "answers after the stop")
        outcomes = load.stop()
        assert set(outcomes) <= {200, 503}, outcomes  # mid-request: answered or a clear 503, never a 500
        assert 503 in outcomes

        down = ask("数字经济核心产业有哪些重点方向？", "down")
        error = assert_uniform_error(down, 503)
        assert error["code"] == "vector_store_unavailable"
        assert down.headers["retry-after"] == "5"
        # Figures come from the indicator table: still answered without the vector store.
        assert ask(OPENER, "table").status_code == 200

        chroma.start()
        recovered = ask("数字经济核心产业有哪些重点方向？", "back")
        assert recovered.status_code == 200, recovered.text
        assert recovered.json()["citations"]
