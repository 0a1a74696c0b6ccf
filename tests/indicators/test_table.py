"""Parser: every one of the 30 rows, values typed by hand from the document."""

from __future__ import annotations

import pytest

from indicators.catalog import DEFAULT_DOCUMENT
from indicators.model import Indicator
from indicators.table import (
    TableParseError,
    declared_indicator_count,
    parse_basis,
    parse_indicator_table,
    parse_value,
    split_label,
)

REF_14 = "温州市国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要"
REF_ZJ = "浙江省数字经济发展十四五规划"
REF_REFORM = "浙江省数字化改革总体方案"

# (category, name, unit, base_year, base, target, qualifier, basis kind, rate/amount/pp, document)
ROWS: list[tuple[str, str, str, int, float, float, str, str, float | None, str | None]] = [
    ("综合发展", "数字经济增加值", "亿元", 2019, 2916, 6500, "exact", "growth_rate", 15, None),
    ("综合发展", "数字经济增加值占GDP比重", "%", 2019, 44.14, 65, "exact", "reference", None, REF_14),
    (
        "数字科创",
        "规上数字经济核心产业R&D经费支出占营业收入比重",
        "%",
        2019,
        2.69,
        3.3,
        "exact",
        "pp_increment",
        0.12,
        None,
    ),
    ("数字科创", "数字经济核心产业有效发明专利", "件", 2020, 4430, 7000, "exact", "growth_rate", 10, None),
    ("数字科创", "数字经济核心产业国家高新技术企业", "家", 2020, 115, 315, "exact", "increment", 40, None),
    (
        "数字产业化",
        "数字经济核心产业增加值占GDP比重",
        "%",
        2020,
        7,
        10,
        "approximately",
        "reference",
        None,
        REF_14,
    ),
    (
        "数字产业化",
        "规上数字经济核心产业主营业务收入",
        "亿元",
        2020,
        945.5,
        1400,
        "exact",
        "growth_rate",
        8,
        None,
    ),
    (
        "数字产业化",
        "规上数字经济核心产业劳动生产率",
        "万元/人",
        2020,
        19.47,
        40,
        "exact",
        "growth_rate",
        21,
        REF_ZJ,
    ),
    (
        "数字产业化",
        "规上数字经济核心制造业增加值",
        "亿元",
        2020,
        163.7,
        288,
        "exact",
        "growth_rate",
        12,
        None,
    ),
    ("数字产业化", "软件和信息服务业营业收入", "亿元", 2020, 48.03, 120, "exact", "growth_rate", 20, None),
    ("数字产业化", "数字经济核心产业上市企业", "家", 2020, 9, 14, "exact", "increment", 1, None),
    ("产业数字化", "规上工业全员劳动生产率", "万元/人年", 2020, 16.16, 30, "exact", "growth_rate", 17, None),
    ("产业数字化", "在役工业机器人数量", "台", 2020, 8469, 20000, "exact", "reference", None, REF_ZJ),
    ("产业数字化", "重点工业企业设备联网率", "%", 2020, 45.94, 55, "exact", "pp_increment", 2, None),
    ("产业数字化", "网络零售额", "亿元", 2020, 2030.2, 2720, "exact", "reference", None, REF_14),
    ("产业数字化", "跨境网络零售出口额", "亿元", 2020, 101.6, 190, "exact", "reference", None, REF_14),
    ("产业数字化", "移动支付活跃用户普及率", "%", 2020, 75, 90, "exact", "growth_rate", 4, None),
    ("产业数字化", "农产品网络零售额", "亿元", 2020, 91.3, 150, "exact", "reference", None, REF_14),
    ("治理数字化", "“浙政钉”用户日活跃率", "%", 2020, 65.2, 90, "exact", "growth_rate", 7.6, None),
    (
        "治理数字化",
        "依申请政务服务办件‘一网通办’率",
        "%",
        2020,
        82.73,
        95,
        "exact",
        "reference",
        None,
        REF_14,
    ),
    ("治理数字化", "互联网+监管平台承载的监管事项", "%", 2020, 85, 95, "at_least", "pp_increment", 2, None),
    ("治理数字化", "城市大脑应用场景", "个", 2020, 75, 300, "exact", "growth_rate", 30, None),
    ("治理数字化", "数据开放率", "%", 2020, 13, 50, "exact", "reference", None, REF_REFORM),
    ("治理数字化", "数据共享率", "%", 2020, 78, 99, "exact", "reference", None, REF_REFORM),
    ("数字基础设施", "FTTH/O宽带接入率", "%", 2020, 94, 100, "exact", "other", None, None),
    ("数字基础设施", "IPv6活跃用户数", "万户", 2020, 1072.8, 1200, "exact", "other", None, None),
    ("数字基础设施", "城域网出口带宽", "Tbps", 2020, 13, 24, "exact", "reference", None, REF_14),
    ("数字基础设施", "5G基站数量", "个", 2020, 9072, 30000, "exact", "reference", None, REF_14),
    ("数字基础设施", "数据中心总机架数", "个", 2020, 8620, 18000, "at_least", "reference", None, REF_14),
    ("数字基础设施", "工业互联网平台", "个", 2020, 15, 30, "exact", "increment", 3, None),
]


@pytest.fixture(scope="module")
def rows() -> list[Indicator]:
    return parse_indicator_table(DEFAULT_DOCUMENT.read_text(encoding="utf-8"))


def test_thirty_rows_in_document_order(rows: list[Indicator]) -> None:
    assert [r.name for r in rows] == [row[1] for row in ROWS]


