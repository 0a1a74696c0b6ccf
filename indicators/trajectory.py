"""The planned path from base to target, and progress against it (超前 / 符合 / 滞后).

>>> from indicators.catalog import load_default_table
>>> planned_value(load_default_table().get("5G基站数量"), 2025).value
30000.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from indicators.growth import cagr_pct, rate_text
from indicators.model import PP_UNIT, Figure, Indicator
from indicators.numbers import (
    DEFAULT_TOLERANCE_PCT,
    ProgressStatus,
    TrajectoryRule,
    _check_positive,
    _check_year,
    fmt,
    r2,
)

# ---------------------------------------------------------------- planned trajectory and progress


def trajectory_rule(ind: Indicator) -> TrajectoryRule:
    """``linear`` for % indicators and stated fixed annual steps, else ``geometric``.

    >>> from indicators.catalog import load_default_table
    >>> t = load_default_table()
    >>> [trajectory_rule(t.get(n)) for n in ("5G基站数量", "高企", "移动支付")]
    ['geometric', 'linear', 'linear']
    """
    if ind.is_percent or ind.basis_parsed.kind in ("increment", "pp_increment"):
        return "linear"
    return "geometric"


def _planned(ind: Indicator, year: int) -> tuple[float, str]:
    k = year - ind.base_year
    if trajectory_rule(ind) == "linear":
        step = (ind.target_value - ind.base_value) / ind.years
        return (
            ind.base_value + step * k,
            f"{fmt(ind.base_value)}+({fmt(ind.target_value)}-{fmt(ind.base_value)})/{ind.years}×{k}",
        )
    _check_positive(ind.base_value, "基期值", "base value")
    ratio = ind.target_value / ind.base_value
    return ind.base_value * ratio ** (
        k / ind.years
    ), f"{fmt(ind.base_value)}×({fmt(ind.target_value)}/{fmt(ind.base_value)})^({k}/{ind.years})"


def planned_value(ind: Indicator, year: int) -> Figure:
    """Value on the planned trajectory in ``year``.

    >>> from indicators.catalog import load_default_table
    >>> planned_value(load_default_table().get("高企"), 2023).value
    235.0

    Raises:
        ValueError: year outside base year … target year.
    """
    _check_year(ind, year)
    exact, formula = _planned(ind, year)
    rule = trajectory_rule(ind)
    note = "按每年相同增量推算" if rule == "linear" else "按每年相同增速推算"
    return Figure(
        ind.name,
        "planned_value",
        r2(exact),
        ind.unit,
        formula,
        {
            "base": ind.base_value,
            "base_year": ind.base_year,
            "target": ind.target_value,
            "target_year": ind.target_year,
            "year": year,
            "rule": rule,
        },
        note,
        year,
        exact,
    )


def trajectory(ind: Indicator) -> list[Figure]:
    """Planned value for every year from the base year to the target year.

    >>> from indicators.catalog import load_default_table
    >>> [f.value for f in trajectory(load_default_table().get("工业互联网平台"))]
    [15.0, 18.0, 21.0, 24.0, 27.0, 30.0]
    """
    return [planned_value(ind, y) for y in range(ind.base_year, ind.target_year + 1)]


def lower_is_better(ind: Indicator) -> bool:
    """True for ``以下`` (at most) targets and for rows planned to fall (base > target, e.g. 能耗).

    A value below the plan is then ahead, not behind (see :attr:`Indicator.lower_is_better`).
    """
    return ind.lower_is_better


def progress_status(
    actual: float, planned: float, tolerance_pct: float = DEFAULT_TOLERANCE_PCT, reverse: bool = False
) -> ProgressStatus:
    """The one progress rule (chat answers and the evaluation use it): 超前 / 符合 / 滞后.

    Within ±``tolerance_pct`` % of the planned value → 符合; beyond it → 超前 or 滞后; ``reverse``
    (``以下`` targets) swaps the two sides.

    >>> progress_status(103, 100), progress_status(98, 100), progress_status(97.9, 100)
    ('超前', '符合', '滞后')
    >>> progress_status(97.9, 100, reverse=True)
    '超前'
    """
    gap = (planned - actual) if reverse else (actual - planned)
    band = abs(planned) * tolerance_pct / 100
    return "超前" if gap > band else "滞后" if gap < -band else "符合"


@dataclass(frozen=True)
class ProgressCheck:
    """Result of comparing an actual value with the plan.

    ``required`` is the growth needed over the remaining years: a ``required_cagr`` Figure for
    geometric indicators, an ``annual_increment`` Figure for linear ones, None in the target year.
    """

    indicator: str
    year: int
    actual: float
    planned: Figure
    gap: Figure
    status: ProgressStatus
    required: Figure | None
    tolerance_pct: float
    reached_target: bool
    note: str = ""
    figures: list[Figure] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict."""
        return {
            "indicator": self.indicator,
            "year": self.year,
            "actual": self.actual,
            "status": self.status,
            "tolerance_pct": self.tolerance_pct,
            "reached_target": self.reached_target,
            "note": self.note,
            "figures": [f.to_dict() for f in self.figures],
        }


