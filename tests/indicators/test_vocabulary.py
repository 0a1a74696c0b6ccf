"""Aliases generated from indicator labels (imagined plans), collisions, fuzzy and homophone lookup."""

from __future__ import annotations

import pytest

from bot.resolver import resolve
from indicators.catalog import DEFAULT_DOCUMENT, IndicatorTable, load_default_table, load_table
from indicators.vocabulary import apply_generated_aliases, fuzzy_candidates, generate_aliases, plan_aliases

# (name, label, unit, aliases): every alias derived by hand from the rules of indicators.vocabulary.
CASES: list[tuple[str, str, str, tuple[str, ...]]] = [
    # rate wording (rule 5) on the name and on the tails GDP能耗下降率 / 能耗下降率; 下降率 alone is generic
    (
        "单位GDP能耗下降率", "单位GDP能耗下降率（%）", "%",
        ("单位GDP能耗降幅", "单位GDP能耗下降幅度", "单位GDP能耗降低率",
         "GDP能耗下降率", "GDP能耗降幅", "GDP能耗下降幅度", "GDP能耗降低率",
         "能耗下降率", "能耗降幅", "能耗下降幅度", "能耗降低率"),
    ),
    # X数量 → X数, X (rule 4); tail 互联网平台…; 平台数量 is dropped (its stem 平台 is generic)
    (
        "工业互联网平台数量", "工业互联网平台数量（个）", "个",
        ("工业互联网平台数", "工业互联网平台", "互联网平台数量", "互联网平台数", "互联网平台"),
    ),
    # a row counted in 个 without a count word gets X数量 / X数
    ("工业互联网平台", "工业互联网平台（个）", "个",
     ("工业互联网平台数量", "工业互联网平台数", "互联网平台", "互联网平台数量", "互联网平台数")),
    # share (rule 3), with and without the trailing 增加值; no tails (GDP比重 would name any share)
    (
        "数字经济核心产业增加值占GDP比重", "数字经济核心产业增加值占GDP比重（%）", "%",
        ("数字经济核心产业增加值占GDP的比重", "数字经济核心产业增加值占比", "数字经济核心产业增加值比重",
         "数字经济核心产业占GDP比重", "数字经济核心产业占GDP的比重", "数字经济核心产业占比", "数字经济核心产业比重"),
    ),
    ("服务业增加值比重", "服务业增加值比重（%）", "%", ("服务业增加值占比",)),
    # 高|价值 binds: no tail at 价值; 发明专利拥有量 is the head
    ("每万人高价值发明专利拥有量", "每万人高价值发明专利拥有量（件）", "件", ("发明专利拥有量",)),
    # qualifier 规模以上 ↔ 规上 (rule 2) and growth wording
    (
        "规模以上工业增加值增长率", "规模以上工业增加值增长率（%）", "%",
        ("规模以上工业增加值增速", "规模以上工业增加值增幅", "工业增加值增长率", "工业增加值增速", "工业增加值增幅",
         "规上工业增加值增长率", "规上工业增加值增速", "规上工业增加值增幅"),
    ),
    # quotes removed; a quoted term is one word (tail 改革实现率 only)
    ("“最多跑一次”改革实现率", "“最多跑一次”改革实现率（%）", "%", ("最多跑一次改革实现率", "改革实现率")),
    # X数 → X数量, X; Latin run 5G kept whole; 基站 alone is too short
    ("5G基站数", "5G基站数（个）", "个", ("5G基站数量", "5G基站", "基站数", "基站数量")),
    # 总数 → 数 / 数量 / bare; the unit 万个 bracket is dropped
    (
        "新能源汽车充电桩总数", "新能源汽车充电桩总数（万个）", "万个",
        ("新能源汽车充电桩数", "新能源汽车充电桩数量", "新能源汽车充电桩",
         "汽车充电桩总数", "汽车充电桩数", "汽车充电桩数量", "汽车充电桩"),
    ),
    # a bracket naming a measure is an alias of its own; 普及率 → 普及程度
    (
        "农村自来水普及率", "农村自来水普及率（集中供水率）", "%",
        ("农村自来水普及程度", "集中供水率", "自来水普及率", "自来水普及程度", "供水率"),
    ),
    # 指数 is no count; 发展指数 would be generic (发展 never starts a tail)
    ("数字经济发展指数", "数字经济发展指数（分）", "分", ()),
    ("地区生产总值增速", "地区生产总值增速（%）", "%",
     ("地区生产总值增长率", "地区生产总值增幅", "生产总值增速", "生产总值增长率", "生产总值增幅")),
    # 可|支配 binds; 收入 alone is generic
    ("城镇居民人均可支配收入", "城镇居民人均可支配收入（元）", "元", ("人均可支配收入",)),
    # a one-character modifier (总) does not bind: 机架数 is a tail
    ("数据中心总机架数", "数据中心总机架数（个）", "个",
     ("数据中心总机架数量", "数据中心总机架", "机架数", "机架数量")),
]


