"""Compound figures (indicators/compound.py), hand-computed from the shipped table.

网络零售额 2030.2→2720, 农产品网络零售额 91.3→150, 跨境网络零售出口额 101.6→190 (亿元);
5G基站数量 9072→30000 (个); 数据开放率 13→50 (%); 数字经济增加值占GDP比重 44.14 (2019)→65 (%).
"""

from __future__ import annotations

import pytest

from indicators import compound
from indicators.catalog import load_default_table

T = load_default_table()


def test_share_of_a_given_total() -> None:
    fig = compound.share_of_total(T.get("数字经济增加值占GDP比重"), 9000, "亿元")
    assert (fig.value, fig.unit, fig.formula) == (5850.0, "亿元", "9000×65%")
    base = compound.share_of_total(T.get("数字经济增加值占GDP比重"), 10000, "亿元", which="base")
    assert base.value == 4414.0 and base.year == 2019


@pytest.mark.parametrize(
    ("a", "b", "op", "which", "value", "formula"),
    [
        ("网络零售额", "农产品网络零售额", "sum", "target", 2870.0, "2720+150"),
        ("网络零售额", "跨境网络零售出口额", "difference", "target", 2530.0, "2720-190"),
        ("5G基站数量", "数据中心总机架数", "sum", "base", 17692.0, "9072+8620"),
        ("数据共享率", "数据开放率", "difference", "target", 49.0, "99-50"),
    ],
)
def test_sum_and_difference_of_rows(a: str, b: str, op: str, which: str, value: float, formula: str) -> None:
    fig = compound.combine(T.get(a), T.get(b), op, which)  # type: ignore[arg-type]
    assert (fig.value, fig.formula) == (value, formula)


def test_a_difference_of_percent_rows_is_in_points() -> None:
    assert compound.combine(T.get("数据共享率"), T.get("数据开放率"), "difference").unit == "个百分点"


def test_total_from_a_share() -> None:
    fig = compound.total_from_share(T.get("数字经济增加值占GDP比重"), 6500, "亿元")
    assert (fig.value, fig.formula) == (10000.0, "6500÷65%")
    assert compound.total_from_share(T.get("数据开放率"), 20, "亿元", share_pct=40).value == 50.0


def test_ratio_of_rows() -> None:
    fig = compound.ratio(T.get("跨境网络零售出口额"), T.get("网络零售额"))
    assert (fig.value, fig.unit, fig.formula) == (6.99, "%", "190/2720")


@pytest.mark.parametrize(
    ("row", "kwargs", "year", "years"),
    [
        ("5G基站数量", {"rate_pct": 20}, 2027, 7),  # 9072×1.2^6 = 27089 < 30000 ≤ 9072×1.2^7 = 32507
        ("5G基站数量", {"rate_pct": 27.03}, 2025, 5),  # the required CAGR 27.023% rounded up: on time
        ("5G基站数量", {"rate_pct": 27.02}, 2026, 6),  # rounded down: 9072×1.2702^5 = 29996, 4 short
        ("数据开放率", {"increment": 5}, 2028, 8),  # 13+5×7 = 48 < 50 ≤ 53
        ("数字经济核心产业上市企业", {"increment": 1}, 2025, 5),  # 9+5 = 14
        ("5G基站数量", {"rate_pct": 10, "level": 9000}, 2020, 0),  # already there
    ],
)
def test_year_reached(row: str, kwargs: dict, year: int, years: int) -> None:  # type: ignore[type-arg]
    fig = compound.year_reached(T.get(row), **kwargs)
    assert (fig.value, fig.inputs["years"]) == (year, years)


def test_needed_in_year_from_an_actual() -> None:
    planned, needed = compound.needed_in_year(T.get("5G基站数量"), 2023, 2022, 15000)
    assert planned.value == 18593.19  # 9072×(30000/9072)^(3/5)
    assert (needed.quantity, needed.value) == ("required_cagr", 23.95)  # 18593.19/15000 − 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: compound.combine(T.get("5G基站数量"), T.get("数据开放率"), "sum"), "单位不同"),
        (lambda: compound.share_of_total(T.get("网络零售额"), 9000, "亿元"), "不是百分比指标"),
        (lambda: compound.share_of_total(T.get("数据开放率"), 0, "亿元"), "总量须大于0"),
        (lambda: compound.year_reached(T.get("5G基站数量"), rate_pct=-5), "增长率须大于0"),
        (lambda: compound.year_reached(T.get("5G基站数量")), "须给且只给一个"),
        (lambda: compound.year_reached(T.get("5G基站数量"), rate_pct=0.001), "100年内达不到"),
    ],
)
def test_impossible_inputs_fail_with_bilingual_messages(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message) as err:
        call()
    assert " / " in str(err.value)
