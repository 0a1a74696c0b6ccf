"""Importing actuals: both file shapes (CSV and XLSX), label matching, unit conversion, every rejected row named."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.actuals.files import FileFormatError
from bot.actuals.importer import parse_file, parse_records, store_report
from bot.actuals.store import open_store, sqlite_url
from indicators.catalog import IndicatorTable, load_default_table
from indicators.units import UnitError, convert

PLAN = "demo"
ROOT = Path(__file__).resolve().parents[2]

WIDE = [
    ["示例市数字经济主要指标完成情况（示例数据）", "", "", "", "", ""],
    ["单位：见各行", "", "", "", "", ""],
    ["指标名称", "单位", "2022年", "2023年", "数据来源", "备注"],
    ["5G基站数", "万个", "1.68", "2.1", "市通信管理局", ""],  # label not verbatim, 万个 → 个
    ["软件业收入", "万元", "660000", "750000", "市经信局", "快报"],  # 万元 → 亿元
    ["IPv6活跃用户数", "户", "11200000", "11500000", "省通信管理局", ""],  # 户 → 万户
    ["移动支付活跃用户普及率", "‰", "810", "", "人行", ""],  # ‰ → %; 2023 left blank
    ["一、数字基础设施", "", "", "", "", ""],  # a heading row without figures
]


def tables(plan: str) -> IndicatorTable:
    if plan != PLAN:
        raise KeyError(plan)
    return load_default_table()


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    return "\n".join(",".join(r) for r in rows).encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for r in rows:
        sheet.append([float(c) if isinstance(c, str) and c.replace(".", "").isdigit() else c or None for c in r])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


EXPECTED_WIDE = [
    ("5G基站数量", 2022, 16800.0, "个"),
    ("5G基站数量", 2023, 21000.0, "个"),
    ("软件和信息服务业营业收入", 2022, 66.0, "亿元"),
    ("软件和信息服务业营业收入", 2023, 75.0, "亿元"),
    ("IPv6活跃用户数", 2022, 1120.0, "万户"),
    ("IPv6活跃用户数", 2023, 1150.0, "万户"),
    ("移动支付活跃用户普及率", 2022, 81.0, "%"),
]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (csv_bytes(WIDE), "wide.csv"),
        (csv_bytes(WIDE, "gb18030"), "wide-gbk.csv"),
        (xlsx_bytes(WIDE), "wide.xlsx"),  # type: ignore[arg-type]
    ],
    ids=["csv", "csv-gbk", "xlsx"],
)
def test_wide_shape(data: bytes, name: str) -> None:
    report = parse_file(data, name, tables, plan=PLAN)
    assert report.shape == "wide"
    assert [(v.indicator, v.year, v.value, v.unit) for v in report.accepted] == EXPECTED_WIDE
    assert report.rejected == []
    assert [(s.line, s.label) for s in report.skipped] == [(8, "一、数字基础设施")]
    first = report.accepted[0]
    assert (first.label, first.source, first.plan_id) == ("5G基站数", "市通信管理局", PLAN)
    assert "1.68万个×10000=16800个" in first.note
    assert report.accepted[2].note == "快报；单位换算：660000万元×0.0001=66亿元"


LONG = [
    ["plan", "indicator", "year", "value", "unit", "source"],
    [PLAN, "数据中心机架数", "2023", "12900", "个", "市通信管理局"],
    ["", "工业互联网平台", "2023年", "22", "", ""],  # empty plan → the chosen plan; empty unit → the row's
    [PLAN, "高企", "2024", "270", "家", "市科技局"],
]


@pytest.mark.parametrize("as_xlsx", [False, True], ids=["csv", "xlsx"])
def test_long_shape(as_xlsx: bool) -> None:
    data = xlsx_bytes(LONG) if as_xlsx else csv_bytes(LONG)  # type: ignore[arg-type]
    report = parse_file(data, "long.xlsx" if as_xlsx else "long.csv", tables, default_plan=PLAN)
    assert report.shape == "long"
    assert [(v.indicator, v.year, v.value, v.source) for v in report.accepted] == [
        ("数据中心总机架数", 2023, 12900.0, "市通信管理局"),
        ("工业互联网平台", 2023, 22.0, ""),
        ("数字经济核心产业国家高新技术企业", 2024, 270.0, "市科技局"),
    ]


def test_chinese_long_headers_and_json_rows_agree() -> None:
    rows = [["规划", "指标", "年份", "数值", "单位", "数据来源"], [PLAN, "5G基站数", "2023", "2.1", "万个", "市统计局"]]
    from_file = parse_file(csv_bytes(rows), "l.csv", tables)
    from_json = parse_records(
        [{"indicator": "5G基站数", "year": 2023, "value": 2.1, "unit": "万个", "source": "市统计局"}], tables, plan=PLAN
    )
    assert [v.to_dict() | {"line": 0} for v in from_file.accepted] == [
        v.to_dict() | {"line": 0} for v in from_json.accepted
    ]
    assert from_json.accepted[0].value == 21000.0


REJECTS = [
    ["指标", "单位", "2023", "数据来源"],
    ["5G基站数", "个", "21000", "市统计局"],
    ["新能源汽车产量", "万辆", "3.2", ""],  # no such indicator
    ["在役工业机器人数量", "亿元", "1.4", ""],  # 亿元 cannot be 台
    ["网络零售额", "亿元", "约2400", ""],  # not a number
    ["5G基站数量", "个", "22000", ""],  # same indicator and year as line 2
    ["", "", "5", ""],  # figures without a name
]


def test_every_rejected_row_is_named_with_its_reason() -> None:
    report = parse_file(csv_bytes(REJECTS), "bad.csv", tables, plan=PLAN)
    assert [v.indicator for v in report.accepted] == ["5G基站数量"]
    reasons = {(r.line, r.label): r.reason for r in report.rejected}
    assert list(reasons) == [
        (3, "新能源汽车产量"),
        (4, "在役工业机器人数量"),
        (5, "网络零售额"),
        (6, "5G基站数量"),
        (7, ""),
    ]
    assert reasons[(3, "新能源汽车产量")].startswith("指标表中没有匹配“新能源汽车产量”的指标")
    assert "/ no indicator of the plan matches" in reasons[(3, "新能源汽车产量")]
    assert reasons[(4, "在役工业机器人数量")] == "单位“亿元”无法换算为“台” / unit 亿元 cannot be converted to 台"
    assert "约2400" in reasons[(5, "网络零售额")]
    assert "与第2行重复" in reasons[(6, "5G基站数量")]
    assert "缺少指标名称" in reasons[(7, "")]


def test_year_outside_the_plan_and_unknown_plan() -> None:
    rows = [
        ["plan", "indicator", "year", "value"],
        [PLAN, "5G基站数量", "2019", "1"],
        ["nope", "5G基站数量", "2023", "1"],
    ]
    report = parse_file(csv_bytes(rows), "l.csv", tables)
    assert [r.reason.split(" / ")[0] for r in report.rejected] == ["年份2019不在规划期2020–2025内", "未知规划“nope”"]


def test_import_is_all_or_nothing_unless_partial(tmp_path: Path) -> None:
    store = open_store(sqlite_url(tmp_path / "a.db"))
    rejected = store_report(store, parse_file(csv_bytes(REJECTS), "bad.csv", tables, plan=PLAN))
    assert (rejected.status, store.count()) == ("rejected", 0)
    assert rejected.to_dict()["imported"] == 0 and len(rejected.to_dict()["rejected"]) == 5
    dry = store_report(store, parse_file(csv_bytes(WIDE), "w.csv", tables, plan=PLAN), dry_run=True)
    assert (dry.status, store.count()) == ("dry_run", 0)
    partial = store_report(store, parse_file(csv_bytes(REJECTS), "bad.csv", tables, plan=PLAN), partial=True)
    assert (partial.status, partial.batch, store.count()) == ("imported", 1, 1)
    assert [(a.indicator, a.value) for a in store.latest(PLAN)] == [("5G基站数量", 21000.0)]


def test_a_revised_file_keeps_history(tmp_path: Path) -> None:
    store = open_store(sqlite_url(tmp_path / "a.db"))
    store_report(store, parse_file(csv_bytes(WIDE), "快报.csv", tables, plan=PLAN))
    revised = [WIDE[2], ["5G基站数量", "个", "", "21350", "市统计局年鉴", "修订"]]
    store_report(store, parse_file(csv_bytes(revised), "年鉴.csv", tables, plan=PLAN))
    latest = store.latest(PLAN, "5G基站数量")
    assert [(a.year, a.value, a.source) for a in latest] == [
        (2022, 16800.0, "市通信管理局"),
        (2023, 21350.0, "市统计局年鉴"),
    ]
    assert [(a.value, a.batch) for a in store.history(PLAN, "5G基站数量", 2023)] == [(21000.0, 1), (21350.0, 2)]


def test_the_shipped_sample_imports_cleanly() -> None:
    data = (ROOT / "corpus" / "actuals" / "sample-actuals-wide.csv").read_bytes()
    report = parse_file(data, "sample-actuals-wide.csv", tables, plan=PLAN)
    assert report.rejected == []
    assert len(report.accepted) == 13 * 5
    assert "示例数据" in data.decode("utf-8").splitlines()[0]


@pytest.mark.parametrize(
    ("value", "unit", "target", "expected"),
    [(1072.8, "万户", "户", 10728000.0), (10728000, "户", "万户", 1072.8), (1.2, "亿元", "万元", 12000.0),
     (660000, "万元", "亿元", 66.0), (4.5, "‰", "%", 0.45), (45, "%", "‰", 450.0), (3, "", "个", 3.0),
     (24, "Tbps", "tbps", 24.0), (2.1, "万个", "个", 21000.0)],
)  # fmt: skip
def test_unit_conversion_is_exact(value: float, unit: str, target: str, expected: float) -> None:
    assert convert(value, unit, target).value == expected


@pytest.mark.parametrize(("unit", "target"), [("台", "个"), ("亿元", "%"), ("万辆", "个"), ("公里", "")])
def test_units_that_cannot_be_reconciled(unit: str, target: str) -> None:
    with pytest.raises(UnitError, match="cannot be converted"):
        convert(1, unit, target)


@pytest.mark.parametrize(
    ("data", "name"), [(b"just,some\nwords,here\n", "x.csv"), (b"PK\x03\x04broken", "x.xlsx"), (b"%PDF", "x.pdf")]
)
def test_unreadable_files(data: bytes, name: str) -> None:
    with pytest.raises(FileFormatError):
        parse_file(data, name, tables, plan=PLAN)
