"""Words about the document, the asker and the count are not the topic; misspelt row names (table-driven)."""

from __future__ import annotations

import pytest

from bot.question_words import closest_indicator, strip_about
from indicators.catalog import load_default_table


@pytest.mark.parametrize(
    ("question", "stripped"),
    [
        ("表格里的5G基站数量目标是多少", "5G基站数量目标是多少"),
        ("附件中数据中心机架数2025年是多少", "数据中心机架数2025年是多少"),
        ("草稿第一版里网络零售额目标是多少", "网络零售额目标是多少"),
        ("我们单位想知道数据开放率目标", "想知道数据开放率目标"),
        ("作为一家民宿的老板，网络零售额增速多少", "，网络零售额增速多少"),
        ("八项任务中哪一项涉及物流", "哪一项涉及物流"),
        ("5G基站数量目标是多少", "5G基站数量目标是多少"),
    ],
)
def test_strip_about(question: str, stripped: str) -> None:
    assert strip_about(question) == stripped


@pytest.mark.parametrize(
    ("text", "row", "kind"),
    [
        ("5G机站数量目标是多少", "5G基站数量", "homophone"),
        ("再役工业机器人数量2025年目标", "在役工业机器人数量", "homophone"),
        ("城市大脑应用场精到2025年要多少个", "城市大脑应用场景", "homophone"),
        ("数据开房率目标", "数据开放率", "homophone"),
        ("软件和信息服物业营业收入目标", "软件和信息服务业营业收入", "homophone"),
        ("数字经济核心产业有效发明专力", "数字经济核心产业有效发明专利", "homophone"),
        ("五G基站目标", "5G基站数量", "typo"),
    ],
)
def test_a_misspelt_name_is_read_as_its_row(text: str, row: str, kind: str) -> None:
    found = closest_indicator(text, load_default_table())
    assert found is not None and (found.indicator.name, found.kind) == (row, kind)


@pytest.mark.parametrize(
    "text",
    [
        "5G用户数目标是多少",  # two characters changed
        "农产品跨境网络零售出口额目标",  # an exact row inside a longer name: no typo
        "数字经济核心产业增加值是多少",  # a shorter name than the share row
        "IPv4活跃用户数目标",  # a digit changed: another thing
        "4G基站数量目标",
        "数据开放量目标",  # the measure word (last character) changed
        "人工智能企业数量",
        "跨境网络零售进口额目标",  # one character, another sound: another thing
    ],
)
def test_near_misses_are_not_read_as_a_row(text: str) -> None:
    assert closest_indicator(text, load_default_table()) is None


@pytest.mark.parametrize(
    ("question", "title", "stripped"),
    [
        ("数字政府规划里平均办理时间基期值", "衢州市数字政府建设“十四五”规划", "平均办理时间基期值"),
        (
            "制造业数字化转型方案里未来工厂要建多少家",
            "浙江省制造业数字化转型行动方案(2021—2025年)",
            "未来工厂要建多少家",
        ),
        ("数字政府建设的目标", "衢州市数字政府建设“十四五”规划", "数字政府建设的目标"),  # no 规划/方案: a topic
    ],
)
def test_the_plans_own_title_words_name_the_document(question: str, title: str, stripped: str) -> None:
    assert strip_about(question, (title,)) == stripped
