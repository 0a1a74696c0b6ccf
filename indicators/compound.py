"""Figures the plan implies but does not print: rows combined, a share applied, a year reached.

Pure functions over :class:`Indicator` rows; every result is a :class:`Figure` with its formula and
inputs, like :mod:`indicators.engine` (which stays about one row's own path).

>>> from indicators.catalog import load_default_table
>>> t = load_default_table()
>>> combine(t.get("网络零售额"), t.get("农产品网络零售额"), "sum").value
2870.0
>>> year_reached(t.get("5G基站数量"), rate_pct=20).value
2027

- ``share_of_total``: a share row's value (%) × a total the user gives (全市GDP 9000亿元 × 65%).
- ``combine``: sum or difference of two rows' targets (or bases), same unit only.
- ``ratio``: one row's value as a % of another's (same unit only).
- ``year_reached``: the first year a row reaches a level (its target by default) growing at a
  given rate or by a given annual step from its base (or a given start).
- ``needed_in_year``: the value a row must have in a year to stay on its planned path, and the
  growth still needed from a given actual value to get there.
"""

from __future__ import annotations

import math
from typing import Literal

from indicators.engine import fmt, planned_value, r2
from indicators.model import PP_UNIT, Figure, Indicator

Which = Literal["target", "base"]
MAX_YEARS = 100


def _value(ind: Indicator, which: Which) -> float:
    return ind.target_value if which == "target" else ind.base_value


def _year(ind: Indicator, which: Which) -> int:
    return ind.target_year if which == "target" else ind.base_year


def _same_unit(a: Indicator, b: Indicator) -> None:
    if a.unit != b.unit:
        raise ValueError(
            f"“{a.name}”（{a.unit}）与“{b.name}”（{b.unit}）单位不同，不能直接相加减或相除 / "
            f"{a.name} ({a.unit}) and {b.name} ({b.unit}) have different units"
        )


def share_of_total(ind: Indicator, total: float, total_unit: str, which: Which = "target") -> Figure:
    """``total`` × the row's share (a % row): the amount the share means for that total.

    >>> from indicators.catalog import load_default_table
    >>> share_of_total(load_default_table().get("数字经济增加值占GDP比重"), 9000, "亿元").formula
    '9000×65%'

    Raises:
        ValueError: the row is not measured in %, or the total is not positive.
    """
    if not ind.is_percent:
        raise ValueError(f"“{ind.name}”不是百分比指标，不能按比重折算 / {ind.name} is not a share (%) indicator")
    if not math.isfinite(total) or total <= 0:
        raise ValueError(
            f"总量须大于0，当前为{fmt(total)} / total must be greater than 0. Currently, it is {fmt(total)}"
        )
    share = _value(ind, which)
    exact = total * share / 100
    return Figure(
        ind.name,
        "share_of_total",
        r2(exact),
        total_unit,
        f"{fmt(total)}×{fmt(share)}%",
        {"total": total, "total_unit": total_unit, "share_pct": share, "year": _year(ind, which)},
        f"按{_year(ind, which)}年{'目标' if which == 'target' else '基期'}比重{fmt(share)}%折算",
        _year(ind, which),
        exact,
    )


def total_from_share(
    ind: Indicator, part: float, part_unit: str, share_pct: float | None = None, which: Which = "target"
) -> Figure:
    """The total a part implies at the row's share: ``part`` ÷ share (6500亿元 ÷ 65% = 10000亿元).

    >>> from indicators.catalog import load_default_table
    >>> total_from_share(load_default_table().get("数字经济增加值占GDP比重"), 6500, "亿元").value
    10000.0

    Raises:
        ValueError: the row is not measured in %, or the share or part is not positive.
    """
    if not ind.is_percent:
        raise ValueError(f"“{ind.name}”不是百分比指标，不能按比重倒推 / {ind.name} is not a share (%) indicator")
    share = _value(ind, which) if share_pct is None else share_pct
    if share <= 0 or part <= 0:
        raise ValueError(
            f"比重与数值须大于0 / share and part must be greater than 0 (share {fmt(share)}, part {fmt(part)})"
        )
    exact = part / (share / 100)
    return Figure(
        ind.name,
        "total_from_share",
        r2(exact),
        part_unit,
        f"{fmt(part)}÷{fmt(share)}%",
        {"part": part, "part_unit": part_unit, "share_pct": share, "year": _year(ind, which)},
        "",
        _year(ind, which),
        exact,
    )


def combine(a: Indicator, b: Indicator, op: Literal["sum", "difference"], which: Which = "target") -> Figure:
    """``a + b`` or ``a − b`` of two rows' targets (or bases), in their common unit.

    Raises:
        ValueError: the units differ, or ``op`` is neither sum nor difference.
    """
    _same_unit(a, b)
    if op not in ("sum", "difference"):
        raise ValueError(
            f"op须为sum或difference，当前为{op} / op must be 'sum' or 'difference'. Currently, op is {op!r}"
        )
    x, y = _value(a, which), _value(b, which)
    exact = x + y if op == "sum" else x - y
    sign = "+" if op == "sum" else "-"
    unit = PP_UNIT if a.is_percent and op == "difference" else a.unit
    return Figure(
        f"{a.name}{'与' if op == 'sum' else '减'}{b.name}",
        op,
        r2(exact),
        unit,
        f"{fmt(x)}{sign}{fmt(y)}",
        {"a": a.name, "b": b.name, "a_value": x, "b_value": y, "which": which, "year": _year(a, which)},
        "",
        _year(a, which),
        exact,
    )