@pytest.mark.parametrize("expected", ROWS, ids=[f"row{i + 1:02d}" for i in range(len(ROWS))])
def test_row(rows: list[Indicator], expected: tuple) -> None:  # type: ignore[type-arg]
    category, name, unit, base_year, base, target, qualifier, kind, number, document = expected
    ind = next(r for r in rows if r.name == name)
    assert ind.category == category
    assert ind.unit == unit
    assert ind.base_year == base_year
    assert ind.base_value == pytest.approx(base)
    assert ind.target_year == 2025
    assert ind.target_value == pytest.approx(target)
    assert ind.target_qualifier == qualifier
    assert ind.basis_parsed.kind == kind
    b = ind.basis_parsed
    got = {"growth_rate": b.rate_pct, "increment": b.amount, "pp_increment": b.pp}.get(kind)
    assert got == (pytest.approx(number) if number is not None else None)
    assert b.document == document


def test_special_cells(rows: list[Indicator]) -> None:
    by = {r.name: r for r in rows}
    de = by["数字经济增加值"]
    assert de.override_base == (2020, 3250.0)
    assert de.basis_parsed.rate_at_least is True
    assert de.label == "数字经济增加值（亿元）"
    assert de.basis == "2916为2019年的数据，2020年估算3250，按年均增幅15%以上"
    ftth = by["FTTH/O宽带接入率"]
    assert (ftth.unit, ftth.unit_inferred, ftth.label) == ("%", True, "FTTH/O宽带接入率（光纤宽带用户率）")
    assert "光纤宽带用户率" in ftth.aliases
    assert sum(r.unit_inferred for r in rows) == 1
    assert by["数字经济核心产业增加值占GDP比重"].target_text == "10左右"
    assert by["数据中心总机架数"].target_text == "18000以上"
    assert by["在役工业机器人数量"].basis_parsed.reference_share_pct == 10.0
    assert [r.name for r in rows if r.override_base] == ["数字经济增加值"]


def test_declared_count() -> None:
    text = DEFAULT_DOCUMENT.read_text(encoding="utf-8")
    assert declared_indicator_count(text) == 31
    assert declared_indicator_count("没有数量") is None


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("数字经济增加值（亿元）", ("数字经济增加值", "亿元", False, ())),
        ("规上工业全员劳动生产率（万元/人年）", ("规上工业全员劳动生产率", "万元/人年", False, ())),
        ("城域网出口带宽（Tbps）", ("城域网出口带宽", "Tbps", False, ())),
        ("数据开放率（%）", ("数据开放率", "%", False, ())),
        ("FTTH/O宽带接入率（光纤宽带用户率）", ("FTTH/O宽带接入率", "%", True, ("光纤宽带用户率",))),
        ("工业互联网平台", ("工业互联网平台", "", True, ())),
    ],
)
def test_split_label(label: str, expected: tuple) -> None:  # type: ignore[type-arg]
    assert split_label(label) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2916*", (2019, 2916.0, "exact")),
        ("44.14*", (2019, 44.14, "exact")),
        ("10左右", (2025, 10.0, "approximately")),
        ("95以上", (2025, 95.0, "at_least")),
        ("30000", (2025, 30000.0, "exact")),
    ],
)
def test_parse_value(cell: str, expected: tuple) -> None:  # type: ignore[type-arg]
    assert parse_value(cell, 2025, 2019) == expected


@pytest.mark.parametrize("cell", ["abc", "", "10以下"])
def test_parse_value_rejects(cell: str) -> None:
    with pytest.raises(TableParseError):
        parse_value(cell, 2025, 2019)


@pytest.mark.parametrize(
    ("text", "kind", "number"),
    [
        ("按年均增长8%测算。", "growth_rate", 8.0),
        ("按照每年递增30%测算", "growth_rate", 30.0),
        ("按照年均增长0.12个百分点测算，高于浙江省2.8%的目标", "pp_increment", 0.12),
        ("按照年均增加3个测算", "increment", 3.0),
        ("参照《浙江省数字经济发展十四五规划》主要指标表对应指标数的10%测算", "reference", None),
        ("按用户数及覆盖率、新用户增长数进行估算", "other", None),
    ],
)
def test_parse_basis(text: str, kind: str, number: float | None) -> None:
    b = parse_basis(text)
    assert b.kind == kind
    assert {"growth_rate": b.rate_pct, "increment": b.amount, "pp_increment": b.pp}.get(kind) == number


def test_table_from_other_text_and_errors() -> None:
    text = (
        "\t类别\n\t指标\n\t2020年\n\t2025年\n\t测算依据\n\n\t甲\n\tA率（%）\n\t10\n\t20\n\t按年均增长1个百分点\n\n"
        "\t\n\tB（个）\n\t5\n\t10左右\n\t根据《X》\n"
    )
    rows = parse_indicator_table(text)
    assert [(r.category, r.name, r.unit) for r in rows] == [("甲", "A率", "%"), ("甲", "B", "个")]
    with pytest.raises(TableParseError, match="header"):
        parse_indicator_table("no table here")
    with pytest.raises(TableParseError, match="5 cells"):
        parse_indicator_table("\t类别\n\t指标\n\t2020年\n\t2025年\n\t测算依据\n\n\t甲\n\tA\n")
    with pytest.raises(TableParseError, match="first row has no category"):
        parse_indicator_table(
            "\t类别\n\t指标\n\t2020年\n\t2025年\n\t测算依据\n\n\t\n\tA（个）\n\t1\n\t2\n\t x\n"
        )
