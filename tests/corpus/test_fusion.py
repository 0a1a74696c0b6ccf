"""Fusion functions on hand-built rankings; expected scores computed by hand."""

from __future__ import annotations

import pytest

from corpus.fusion import convex_combination, reciprocal_rank_fusion


def test_rrf_order_and_scores() -> None:
    fused = reciprocal_rank_fusion({"bm25": ["a", "b", "c"], "dense": ["c", "a", "d"]}, k=60)
    assert [f.id for f in fused] == ["a", "c", "b", "d"]
    assert [f.score for f in fused] == pytest.approx([1 / 61 + 1 / 62, 1 / 63 + 1 / 61, 1 / 62, 1 / 63])
    assert fused[0].ranks == {"bm25": 1, "dense": 2}
    assert fused[3].ranks == {"dense": 3}


def test_rrf_weights_change_the_winner() -> None:
    fused = reciprocal_rank_fusion({"bm25": ["a", "b", "c"], "dense": ["c", "a", "d"]}, k=60,
                                   weights={"dense": 3.0})
    assert [f.id for f in fused] == ["c", "a", "d", "b"]
    assert fused[0].score == pytest.approx(1 / 63 + 3 / 61)


def test_rrf_ties_and_duplicates() -> None:
    assert [f.id for f in reciprocal_rank_fusion({"x": ["a"], "y": ["b"]})] == ["a", "b"]
    assert [f.id for f in reciprocal_rank_fusion({"y": ["b"], "x": ["a"]})] == ["b", "a"]
    fused = reciprocal_rank_fusion({"x": ["a", "a", "b"]}, k=1)
    assert [(f.id, f.score) for f in fused] == [("a", 1 / 2), ("b", 1 / 4)]


def test_rrf_small_k_rewards_agreement_less() -> None:
    fused = reciprocal_rank_fusion({"x": ["a", "b", "c"], "y": ["c", "b"]}, k=1)
    assert [f.id for f in fused] == ["c", "b", "a"]


@pytest.mark.parametrize(("k", "weights"), [(0, None), (60, {"x": -1.0})])
def test_rrf_rejects_bad_parameters(k: int, weights: dict[str, float] | None) -> None:
    with pytest.raises(ValueError, match="must be"):
        reciprocal_rank_fusion({"x": ["a"]}, k=k, weights=weights)


def test_convex_combination_by_hand() -> None:
    fused = convex_combination(
        {"bm25": [("a", 10.0), ("b", 5.0), ("c", 0.0)], "dense": [("c", 0.9), ("b", 0.8), ("a", 0.5)]},
        weights={"bm25": 0.7, "dense": 0.3},
        floors={"bm25": 0.0},
    )
    assert [(f.id, round(f.score, 6)) for f in fused] == [("a", 0.7), ("b", 0.575), ("c", 0.3)]
    assert fused[1].ranks == {"bm25": 2, "dense": 2}


def test_convex_combination_missing_ids_score_zero_there() -> None:
    fused = convex_combination({"bm25": [("a", 2.0)], "dense": [("b", 0.9), ("c", 0.1)]},
                               weights={"bm25": 0.5, "dense": 0.5}, floors={"bm25": 0.0})
    assert [(f.id, round(f.score, 6)) for f in fused] == [("a", 0.5), ("b", 0.5), ("c", 0.0)]
