"""Generic table parsing, table-driven: header synonyms, value cells, row rules and unparsed rows."""

from __future__ import annotations

import pytest

from indicators.catalog import DEFAULT_DOCUMENT
from indicators.table import TableParseError, parse_indicator_table
from indicators.table_header import infer_years, plan_period, recognise_header
from indicators.table_values import parse_cell
from indicators.tables import parse_indicator_tables, text_tables


def table_text(*rows: list[str] | tuple[str, ...], before: str = "", after: str = "") -> str:
    """Rows in the loaders' cell-per-line layout."""
    body = "\n\n".join("\n".join("\t" + c for c in row) for row in rows)
    return f"{before}\n{body}\n{after}\n"


# ---------------------------------------------------------------- value cells

@pytest.mark.parametrize(
    ("cell", "value", "qualifier", "percent"),
    [
        ("0.45以下", 0.45, "at_most", False),
        ("不高于0.45", 0.45, "at_most", False),
        ("不超过5", 5.0, "at_most", False),
        ("≤5.5", 5.5, "at_most", False),
        ("５．５％以下", 5.5, "at_most", True),  # full-width digits and percent sign
        ("不低于61.5", 61.5, "at_least", False),
        ("95以上", 95.0, "at_least", False),
        ("≥95", 95.0, "at_least", False),
        ("10左右", 10.0, "approximately", False),
        ("约10", 10.0, "approximately", False),
        ("1.2万", 12000.0, "exact", False),
        ("1.1万", 11000.0, "exact", False),  # exactly, not 11000.000000000002
        ("3,000", 3000.0, "exact", False),
        ("95%", 95.0, "exact", True),
        ("-3.5", -3.5, "exact", False),
        ("—", None, "exact", False),
        ("-", None, "exact", False),
        ("/", None, "exact", False),
        ("", None, "exact", False),
    ],
)
def test_value_cells(cell: str, value: float | None, qualifier: str, percent: bool) -> None:
    parsed = parse_cell(cell)
    assert (parsed.value, parsed.qualifier, parsed.percent) == (value, qualifier, percent)


def test_value_cell_marks() -> None:
    assert (parse_cell("2916*").star, parse_cell("2916（2019年）").year) == (True, 2019)
    assert parse_cell("6500亿元").unit == "亿元"


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("显著提升", "not a number"),
        ("90-95", "a range"),
        ("≥95以下", "conflicting bounds"),
        ("95个百分点", "unexpected text"),
    ],
)
def test_value_cell_errors(cell: str, message: str) -> None:
    with pytest.raises(TableParseError, match=message):
        parse_cell(cell)


# ---------------------------------------------------------------- headers

@pytest.mark.parametrize(
    ("cells", "columns", "years"),
    [
        (["类别", "指标", "2020年", "2025年", "测算依据"],
         {"category": 0, "label": 1, "base": 2, "target": 3, "basis": 4}, (2020, 2025)),
        (["序号", "领域", "指标名称", "单位", "基期值", "目标值", "属性"],
         {"seq": 0, "category": 1, "label": 2, "unit": 3, "base": 4, "target": 5, "attribute": 6}, (None, None)),
        (["分类", "主要指标", "计量单位", "现状", "2025年目标", "年均增长（%）", "备注"],
         {"category": 0, "label": 1, "unit": 2, "base": 3, "target": 4, "growth": 5, "basis": 6}, (None, 2025)),
        (["方面", "指标", "2020年基数", "2025年", "说明"],
         {"category": 0, "label": 1, "base": 2, "target": 3, "basis": 4}, (2020, 2025)),
        (["指标", "单位", "2025年目标", "现状值"], {"label": 0, "unit": 1, "target": 2, "base": 3}, (None, 2025)),
        (["指标名称（单位）", "基期（2020年）", "2025 年", "增量"],
         {"label": 0, "base": 1, "target": 2, "growth": 3}, (2020, 2025)),
    ],
)
def test_header_synonyms(cells: list[str], columns: dict[str, int], years: tuple[int | None, int | None]) -> None:
    header = recognise_header(cells)
    assert header is not None
    assert (header.columns, (header.base_year, header.target_year)) == (columns, years)


