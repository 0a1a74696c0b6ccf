"""Reciprocal-rank fusion (Cormack et al., 2009): combine ranked lists without calibrating scores.

>>> reciprocal_rank_fusion({"bm25": ["a", "b"], "dense": ["b", "c"]}, k=60)[0].id
'b'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Fused:
    """One fused result: id, RRF score, and its 1-based rank in each input list that had it."""

    id: str
    score: float
    ranks: dict[str, int] = field(default_factory=dict)


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[str]],
    k: int = 60,
    weights: Mapping[str, float] | None = None,
) -> list[Fused]:
    """Fuse ranked id lists: score(d) = Σ_lists weight / (k + rank(d)), rank starting at 1.

    Ties are broken by the best single rank, then by the order of `rankings` and of the lists, so the
    result is deterministic. A list missing from `weights` gets weight 1; duplicate ids within one list
    count once (their best rank).

    >>> [f.id for f in reciprocal_rank_fusion({"x": ["a", "b", "c"], "y": ["c", "b"]}, k=1)]
    ['c', 'b', 'a']

    Raises:
        ValueError: k < 1 or a negative weight.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1. Currently, k is {k}")
    weights = weights or {}
    scores: dict[str, float] = {}
    ranks: dict[str, dict[str, int]] = {}
    first_seen: dict[str, tuple[int, int]] = {}
    for list_no, (name, ids) in enumerate(rankings.items()):
        w = float(weights.get(name, 1.0))
        if w < 0:
            raise ValueError(f"weight of {name!r} must be >= 0. Currently, it is {w}")
        for rank, doc_id in enumerate(ids, start=1):
            doc_ranks = ranks.setdefault(doc_id, {})
            if name in doc_ranks:
                continue
            doc_ranks[name] = rank
            scores[doc_id] = scores.get(doc_id, 0.0) + w / (k + rank)
            first_seen.setdefault(doc_id, (rank, list_no))
    order = sorted(scores, key=lambda d: (-scores[d], min(ranks[d].values()), first_seen[d]))
    return [Fused(d, scores[d], dict(ranks[d])) for d in order]


def convex_combination(
    scored: Mapping[str, Sequence[tuple[str, float]]],
    weights: Mapping[str, float] | None = None,
    floors: Mapping[str, float] | None = None,
) -> list[Fused]:
    """Fuse scored lists by a weighted sum of min-max normalised scores (Bruch et al., 2023).

    Each list's scores are mapped to [0, 1] with ``(s - lo) / (hi - lo)``, ``hi`` its best score and
    ``lo`` its floor (e.g. 0 for BM25) or else its worst score; an id missing from a list gets 0 there.
    Unlike RRF this keeps *how much* better the top keyword match is, which matters when one list is
    much more reliable than the other. Ties: best single rank, then input order.

    >>> [f.id for f in convex_combination({"bm25": [("a", 9.0), ("b", 1.0)], "dense": [("b", 0.9), ("a", 0.8)]},
    ...                                   weights={"bm25": 0.7, "dense": 0.3}, floors={"bm25": 0.0})]
    ['a', 'b']
    """
    weights = weights or {}
    floors = floors or {}
    scores: dict[str, float] = {}
    ranks: dict[str, dict[str, int]] = {}
    first_seen: dict[str, tuple[int, int]] = {}
    for list_no, (name, items) in enumerate(scored.items()):
        w = float(weights.get(name, 1.0))
        if w < 0:
            raise ValueError(f"weight of {name!r} must be >= 0. Currently, it is {w}")
        if not items:
            continue
        values = [s for _, s in items]
        hi = max(values)
        lo = floors.get(name, min(values))
        span = hi - lo
        for rank, (doc_id, s) in enumerate(items, start=1):
            doc_ranks = ranks.setdefault(doc_id, {})
            if name in doc_ranks:
                continue
            doc_ranks[name] = rank
            normed = (s - lo) / span if span > 0 else 1.0
            scores[doc_id] = scores.get(doc_id, 0.0) + w * normed
            first_seen.setdefault(doc_id, (rank, list_no))
    order = sorted(scores, key=lambda d: (-scores[d], min(ranks[d].values()), first_seen[d]))
    return [Fused(d, scores[d], dict(ranks[d])) for d in order]
