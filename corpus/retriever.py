"""Hybrid retrieval: dense (embedder + vector store) and jieba BM25, fused.

Fusion is a convex combination of min-max normalised scores (0.7 BM25 + 0.3 dense) by default, or
reciprocal-rank fusion (``fusion="rrf"``); on the seed the convex combination found the right passage
first for 0.90 of 70 labelled questions against 0.76 for RRF (see corpus/evaluation.py).

A `HybridRetriever` is immutable once warmed up: `corpus.index.CorpusIndex` builds a new one when
the corpus changes and swaps a single reference, so readers never see a half-built index.

>>> retriever = HybridRetriever(chunks, embedder, store)  # doctest: +SKIP
>>> retriever.warm_up()  # builds BM25; embeds nothing: the store is already filled  # doctest: +SKIP
>>> hit = retriever.search("5G基站数量2025年目标", k=3)[0]  # doctest: +SKIP
>>> hit.chunk.section, hit.ranks  # doctest: +SKIP
('附件 > 某市数字经济发展“十四五”规划主要目标测算表', {'bm25': 1, 'dense': 1})
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from corpus.bm25 import BM25Index, to_simplified
from corpus.chunking import index_text, keyword_text
from corpus.fusion import convex_combination, reciprocal_rank_fusion
from corpus.types import Chunk, Embedder, Hit, VectorStore

RetrievalMode = Literal["hybrid", "dense", "bm25"]
FusionMode = Literal["convex", "rrf"]
# Measured on the seed (corpus/eval/retrieval.jsonl and the shared dev set): keyword evidence is the
# more reliable list for this corpus, so it carries 0.7 of a convex combination.
DEFAULT_WEIGHTS: dict[str, float] = {"bm25": 0.7, "dense": 0.3}
Granularity = Literal["leaf", "parent", "all"]
DenseWhen = Literal["always", "undecided"]


def bm25_decides(bm25: Sequence[tuple[str, float]], weights: Mapping[str, float]) -> bool:
    """True when no dense list can change the first hit of a convex fusion of these BM25 scores.

    With the BM25 floor at 0, the best keyword hit scores at least ``w_bm25`` and any other item at most
    ``w_bm25 * s2 / s1 + w_dense`` (``s2`` the runner-up's score, or 0 for an item BM25 did not find). So
    the first hit is fixed when ``s2 / s1 < 1 - w_dense / w_bm25`` (4/7 for the 0.7/0.3 default).

    >>> bm25_decides([("a", 10.0), ("b", 5.0)], {"bm25": 0.7, "dense": 0.3})
    True
    >>> bm25_decides([("a", 10.0), ("b", 6.0)], {"bm25": 0.7, "dense": 0.3})
    False
    """
    w_bm25, w_dense = float(weights.get("bm25", 1.0)), float(weights.get("dense", 1.0))
    if not bm25 or bm25[0][1] <= 0 or w_bm25 <= w_dense:
        return False
    runner_up = bm25[1][1] if len(bm25) > 1 else 0.0
    return runner_up / bm25[0][1] < 1 - w_dense / w_bm25


@runtime_checkable
class Reranker(Protocol):
    """Optional second stage: reorder the fused candidates for a query."""

    def warm_up(self) -> None: ...

    def rerank(self, query: str, hits: Sequence[Hit]) -> list[Hit]: ...


class CrossEncoderReranker:
    """sentence-transformers CrossEncoder from a local dir (e.g. bge-reranker-base); off by default.

    >>> reranker = CrossEncoderReranker("/models/bge-reranker-base")  # doctest: +SKIP
    >>> HybridRetriever(chunks, emb, store, reranker=reranker)  # doctest: +SKIP
    """

    def __init__(self, model_path: str | Path, max_candidates: int = 20) -> None:
        self.model_path = Path(model_path)
        self.max_candidates = max_candidates
        self._model: Any = None

    def warm_up(self) -> None:
        if self._model is None:
            if not self.model_path.exists():
                raise RuntimeError(f"重排模型目录不存在 / cross-encoder dir not found: {self.model_path}")
            from sentence_transformers import CrossEncoder

            self._model = CrossEncoder(str(self.model_path), device="cpu", local_files_only=True)

    def rerank(self, query: str, hits: Sequence[Hit]) -> list[Hit]:
        self.warm_up()
        head, tail = list(hits[: self.max_candidates]), list(hits[self.max_candidates :])
        if not head:
            return []
        scores = self._model.predict([(query, index_text(h.chunk)) for h in head])
        ranked = sorted(zip(head, scores, strict=True), key=lambda p: -float(p[1]))
        return [Hit(h.chunk, float(s), {**h.ranks, "rerank": i}) for i, (h, s) in enumerate(ranked, 1)] + tail


def select_searchable(chunks: Iterable[Chunk], granularity: Granularity) -> list[Chunk]:
    """The chunks a retriever matches on.

    leaf: small chunks (sentence windows, one per task item, one per table row);
    parent: whole paragraphs/sections and tables, plus leaves that have no parent;
    all: both.
    """
    chunks = list(chunks)
    if granularity == "all":
        return chunks
    if granularity == "leaf":
        return [c for c in chunks if c.metadata.get("leaf", True)]
    if granularity == "parent":
        return [c for c in chunks if c.parent_id is None]
    raise ValueError(f"granularity must be one of leaf, parent, all. Currently, it is {granularity!r}")


class HybridRetriever:
    """Question → ranked chunks, from BM25 and dense search fused by RRF (see module docstring).

    Args:
        chunks: every chunk of the corpus (parents too, so `parent` can expand a hit).
        embedder / store: dense side; the store must already hold the searchable chunks' vectors
            (`CorpusIndex` fills it). None for a BM25-only retriever.
        extra_terms: domain terms for the jieba dictionary.
        fusion: convex (default: weighted sum of min-max normalised scores) or rrf (reciprocal rank).
        weights: per-list weights; None → {"bm25": 0.7, "dense": 0.3} for convex, equal for rrf.
        rrf_k: RRF constant (fusion="rrf").
        mode: hybrid, dense or bm25 (the last two for measurement).
        granularity: which chunks are matched on (`select_searchable`).
        candidates: depth of each list before fusion.
        reranker: optional second stage.
        result_cache_size: LRU size of cached (query, k) results; 0 disables.
        dense: "always" embeds every query; "undecided" (convex fusion) embeds only when the dense list
            could still change the first hit (`bm25_decides`): otherwise BM25 alone ranks.
        shared_tokenizer: name of a process-wide jieba tokenizer (`corpus.bm25.shared_tokenizer`) instead
            of a private dictionary copy (≈ 15 MB): for many plans in one process.
    """

    def __init__(
        self,
        chunks: Sequence[Chunk],
        embedder: Embedder | None,
        store: VectorStore | None,
        extra_terms: Iterable[str] = (),
        rrf_k: int = 60,
        weights: Mapping[str, float] | None = None,
        mode: RetrievalMode = "hybrid",
        granularity: Granularity = "leaf",
        candidates: int = 50,
        reranker: Reranker | None = None,
        fusion: FusionMode = "convex",
        result_cache_size: int = 1024,
        dense: DenseWhen = "always",
        shared_tokenizer: str | None = None,
    ) -> None:
        if mode not in ("hybrid", "dense", "bm25"):
            raise ValueError(f"mode must be one of hybrid, dense, bm25. Currently, it is {mode!r}")
        if mode != "bm25" and (embedder is None or store is None):
            raise ValueError(f"mode {mode!r} needs an embedder and a vector store")
        self._chunks = list(chunks)
        self._by_id = {c.id: c for c in self._chunks}
        self.searchable = select_searchable(self._chunks, granularity)
        self._searchable_ids = {c.id for c in self.searchable}
        self.embedder = embedder
        self.store = store
        self.rrf_k = rrf_k
        self.weights = dict(weights) if weights is not None else (
            dict(DEFAULT_WEIGHTS) if fusion == "convex" else {}
        )
        self.mode = mode
        self.granularity = granularity
        self.candidates = candidates
        self.reranker = reranker
        if fusion not in ("convex", "rrf"):
            raise ValueError(f"fusion must be one of convex, rrf. Currently, it is {fusion!r}")
        self.fusion = fusion
        if dense not in ("always", "undecided"):
            raise ValueError(f"dense must be one of always, undecided. Currently, it is {dense!r}")
        self.dense = dense
        self.skipped_dense = 0  # queries ranked by BM25 alone (dense="undecided")
        self.bm25 = BM25Index([keyword_text(c) for c in self.searchable], [c.id for c in self.searchable],
                              extra_terms=extra_terms, shared=shared_tokenizer)
        self._warm = False
        # A retriever never changes after warm-up (a rebuild makes a new one), so results can be cached.
        self.result_cache_size = result_cache_size
        self._results: OrderedDict[tuple[str, int], list[Hit]] = OrderedDict()
        self._results_lock = threading.Lock()

    @property
    def chunks(self) -> list[Chunk]:
        """Every chunk, parents included, in document order."""
        return list(self._chunks)

    def get(self, chunk_id: str) -> Chunk | None:
        """The chunk with this id, or None."""
        return self._by_id.get(chunk_id)

    def parent(self, chunk: Chunk) -> Chunk | None:
        """The chunk's parent (its whole paragraph/section or table), or None for a top-level chunk."""
        return self._by_id.get(chunk.parent_id) if chunk.parent_id else None

    def warm_up(self) -> None:
        """Build BM25 and load the embedder; the store must be filled already."""
        if self._warm:
            return
        self.bm25.warm_up()
        if self.mode != "bm25":
            assert self.embedder is not None and self.store is not None
            self.embedder.warm_up()
            self.store.warm_up()
        if self.reranker is not None:
            self.reranker.warm_up()
        self._warm = True

    def _collapse(self, items: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
        """Report a match-only chunk (a sub-task name) as its parent item; keep each id's best entry."""
        out: list[tuple[str, float]] = []
        seen: set[str] = set()
        for cid, score in items:
            chunk = self._by_id[cid]
            if chunk.metadata.get("collapse") and chunk.parent_id in self._by_id:
                cid = chunk.parent_id
            if cid not in seen:
                seen.add(cid)
                out.append((cid, score))
        return out

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """Top `k` chunks for `query`, best first; [] for an empty query.

        Raises:
            ValueError: k < 1.
        """
        if k < 1:
            raise ValueError(f"k must be greater than 0. Currently, k is {k}")
        query = (query or "").strip()
        if not query:
            return []
        key = (query, k)
        with self._results_lock:
            cached = self._results.get(key)
            if cached is not None:
                self._results.move_to_end(key)
                return list(cached)
        self.warm_up()
        depth = max(self.candidates, k)
        scored: dict[str, list[tuple[str, float]]] = {}
        if self.mode in ("hybrid", "bm25"):
            scored["bm25"] = self.bm25.search(query, depth)
        skip_dense = (self.mode == "hybrid" and self.dense == "undecided" and self.fusion == "convex"
                      and bm25_decides(self._collapse(scored["bm25"]), self.weights))
        if skip_dense:
            self.skipped_dense += 1
        elif self.mode in ("hybrid", "dense"):
            assert self.embedder is not None and self.store is not None
            vector = self.embedder.embed_query(to_simplified(query))
            # The store may briefly hold chunks of a newer or older corpus during a rebuild; keep ours.
            dense = self.store.search(vector, depth + 16)
            scored["dense"] = [(cid, s) for cid, s in dense if cid in self._searchable_ids][:depth]
        scored = {name: self._collapse(items) for name, items in scored.items()}
        if self.fusion == "rrf":
            fused = reciprocal_rank_fusion({n: [cid for cid, _ in items] for n, items in scored.items()},
                                           k=self.rrf_k, weights=self.weights)
        else:
            fused = convex_combination(scored, weights=self.weights, floors={"bm25": 0.0})
        hits = [Hit(self._by_id[f.id], f.score, f.ranks) for f in fused[: max(k, 20)]]
        if self.reranker is not None:
            hits = self.reranker.rerank(query, hits)
        hits = hits[:k]
        if self.result_cache_size:
            with self._results_lock:
                self._results[key] = hits
                while len(self._results) > self.result_cache_size:
                    self._results.popitem(last=False)
        return list(hits)
