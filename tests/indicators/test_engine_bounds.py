"""Upper bounds (以下) and falling rows in the engine; every number worked out by hand below.

Rows (parsed from a small table, as any plan's would be):
- 单位GDP能耗 0.5 (2020) → 0.4 (2025), exact, falling: CAGR = 0.8^(1/5) − 1 = −4.3648%.
- 城镇调查失业率 5.2% → 5.5%以下 (an upper bound above the base), linear path (+0.06 pp a year).
- 单位GDP能耗（上限） 0.5 → 0.45以下 with 年均增速 −3%: 0.5×0.97⁵ = 0.429367, −4.585% vs 0.45.
- 耕地保有量 100 → 95以上: a lower bound under the base (lower is *not* better).
"""

from __future__ import annotations

import dataclasses

import pytest

from indicators import engine
from indicators.frame import indicators_frame
from indicators.model import Indicator
from indicators.tables import parse_indicator_tables

TEXT = "\n\n".join(
    "\n".join("\t" + c for c in row)
    for row in [
        ["指标", "单位", "2020年", "2025年", "年均增速（%）"],
        ["单位GDP能耗", "吨标准煤/万元", "0.5", "0.4", ""],
        ["城镇调查失业率", "%", "5.2", "5.5以下", ""],
        ["单位GDP能耗上限", "吨标准煤/万元", "0.5", "0.45以下", "-3"],
        ["耕地保有量", "万亩", "100", "95以上", ""],
    ]
)


@pytest.fixture(scope="module")
def rows() -> dict[str, Indicator]:
    return {r.name: r for r in parse_indicator_tables(TEXT).rows}


def test_direction(rows: dict[str, Indicator]) -> None:
    assert [rows[n].lower_is_better for n in ("单位GDP能耗", "城镇调查失业率", "单位GDP能耗上限", "耕地保有量")] == [
        True,
        True,
        True,
        False,
    ]


def test_falling_row_changes_and_cagr(rows: dict[str, Indicator]) -> None:
    energy = rows["单位GDP能耗"]
    assert engine.change(energy).value == pytest.approx(-0.1)
    assert engine.change_pct(energy).value == pytest.approx(-20.0)
    assert engine.multiple(energy).value == 0.8
    cagr = engine.required_cagr(energy)
    assert (cagr.value, cagr.exact) == (-4.36, pytest.approx(-4.36475, abs=1e-5))
    assert "年均下降4.36%" in cagr.note
    assert indicators_frame([energy])["cagr_pct"].iloc[0] == pytest.approx(-4.36475, abs=1e-5)


@pytest.mark.parametrize(
    ("actual", "status"),
    [(0.44, "超前"), (0.46, "符合"), (0.47, "滞后")],  # planned 2022: 0.5×0.8^(2/5) = 0.457305, band ±0.009146
)
def test_progress_of_a_falling_row(rows: dict[str, Indicator], actual: float, status: str) -> None:
    check = engine.progress(rows["单位GDP能耗"], 2022, actual)
    assert check.planned.exact == pytest.approx(0.457305, abs=1e-6)
    assert check.status == status
    assert check.reached_target is False


def test_progress_required_rate_and_reached(rows: dict[str, Indicator]) -> None:
    check = engine.progress(rows["单位GDP能耗"], 2022, 0.44)
    assert check.required is not None
    # (0.4/0.44)^(1/3) − 1 = −3.1271%; the plan needed −4.36% a year.
    assert (check.required.quantity, check.required.value) == ("required_cagr", -3.13)
    assert check.required.note == "规划原需年均下降4.36%"
    assert engine.progress(rows["单位GDP能耗"], 2024, 0.39).reached_target is True


@pytest.mark.parametrize(
    ("actual", "status", "reached"),
    # planned 2023 = 5.2 + 0.3/5×3 = 5.38, band ±0.1076
    [(5.0, "超前", True), (5.4, "符合", True), (5.6, "滞后", False)],
)
def test_progress_of_an_upper_bound(rows: dict[str, Indicator], actual: float, status: str, reached: bool) -> None:
    check = engine.progress(rows["城镇调查失业率"], 2023, actual)
    assert check.planned.value == 5.38
    assert (check.status, check.reached_target) == (status, reached)


def test_lower_bound_under_the_base_is_still_higher_is_better(rows: dict[str, Indicator]) -> None:
    # planned 2023 on the geometric path 100→95: 100×0.95^(3/5) = 96.969; 99 is above → 超前.
    check = engine.progress(rows["耕地保有量"], 2023, 99)
    assert check.planned.value == 96.97
    assert check.status == "超前"


@pytest.mark.parametrize(
    ("value", "deviation", "consistent"),
    [(5.6, 1.82, True), (5.7, 3.64, False), (4.0, -27.27, True)],  # (v − 5.5)/5.5
)
def test_compare_with_an_upper_bound(
    rows: dict[str, Indicator], value: float, deviation: float, consistent: bool
) -> None:
    cmp = engine.compare_with_target(rows["城镇调查失业率"], value)
    assert (cmp.deviation.value, cmp.consistent) == (deviation, consistent)


def test_audit_holds_below_an_upper_bound(rows: dict[str, Indicator]) -> None:
    capped = rows["单位GDP能耗上限"]
    finding = engine.audit_indicator(capped)
    assert finding.projection is not None
    assert (finding.projection.value, finding.deviation_pct, finding.status) == (0.43, -4.59, "consistent")
    # The same projection against an exact 0.45 misses by more than 2%.
    exact = dataclasses.replace(capped, target_qualifier="exact", target_text="0.45")
    assert engine.audit_indicator(exact).status == "mismatch"


def test_lookup_phrases_the_bound(rows: dict[str, Indicator]) -> None:
    fig = engine.lookup_target(rows["城镇调查失业率"])
    assert (fig.note, fig.inputs["qualifier"]) == ("目标为5.5以下（不高于5.5）", "at_most")
    assert rows["城镇调查失业率"].qualifier_text == "以下"


def test_audit_names_unparsed_rows_and_frame_keeps_attribute() -> None:
    from indicators.catalog import IndicatorTable

    text = "\n\n".join(
        "\n".join("\t" + c for c in row)
        for row in [["指标", "2020年", "2025年", "属性"], ["A（个）", "1", "2", "约束性"], ["B（个）", "—", "3", ""]]
    )
    table = IndicatorTable.from_parse(parse_indicator_tables(text))
    assert table.audit.notes[-1] == "指标表中“B（个）”未能解析（缺少基期值 / no base value）：B（个）｜—｜3"
    assert list(table.frame["attribute"]) == ["约束性"]
