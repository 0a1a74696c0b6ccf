"""Multi-part, compound, typo and list-item answers work per plan and name their plan.

By hand from tests/plans/plan_docs.py:
- 云台 5G基站数量 2000→8000, 数据中心机架数 1000→3000以上, 软件业务收入 40→100 (亿元, 年均20%).
- 南湖 千兆宽带用户数 5→40 万户: 5+7n ≥ 40 first at n = 5 → 2025.
- 云台 软件业务收入 at 20%: 40×1.2^5 = 99.53 < 100 ≤ 40×1.2^6 = 119.44 → 2026.
- 云台 5G + 机架 targets: 8000+3000 = 11000.
"""

from __future__ import annotations

import pytest

YUNTAI, NANHU = "yuntai-szjj-2021-2025", "nanhu-szjj-2021-2025"


@pytest.mark.parametrize(
    ("question", "plan", "values"),
    [
        ("云台的5G基站和数据中心机架数分别是多少", YUNTAI, {8000.0, 3000.0}),
        ("云台5G基站和数据中心机架数的目标加起来是多少", YUNTAI, {11000.0}),
        ("南湖千兆宽带用户数按年均新增7万户，哪一年达到40万户", NANHU, {2025.0}),
        ("云台软件业务收入按年均增长20%，哪一年达到100亿元", YUNTAI, {2026.0}),
        ("云台5G机站数量目标是多少", YUNTAI, {8000.0}),
    ],
)
def test_new_kinds_answer_per_plan(three_plans, question: str, plan: str, values: set[float]) -> None:
    reply = three_plans.chat.answer(question)
    assert [p.id for p in reply.plans] == [plan]
    assert values <= {f.value for f in reply.figures}
    assert all(f.plan == plan for f in reply.figures)
    title = three_plans.library.get(plan).info.title
    assert f"《{title}》" in reply.answer.split("\n\n")[0]


def test_a_list_item_follow_up_stays_in_the_plan_of_the_list(three_plans) -> None:
    session = "understanding-list-item"
    first = three_plans.chat.answer("南湖的保障措施有哪些", session)
    assert [p.id for p in first.plans] == [NANHU]
    reply = three_plans.chat.answer("第二条是什么", session)
    assert [p.id for p in reply.plans] == [NANHU]
    assert "加大财政支持" in reply.answer
