"""Retrieval evaluation: label preparation, hit@k/MRR/budget by hand on a fake retriever, the report."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from corpus.evaluation import (
    budget_text,
    evaluate_retrieval,
    first_hit_rank,
    format_report,
    label_groups,
    load_cases,
    norm,
    prepare_cases,
)
from corpus.types import Chunk, Hit

CORPUS = "温州大学承担编制。2021年3月3日报送初审。前言、附件等6部分。5G基站数量９０７２。"


def _hit(text: str, n: int) -> Hit:
    return Hit(Chunk(id=f"c{n}", text=text, source="s", section="", start=0, end=len(text), kind="paragraph",
                     doc_id="d"), 1.0 / n)


class FixedRetriever:
    """Returns the same ranked texts for a question (a deterministic fake)."""

    def __init__(self, answers: dict[str, Sequence[str]]) -> None:
        self.answers = answers

    def warm_up(self) -> None:
        pass

    def search(self, query: str, k: int = 5) -> list[Hit]:
        return [_hit(t, n) for n, t in enumerate(self.answers.get(query, []), start=1)][:k]


CASES = [
    {"id": "A", "type": "passage", "q": "谁编制", "answer_any": ["温州大学", "浙江大学"]},
    {"id": "B", "type": "passage", "q": "何时初审", "answer_any": ["3月3日"]},
    {"id": "C", "type": "passage", "q": "几部分", "answer_all": ["前言", "附件"]},
    {"id": "D", "type": "lookup", "q": "基站", "cite": "5G基站数量9072"},
    {"id": "E", "type": "lookup", "q": "数字", "numbers": [1]},
    {"id": "F", "type": "compute", "q": "进度", "answer_any": ["超前"]},
    {"id": "G", "type": "passage", "q": "谁", "answer_any": ["北京大学"]},
    {"turns": [{"q": "x", "answer_any": ["温州大学"]}], "id": "H"},
]


def test_norm_matches_score_py() -> None:
    assert norm(" ５Ｇ 基站\n（个）") == "5G基站(个)"


def test_label_groups() -> None:
    assert label_groups({"answer_any": ["a", "b"], "answer_all": ["c", "d"], "cite": "e", "tasks_any": ["f"]}) == [
        ("a", "b"), ("c",), ("d",), ("e",), ("f",)]
    assert label_groups({"numbers": [1]}) == []


def test_prepare_cases_skips_with_reasons() -> None:
    evaluated, skipped = prepare_cases(CASES, CORPUS)
    assert [c.id for c in evaluated] == ["A", "B", "C", "D"]
    assert evaluated[0].groups == (("温州大学",),)  # the unreachable alternative is dropped
    assert skipped["E"] == "no label"
    assert skipped["F"].startswith("type compute")
    assert skipped["G"] == "unreachable: 北京大学 not in the corpus"
    assert skipped["H"] == "no single question (multi-turn)"


def test_first_hit_rank_and_budget() -> None:
    hits = [_hit("无关", 1), _hit("前言", 2), _hit("附件", 3)]
    assert first_hit_rank(hits, [("前言",), ("附件",)]) == 3
    assert first_hit_rank(hits, [("温州",)]) is None
    long = [_hit("甲" * 590, 1), _hit("乙" * 20, 2)]
    assert budget_text(long) == "甲" * 590 + "\n" + "乙" * 10


def test_metrics_by_hand() -> None:
    retriever = FixedRetriever({
        "谁编制": ["温州大学承担编制"],                           # rank 1
        "何时初审": ["无关", "无关", "3月3日报送初审"],            # rank 3
        "几部分": ["前言", "x", "y", "z", "附件"],               # rank 5 (needs both)
        "基站": ["无关"],                                         # miss
    })
    report = evaluate_retrieval(CASES, {"ours": retriever}, corpus_text=CORPUS)
    m = report.metrics["ours"]
    assert m.ranks == {"A": 1, "B": 3, "C": 5, "D": None}
    assert m.hit_at == {1: 0.25, 3: 0.5, 5: 0.75}
    assert m.mrr == pytest.approx((1 + 1 / 3 + 1 / 5) / 4)
    assert m.budget_hit == 0.75
    text = format_report(report)
    assert "hit@1" in text and "0.25" in text and "MRR" in text and "hit@600chars" in text
    assert "D (rank None): 基站" in text and "G: unreachable" in text


def test_load_cases_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": "x", "q": "y"}) + "\n\n", encoding="utf-8")
    assert load_cases(good) == [{"id": "x", "q": "y"}]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\nnot json\n', encoding="utf-8")
    with pytest.raises(ValueError, match="line 2 of"):
        load_cases(bad)


def test_shipped_question_set_is_valid_and_reachable(seed_chunks: list[Chunk]) -> None:
    path = Path(__file__).resolve().parents[2] / "corpus" / "eval" / "retrieval.jsonl"
    cases = load_cases(path)
    assert len(cases) >= 55
    assert len({c["id"] for c in cases}) == len(cases)
    evaluated, skipped = prepare_cases(cases, "\n".join(c.text for c in seed_chunks))
    assert skipped == {}
    assert len(evaluated) == len(cases)
