"""Evaluation statuses: one hand-computed example of every rule (以上, 左右, 以下, plain, 2019 base, fixed step).

Arithmetic is written out next to each expectation.
"""

from __future__ import annotations

import dataclasses

import pytest

from indicators import engine
from indicators.catalog import IndicatorTable
from indicators.evaluation import ActualPoint, evaluate, evaluate_indicator, target_status
from indicators.model import Basis, Indicator


def at_most_indicator() -> Indicator:
    """A 以下 target built by hand: a share that must fall from 20% (2020) to 10% or less (2025)."""
    return Indicator(
        category="测试", name="高耗能行业占比", label="高耗能行业占比（%）", unit="%", unit_inferred=False,
        base_year=2020, base_value=20.0, target_year=2025, target_value=10.0, target_qualifier="at_most",
        target_text="10以下", basis="", basis_parsed=Basis(kind="other"), override_base=None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "actual", "status", "completion"),
    [
        # 以上: 18000以上 is met at 18000 (18000/18000 = 100%), not at 17500 (17500/18000 = 97.22%).
        ("数据中心总机架数", 18000, "完成", 100.0),
        ("数据中心总机架数", 17500, "未完成", 97.22),
        # plain target: 30000 is met at 30000, not at 29999 (29999/30000 = 99.997% → 100.0 rounded).
        ("5G基站数量", 30000, "完成", 100.0),
        ("5G基站数量", 29999, "未完成", 100.0),
        # 左右: 10左右 with a 5% band → met from 10 × 0.95 = 9.5 upward.
        ("数字经济核心产业增加值占GDP比重", 9.6, "完成", 96.0),
        ("数字经济核心产业增加值占GDP比重", 9.5, "完成", 95.0),
        ("数字经济核心产业增加值占GDP比重", 9.4, "未完成", 94.0),
        ("数字经济核心产业增加值占GDP比重", 12.0, "完成", 120.0),
    ],
)
def test_target_year_statuses(table: IndicatorTable, name: str, actual: float, status: str, completion: float) -> None:
    row = evaluate_indicator(table.get(name), 2025, actual)
    assert (row.status, row.completion, row.needed_growth) == (status, completion, None)
    assert row.planned == table.get(name).target_value


def test_at_least_progress_share(table: IndicatorTable) -> None:
    row = evaluate_indicator(table.get("数据中心总机架数"), 2025, 17500)
    assert row.progress == 94.67  # (17500-8620)/(18000-8620) = 8880/9380 = 0.94669
    assert row.qualifier == "以上"


@pytest.mark.parametrize(
    ("actual", "status", "completion"),
    [(10.0, "完成", 100.0), (9.0, "完成", 111.11), (10.5, "未完成", 95.24)],  # 10/9, 10/10.5
)
def test_at_most_target_is_reversed(actual: float, status: str, completion: float) -> None:
    row = evaluate_indicator(at_most_indicator(), 2025, actual)
    assert (row.status, row.completion, row.qualifier) == (status, completion, "以下")


@pytest.mark.parametrize(
    # 2023 on the linear path 20 → 10: 20 - 2×3 = 14; band 2% of 14 = 0.28.
    ("actual", "status"),
    [(13.5, "超前"), (13.72, "符合"), (14.2, "符合"), (14.29, "滞后"), (14.5, "滞后")],
)
def test_at_most_earlier_years_reverse_the_tolerance(actual: float, status: str) -> None:
    row = evaluate_indicator(at_most_indicator(), 2023, actual)
    assert row.planned == 14.0
    assert row.status == status
    # The chat's progress answer says the same (one shared rule).
    assert engine.progress(at_most_indicator(), 2023, actual).status == status


def test_at_most_needed_growth_and_progress() -> None:
    row = evaluate_indicator(at_most_indicator(), 2023, 13.5)
    assert row.progress == 65.0  # (13.5-20)/(10-20)
    assert (row.needed_growth, row.needed_growth_unit) == (-1.75, "个百分点")  # (10-13.5)/2


