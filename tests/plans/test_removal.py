"""Removing a plan deletes its index data (vector collection, data_dir/index/<id>) and nothing else."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from corpus.stores import ChromaVectorStore, InMemoryVectorStore
from corpus.types import Chunk
from plans.plan_docs import write_plans


def _settings(docs: Path, data: Path):  # type: ignore[no-untyped-def]
    from bot.settings import CorpusSettings, EmbeddingSettings, PlansSettings, Settings, VectorStoreSettings

    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data,
        corpus=CorpusSettings(documents_dir=docs),
        plans=PlansSettings(default=""),
        embedding=EmbeddingSettings(mode="hash"),
        vectorstore=VectorStoreSettings(mode="chroma"),
    )


def _collections(data: Path) -> list[str]:
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(path=str(data / "chroma"), settings=Settings(anonymized_telemetry=False))
    return sorted(getattr(c, "name", c) for c in client.list_collections())


def _chunk(cid: str) -> Chunk:
    return Chunk(id=cid, text=cid, source="s.txt", section="", start=0, end=1, kind="paragraph", doc_id="d")


def test_dropped_chroma_collection_is_gone_and_searches_find_nothing(tmp_path: Path) -> None:
    store = ChromaVectorStore.persistent(tmp_path / "chroma", collection="plan-a")
    keep = ChromaVectorStore.persistent(tmp_path / "chroma", collection="plan-b")
    for s in (store, keep):
        s.warm_up()
        s.write([_chunk("x")], np.array([[1.0, 0.0]], dtype=np.float32))
    store.drop()
    store.drop()  # idempotent
    assert _collections(tmp_path) == ["plan-b"]
    assert store.search(np.array([1.0, 0.0], dtype=np.float32), k=3) == []
    assert _collections(tmp_path) == ["plan-b"]  # the search did not re-create it
    assert keep.count() == 1


def test_dropped_memory_store_is_empty() -> None:
    store = InMemoryVectorStore()
    store.write([_chunk("x"), _chunk("y")], np.eye(2, dtype=np.float32))
    store.drop()
    assert store.count() == 0 and store.search(np.array([1.0, 0.0], dtype=np.float32), k=3) == []


@pytest.fixture
def library_with_two(tmp_path: Path):  # type: ignore[no-untyped-def]
    from bot.components import build_library

    settings = _settings(tmp_path / "shipped-none", tmp_path / "data")
    (tmp_path / "shipped-none").mkdir()
    docs = write_plans(tmp_path / "docs", ("yuntai.md", "nanhu.md"))
    library = build_library(settings)
    report = library.registry.ingest([docs / "yuntai.md", docs / "nanhu.md"])
    library.refresh()
    ids = sorted(p.id for p in report.added)
    yield settings, library, ids
    library.close()


def test_a_server_library_deletes_the_removed_plans_data_only(library_with_two) -> None:  # type: ignore[no-untyped-def]
    settings, library, (first, second) = library_with_two
    data = settings.data_dir
    assert (data / "index" / first).is_dir() and (data / "index" / second).is_dir()
    assert len(_collections(data)) == 2 and all("hash-256" in c for c in _collections(data))
    library.registry.remove(first)
    library.refresh()
    assert library.ids() == [second]
    assert not (data / "index" / first).exists() and (data / "index" / second).is_dir()
    assert [first in c for c in _collections(data)] == [False] and second in _collections(data)[0]
    assert library.get(second).search("5G基站数量", k=1)  # the other plan still answers


def test_remove_plan_data_without_a_running_server(library_with_two) -> None:  # type: ignore[no-untyped-def]
    from bot.components import remove_plan_data

    settings, library, (first, second) = library_with_two
    library.registry.remove(second)  # the library is not refreshed: as when no server runs
    remove_plan_data(settings, second)
    assert not (settings.data_dir / "index" / second).exists()
    assert len(_collections(settings.data_dir)) == 1 and first in _collections(settings.data_dir)[0]
