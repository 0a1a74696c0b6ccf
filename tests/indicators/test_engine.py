"""Engine computations, table-driven against values computed by hand (calculator, not the engine)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from indicators import engine
from indicators.catalog import IndicatorTable
from indicators.model import Figure, Indicator

G5, DE, SW = "5G基站数量", "数字经济增加值", "软件和信息服务业营业收入"

# (function, indicator, quantity, value, unit, formula)
SIMPLE: list[tuple[Callable[[Indicator], Figure], str, str, float, str, str]] = [
    (engine.lookup_base, G5, "base", 9072, "个", "2020年=9072"),
    (engine.lookup_target, G5, "target", 30000, "个", "2025年目标=30000"),
    (engine.lookup_base, DE, "base", 2916, "亿元", "2019年=2916"),
    (engine.lookup_target, "数据中心总机架数", "target", 18000, "个", "2025年目标=18000以上"),
    (engine.change, G5, "change", 20928, "个", "30000-9072"),
    (engine.change, "规上数字经济核心产业主营业务收入", "change", 454.5, "亿元", "1400-945.5"),
    (engine.change, "移动支付活跃用户普及率", "change", 15, "个百分点", "90-75"),
    (engine.pp_change, "移动支付活跃用户普及率", "pp_change", 15, "个百分点", "90-75"),
    (engine.pp_change, "数据开放率", "pp_change", 37, "个百分点", "50-13"),
    (engine.pp_change, "数字经济增加值占GDP比重", "pp_change", 20.86, "个百分点", "65-44.14"),
    (engine.multiple, SW, "multiple", 2.5, "倍", "120/48.03"),
    (engine.multiple, "城市大脑应用场景", "multiple", 4, "倍", "300/75"),
    (engine.change_pct, "网络零售额", "change_pct", 33.98, "%", "2720/2030.2-1"),
    (engine.required_cagr, G5, "cagr", 27.02, "%", "(30000/9072)^(1/5)-1"),
    (engine.required_cagr, DE, "cagr", 14.29, "%", "(6500/2916)^(1/6)-1"),
    (engine.required_cagr, "在役工业机器人数量", "cagr", 18.75, "%", "(20000/8469)^(1/5)-1"),
    (engine.required_cagr, "数据中心总机架数", "cagr", 15.87, "%", "(18000/8620)^(1/5)-1"),
    (engine.required_cagr, "城市大脑应用场景", "cagr", 31.95, "%", "(300/75)^(1/5)-1"),
    (
        engine.annual_increment,
        "数字经济核心产业国家高新技术企业",
        "annual_increment",
        40,
        "家",
        "(315-115)/5",
    ),
    (
        engine.annual_increment,
        "规上数字经济核心产业R&D经费支出占营业收入比重",
        "annual_increment",
        0.1,
        "个百分点",
        "(3.3-2.69)/6",
    ),
]


@pytest.mark.parametrize(
    ("fn", "name", "quantity", "value", "unit", "formula"),
    SIMPLE,
    ids=[f"{s[0].__name__}-{i}" for i, s in enumerate(SIMPLE)],
)
def test_simple_figures(
    table: IndicatorTable,
    fn: Callable[[Indicator], Figure],
    name: str,
    quantity: str,
    value: float,
    unit: str,
    formula: str,
) -> None:
    fig = fn(table.get(name))
    assert (fig.quantity, fig.unit, fig.formula) == (quantity, unit, formula)
    assert fig.value == pytest.approx(value, abs=0.005)
    assert fig.indicator == table.get(name).name


def test_cagr_uses_real_years_and_mentions_the_2020_estimate(table: IndicatorTable) -> None:
    fig = engine.required_cagr(table.get(DE))
    assert fig.inputs["years"] == 6
    assert "2019" in fig.note and "14.87%" in fig.note  # (6500/3250)^(1/5)-1 = 14.87%
    assert fig.exact == pytest.approx(14.293352769, rel=1e-9)


def test_target_note_carries_qualifier(table: IndicatorTable) -> None:
    assert "以上" in engine.lookup_target(table.get("数据中心总机架数")).note
    assert "左右" in engine.lookup_target(table.get("数字经济核心产业增加值占GDP比重")).note
    assert engine.lookup_target(table.get(G5)).note == ""
    assert "2019" in engine.lookup_base(table.get(DE)).note


# (indicator, kwargs, value, formula, start)
PROJECTIONS: list[tuple[str, dict[str, float | int], float, str, float]] = [
    ("规上数字经济核心制造业增加值", {"rate_pct": 12}, 288.50, "163.7×(1+12%)^5", 163.7),
    ("规上数字经济核心制造业增加值", {}, 288.50, "163.7×(1+12%)^5", 163.7),
    ("规上工业全员劳动生产率", {"rate_pct": 17}, 35.43, "16.16×(1+17%)^5", 16.16),
    ("规上数字经济核心产业劳动生产率", {}, 50.50, "19.47×(1+21%)^5", 19.47),
    ("数字经济核心产业有效发明专利", {}, 7134.56, "4430×(1+10%)^5", 4430),
    ("“浙政钉”用户日活跃率", {}, 94.04, "65.2×(1+7.6%)^5", 65.2),
    (DE, {}, 6536.91, "3250×(1+15%)^5", 3250),
    ("数字经济核心产业国家高新技术企业", {}, 315, "115+40×5", 115),
    ("数字经济核心产业上市企业", {}, 14, "9+1×5", 9),
    ("重点工业企业设备联网率", {}, 55.94, "45.94+2×5", 45.94),
    ("规上数字经济核心产业R&D经费支出占营业收入比重", {}, 3.41, "2.69+0.12×6", 2.69),
    (SW, {"rate_pct": 20, "year": 2023}, 83.00, "48.03×(1+20%)^3", 48.03),
    (G5, {"increment": 5000}, 34072, "9072+5000×5", 9072),
]


@pytest.mark.parametrize(("name", "kwargs", "value", "formula", "start"), PROJECTIONS)
def test_projection(
    table: IndicatorTable, name: str, kwargs: dict[str, float | int], value: float, formula: str, start: float
) -> None:
    fig = engine.projection(table.get(name), **kwargs)  # type: ignore[arg-type]
    assert fig.quantity == "projection"
    assert fig.value == pytest.approx(value, abs=0.005)
    assert fig.formula == formula
    assert fig.inputs["start"] == start


def test_projection_from_2020_estimate_is_noted(table: IndicatorTable) -> None:
    fig = engine.projection(table.get(DE))
    assert "3250" in fig.note and "2019" in fig.note
    assert fig.inputs["diff_to_target"] == pytest.approx(36.91)


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        (G5, {}, "states no growth rate or annual increment"),
        (G5, {"rate_pct": 10, "increment": 5}, "either rate_pct or increment"),
        (G5, {"rate_pct": 10, "year": 2020}, "year must be after 2020. Currently, year is 2020"),
        (G5, {"rate_pct": -100}, "rate_pct must be greater than -100"),
        (G5, {"rate_pct": 10, "from_year": 2021}, "from_year and from_value go together"),
    ],
)
def test_projection_rejects(table: IndicatorTable, name: str, kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        engine.projection(table.get(name), **kwargs)  # type: ignore[arg-type]


def test_pp_change_rejects_non_percent(table: IndicatorTable) -> None:
    with pytest.raises(ValueError, match="pp_change needs a % indicator; 5G基站数量 is measured in 个"):
        engine.pp_change(table.get(G5))


@pytest.mark.parametrize(
    ("start", "end", "years", "message"),
    [
        (0, 10, 5, "start value must be greater than 0"),
        (10, -1, 5, "end value must be greater than 0"),
        (10, 20, 0, "years must be at least 1. Currently, years is 0"),
    ],
)
def test_cagr_rejects(start: float, end: float, years: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        engine.cagr_pct(start, end, years)


# (indicator, rule, year → planned value)
TRAJECTORIES: list[tuple[str, str, dict[int, float]]] = [
    ("数字经济核心产业国家高新技术企业", "linear", {2020: 115, 2021: 155, 2023: 235, 2025: 315}),
    ("工业互联网平台", "linear", {2020: 15, 2022: 21, 2025: 30}),
    ("数字经济增加值占GDP比重", "linear", {2019: 44.14, 2022: 54.57, 2025: 65}),
    ("移动支付活跃用户普及率", "linear", {2021: 78, 2024: 87}),
    ("在役工业机器人数量", "geometric", {2020: 8469, 2022: 11942.94, 2025: 20000}),
    (G5, "geometric", {2023: 18593.19}),
    (SW, "geometric", {2023: 83.20}),
    ("城市大脑应用场景", "geometric", {2021: 98.96}),  # 75 × 4^(1/5)
]


@pytest.mark.parametrize(("name", "rule", "points"), TRAJECTORIES)
def test_trajectory(table: IndicatorTable, name: str, rule: str, points: dict[int, float]) -> None:
    ind = table.get(name)
    assert engine.trajectory_rule(ind) == rule
    traj = {f.year: f.value for f in engine.trajectory(ind)}
    assert list(traj) == list(range(ind.base_year, 2026))
    for year, value in points.items():
        assert traj[year] == pytest.approx(value, abs=0.005)
        assert engine.planned_value(ind, year).value == pytest.approx(value, abs=0.005)


def test_planned_value_rejects_years_outside_plan(table: IndicatorTable) -> None:
    with pytest.raises(ValueError, match=r"year must be between 2020 and 2025\. Currently, year is 2019"):
        engine.planned_value(table.get(G5), 2019)
    with pytest.raises(ValueError, match="Currently, year is 2026"):
        engine.planned_value(table.get(DE), 2026)


# (indicator, year, actual, status, planned, gap, required quantity, required value)
PROGRESS: list[tuple[str, int, float, str, float, float, str, float]] = [
    ("在役工业机器人数量", 2022, 14000, "超前", 11942.94, 2057.06, "required_cagr", 12.62),
    (SW, 2023, 80, "滞后", 83.20, -3.20, "required_cagr", 22.47),
    (SW, 2023, 83, "符合", 83.20, -0.20, "required_cagr", 20.24),
    ("数字经济核心产业国家高新技术企业", 2023, 200, "滞后", 235, -35, "annual_increment", 57.5),
    ("重点工业企业设备联网率", 2022, 50, "符合", 49.56, 0.44, "annual_increment", 1.67),  # |0.44| ≤ 2%×49.56
    ("重点工业企业设备联网率", 2022, 52, "超前", 49.56, 2.44, "annual_increment", 1.0),
]


@pytest.mark.parametrize(("name", "year", "actual", "status", "planned", "gap", "req_q", "req_v"), PROGRESS)
def test_progress(
    table: IndicatorTable,
    name: str,
    year: int,
    actual: float,
    status: str,
    planned: float,
    gap: float,
    req_q: str,
    req_v: float,
) -> None:
    check = engine.progress(table.get(name), year, actual)
    assert check.status == status
    assert check.planned.value == pytest.approx(planned, abs=0.005)
    assert check.gap.value == pytest.approx(gap, abs=0.005)
    assert check.required is not None
    assert (check.required.quantity, check.required.value) == (req_q, pytest.approx(req_v, abs=0.005))
    assert [f.quantity for f in check.figures][:2] == ["planned_value", "gap"]


def test_progress_edges(table: IndicatorTable) -> None:
    done = engine.progress(table.get(G5), 2025, 31000)
    assert done.required is None and done.reached_target and done.status == "超前"
    with pytest.raises(ValueError, match="actual must be >= 0"):
        engine.progress(table.get(G5), 2022, -1)
    with pytest.raises(ValueError, match="tolerance_pct must be >= 0"):
        engine.progress(table.get(G5), 2022, 1, tolerance_pct=-1)
    assert engine.progress(table.get(SW), 2023, 80, tolerance_pct=5).status == "符合"


@pytest.mark.parametrize(("x", "text"), [(9072.0, "9072"), (19.47, "19.47"), (0.12, "0.12"), (2.5, "2.5")])
def test_fmt(x: float, text: str) -> None:
    assert engine.fmt(x) == text


@pytest.mark.parametrize(
    ("name", "value", "gap", "deviation", "consistent"),
    [
        ("5G基站数量", 29072, -928.0, -3.09, False),  # 9072+4000×5 vs 30000: −928, −928/30000 = −3.09%
        ("规上工业全员劳动生产率", 35.43, 5.43, 18.1, False),  # 16.16×1.17^5 ≈ 35.43 vs 30
        ("规上数字经济核心制造业增加值", 288.49, 0.49, 0.17, True),  # 163.7×1.12^5 vs 288: +0.17%
        ("数据中心总机架数", 19000, 1000.0, 5.56, True),  # 18000以上: above an at-least target holds
        ("数据中心总机架数", 17900, -100.0, -0.56, True),  # within ±2% of 18000
    ],
)
def test_compare_with_target(name: str, value: float, gap: float, deviation: float, consistent: bool) -> None:
    from indicators.catalog import load_default_table

    result = engine.compare_with_target(load_default_table().get(name), value)
    assert result.gap.value == gap
    assert result.deviation.value == deviation
    assert result.deviation.unit == "%"
    assert result.consistent is consistent