def test_2019_base_uses_six_years_and_ignores_the_2020_estimate(table: IndicatorTable) -> None:
    ind = table.get("数字经济增加值")  # 2916 (2019) → 6500 (2025); basis: 2020年估算3250
    assert ind.override_base == (2020, 3250.0)
    # 2021: 2916 × (6500/2916)^(2/6) = 2916 × 1.306301 = 3809.16, not 3250 × 2^(1/5) = 3733.27 (from 2020).
    assert evaluate_indicator(ind, 2021, None).planned == 3809.16
    row = evaluate_indicator(ind, 2023, 4700, source="市统计局")
    assert row.planned == 4975.9  # 2916 × 2.229081^(4/6) = 2916 × 1.706411
    assert row.status == "滞后"  # 4700 - 4975.9 = -275.9 < -2% × 4975.9 = -99.5
    assert row.completion == 72.31  # 4700/6500
    assert row.progress == 49.78  # (4700-2916)/(6500-2916) = 1784/3584
    assert (row.needed_growth, row.needed_growth_unit) == (17.6, "%")  # sqrt(6500/4700) - 1 = 0.17600
    assert {f.inputs.get("actual_source") for f in row.figures if "actual" in f.inputs} == {"市统计局"}


@pytest.mark.parametrize(
    # 高企: 测算依据 年均新增40家 → linear 115 + 40k; 2022 planned 195 (band 3.9), 2023 planned 235 (band 4.7).
    ("year", "actual", "planned", "status"),
    [(2022, 200, 195.0, "超前"), (2022, 197, 195.0, "符合"), (2022, 191, 195.0, "滞后"), (2023, 225, 235.0, "滞后")],
)
def test_fixed_step_basis(table: IndicatorTable, year: int, actual: float, planned: float, status: str) -> None:
    row = evaluate_indicator(table.get("高企"), year, actual)
    assert (row.planned, row.status) == (planned, status)


def test_fixed_step_needed_growth(table: IndicatorTable) -> None:
    row = evaluate_indicator(table.get("高企"), 2023, 225)
    assert (row.completion, row.progress) == (71.43, 55.0)  # 225/315, (225-115)/200
    assert (row.needed_growth, row.needed_growth_unit) == (45.0, "家")  # (315-225)/2


def test_no_actual_is_no_data(table: IndicatorTable) -> None:
    row = evaluate_indicator(table.get("5G基站数量"), 2024, None)
    assert (row.status, row.actual, row.completion, row.progress) == ("无数据", None, None, None)
    assert row.planned == 23617.7  # 9072 × (30000/9072)^(4/5) = 9072 × 2.603353


def test_evaluate_counts_and_rankings(table: IndicatorTable) -> None:
    actuals = {
        "5G基站数量": ActualPoint(2025, 31000, "市经信局"),  # 完成 (103.33%)
        "数据中心总机架数": ActualPoint(2025, 17500),  # 未完成 (97.22%)
        "软件和信息服务业营业收入": ActualPoint(2025, 96),  # 未完成 (80%), progress (96-48.03)/(120-48.03) = 66.65%
    }
    ev = evaluate("p", table.indicators, 2025, actuals)
    assert ev.counts == {"完成": 1, "未完成": 2, "超前": 0, "符合": 0, "滞后": 0, "无数据": 27}
    assert [r.indicator for r in ev.largest_gaps(2)] == ["软件和信息服务业营业收入", "数据中心总机架数"]
    assert [r.completion for r in ev.lowest_completion(3)] == [80.0, 97.22, 103.33]


def test_year_outside_the_period_is_rejected(table: IndicatorTable) -> None:
    with pytest.raises(ValueError, match="year must be between"):
        evaluate("p", table.indicators, 2026, {})


def test_target_status_of_a_copied_row_follows_its_qualifier(table: IndicatorTable) -> None:
    ind = dataclasses.replace(table.get("5G基站数量"), target_qualifier="at_most")
    assert (target_status(ind, 29000), target_status(ind, 31000)) == ("完成", "未完成")