def test_header_extra_year_column_is_ignored() -> None:
    header = recognise_header(["指标", "2020年", "2025年", "2035年"])
    assert header is not None
    assert (header.base_year, header.target_year, header.ignored) == (2020, 2025, ("2035年",))


@pytest.mark.parametrize(
    "cells", [["项目名称", "总投资", "建设内容"], ["指标", "2020年"], ["类别", "目标"], ["序号", "任务", "责任单位"]]
)
def test_not_an_indicator_header(cells: list[str]) -> None:
    assert recognise_header(cells) is None


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("“十四五”时期主要指标", (2020, 2025)),
        ("回顾“十三五”，展望“十四五”，“十四五”期间", (2020, 2025)),  # its own period is named most
        ("2021—2025年主要指标", (2020, 2025)),
        ("以2019年为基期", (2019, 2024)),
        ("没有年份", (None, None)),
    ],
)
def test_years_from_text(text: str, years: tuple[int | None, int | None]) -> None:
    header = recognise_header(["指标", "现状值", "目标值"])
    assert header is not None
    assert infer_years(header, text) == years


def test_plan_period() -> None:
    assert (plan_period("“十五五”规划"), plan_period("2026-2030年")) == ((2026, 2030), (2026, 2030))


# ---------------------------------------------------------------- rows

HEAD = ["序号", "指标", "单位", "2020年", "2025年", "属性"]


def test_section_rows_set_the_category() -> None:
    text = table_text(
        HEAD,
        ["一、经济发展"],  # merged across the whole width (one cell)
        ["1", "地区生产总值", "亿元", "6870", "12000", "预期"],
        ["二", "绿色发展", "", "", "", ""],  # a numbered section row
        ["2", "单位GDP能耗", "吨标准煤/万元", "0.52", "0.45以下", "约束"],
        ["3", "森林覆盖率", "", "61", "61.5", ""],  # 属性 merged from above
        ["（三）民生保障", "", "", "", "", ""],  # merged in a spreadsheet: text in the first cell
        ["4", "人均预期寿命", "岁", "78", "79", "预期性"],
    )
    parse = parse_indicator_tables(text)
    assert [(r.category, r.name, r.attribute) for r in parse.rows] == [
        ("经济发展", "地区生产总值", "预期性"),
        ("绿色发展", "单位GDP能耗", "约束性"),
        ("绿色发展", "森林覆盖率", "约束性"),
        ("民生保障", "人均预期寿命", "预期性"),
    ]
    assert (parse.rows[2].unit, parse.rows[2].unit_inferred) == ("%", True)  # 率 without a unit
    assert parse.unparsed == [] and parse.problems == []


def test_other_tables_are_skipped_quietly() -> None:
    projects = table_text(["项目名称", "总投资", "建设内容"], ["数据中心", "10亿元", "机架"])
    indicators = table_text(["指标", "2020年", "2025年"], ["5G基站数量（个）", "9072", "30000"], before="正文")
    parse = parse_indicator_tables(projects + "说明\n" + indicators)
    assert len(text_tables(projects + "说明\n" + indicators)) == 2
    assert (parse.tables, [r.name for r in parse.rows], parse.problems) == (1, ["5G基站数量"], [])


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (["A指标", "个", "10", "显著提升"], "value cell is not a number"),
        (["A指标", "%", "90", "90-95"], "a range is not a single value"),
        (["A指标", "个", "10", "—"], "no target value"),
        (["A指标", "个", "—", "12"], "no base value"),
        (["A指标", "亿元", "10", "95%"], "has % but the unit is '亿元'"),
        (["A指标", "个", "10"], "the row has 3 cells, the header 4"),
        (["", "个", "10", "12"], "no indicator name"),
        (["A指标", "个", "10（2026年）", "12"], "base year must precede target year"),
    ],
)
def test_unparsed_rows_are_kept_with_their_reason(row: list[str], reason: str) -> None:
    text = table_text(["指标", "单位", "2020年", "2025年"], ["B指标", "个", "1", "2"], row)
    parse = parse_indicator_tables(text)
    assert [r.name for r in parse.rows] == ["B指标"]
    [bad] = parse.unparsed
    assert reason in bad.reason and bad.cells == tuple(row)
    assert len(parse.problems) == 1 and bad.reason in parse.problems[0]


