"""`CorpusIndex`: document files → chunks → vectors in the store + BM25, kept in step with the files.

Layout under ``data_dir``:

- ``documents/``: documents added with `CorpusIndex.ingest` are **copied** here (with their
  ``.meta.yaml`` sidecar), so the data dir alone can rebuild the index; the configured documents
  (e.g. ``corpus/documents``) are read in place;
- ``corpus-index.json``: the corpus hash (document bytes + sidecars + chunker version/config +
  embedder name + granularity), the documents and the chunk ids of the last build.

The index (re)builds in `warm_up()`/`refresh()`, never at import time. Chunk ids are content hashes,
so a rebuild embeds only chunks the store does not hold yet, and ingesting a file whose bytes are
already in the corpus is a no-op. A rebuild constructs a complete new `HybridRetriever` and then
replaces one reference; the store only grows before that swap and stale vectors are deleted after it,
so a concurrent reader always sees either the old or the new index, never half of one.

>>> index = CorpusIndex([Path("corpus/documents")], Path(".data"), embedder, store)  # doctest: +SKIP
>>> index.warm_up()  # doctest: +SKIP
>>> index.search("数据中心总机架数目标", k=3)[0].chunk.section  # doctest: +SKIP
'附件 > 某市数字经济发展“十四五”规划主要目标测算表'
>>> index.ingest([Path("new-policy.docx")]).added  # doctest: +SKIP
[PosixPath('.data/documents/new-policy.docx')]
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from corpus.chunking import CHUNKER_VERSION, StructureChunker, corpus_terms, index_text
from corpus.loaders import Document, LoaderError, discover, load_document, sidecar_path
from corpus.retriever import (
    DenseWhen,
    FusionMode,
    Granularity,
    HybridRetriever,
    Reranker,
    RetrievalMode,
    select_searchable,
)
from corpus.types import Chunk, Embedder, Hit, VectorStore

log = logging.getLogger(__name__)

STATE_FILE = "corpus-index.json"
INGEST_DIR = "documents"
_EMBED_BATCH = 64


@dataclass
class IngestResult:
    """What `CorpusIndex.ingest` did: files copied, files skipped with the reason, chunk counts."""

    added: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    chunks_before: int = 0
    chunks_after: int = 0


@dataclass
class BuildStats:
    """Figures of the last (re)build."""

    corpus_hash: str = ""
    documents: int = 0
    chunks: int = 0
    searchable: int = 0
    embedded: int = 0
    deleted: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class CorpusIndex:
    """The plan corpus as a searchable index (see the module docstring).

    Args:
        documents: files or folders of documents to index in place.
        data_dir: where ingested copies and the index state live.
        embedder / store: dense backends (the store should be namespaced per embedder, as
            `corpus.factory.build_index` does).
        extra_terms: domain terms for the BM25 tokenizer (indicator names/aliases, task names); terms
            found by structure in the corpus (table rows, sub-tasks) are added automatically.
        rrf_k, weights, mode, granularity, reranker, fusion, dense, shared_tokenizer: passed to
            `HybridRetriever`.
    """

    def __init__(
        self,
        documents: Sequence[Path],
        data_dir: Path,
        embedder: Embedder,
        store: VectorStore,
        extra_terms: Iterable[str] = (),
        rrf_k: int = 60,
        weights: Mapping[str, float] | None = None,
        mode: RetrievalMode = "hybrid",
        granularity: Granularity = "leaf",
        chunker: StructureChunker | None = None,
        reranker: Reranker | None = None,
        fusion: FusionMode = "convex",
        plan_id: str = "",
        dense: DenseWhen = "always",
        shared_tokenizer: str | None = None,
    ) -> None:
        self.plan_id = plan_id
        self.dense = dense
        self.shared_tokenizer = shared_tokenizer
        self.document_roots = [Path(p) for p in documents]
        self.data_dir = Path(data_dir)
        self.embedder = embedder
        self.store = store
        self.extra_terms = tuple(extra_terms)
        self.rrf_k = rrf_k
        self.weights = dict(weights) if weights is not None else None
        self.mode = mode
        self.granularity = granularity
        self.chunker = chunker or StructureChunker()
        self.reranker = reranker
        self.fusion = fusion
        self._retriever: HybridRetriever | None = None
        self._hash: str | None = None
        self._build_lock = threading.Lock()
        self.stats = BuildStats()

    # -- paths and hash -------------------------------------------------------------------------

    @property
    def ingest_dir(self) -> Path:
        """Folder of ingested document copies."""
        return self.data_dir / INGEST_DIR

    @property
    def state_path(self) -> Path:
        return self.data_dir / STATE_FILE

    def document_paths(self) -> list[Path]:
        """Every document file of the corpus: configured roots plus ingested copies."""
        return discover([*self.document_roots, self.ingest_dir])

    def compute_hash(self, paths: Sequence[Path] | None = None) -> str:
        """Corpus hash: document bytes and sidecars, chunker version/config, embedder, granularity."""
        h = hashlib.sha256()
        for part in (CHUNKER_VERSION, repr(self.chunker.config), self.embedder.name, self.granularity):
            h.update(part.encode() + b"\x00")
        for path in paths if paths is not None else self.document_paths():
            h.update(path.name.encode() + b"\x00" + file_digest(path).encode())
            side = sidecar_path(path)
            if side.is_file():
                h.update(b"meta" + file_digest(side).encode())
        return h.hexdigest()[:32]

    @property
    def corpus_hash(self) -> str | None:
        """Hash of the corpus the current retriever was built from (None before `warm_up`)."""
        return self._hash

    # -- building -------------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Build or load the index if this process has none yet."""
        if self._retriever is None:
            self.refresh()

    def is_stale(self) -> bool:
        """True when the files on disk no longer match the current index."""
        return self._retriever is None or self.compute_hash() != self._hash

    def refresh(self, force: bool = False) -> bool:
        """Rebuild when the corpus hash changed (or `force`); returns True when a new index was swapped in."""
        with self._build_lock:
            started = time.perf_counter()
            paths = self.document_paths()
            corpus_hash = self.compute_hash(paths)
            if not force and self._retriever is not None and corpus_hash == self._hash:
                return False
            stats = BuildStats(corpus_hash=corpus_hash)
            documents: list[Document] = []
            for path in paths:
                try:
                    documents.append(load_document(path))
                except LoaderError as exc:
                    # One unreadable file must not take the whole corpus down; it is reported.
                    log.warning("skipping %s: %s", path, exc)
                    stats.errors.append(f"{path.name}: {exc}")
            chunks = self._chunk(documents)
            searchable = select_searchable(chunks, self.granularity)
            self.store.warm_up()
            self.embedder.warm_up()
            stored = self._stored_ids()
            missing = [c for c in searchable if stored is None or c.id not in stored]
            for i in range(0, len(missing), _EMBED_BATCH):
                batch = missing[i : i + _EMBED_BATCH]
                self.store.write(batch, self.embedder.embed_documents([index_text(c) for c in batch]))
            stats.embedded = len(missing)
            terms = [*self.extra_terms, *corpus_terms(chunks)]
            retriever = HybridRetriever(
                chunks, self.embedder, self.store, extra_terms=terms, rrf_k=self.rrf_k,
                weights=self.weights, mode=self.mode, granularity=self.granularity, reranker=self.reranker,
                fusion=self.fusion, dense=self.dense, shared_tokenizer=self.shared_tokenizer,
            )
            retriever.warm_up()
            # The swap: one reference assignment, atomic for readers.
            self._retriever, self._hash = retriever, corpus_hash
            if stored is not None:
                stale = stored - {c.id for c in searchable}
                stats.deleted = self.store.delete(sorted(stale)) if stale else 0
            stats.documents, stats.chunks, stats.searchable = len(documents), len(chunks), len(searchable)
            stats.seconds = time.perf_counter() - started
            self.stats = stats
            self._write_state(paths, documents, searchable, stats)
            log.info("corpus index built: %s", asdict(stats))
            return True

    def _chunk(self, documents: Sequence[Document]) -> list[Chunk]:
        chunks: list[Chunk] = []
        seen: set[str] = set()
        for doc in documents:
            # Citations name the plan and the document's title, not a file name.
            stamp = {"plan_id": self.plan_id, "doc_title": doc.title} if self.plan_id else {"doc_title": doc.title}
            for c in self.chunker.chunk(doc):
                if c.id not in seen:
                    seen.add(c.id)
                    chunks.append(dataclasses.replace(c, metadata={**c.metadata, **stamp}))
        return chunks

    def _stored_ids(self) -> set[str] | None:
        ids = getattr(self.store, "ids", None)
        return set(ids()) if callable(ids) else None

    def _write_state(self, paths: Sequence[Path], documents: Sequence[Document], searchable: Sequence[Chunk],
                     stats: BuildStats) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        state = {
            "corpus_hash": stats.corpus_hash,
            "chunker": CHUNKER_VERSION,
            "embedder": self.embedder.name,
            "granularity": self.granularity,
            "documents": [
                {"path": str(d.path), "source": d.source, "title": d.title, "issuer": d.issuer, "date": d.date}
                for d in documents
            ],
            "chunk_ids": [c.id for c in searchable],
            "build_seconds": round(stats.seconds, 3),
            "errors": stats.errors,
        }
        tmp = self.state_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.state_path)

    def read_state(self) -> dict[str, object]:
        """The state file of the last build ({} when none)."""
        try:
            return dict(json.loads(self.state_path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}

    # -- ingest ---------------------------------------------------------------------------------

    def ingest(self, paths: Iterable[Path]) -> IngestResult:
        """Copy new documents into ``data_dir/documents`` and rebuild; idempotent.

        A file whose bytes are already in the corpus (under any name) is skipped; a different file with
        a taken name is stored as ``<stem>-<hash8><suffix>``. Unreadable files are skipped with the
        reason. Folders are expanded.

        >>> index.ingest([Path("policy.pdf"), Path("policy.pdf")]).added    # doctest: +SKIP
        [PosixPath('.data/documents/policy.pdf')]
        """
        self.warm_up()
        result = IngestResult(chunks_before=len(self.chunks))
        inputs = [Path(p) for p in paths]
        for p in inputs:
            if not p.exists():
                result.skipped.append((p, "文件不存在 / no such file"))
        files = discover([p for p in inputs if p.exists()])
        for p in inputs:
            if p.is_file() and p not in files:
                result.skipped.append((p, "不支持的文件类型 / unsupported document type"))
        known = {file_digest(p) for p in self.document_paths()}
        for path in files:
            digest = file_digest(path)
            if digest in known:
                result.skipped.append((path, "已在语料中 / already in the corpus"))
                continue
            try:
                load_document(path)
            except LoaderError as exc:
                result.skipped.append((path, str(exc)))
                continue
            self.ingest_dir.mkdir(parents=True, exist_ok=True)
            target = self.ingest_dir / path.name
            if target.exists():
                target = self.ingest_dir / f"{path.stem}-{digest[:8]}{path.suffix}"
            shutil.copy2(path, target)
            side = sidecar_path(path)
            if side.is_file():
                shutil.copy2(side, sidecar_path(target))
            known.add(digest)
            result.added.append(target)
        if result.added:
            self.refresh()
        result.chunks_after = len(self.chunks)
        return result

    def destroy(self) -> None:
        """Delete everything this index stored: its vector collection and its data dir.

        The documents it was built from in place are left alone. A retriever already in memory keeps
        answering from BM25 until it is dropped; its dense side finds nothing.
        """
        with self._build_lock:
            drop = getattr(self.store, "drop", None)
            if callable(drop):
                drop()
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # -- reading --------------------------------------------------------------------------------

    @property
    def retriever(self) -> HybridRetriever:
        """The current retriever (builds the index on first use)."""
        retriever = self._retriever
        if retriever is None:
            self.warm_up()
            retriever = self._retriever
            assert retriever is not None
        return retriever

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """Top `k` chunks for `query` from the current retriever."""
        return self.retriever.search(query, k)

    @property
    def chunks(self) -> list[Chunk]:
        """Every chunk of the current index, parents included."""
        return self.retriever.chunks

    def get(self, chunk_id: str) -> Chunk | None:
        return self.retriever.get(chunk_id)

    def parent(self, chunk: Chunk) -> Chunk | None:
        return self.retriever.parent(chunk)

    @property
    def documents(self) -> list[dict[str, object]]:
        """Metadata of the indexed documents (from the state file)."""
        docs = self.read_state().get("documents")
        return list(docs) if isinstance(docs, list) else []
