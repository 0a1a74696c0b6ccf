"""Rule tables of the understanding round 2: parts, compound kinds, list items, filters (implementer-written)."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from bot import compound, list_filters, list_followups, multipart, question_words
from bot.compound import detect_compound
from bot.list_filters import asked_top, named_attribute, named_category
from bot.list_followups import item_followup
from bot.multipart import split_question
from bot.resolver import resolve
from bot.understand import is_profile
from indicators.catalog import load_default_table

T = load_default_table()


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "5G基站和数据中心机架分别定了多少？",
            [("5G基站数量", "lookup_target"), ("数据中心总机架数", "lookup_target")],
        ),
        ("网络零售额的目标和年均增速各是多少？", [("网络零售额", "lookup_target"), ("网络零售额", "cagr")]),
        (
            "5G基站数量目标、年均增速和倍数分别是多少",
            [("5G基站数量", "lookup_target"), ("5G基站数量", "cagr"), ("5G基站数量", "multiple")],
        ),
        (
            "IPv6活跃用户数、城域网出口带宽的目标分别是多少",
            [("IPv6活跃用户数", "lookup_target"), ("城域网出口带宽", "lookup_target")],
        ),
        ("网络零售额基期和目标分别是多少", []),  # one answer (lookup_both)
        ("数据开放率和共享率的基期值与目标值各是多少", [("数据开放率", "lookup_both"), ("数据共享率", "lookup_both")]),
        ("5G基站和机架数哪个增长快", []),  # a comparison
        ("网络零售额和农产品网络零售额目标加起来是多少", []),  # a sum
        ("5G基站数量目标是多少", []),
    ],
)
def test_split_question(question: str, parts: list[tuple[str, str]]) -> None:
    resolved = [resolve(p, T) for p in split_question(question, T)]
    assert [(r.indicator.name if r.indicator else None, r.operation) for r in resolved] == parts


@pytest.mark.parametrize(
    ("question", "kind", "rows"),
    [
        (
            "如果全市GDP为9000亿元，按数字经济增加值占GDP比重目标，数字经济增加值是多少",
            "share_of_total",
            ["数字经济增加值占GDP比重"],
        ),
        ("网络零售额和农产品网络零售额目标加起来是多少", "sum", ["网络零售额", "农产品网络零售额"]),
        ("网络零售额目标比跨境网络零售出口额目标多多少", "difference", ["网络零售额", "跨境网络零售出口额"]),
        ("跨境网络零售出口额占网络零售额的比例是多少", "ratio", ["跨境网络零售出口额", "网络零售额"]),
        ("5G基站按年均增长20%，哪一年能达到30000个", "year_reached", ["5G基站数量"]),
        ("上市企业按每年新增1家，哪年能到14家", "year_reached", ["数字经济核心产业上市企业"]),
        ("2022年5G基站达到15000个，2023年要达到多少才能保持在规划路径上", "needed_in_year", ["5G基站数量"]),
        ("按数字经济增加值6500亿元、占GDP比重65%倒推，GDP是多少", "total_from_share", ["数字经济增加值占GDP比重"]),
        ("数据共享率比数据开放率高多少个百分点", "difference", ["数据共享率", "数据开放率"]),
        ("按规划的年均增速，5G基站数量哪一年首次超过2万个", "year_reached", ["5G基站数量"]),
    ],
)
def test_compound_kinds(question: str, kind: str, rows: list[str]) -> None:
    res = detect_compound(question, T)
    assert res is not None and res.operation == "compound"
    assert (res.params["kind"], res.params["rows"]) == (kind, rows)


@pytest.mark.parametrize(
    "question",
    [
        "5G基站数量目标是多少",
        "5G基站和机架数哪个增长快",
        "按年均增长20%，5G基站2025年能达到多少",
        "数字经济增加值占GDP比重目标",
    ],
)
def test_not_compound(question: str) -> None:
    assert detect_compound(question, T) is None


def test_a_year_reached_keeps_the_level_asked() -> None:
    res = detect_compound("5G基站按年均增长20%，哪一年能达到20000个", T)
    assert res is not None and res.params["level"] == 20000 and res.params["rate_pct"] == 20


ITEMS = ["甲", "乙", "丙", "丁"]


@pytest.mark.parametrize(
    ("question", "focus", "expected"),
    [
        ("第三条是什么意思？", None, (2, "meaning")),
        ("第3项呢", None, (2, "meaning")),
        ("最后一条呢？", None, (3, "meaning")),
        ("最后1条呢?", None, (3, "meaning")),
        ("倒数第二项是什么", None, (2, "meaning")),
        ("它属于哪个工程？", "乙", (1, "parent")),
        ("第一条属于哪个任务", None, (0, "parent")),
        ("它属于哪个工程？", None, None),  # no item talked about yet
        ("第五条是什么意思", None, None),  # the list has four
        ("规划第三部分讲了什么内容，和第一部分有什么不同", None, None),  # a question of its own
    ],
)
def test_item_followup(question: str, focus: str | None, expected: tuple[int, str] | None) -> None:
    assert item_followup(question, ITEMS, focus) == expected


@pytest.mark.parametrize(
    ("question", "top"),
    [
        ("增速最快的三个指标是哪些", 3),
        ("增长最快的前5项", 5),
        ("最慢的两个指标", 2),
        ("十个增速最高的指标", 10),
        ("哪个指标增速最快", None),
    ],
)
def test_asked_top(question: str, top: int | None) -> None:
    assert asked_top(question) == top


@pytest.mark.parametrize(
    ("question", "category", "attribute"),
    [
        ("数字基础设施类有哪些指标", "数字基础设施", None),
        ("治理数字化方面有哪些指标", "治理数字化", None),
        ("约束性指标有哪些", None, "约束性"),
        ("产业数字化类的预期性指标", "产业数字化", "预期性"),
        ("有哪些指标", None, None),
    ],
)
def test_filters(question: str, category: str | None, attribute: str | None) -> None:
    assert (named_category(question, T), named_attribute(question)) == (category, attribute)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("做冷链运输的公司能参与哪项任务？", True),
        ("一家做跨境电商的企业想拓展海外市场，规划有什么支持？", True),
        ("一家民宿能从规划里得到什么支持？", True),
        ("农业合作社可以得到哪些帮助", True),
        ("一所中学想建创客实验室，对应规划哪项任务？", True),
        ("社区卫生服务中心想做线上问诊，规划里哪项任务相关？", True),
        ("我们单位想问规划一共有几条保障措施？", False),  # the asker only wants to know something
        ("数字经济核心产业上市企业目标是多少", False),
        ("国家高新技术企业有多少家", False),
    ],
)
def test_organisations_asking_what_concerns_them(question: str, expected: bool) -> None:
    assert is_profile(question) is expected


@pytest.mark.parametrize(
    "module", [question_words, multipart, compound, list_followups, list_filters], ids=lambda m: m.__name__
)
def test_docstring_examples(module: ModuleType) -> None:
    assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0


@pytest.mark.parametrize(
    ("question", "operation"),
    [("5G基站2025年要比2020年多建多少个", "change"), ("工业机器人比2020年多装了多少台", "change")],
)
def test_more_built_is_a_change(question: str, operation: str) -> None:
    assert resolve(question, T).operation == operation


@pytest.mark.parametrize(
    ("question", "index"),
    [
        ("第六项工程有几项子任务", 5),
        ("最后一个工程呢", 7),
        ("倒数第二个任务是什么", 6),
        ("第九项工程", None),
        ("第三条是什么意思", None),
    ],
)
def test_task_by_position(question: str, index: int | None) -> None:
    from bot.list_followups import task_ordinal

    assert task_ordinal(question, 8) == index


def test_a_planned_rate_is_the_rows_own_cagr() -> None:
    res = detect_compound("按规划的年均增速，5G基站数量哪一年首次超过2万个", T)
    assert res is not None and round(res.params["rate_pct"], 2) == 27.02 and res.params["level"] == 20000


@pytest.mark.parametrize(
    ("text", "name", "quote"),
    [
        ("一是健全推进机制，二是加强要素保障，三是优化发展环境。", "加强要素保障", ""),  # a bare enumeration
        (
            "二是强化要素保障。三是加强人才支撑，每年培训数字工匠10万人次，建设实训基地。四是完善统计监测。",
            "加强人才支撑",
            "加强人才支撑，每年培训数字工匠10万人次，建设实训基地。",
        ),
        ("包括A工程、深化部署融合基础设施等3项子任务。", "深化部署融合基础设施", ""),
    ],
)
def test_an_items_own_words(text: str, name: str, quote: str) -> None:
    from bot.list_followups import _passage

    assert _passage(text, name) == quote
