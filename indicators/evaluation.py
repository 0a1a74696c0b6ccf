"""Plan evaluation (总结评估 / 中期评估): actual figures set against the plan, row by row.

>>> from indicators.catalog import load_default_table
>>> row = evaluate_indicator(load_default_table().get("高企"), 2023, 250)
>>> row.planned, row.status, row.completion, row.progress, row.needed_growth
(235.0, '超前', 79.37, 67.5, 32.5)

Rules (the methods note of the report quotes them):

- **planned**: the engine's trajectory value for the year (:func:`indicators.engine.planned_value`:
  linear for % indicators and fixed annual steps, geometric otherwise; 2019 bases run over 6 years;
  a 测算依据 estimate such as "2020年估算3250" does not move the path, as in the engine).
- **completion** = actual ÷ target × 100 (``以下`` targets: target ÷ actual × 100, so that 100 still
  means "target met" and a lower number is always worse).
- **progress** = (actual − base) ÷ (target − base) × 100: the share of the way from base to target.
- **needed_growth**: what the remaining years need from the actual: the required annual growth rate
  in % on geometric paths, the required annual step (in the unit, 个百分点 for %) on linear ones;
  none in the target year.
- **status** in the target year: 完成 / 未完成. Plain and ``以上`` targets are met at or above the
  target; ``左右`` targets are met within ``band_pct`` (5%) below the target or anywhere above it;
  ``以下`` targets are met at or below it. Earlier years: 超前 / 符合 / 滞后 by
  :func:`indicators.engine.progress_status` (±2% of the planned value, the chat's rule).
  No actual → 无数据.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from indicators import engine
from indicators.engine import DEFAULT_TOLERANCE_PCT, fmt, r2
from indicators.model import PP_UNIT, Figure, Indicator
from indicators.numbers import _base_note as base_note

EvaluationStatus = Literal["完成", "未完成", "超前", "符合", "滞后", "无数据"]
STATUSES: tuple[EvaluationStatus, ...] = ("完成", "未完成", "超前", "符合", "滞后", "无数据")
APPROX_BAND_PCT = 5.0


@dataclass(frozen=True)
class ActualPoint:
    """One actual figure (already in the indicator's unit) and where it comes from.

    >>> ActualPoint(year=2023, value=250.0, source="市科技局").source
    '市科技局'
    """

    year: int
    value: float
    source: str = ""


@dataclass(frozen=True)
class EvaluationRow:
    """One indicator in one year; ``None`` fields are not computable (no actual, target year …)."""

    indicator: str
    unit: str
    base: float
    base_year: int
    target: float
    target_year: int
    qualifier: str
    year: int
    planned: float
    actual: float | None
    completion: float | None
    progress: float | None
    status: EvaluationStatus
    needed_growth: float | None
    needed_growth_unit: str
    source: str = ""
    figures: tuple[Figure, ...] = field(default_factory=tuple)

    @property
    def lagging(self) -> bool:
        """True for 未完成 and 滞后."""
        return self.status in ("未完成", "滞后")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict: the issue's row shape plus unit of needed_growth, years, source and figures."""
        return {
            "indicator": self.indicator,
            "unit": self.unit,
            "base": self.base,
            "base_year": self.base_year,
            "target": self.target,
            "target_year": self.target_year,
            "qualifier": self.qualifier,
            "planned": self.planned,
            "actual": self.actual,
            "completion": self.completion,
            "progress": self.progress,
            "status": self.status,
            "needed_growth": self.needed_growth,
            "needed_growth_unit": self.needed_growth_unit,
            "source": self.source,
            "figures": [f.to_dict() for f in self.figures],
        }


def target_status(ind: Indicator, actual: float, band_pct: float = APPROX_BAND_PCT) -> EvaluationStatus:
    """完成 / 未完成 against the target, by the row's qualifier.

    >>> from indicators.catalog import load_default_table
    >>> t = load_default_table()
    >>> target_status(t.get("数据中心总机架数"), 18000), target_status(t.get("数据中心总机架数"), 17999)
    ('完成', '未完成')
    >>> target_status(t.get("数字经济核心产业增加值占GDP比重"), 9.5)  # 10左右, within 5% below
    '完成'
    """
    if ind.target_qualifier == "at_most":
        return "完成" if actual <= ind.target_value else "未完成"
    if ind.target_qualifier == "approximately":
        floor = ind.target_value - abs(ind.target_value) * band_pct / 100
        return "完成" if actual >= floor else "未完成"
    return "完成" if actual >= ind.target_value else "未完成"


def completion(ind: Indicator, actual: float, year: int) -> Figure | None:
    """Completion rate in % (actual ÷ target; reversed for ``以下``); None when undefined.

    >>> from indicators.catalog import load_default_table
    >>> completion(load_default_table().get("5G基站数量"), 27000, 2025).value
    90.0
    """
    reverse = engine.lower_is_better(ind)
    num, den = (ind.target_value, actual) if reverse else (actual, ind.target_value)
    if den == 0:
        return None
    exact = num / den * 100
    return Figure(
        ind.name, "completion", r2(exact), "%", f"{fmt(num)}/{fmt(den)}",
        {"actual": actual, "target": ind.target_value, "year": year}, "", year, exact,
    )  # fmt: skip


def progress_share(ind: Indicator, actual: float, year: int) -> Figure | None:
    """(actual − base) ÷ (target − base) in %; None when target equals base.

    >>> from indicators.catalog import load_default_table
    >>> progress_share(load_default_table().get("工业互联网平台"), 24, 2023).value
    60.0
    """
    span = ind.target_value - ind.base_value
    if span == 0:
        return None
    exact = (actual - ind.base_value) / span * 100
    formula = f"({fmt(actual)}-{fmt(ind.base_value)})/({fmt(ind.target_value)}-{fmt(ind.base_value)})"
    inputs: dict[str, float | int | str] = {"actual": actual, "base": ind.base_value, "target": ind.target_value}
    return Figure(ind.name, "progress_share", r2(exact), "%", formula, inputs, base_note(ind), year, exact)


def evaluate_indicator(
    ind: Indicator,
    year: int,
    actual: float | None,
    source: str = "",
    tolerance_pct: float = DEFAULT_TOLERANCE_PCT,
    band_pct: float = APPROX_BAND_PCT,
) -> EvaluationRow:
    """Evaluate one indicator in ``year`` (``actual`` None → 无数据).

    >>> from indicators.catalog import load_default_table
    >>> evaluate_indicator(load_default_table().get("5G基站数量"), 2025, 27000).status
    '未完成'

    Raises:
        ValueError: year outside the indicator's base year … target year, or a negative actual.
    """
    planned = engine.planned_value(ind, year)
    unit = PP_UNIT if ind.is_percent else ind.unit
    geometric = engine.trajectory_rule(ind) == "geometric"
    growth_unit = "%" if geometric else unit
    common: dict[str, Any] = {
        "indicator": ind.name,
        "unit": ind.unit,
        "base": ind.base_value,
        "base_year": ind.base_year,
        "target": ind.target_value,
        "target_year": ind.target_year,
        "qualifier": ind.qualifier_text,
        "year": year,
        "planned": planned.value,
        "needed_growth_unit": growth_unit,
        "source": source,
    }
    if actual is None:
        return EvaluationRow(
            **common, actual=None, completion=None, progress=None, status="无数据", needed_growth=None,
            figures=(planned,),
        )  # fmt: skip
    check = engine.progress(ind, year, actual, tolerance_pct)
    status: EvaluationStatus = target_status(ind, actual, band_pct) if year == ind.target_year else check.status
    done = completion(ind, actual, year)
    share = progress_share(ind, actual, year)
    figures = [f for f in (planned, check.gap, done, share, check.required) if f is not None]
    if source:
        figures = [_with_source(f, source, year) for f in figures]
    needed = check.required
    if needed is not None and (needed.quantity == "required_cagr") != geometric:
        common["needed_growth_unit"] = needed.unit  # an actual of 0 on a geometric path: a step instead
    return EvaluationRow(
        **common,
        actual=actual,
        completion=done.value if done else None,
        progress=share.value if share else None,
        status=status,
        needed_growth=needed.value if needed else None,
        figures=tuple(figures),
    )


def _with_source(fig: Figure, source: str, year: int) -> Figure:
    if "actual" not in fig.inputs:
        return fig
    inputs = {**fig.inputs, "actual_source": source, "actual_year": year}
    return Figure(fig.indicator, fig.quantity, fig.value, fig.unit, fig.formula, inputs, fig.note, fig.year, fig.exact)


@dataclass(frozen=True)
class Evaluation:
    """All rows of one plan in one year, with status counts.

    >>> Evaluation(plan="p", year=2025, rows=()).counts["无数据"]
    0
    """

    plan: str
    year: int
    rows: tuple[EvaluationRow, ...]

    @property
    def counts(self) -> dict[str, int]:
        """Rows per status, every status present (0 when none)."""
        found = Counter(r.status for r in self.rows)
        return {s: found.get(s, 0) for s in STATUSES}

    def largest_gaps(self, n: int = 3) -> list[EvaluationRow]:
        """The ``n`` lagging rows (未完成/滞后) with the lowest progress (then completion)."""
        lagging = [r for r in self.rows if r.lagging]
        return sorted(lagging, key=lambda r: (_key(r.progress), _key(r.completion)))[:n]

    def lowest_completion(self, n: int = 3) -> list[EvaluationRow]:
        """The ``n`` rows with data and the lowest completion rate."""
        rated = [r for r in self.rows if r.completion is not None]
        return sorted(rated, key=lambda r: _key(r.completion))[:n]

    def to_dict(self) -> dict[str, Any]:
        """``{"plan", "year", "counts", "rows"}``."""
        return {"plan": self.plan, "year": self.year, "counts": self.counts, "rows": [r.to_dict() for r in self.rows]}


def _key(value: float | None) -> float:
    return float("inf") if value is None else value


def evaluate(
    plan: str,
    indicators: Sequence[Indicator],
    year: int,
    actuals: Mapping[str, ActualPoint],
    tolerance_pct: float = DEFAULT_TOLERANCE_PCT,
    band_pct: float = APPROX_BAND_PCT,
) -> Evaluation:
    """Evaluate every indicator; ``actuals`` maps indicator name → its figure for ``year``.

    >>> from indicators.catalog import load_default_table
    >>> ev = evaluate("p", load_default_table().indicators, 2025, {"5G基站数量": ActualPoint(2025, 30500)})
    >>> ev.counts["完成"], ev.counts["无数据"]
    (1, 29)

    Raises:
        ValueError: a point of another year, or ``year`` outside an indicator's period.
    """
    rows = []
    for ind in indicators:
        point = actuals.get(ind.name)
        if point is not None and point.year != year:
            raise ValueError(f"实际值年份{point.year}与评估年份{year}不符 / actual of {point.year} given for {year}")
        rows.append(
            evaluate_indicator(
                ind,
                year,
                point.value if point else None,
                point.source if point else "",
                tolerance_pct,
                band_pct,
            )
        )
    return Evaluation(plan, year, tuple(rows))
