"""Shared value types and component protocols of the corpus package.

Every backend (embedder, vector store) implements one of the small protocols below, so the
retriever, the task matcher and the tests can swap a real backend for a deterministic fake.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

ChunkKind = Literal["paragraph", "heading", "list_item", "section", "table_row", "table", "metadata"]


class VectorStoreUnavailable(RuntimeError):
    """A vector store server cannot be reached (or failed) during a query; the API answers 503.

    The message is bilingual and names the store, never a credential.
    """


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage with its place in the document.

    >>> Chunk(id="c1", text="...", source="plan.txt", section="三、主要内容 > （四）主要任务",
    ...       start=0, end=3, kind="paragraph", doc_id="d1")
    """

    id: str
    text: str
    source: str
    section: str
    start: int
    end: int
    kind: ChunkKind
    doc_id: str
    parent_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    """A chunk returned by a retriever with its fused score (higher is better)."""

    chunk: Chunk
    score: float
    ranks: dict[str, int] = field(default_factory=dict)


@runtime_checkable
class Embedder(Protocol):
    """Dense text embedder. Vectors are L2-normalised float32 rows."""

    name: str

    @property
    def dim(self) -> int: ...

    def warm_up(self) -> None: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...


@runtime_checkable
class VectorStore(Protocol):
    """Stores chunk embeddings; `search` returns (chunk id, cosine similarity) best first."""

    def warm_up(self) -> None: ...

    def write(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> int: ...

    def search(self, embedding: np.ndarray, k: int) -> list[tuple[str, float]]: ...

    def count(self) -> int: ...

    def delete(self, ids: Sequence[str]) -> int: ...

    def drop(self) -> None:
        """Delete the whole collection (a removed plan's vectors); a later `warm_up` starts empty."""
        ...


@runtime_checkable
class Retriever(Protocol):
    """Question → ranked passages."""

    def warm_up(self) -> None: ...

    def search(self, query: str, k: int = 5) -> list[Hit]: ...