def progress(ind: Indicator, year: int, actual: float, tolerance_pct: float = DEFAULT_TOLERANCE_PCT) -> ProgressCheck:
    """Compare an actual value in ``year`` with the planned trajectory (status rule: module doc).

    >>> from indicators.catalog import load_default_table
    >>> progress(load_default_table().get("工业机器人"), 2022, 14000).status
    '超前'

    For a row where lower is better (以下, or base > target) being under the path is 超前:
    单位GDP能耗 0.5 (2020) → 0.4 (2025) plans 0.5×0.8^(2/5) = 0.4573 for 2022, so 0.44 is 超前
    and 0.47 is 滞后.

    Raises:
        ValueError: year outside the plan, negative actual value or tolerance.
    """
    _check_year(ind, year)
    if not math.isfinite(actual) or actual < 0:
        raise ValueError(f"实际值须为非负数，当前为{actual} / actual must be >= 0. Currently, actual is {actual}")
    if tolerance_pct < 0:
        raise ValueError(
            f"容差须非负，当前为{tolerance_pct} / tolerance_pct must be >= 0. "
            f"Currently, tolerance_pct is {tolerance_pct}"
        )
    planned = planned_value(ind, year)
    gap_exact = actual - (planned.exact or planned.value)
    status = progress_status(actual, planned.exact or planned.value, tolerance_pct, lower_is_better(ind))
    unit = PP_UNIT if ind.is_percent else ind.unit
    gap = Figure(
        ind.name,
        "gap",
        r2(gap_exact),
        unit,
        f"{fmt(actual)}-{fmt(planned.value)}",
        {"actual": actual, "planned": planned.value, "year": year, "tolerance_pct": tolerance_pct},
        f"{status}（与规划路径相差不超过{fmt(tolerance_pct)}%视为符合）",
        year,
        gap_exact,
    )
    remaining = ind.target_year - year
    reached = actual <= ind.target_value if lower_is_better(ind) else actual >= ind.target_value
    required: Figure | None = None
    note = ""
    if remaining > 0:
        if trajectory_rule(ind) == "geometric" and actual > 0:
            exact = cagr_pct(actual, ind.target_value, remaining)
            plan = cagr_pct(ind.base_value, ind.target_value, ind.years)
            required = Figure(
                ind.name,
                "required_cagr",
                r2(exact),
                "%",
                f"({fmt(ind.target_value)}/{fmt(actual)})^(1/{remaining})-1",
                {"actual": actual, "target": ind.target_value, "years": remaining, "year": year},
                f"规划原需年均{r2(plan)}%" if plan >= 0 else f"规划原需{rate_text(plan)}",
                ind.target_year,
                exact,
            )
        else:
            exact = (ind.target_value - actual) / remaining
            required = Figure(
                ind.name,
                "annual_increment",
                r2(exact),
                unit,
                f"({fmt(ind.target_value)}-{fmt(actual)})/{remaining}",
                {"actual": actual, "target": ind.target_value, "years": remaining, "year": year},
                "",
                ind.target_year,
                exact,
            )
    if reached:
        note = f"已达到{ind.target_year}年目标{ind.target_text}"
    figs = [planned, gap] + ([required] if required else [])
    return ProgressCheck(ind.name, year, actual, planned, gap, status, required, tolerance_pct, reached, note, figs)