def ratio(a: Indicator, b: Indicator, which: Which = "target") -> Figure:
    """``a`` as a % of ``b`` (targets, or bases).

    >>> from indicators.catalog import load_default_table
    >>> t = load_default_table()
    >>> ratio(t.get("跨境网络零售出口额"), t.get("网络零售额")).value
    6.99

    Raises:
        ValueError: the units differ, or b's value is 0.
    """
    _same_unit(a, b)
    x, y = _value(a, which), _value(b, which)
    if y == 0:
        raise ValueError(f"“{b.name}”的值为0，不能作除数 / {b.name} is 0 and cannot divide")
    exact = x / y * 100
    return Figure(
        f"{a.name}占{b.name}",
        "ratio",
        r2(exact),
        "%",
        f"{fmt(x)}/{fmt(y)}",
        {"a": a.name, "b": b.name, "a_value": x, "b_value": y, "which": which, "year": _year(a, which)},
        "",
        _year(a, which),
        exact,
    )


def year_reached(
    ind: Indicator,
    rate_pct: float | None = None,
    increment: float | None = None,
    level: float | None = None,
    start_year: int | None = None,
    start_value: float | None = None,
) -> Figure:
    """First year the row reaches ``level`` (default: its target) at a rate or an annual step.

    >>> from indicators.catalog import load_default_table
    >>> year_reached(load_default_table().get("5G基站数量"), rate_pct=20).formula
    '9072×(1+20%)^n≥30000 → n=⌈ln(30000/9072)/ln(1.2)⌉=7'

    Raises:
        ValueError: neither or both of rate and step, a growth that never reaches the level, or more
            than 100 years.
    """
    if (rate_pct is None) == (increment is None):
        raise ValueError("增长率与年增量须给且只给一个 / give exactly one of rate_pct or increment")
    start_year = ind.base_year if start_year is None else start_year
    start = ind.base_value if start_value is None else start_value
    goal = ind.target_value if level is None else level
    inputs: dict[str, float | int | str] = {"start": start, "start_year": start_year, "level": goal}
    if start >= goal:
        n = 0
        formula = f"{fmt(start)}≥{fmt(goal)} → n=0"
    elif rate_pct is not None:
        if rate_pct <= 0 or start <= 0:
            raise ValueError(
                f"增长率须大于0才能达到{fmt(goal)}，当前为{fmt(rate_pct)}% / rate_pct must be greater than 0 "
                f"to reach {fmt(goal)}. Currently, rate_pct is {fmt(rate_pct)}"
            )
        growth = 1 + rate_pct / 100
        n = math.ceil(math.log(goal / start) / math.log(growth) - 1e-9)
        formula = (
            f"{fmt(start)}×(1+{fmt(rate_pct)}%)^n≥{fmt(goal)} → n=⌈ln({fmt(goal)}/{fmt(start)})/ln({fmt(growth)})⌉={n}"
        )
        inputs["rate_pct"] = rate_pct
    else:
        assert increment is not None
        if increment <= 0:
            raise ValueError(
                f"年增量须大于0，当前为{fmt(increment)} / increment must be greater than 0. "
                f"Currently, it is {fmt(increment)}"
            )
        n = math.ceil((goal - start) / increment - 1e-9)
        formula = f"{fmt(start)}+{fmt(increment)}×n≥{fmt(goal)} → n=⌈({fmt(goal)}-{fmt(start)})/{fmt(increment)}⌉={n}"
        inputs["increment"] = increment
    if n > MAX_YEARS:
        raise ValueError(
            f"按此增速{MAX_YEARS}年内达不到{fmt(goal)} / {fmt(goal)} is not reached within {MAX_YEARS} years"
        )
    inputs["years"] = n
    reached = (start * (1 + rate_pct / 100) ** n) if rate_pct is not None else start + (increment or 0) * n
    inputs["value_then"] = r2(reached)
    return Figure(
        ind.name, "year_reached", start_year + n, "年", formula, inputs, "", start_year + n, float(start_year + n)
    )


def needed_in_year(
    ind: Indicator, year: int, actual_year: int | None = None, actual: float | None = None
) -> list[Figure]:
    """The planned value in ``year`` (to stay on path) and, from an actual value, the growth needed.

    >>> from indicators.catalog import load_default_table
    >>> [f.value for f in needed_in_year(load_default_table().get("5G基站数量"), 2023, 2022, 15000)]
    [18593.19, 23.95]
    """
    planned = planned_value(ind, year)
    out = [planned]
    if actual is not None and actual_year is not None and actual_year < year:
        steps = year - actual_year
        goal = planned.exact if planned.exact is not None else planned.value
        if ind.is_percent or actual <= 0:
            exact = (goal - actual) / steps
            unit = PP_UNIT if ind.is_percent else ind.unit
            formula = f"({fmt(r2(goal))}-{fmt(actual)})/{steps}"
            quantity = "annual_increment"
        else:
            exact = ((goal / actual) ** (1 / steps) - 1) * 100
            unit = "%"
            formula = f"({fmt(r2(goal))}/{fmt(actual)})^(1/{steps})-1"
            quantity = "required_cagr"
        out.append(
            Figure(
                ind.name,
                quantity,
                r2(exact),
                unit,
                formula,
                {"actual": actual, "actual_year": actual_year, "year": year, "planned": planned.value},
                f"从{actual_year}年实际{fmt(actual)}到{year}年规划路径值",
                year,
                exact,
            )
        )
    return out