@pytest.mark.parametrize(("name", "label", "unit", "expected"), CASES, ids=[c[0] for c in CASES])
def test_generated_aliases(name: str, label: str, unit: str, expected: tuple[str, ...]) -> None:
    assert generate_aliases(name, label, unit) == expected


def test_aliases_never_repeat_the_name_or_go_below_three_characters() -> None:
    for name, label, unit, _ in CASES:
        aliases = generate_aliases(name, label, unit)
        assert name not in aliases and len(set(aliases)) == len(aliases)
        assert all(len(a) >= 3 for a in aliases)


def test_an_alias_that_could_name_another_row_is_dropped_and_reported() -> None:
    # 5G基站 (from 5G基站数量) lies inside the other row's name 5G基站投资额: it names both rows.
    report = plan_aliases([("5G基站数量", "5G基站数量（个）", "个"), ("5G基站投资额", "5G基站投资额（亿元）", "亿元")])
    assert report.aliases == {"5G基站数量": ("5G基站数", "基站数量", "基站数"), "5G基站投资额": ("基站投资额",)}
    assert report.collisions == {"5G基站": ("5G基站投资额", "5G基站数量")}


def test_an_alias_equal_to_another_rows_name_is_dropped() -> None:
    rows = [("网络零售额", "", "亿元"), ("农产品网络零售额", "", "亿元")]
    report = plan_aliases(rows)
    assert report.aliases == {"网络零售额": (), "农产品网络零售额": ()}
    assert report.collisions == {"网络零售额": ("农产品网络零售额", "网络零售额")}


def test_generated_aliases_are_unique_across_the_shipped_table() -> None:
    rows = apply_generated_aliases(load_table(DEFAULT_DOCUMENT).indicators)
    owners: dict[str, list[str]] = {}
    for ind in rows:
        for alias in ind.aliases:
            owners.setdefault(alias, []).append(ind.name)
    assert all(len(names) == 1 for names in owners.values())
    assert "劳动生产率" not in owners and "网络零售额" not in owners  # shared by two rows


def test_curated_aliases_come_first() -> None:
    curated = load_default_table().get("数据中心总机架数")
    (row,) = apply_generated_aliases([curated])
    assert row.aliases[: len(curated.aliases)] == curated.aliases
    assert "机架数量" in row.aliases


def test_generated_aliases_reach_the_resolver() -> None:
    plain = load_table(DEFAULT_DOCUMENT)  # no curated aliases: a new plan
    generated = IndicatorTable(apply_generated_aliases(plain.indicators))
    before = resolve("工业机器人有多少台", plain)
    assert before.indicator is None and before.unmatched_metric == "工业机器人"
    after = resolve("工业机器人有多少台", generated)
    assert after.indicator is not None and after.indicator.name == "在役工业机器人数量"
    both = resolve("劳动生产率目标", generated)  # no alias was generated for the shared head
    assert both.indicator is None
    assert set(both.candidates) == {"规上工业全员劳动生产率", "规上数字经济核心产业劳动生产率"}


# -- fuzzy lookup --------------------------------------------------------------------------------

NAMES = ["数据中心总机架数", "工业互联网平台", "数据共享率", "数据开放率", "5G基站数量", "网络零售额"]


def test_homophone_found_by_pinyin() -> None:
    # Characters: 机加数 vs the window 机架数 share 2 of 3 → 66.67, × 0.9 (partial, long name) = 60.
    # Pinyin: "jijiashu" is inside "shujuzhongxinzongjijiashu" → 100 × 0.9 = 90, × 0.95 = 85.5.
    assert fuzzy_candidates("机加数", NAMES, limit=3) == [("数据中心总机架数", 85.5)]


def test_typo_found_by_spelling() -> None:
    # 工业互联网平合 vs 工业互联网平台: 6 of 7 characters → ratio 2·6/14 = 85.71.
    assert fuzzy_candidates("工业互联网平合", NAMES, limit=1) == [("工业互联网平台", 85.71)]
    # 数据共亨率 vs 数据共享率: 4 of 5 → 80; 数据开放率 shares 数据…率: 3 of 5 → 60 (= cutoff).
    assert fuzzy_candidates("数据共亨率", NAMES) == [("数据共享率", 80.0), ("数据开放率", 60.0)]


def test_unrelated_or_too_short_phrases_give_nothing() -> None:
    assert fuzzy_candidates("无关词语", NAMES) == []
    assert fuzzy_candidates("数", NAMES) == []
    with pytest.raises(ValueError, match="limit must be greater than 0"):
        fuzzy_candidates("机架数", NAMES, limit=0)
