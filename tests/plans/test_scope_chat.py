"""Chat across three plans: scope from the question, default plan, per-plan answers, rankings, follow-ups.

Expected values by hand from tests/plans/plan_docs.py:
- 5G基站数量 2025 targets: 云台 8000, 南湖 12000 (东江 has no such row).
- CAGR 云台 5G: (8000/2000)^(1/5) − 1 = 31.95 %; 南湖 5G: (12000/4000)^(1/5) − 1 = 24.57 %.
- Fastest CAGR among amount rows of all plans: 南湖 千兆宽带用户数 (40/5)^(1/5) − 1 = 51.57 %.
"""

from __future__ import annotations

import pytest

YUNTAI, NANHU, DONGJIANG = "yuntai-szjj-2021-2025", "nanhu-szjj-2021-2025", "dongjiang-szzfjs-2021-2025"


def _figure_plans_match_citations(reply) -> None:  # type: ignore[no-untyped-def]
    """A figure is never paired with a citation from another plan."""
    figure_plans = {f.plan for f in reply.figures}
    assert None not in figure_plans
    cited = {c.plan for c in reply.citations}
    assert cited <= {p.id for p in reply.plans}
    if len(reply.plans) == 1:
        assert figure_plans <= {reply.plans[0].id} and cited <= {reply.plans[0].id}


@pytest.mark.parametrize(
    ("question", "plan", "value"),
    [
        ("云台市5G基站2025年目标是多少？", YUNTAI, 8000),
        ("南湖的5G基站数量目标", NANHU, 12000),
        ("《南湖市数字经济发展“十四五”规划》中5G基站2025年要达到多少", NANHU, 12000),
        ("云台5G基站年均增长多少？", YUNTAI, 31.95),
        ("南湖5G基站每年平均要增长百分之几", NANHU, 24.57),
    ],
)
def test_a_named_plan_is_answered_from_that_plan_only(three_plans, question: str, plan: str, value: float) -> None:
    reply = three_plans.chat.answer(question)
    assert [p.id for p in reply.plans] == [plan]
    assert value in [f.value for f in reply.figures]
    assert all(f.plan == plan for f in reply.figures)
    assert reply.citations and all(c.plan == plan for c in reply.citations)
    title = three_plans.library.get(plan).info.title
    assert f"《{title}》" in reply.answer.split("\n\n")[0]
    _figure_plans_match_citations(reply)


def test_the_request_plan_field_wins_over_the_question(three_plans) -> None:
    reply = three_plans.chat.answer("5G基站2025年目标是多少？", None, NANHU)
    assert [p.id for p in reply.plans] == [NANHU] and [f.value for f in reply.figures] == [12000]


def test_unnamed_question_with_a_default_answers_the_default_and_names_it(three_plans_default) -> None:
    reply = three_plans_default.answer("5G基站2025年目标是多少？")
    assert [p.id for p in reply.plans] == [YUNTAI]
    assert [f.value for f in reply.figures] == [8000]
    assert "《云台市数字经济发展“十四五”规划》" in reply.answer
    # The other plan that has the indicator is mentioned, without its figure.
    assert "《南湖市数字经济发展“十四五”规划》也有" in reply.answer and "12000" not in reply.answer


def test_without_a_default_a_numeric_question_is_answered_per_plan(three_plans) -> None:
    reply = three_plans.chat.answer("5G基站2025年目标是多少？")
    assert {p.id for p in reply.plans} == {YUNTAI, NANHU}
    assert sorted((f.plan, f.value) for f in reply.figures) == [(NANHU, 12000), (YUNTAI, 8000)]
    assert "**《云台市数字经济发展“十四五”规划》**" in reply.answer
    assert "**《南湖市数字经济发展“十四五”规划》**" in reply.answer
    _figure_plans_match_citations(reply)


def test_without_a_default_a_passage_question_asks_which_plan(three_plans) -> None:
    reply = three_plans.chat.answer("指导思想是什么？")
    assert reply.intent == "clarify"
    for plan in (YUNTAI, NANHU, DONGJIANG):
        assert plan in reply.answer
    assert not reply.figures


def test_cross_plan_ranking_names_the_plan_with_the_highest_target(three_plans) -> None:
    reply = three_plans.chat.answer("哪个城市的5G基站目标最高？")
    lead = reply.answer.split("\n\n")[0]
    assert "《南湖市数字经济发展“十四五”规划》" in lead and "12000" in lead
    assert [(f.plan, f.value) for f in reply.figures] == [(NANHU, 12000), (YUNTAI, 8000)]
    _figure_plans_match_citations(reply)


def test_two_named_plans_are_compared_side_by_side(three_plans) -> None:
    reply = three_plans.chat.answer("云台和南湖的5G基站目标对比")
    assert sorted((f.plan, f.value) for f in reply.figures) == [(NANHU, 12000), (YUNTAI, 8000)]


