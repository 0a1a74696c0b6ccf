"""Table-driven chat cases for issue #16, run in-process against the shipped plan.

The cases live in corpus/eval/understanding/ (implementer-written, from the document; the blind,
helper-written set is kept apart). Expected values are by hand from the plan's indicator table, e.g.
9000×65% = 5850; 2720+150 = 2870; 190/2720 = 6.99%; 9072×1.2ⁿ ≥ 30000 first at n = 7 → 2027;
13 + 5n ≥ 50 first at n = 8 → 2028; the 2023 planned 5G value 9072×(30000/9072)^(3/5) = 18593.19 → 18593个.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluation import load_cases, opens_with_refusal, run_cases

CASES = Path(__file__).resolve().parents[2] / "corpus" / "eval" / "understanding"


def _cases(name: str) -> list[dict]:  # type: ignore[type-arg]
    return load_cases(CASES / name)


@pytest.mark.parametrize("case", _cases("implementer_cases.jsonl"), ids=lambda c: f"{c['id']}-{c['kind']}")
def test_understanding_kinds(components, case: dict) -> None:  # type: ignore[no-untyped-def, type-arg]
    [result] = run_cases([case], components.deterministic)
    assert result.failures == []


@pytest.mark.parametrize("case", _cases("refusal_paraphrases.jsonl"), ids=lambda c: f"{c['id']}-{c['kind']}")
def test_answerable_paraphrases_are_not_refused(components, case: dict) -> None:  # type: ignore[no-untyped-def, type-arg]
    [result] = run_cases([case], components.deterministic)
    assert result.failures == []


@pytest.mark.parametrize("case", _cases("refusal_near_misses.jsonl"), ids=lambda c: c["id"])
def test_tempting_near_misses_are_still_refused(components, case: dict) -> None:  # type: ignore[no-untyped-def, type-arg]
    reply = components.deterministic.answer(case["q"])
    assert opens_with_refusal(reply.answer) or "未设" in reply.answer
    assert reply.figures == []


def test_a_misspelt_row_says_how_it_was_read(components) -> None:  # type: ignore[no-untyped-def]
    reply = components.deterministic.answer("5G机站数量目标是多少？")
    assert "按“5G基站数量”理解" in reply.answer.split("\n\n")[0]
    assert [f.value for f in reply.figures] == [30000]