def test_table_without_base_column_or_years() -> None:
    no_base = parse_indicator_tables(table_text(["指标", "2025年目标"], ["A指标（个）", "10"]))
    assert [u.reason for u in no_base.unparsed] == ["表中没有基期列 / the table has no base column"]
    no_years = parse_indicator_tables(table_text(["指标", "现状值", "目标值"], ["A指标（个）", "1", "10"]))
    assert "cannot tell the base and target years" in no_years.unparsed[0].reason


def test_units_stars_and_years() -> None:
    text = table_text(
        ["指标", "2020年", "2025年", "2035年"],
        ["城镇化率", "70%", "75%", "80%"],
        ["地区生产总值", "6500亿元", "1.2万亿元", "2万"],
        ["研发投入强度（%）", "2.5*", "3", "3.5"],
        ["人口", "900（2019年）", "950", "1000"],
        after="注：标*为2018年数据。",
    )
    parse = parse_indicator_tables(text)
    got = [(r.name, r.unit, r.unit_inferred, r.base_year, r.base_value, r.target_value) for r in parse.rows]
    assert got == [
        ("城镇化率", "%", False, 2020, 70.0, 75.0),
        ("地区生产总值", "亿元", False, 2020, 6500.0, 12000.0),
        ("研发投入强度", "%", False, 2018, 2.5, 3.0),
        ("人口", "", True, 2019, 900.0, 950.0),
    ]
    assert parse.problems == ["表头列“2035年”未识别，已忽略 / header column '2035年' not recognised, ignored"]


def test_growth_column_is_a_basis_hint() -> None:
    text = table_text(
        ["指标", "2020年", "2025年", "年均增量", "测算依据"],
        ["设备联网率（%）", "45", "55", "2", ""],
        ["高企数（家）", "115", "315", "40", "按照年均新增40家测算"],
    )
    rate, firms = parse_indicator_tables(text).rows
    assert (rate.basis_parsed.kind, rate.basis_parsed.pp, rate.basis) == ("pp_increment", 2.0, "年均增量：2")
    assert (firms.basis_parsed.kind, firms.basis_parsed.amount) == ("increment", 40.0)
    assert firms.basis == "按照年均新增40家测算；年均增量：40"
    total = parse_indicator_tables(table_text(["指标", "2020年", "2025年", "增量"], ["A（个）", "1", "6", "5"]))
    assert (total.rows[0].basis_parsed.kind, total.rows[0].basis) == ("other", "增量：5")


def test_shipped_table_parses_identically() -> None:
    text = DEFAULT_DOCUMENT.read_text(encoding="utf-8")
    parse = parse_indicator_tables(text)
    assert parse.rows == parse_indicator_table(text)
    assert (len(parse.rows), parse.unparsed, parse.problems, parse.declared_count) == (30, [], [], 31)


def test_indicator_table_from_parse_sets_plan_and_aliases() -> None:
    from indicators.catalog import IndicatorTable

    parse = parse_indicator_tables(table_text(["指标", "2020年", "2025年"], ["5G基站数量（个）", "9072", "30000"]))
    table = IndicatorTable.from_parse(parse, source="p.md", aliases={"5G基站数量": ["五G"]}, plan_id="p1")
    assert (table.get("五G").plan_id, table.source, table.declared_count) == ("p1", "p.md", None)
