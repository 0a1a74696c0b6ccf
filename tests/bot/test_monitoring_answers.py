"""Chat answers from the actuals store (the real chat service, a store filled with hand-made figures)."""

from __future__ import annotations

from typing import Any

import pytest
from shipped import SHIPPED_PLAN_ID, plan_tables, strip_plan

from bot.actuals.monitor import Monitor
from bot.actuals.store import open_store
from bot.monitoring_answers import MonitoringAsk, detect
from bot.service import DeterministicChatService

ROWS = [
    # indicator, year, value, source
    ("5G基站数量", 2023, 21000, "市通信管理局"),
    ("5G基站数量", 2025, 30500, "市通信管理局"),  # 30500/30000 = 101.67% → 完成
    ("软件和信息服务业营业收入", 2023, 75, "市经信局"),  # planned 48.03×(120/48.03)^(3/5) = 83.2 → 滞后
    ("软件和信息服务业营业收入", 2025, 96, "市经信局"),  # 96/120 = 80% → 未完成, 24亿元 short
    ("数据中心总机架数", 2025, 17500, "市通信管理局"),  # 97.22% → 未完成
    ("数字经济增加值", 2023, 4700, "市统计局"),  # planned 4975.9 → 滞后
    ("数字经济核心产业国家高新技术企业", 2023, 250, "市科技局"),  # planned 235 → 超前
    ("数字经济核心产业国家高新技术企业", 2025, 320, "市科技局"),  # 101.59% → 完成
    ("工业互联网平台", 2025, 28, "市经信局"),  # 28/30 = 93.33% → 未完成
]


def make_chat(components: Any, monitor: Monitor) -> DeterministicChatService:
    d = components.deterministic
    return DeterministicChatService(library=d.library, sessions=d.sessions, top_k=d.top_k, monitor=monitor)


@pytest.fixture(scope="module")
def chat(components: Any) -> DeterministicChatService:
    monitor = Monitor(open_store("sqlite://"), plan_tables, SHIPPED_PLAN_ID)
    records = [{"indicator": i, "year": y, "value": v, "source": s} for i, y, v, s in ROWS]
    assert monitor.import_records(records).status == "imported"
    return make_chat(components, monitor)


def test_unfinished_in_the_target_year(chat: DeterministicChatService) -> None:
    reply = chat.answer("2025年哪些指标没有完成？")
    assert reply.intent == "progress"
    assert strip_plan(reply.answer).startswith(
        "2025年有实际值的5项指标中，3项未完成：软件和信息服务业营业收入、数据中心总机架数、工业互联网平台。"
    )
    assert [(f.indicator, f.value, f.formula) for f in reply.figures] == [
        ("软件和信息服务业营业收入", 80.0, "96/120"),
        ("数据中心总机架数", 97.22, "17500/18000"),
        ("工业互联网平台", 93.33, "28/30"),
    ]
    assert {(c.source, c.section) for c in reply.citations} == {
        ("市经信局", "2025年实际值"),
        ("市通信管理局", "2025年实际值"),
    }
    assert "另有25项指标没有2025年实际值（无数据）" in reply.answer


def test_lagging_as_of_an_earlier_year(chat: DeterministicChatService) -> None:
    reply = chat.answer("截至2023年哪些指标滞后？")
    assert "2023年有实际值的4项指标中，2项滞后：数字经济增加值、软件和信息服务业营业收入。" in reply.answer
    assert "规划路径值±2%" in reply.answer


def test_one_indicator_status(chat: DeterministicChatService) -> None:
    reply = chat.answer("5G基站目标完成了吗？")
    assert strip_plan(reply.answer).startswith(
        "5G基站数量2025年目标完成：实际30500个（2025年，来源：市通信管理局），目标30000个，完成率101.67%。"
    )
    completion = next(f for f in reply.figures if f.quantity == "completion")
    assert (completion.formula, completion.inputs["actual_source"], completion.inputs["actual_year"]) == (
        "30500/30000", "市通信管理局", 2025,
    )  # fmt: skip
    assert reply.citations[0].text.startswith("5G基站数量 2025年实际值 30500个（来源：市通信管理局")


def test_status_in_an_earlier_year_uses_the_planned_path(chat: DeterministicChatService) -> None:
    reply = chat.answer("2023年数字经济增加值完成情况怎么样？")
    assert strip_plan(reply.answer).startswith("数字经济增加值2023年进度滞后（规划路径值4975.9亿元）：实际4700亿元")
    assert "需年均增长17.6%" in reply.answer  # sqrt(6500/4700) - 1


def test_lowest_completion(chat: DeterministicChatService) -> None:
    reply = chat.answer("完成率最低的三项")
    assert strip_plan(reply.answer).startswith(
        "2025年完成率最低的3项指标是：软件和信息服务业营业收入（80%）、工业互联网平台（93.33%）、数据中心总机架数（97.22%）。"
    )


def test_remaining_gap(chat: DeterministicChatService) -> None:
    reply = chat.answer("软件业收入还差多少")
    assert strip_plan(reply.answer).startswith(
        "软件和信息服务业营业收入距2025年目标120亿元还差24亿元：实际96亿元（2025年，来源：市经信局）"
    )
    gap = reply.figures[0]
    assert (gap.quantity, gap.value, gap.formula) == ("remaining", 24.0, "120-96")


def test_without_actuals_the_answer_says_none_are_loaded(components: Any) -> None:
    empty = make_chat(components, Monitor(open_store("sqlite://"), plan_tables, SHIPPED_PLAN_ID))
    reply = empty.answer("2025年哪些指标没有完成？")
    assert strip_plan(reply.answer).startswith("尚未导入任何实际值数据") and reply.figures == []
    reply = empty.answer("数据中心机架数还差多少")
    assert strip_plan(reply.answer).startswith("尚未导入任何实际值数据")
    assert "按规划基期2020年8620个计，距目标18000个以上相差9380个。" in reply.answer  # 18000 - 8620
    assert [(f.quantity, f.value) for f in reply.figures] == [("change", 9380.0)]


def test_a_question_with_a_figure_still_goes_to_the_engine(chat: DeterministicChatService) -> None:
    reply = chat.answer("2023年软件业收入80亿元，进度如何？")
    assert [f.quantity for f in reply.figures][:2] == ["planned_value", "gap"]


@pytest.mark.parametrize(
    ("question", "ask"),
    [
        ("2025年哪些指标没有完成？", MonitoringAsk("list", 2025, wanted="lagging")),
        ("截至2023年哪些指标滞后？", MonitoringAsk("list", 2023, wanted="lagging")),
        ("哪些指标已经完成了", MonitoringAsk("list", None, wanted="done")),
        ("完成率最低的5项是哪些", MonitoringAsk("lowest", None, 5)),
        ("软件业收入还差多少", MonitoringAsk("remaining")),
        ("5G基站目标完成了吗？", MonitoringAsk("status")),
        ("5G基站2025年目标是多少？", None),
        ("保障措施有哪些？", None),
        ("2023年软件业收入80亿元，还差多少", None),
    ],
)
def test_detect(question: str, ask: MonitoringAsk | None) -> None:
    assert detect(question) == ask