def test_fastest_growing_indicator_across_all_plans(three_plans) -> None:
    reply = three_plans.chat.answer("各规划中年均增速最快的指标是哪个？")
    assert reply.figures[0].plan == NANHU and reply.figures[0].indicator == "千兆宽带用户数"
    assert reply.figures[0].value == pytest.approx(51.57, abs=0.01)


def test_a_metric_the_named_plan_lacks_is_refused_even_if_another_plan_has_it(three_plans) -> None:
    reply = three_plans.chat.answer("东江省5G基站数量目标是多少？")
    assert reply.intent == "out_of_scope" and not reply.figures
    assert "《东江省数字政府建设“十四五”规划》中未涉及" in reply.answer


def test_follow_ups_switch_plans_and_keep_the_plan(three_plans) -> None:
    chat = three_plans.chat
    first = chat.answer("云台市5G基站目标是多少？", "switch-1")
    assert [f.value for f in first.figures] == [8000]
    second = chat.answer("那南湖呢？", "switch-1")
    assert [p.id for p in second.plans] == [NANHU] and [f.value for f in second.figures] == [12000]
    third = chat.answer("那年均增长率呢？", "switch-1")
    assert [p.id for p in third.plans] == [NANHU]
    assert [round(f.value, 2) for f in third.figures if f.quantity == "cagr"] == [24.57]


def test_a_question_no_plan_covers_names_every_plan_and_gives_no_figures(three_plans) -> None:
    reply = three_plans.chat.answer("今天天气怎么样？")
    assert not reply.figures
    assert "未涉及" in reply.answer or "未找到" in reply.answer or reply.intent == "clarify"


@pytest.mark.parametrize(
    ("question", "quantity", "value", "unit"),
    [
        # 8000 / 12000 = 66.666… % ; 8000 − 12000 = −4000 ; 12000 / 8000 = 1.5
        ("云台的5G基站目标是南湖的几分之几？", "plan_ratio", 66.67, "%"),
        ("云台和南湖的5G基站目标差多少？", "plan_difference", -4000, "个"),
        ("南湖的5G基站目标是云台的几倍？", "plan_multiple", 1.5, "倍"),
    ],
)
def test_two_plans_compared_by_the_engine(three_plans, question: str, quantity: str, value: float, unit: str) -> None:
    reply = three_plans.chat.answer(question)
    compared = [f for f in reply.figures if f.quantity == quantity]
    assert [(f.value, f.unit) for f in compared] == [(value, unit)]
    # Both plans' own targets are shown, each with its own plan.
    targets = sorted((f.plan, f.value) for f in reply.figures if f.quantity == "target")
    assert targets == [(NANHU, 12000), (YUNTAI, 8000)]


def test_a_pronoun_for_the_last_indicator_is_refused_by_a_plan_without_it(three_plans) -> None:
    chat = three_plans.chat
    assert [f.value for f in chat.answer("云台5G基站目标是多少？", "back-1").figures] == [8000]
    reply = chat.answer("东江省的规划里有这个指标吗？目标多少？", "back-1")
    assert reply.intent == "out_of_scope" and not reply.figures
    assert "5G基站数量" in reply.answer and "《东江省数字政府建设“十四五”规划》中未涉及" in reply.answer


def test_who_issued_a_named_plan(three_plans) -> None:
    reply = three_plans.chat.answer("南湖数字经济规划是哪个部门编的？")
    assert "南湖市发展和改革委员会" in reply.answer.split("\n\n")[0] and "2021-06" in reply.answer
    assert reply.citations and all(c.plan == NANHU for c in reply.citations)


@pytest.mark.parametrize(
    ("question", "plan", "must"),
    [
        ("云台规划的主要任务有哪些？", YUNTAI, ["建设新型基础设施", "壮大数字产业"]),
        ("南湖的主要任务有哪些", NANHU, ["推进制造业数字化", "发展智慧农业"]),
        ("南湖规划的保障措施", NANHU, ["健全工作机制", "加大财政支持"]),
        ("东江省规划的保障措施有哪些？", DONGJIANG, ["加强统筹协调", "强化安全保障"]),
        ("云台市的指导思想是什么？", YUNTAI, ["推动云台数字经济高质量发展"]),
        ("南湖市的指导思想是什么？", NANHU, ["推动南湖数字经济高质量发展"]),
    ],
)
def test_section_and_list_answers_come_from_the_named_plan(three_plans, question: str, plan: str,
                                                           must: list[str]) -> None:
    reply = three_plans.chat.answer(question)
    assert [p.id for p in reply.plans] == [plan]
    for text in must:
        assert text in reply.answer
    other = {YUNTAI: "云台", NANHU: "南湖", DONGJIANG: "东江"}
    for plan_id, word in other.items():
        if plan_id != plan:
            assert f"推动{word}数字经济" not in reply.answer
    assert all(c.plan == plan for c in reply.citations)
