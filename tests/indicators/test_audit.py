"""Basis audit: per-row findings and the 31-declared vs 30-rows count."""

from __future__ import annotations

import pytest

from indicators import engine
from indicators.audit import audit_table
from indicators.catalog import IndicatorTable

# (indicator, status, recomputed target, deviation %)
FINDINGS: list[tuple[str, str, float | None, float | None]] = [
    ("规上数字经济核心产业劳动生产率", "mismatch", 50.50, 26.25),  # 19.47×1.21^5 vs 40
    ("规上工业全员劳动生产率", "mismatch", 35.43, 18.10),  # 16.16×1.17^5 vs 30
    ("“浙政钉”用户日活跃率", "mismatch", 94.04, 4.49),  # 65.2×1.076^5 vs 90
    ("城市大脑应用场景", "mismatch", 278.47, -7.18),  # 75×1.3^5 vs 300
    ("规上数字经济核心产业R&D经费支出占营业收入比重", "mismatch", 3.41, 3.33),  # 2.69+0.12×6 vs 3.3
    ("数字经济核心产业有效发明专利", "consistent", 7134.56, 1.92),  # within ±2%
    ("数字经济核心产业国家高新技术企业", "consistent", 315, 0.0),  # 115+40×5
    ("数字经济核心产业上市企业", "consistent", 14, 0.0),  # 9+1×5
    ("工业互联网平台", "consistent", 30, 0.0),  # 15+3×5
    ("互联网+监管平台承载的监管事项", "consistent", 95, 0.0),  # 85+2×5, target 95以上
    ("数字经济增加值", "consistent", 6536.91, 0.57),  # 3250×1.15^5
    ("规上数字经济核心制造业增加值", "consistent", 288.50, 0.17),
    ("软件和信息服务业营业收入", "consistent", 119.51, -0.41),
    ("规上数字经济核心产业主营业务收入", "consistent", 1389.25, -0.77),
    ("重点工业企业设备联网率", "consistent", 55.94, 1.71),
    ("移动支付活跃用户普及率", "consistent", 91.25, 1.39),
    ("5G基站数量", "not_checkable", None, None),
    ("在役工业机器人数量", "not_checkable", None, None),
    ("FTTH/O宽带接入率", "not_checkable", None, None),
]


@pytest.mark.parametrize(("name", "status", "value", "deviation"), FINDINGS)
def test_audit_indicator(
    table: IndicatorTable, name: str, status: str, value: float | None, deviation: float | None
) -> None:
    finding = engine.audit_indicator(table.get(name))
    assert finding.status == status
    if value is None:
        assert finding.projection is None and finding.deviation_pct is None
    else:
        assert finding.projection is not None
        assert finding.projection.quantity == "audit_projection"
        assert finding.projection.value == pytest.approx(value, abs=0.005)
        assert finding.deviation_pct == pytest.approx(deviation, abs=0.01)


def test_2019_base_row_mentions_five_year_reading(table: IndicatorTable) -> None:
    note = engine.audit_indicator(table.get("规上数字经济核心产业R&D经费支出占营业收入比重")).note
    assert "3.29" in note  # 2.69 + 0.12×5


def test_tolerance_is_a_parameter(table: IndicatorTable) -> None:
    assert (
        engine.audit_indicator(table.get("数字经济核心产业有效发明专利"), tolerance_pct=1).status
        == "mismatch"
    )


def test_audit_table(table: IndicatorTable) -> None:
    report = audit_table(table)
    assert (report.declared_count, report.row_count, report.count_mismatch) == (31, 30, True)
    assert "31" in report.count_note and "30" in report.count_note
    assert [f.indicator for f in report.mismatches] == [
        "规上数字经济核心产业R&D经费支出占营业收入比重",
        "规上数字经济核心产业劳动生产率",
        "规上工业全员劳动生产率",
        "“浙政钉”用户日活跃率",
        "城市大脑应用场景",
    ]
    assert (len(report.consistent), len(report.not_checkable)) == (11, 14)
    joined = "\n".join(report.notes)
    assert "6500亿元÷GDP10000亿元=65%" in joined  # cross-check 数字经济增加值 / GDP 1万亿
    assert "FTTH/O宽带接入率（光纤宽带用户率）" in joined
    text = report.render()
    assert "城市大脑应用场景" in text and "31项" in text
    assert report.to_dict()["mismatches"][1] == "规上数字经济核心产业劳动生产率"
