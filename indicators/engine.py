"""Deterministic computations over one indicator; every result is a :class:`Figure`.

>>> from indicators.catalog import load_default_table
>>> fig = required_cagr(load_default_table().get("5G基站数量"))
>>> fig.value, fig.unit, fig.formula
(27.02, '%', '(30000/9072)^(1/5)-1')

Rules (documented once, used everywhere):

- **Years.** The number of years is the real one: ``target_year - base_year`` (6 for the rows
  whose base is marked ``*`` = 2019).
- **Percent indicators.** A change of a % indicator is expressed in 个百分点 (pp). A stated
  growth rate on a % indicator ("按年均增长4%") is applied as written, i.e. relatively.
- **Projection base.** A projection starts from the table base, except where the basis itself
  states another starting point: 数字经济增加值's basis says "2916为2019年的数据，2020年估算3250，
  按年均增幅15%以上", so its projection starts from the 2020 estimate 3250 (the note says so).
- **Planned trajectory.** The planned path runs from the table base to the target, one point per
  year. Its shape is *linear* for % indicators and where the basis states a fixed annual step
  (年均新增40家, 每年2个百分点); *geometric* (constant growth rate = the required CAGR) for all
  other amounts and counts. The path always ends exactly on the target; how far the basis's own
  rule lands from the target is the audit's job, not the trajectory's.
- **Progress status.** Actual vs planned value in the same year: within ±``tolerance_pct`` (2%)
  of the planned value → 符合; otherwise 超前 when the actual is on the *good* side of the path,
  滞后 on the other. The good side is above for growing rows and ``以上`` targets, and *below* for
  rows where lower is better (:attr:`Indicator.lower_is_better`: a ``以下`` target, or a target
  under the base such as 单位GDP能耗 0.5→0.4): 0.44 in 2022 against a planned 0.4573 is 超前.
  "Target reached" likewise means at or above the target, or at or below it when lower is better.
  :func:`progress_status` is the one implementation.
- **Audit tolerance.** A basis "holds" when its recomputed target is within ±2% of the table's
  target (4430×1.1⁵ = 7134.6 vs 7000 is +1.9% → holds; 19.47×1.21⁵ = 50.50 vs 40 → mismatch).
  For an ``以上`` target any projection above the target also holds; for an ``以下`` target any
  projection below it.
- **Falling rows.** base > target is allowed: the change is negative, the CAGR is a negative rate
  (0.5→0.4 over 5 years: −4.36%, read "年均下降4.36%").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from indicators.model import PP_UNIT, QUALIFIER_BOUND_TEXT, Figure, Indicator

TrajectoryRule = Literal["linear", "geometric"]
ProgressStatus = Literal["超前", "符合", "滞后"]
AuditStatus = Literal["consistent", "mismatch", "not_checkable"]

DEFAULT_TOLERANCE_PCT = 2.0
AUDIT_TOLERANCE_PCT = 2.0
NOMINAL_YEARS = 5

AUDIT_STATUS_TEXT: dict[str, str] = {"consistent": "一致", "mismatch": "不一致", "not_checkable": "无法复核"}


def fmt(x: float) -> str:
    """Format a number for a formula: no trailing zeros.

    >>> fmt(9072.0), fmt(19.47), fmt(0.1200)
    ('9072', '19.47', '0.12')
    """
    if math.isfinite(x) and float(x).is_integer():
        return str(int(x))
    return f"{x:.6f}".rstrip("0").rstrip(".")


def r2(x: float) -> float:
    """Round to 2 decimals for display (the unrounded value stays in ``Figure.exact``)."""
    return round(x + 0.0, 2)


def _base_note(ind: Indicator) -> str:
    if ind.base_year != ind.target_year - NOMINAL_YEARS:
        return f"基期为{ind.base_year}年数据（{ind.years}年）"
    return ""


def _join(*notes: str) -> str:
    return "；".join(n for n in notes if n)


def _check_year(ind: Indicator, year: int, lo: int | None = None) -> None:
    low = ind.base_year if lo is None else lo
    if not (low <= year <= ind.target_year):
        raise ValueError(
            f"年份须在{low}–{ind.target_year}之间，当前为{year} / year must be between "
            f"{low} and {ind.target_year}. Currently, year is {year}"
        )


def _check_positive(value: float, what: str, what_en: str) -> None:
    if not math.isfinite(value) or value <= 0:
        raise ValueError(
            f"{what}须大于0，当前为{fmt(value)} / {what_en} must be greater than 0. Currently, it is {fmt(value)}"
        )


# ---------------------------------------------------------------- look-ups and simple changes


def lookup_base(ind: Indicator) -> Figure:
    """The base value (2020, or 2019 where the table marks it with ``*``).

    >>> from indicators.catalog import load_default_table
    >>> lookup_base(load_default_table().get("数据中心总机架数")).value
    8620.0
    """
    note = f"基期为{ind.base_year}年数据" if ind.base_year != ind.target_year - NOMINAL_YEARS else ""
    if ind.override_base:
        note = _join(note, f"测算依据另给出{ind.override_base[0]}年估算值{fmt(ind.override_base[1])}")
    return Figure(
        ind.name,
        "base",
        ind.base_value,
        ind.unit,
        f"{ind.base_year}年={fmt(ind.base_value)}",
        {"year": ind.base_year, "base": ind.base_value},
        note,
        ind.base_year,
        ind.base_value,
    )


def lookup_target(ind: Indicator) -> Figure:
    """The target value; the note carries the qualifier (以上 / 左右).

    >>> from indicators.catalog import load_default_table
    >>> f = lookup_target(load_default_table().get("数据中心总机架数")); f.value, f.note
    (18000.0, '目标为18000以上（不低于18000）')
    """
    note = ""
    if ind.target_qualifier in QUALIFIER_BOUND_TEXT:
        note = f"目标为{ind.target_text}（{QUALIFIER_BOUND_TEXT[ind.target_qualifier]}{fmt(ind.target_value)}）"
    elif ind.target_qualifier == "approximately":
        note = f"目标为{ind.target_text}（约{fmt(ind.target_value)}）"
    return Figure(
        ind.name,
        "target",
        ind.target_value,
        ind.unit,
        f"{ind.target_year}年目标={ind.target_text}",
        {"year": ind.target_year, "target": ind.target_value, "qualifier": ind.target_qualifier},
        note,
        ind.target_year,
        ind.target_value,
    )


def change(ind: Indicator) -> Figure:
    """Absolute change target − base (percentage points for % indicators).

    >>> from indicators.catalog import load_default_table
    >>> change(load_default_table().get("5G基站数量")).value
    20928.0
    """
    exact = ind.target_value - ind.base_value
    unit = PP_UNIT if ind.is_percent else ind.unit
    return Figure(
        ind.name,
        "change",
        r2(exact),
        unit,
        f"{fmt(ind.target_value)}-{fmt(ind.base_value)}",
        {
            "base": ind.base_value,
            "target": ind.target_value,
            "base_year": ind.base_year,
            "target_year": ind.target_year,
        },
        _join(_base_note(ind), _qual_note(ind)),
        ind.target_year,
        exact,
    )


def change_pct(ind: Indicator) -> Figure:
    """Relative change (target ÷ base − 1) in %.

    >>> from indicators.catalog import load_default_table
    >>> change_pct(load_default_table().get("网络零售额")).value
    33.98
    """
    _check_positive(ind.base_value, "基期值", "base value")
    exact = (ind.target_value / ind.base_value - 1) * 100
    return Figure(
        ind.name,
        "change_pct",
        r2(exact),
        "%",
        f"{fmt(ind.target_value)}/{fmt(ind.base_value)}-1",
        {"base": ind.base_value, "target": ind.target_value},
        _join(_base_note(ind), _qual_note(ind)),
        ind.target_year,
        exact,
    )


def pp_change(ind: Indicator) -> Figure:
    """Percentage-point change of a % indicator.

    >>> from indicators.catalog import load_default_table
    >>> pp_change(load_default_table().get("移动支付活跃用户普及率")).value
    15.0

    Raises:
        ValueError: the indicator is not measured in %.
    """
    if not ind.is_percent:
        raise ValueError(
            f"百分点变化只适用于百分比指标，“{ind.name}”的单位是{ind.unit or '无'} / "
            f"pp_change needs a % indicator; {ind.name} is measured in {ind.unit or 'no unit'}"
        )
    fig = change(ind)
    return Figure(
        fig.indicator, "pp_change", fig.value, PP_UNIT, fig.formula, fig.inputs, fig.note, fig.year, fig.exact
    )


def multiple(ind: Indicator) -> Figure:
    """Target ÷ base.

    >>> from indicators.catalog import load_default_table
    >>> multiple(load_default_table().get("软件和信息服务业营业收入")).value
    2.5
    """
    _check_positive(ind.base_value, "基期值", "base value")
    exact = ind.target_value / ind.base_value
    return Figure(
        ind.name,
        "multiple",
        r2(exact),
        "倍",
        f"{fmt(ind.target_value)}/{fmt(ind.base_value)}",
        {"base": ind.base_value, "target": ind.target_value},
        _join(_base_note(ind), _qual_note(ind)),
        ind.target_year,
        exact,
    )


def _qual_note(ind: Indicator) -> str:
    return f"目标为{ind.target_text}" if ind.target_qualifier != "exact" else ""


# ---------------------------------------------------------------- growth


def rate_text(rate_pct: float) -> str:
    """An annual rate in words: a negative rate is a fall, not "growth of −4%".

    >>> rate_text(27.0234), rate_text(-4.3591)
    ('年均增长27.02%', '年均下降4.36%')
    """
    if rate_pct < 0:
        return f"年均下降{fmt(r2(-rate_pct))}%"
    return f"年均增长{fmt(r2(rate_pct))}%"


def cagr_pct(start: float, end: float, years: int) -> float:
    """Compound annual growth rate in % from ``start`` to ``end`` over ``years``.

    >>> round(cagr_pct(9072, 30000, 5), 4)
    27.0234

    Raises:
        ValueError: start or end not positive, or years < 1.
    """
    _check_positive(start, "起始值", "start value")
    _check_positive(end, "目标值", "end value")
    if years < 1:
        raise ValueError(f"年数须至少为1，当前为{years} / years must be at least 1. Currently, years is {years}")
    return ((end / start) ** (1 / years) - 1) * 100


def required_cagr(ind: Indicator) -> Figure:
    """Annual growth needed from the base to the target, over the real number of years.

    >>> from indicators.catalog import load_default_table
    >>> required_cagr(load_default_table().get("数字经济增加值")).inputs["years"]
    6
    """
    exact = cagr_pct(ind.base_value, ind.target_value, ind.years)
    notes = [_base_note(ind), _qual_note(ind)]
    if ind.override_base:
        y0, v0 = ind.override_base
        alt = cagr_pct(v0, ind.target_value, ind.target_year - y0)
        notes.append(f"若按{y0}年估算值{fmt(v0)}计，需{rate_text(alt)}")
    if ind.is_percent:
        notes.append("百分比指标的相对增速；按百分点计见annual_increment")
    if exact < 0:
        notes.append(f"目标低于基期，{rate_text(exact)}")
    return Figure(
        ind.name,
        "cagr",
        r2(exact),
        "%",
        f"({fmt(ind.target_value)}/{fmt(ind.base_value)})^(1/{ind.years})-1",
        {"base": ind.base_value, "target": ind.target_value, "years": ind.years, "base_year": ind.base_year},
        _join(*notes),
        ind.target_year,
        exact,
    )


def annual_increment(ind: Indicator) -> Figure:
    """Linear step per year from base to target (个百分点 for % indicators).

    >>> from indicators.catalog import load_default_table
    >>> annual_increment(load_default_table().get("数字经济核心产业国家高新技术企业")).value
    40.0
    """
    exact = (ind.target_value - ind.base_value) / ind.years
    unit = PP_UNIT if ind.is_percent else ind.unit
    return Figure(
        ind.name,
        "annual_increment",
        r2(exact),
        unit,
        f"({fmt(ind.target_value)}-{fmt(ind.base_value)})/{ind.years}",
        {"base": ind.base_value, "target": ind.target_value, "years": ind.years},
        _base_note(ind),
        ind.target_year,
        exact,
    )


def projection(
    ind: Indicator,
    rate_pct: float | None = None,
    increment: float | None = None,
    year: int | None = None,
    from_year: int | None = None,
    from_value: float | None = None,
) -> Figure:
    """Value reached in ``year`` under a growth rate or an annual increment.

    Without ``rate_pct``/``increment`` the row's own 测算依据 is used. The start is the table
    base, or the basis's stated estimate (数字经济增加值: 2020年估算3250), or an explicit
    ``from_year``/``from_value``.

    >>> from indicators.catalog import load_default_table
    >>> projection(load_default_table().get("规上数字经济核心制造业增加值"), rate_pct=12).value
    288.5

    Raises:
        ValueError: both or neither of rate/increment (and the basis states none), year not after
            the start year, or a rate ≤ −100%.
    """
    if rate_pct is not None and increment is not None:
        raise ValueError("增长率与年增量只能给一个 / give either rate_pct or increment, not both")
    basis = ind.basis_parsed
    source = "given"
    if rate_pct is None and increment is None:
        source = "basis"
        if basis.kind == "growth_rate":
            rate_pct = basis.rate_pct
        elif basis.kind == "increment":
            increment = basis.amount
        elif basis.kind == "pp_increment":
            increment = basis.pp
        else:
            raise ValueError(
                f"“{ind.name}”的测算依据未给出增长率或年增量（{ind.basis}） / the basis of "
                f"{ind.name} states no growth rate or annual increment"
            )
    notes: list[str] = []
    if from_year is None and from_value is None:
        if ind.override_base and rate_pct is not None:
            from_year, from_value = ind.override_base
            notes.append(
                f"按测算依据所给{from_year}年估算值{fmt(from_value)}起算"
                f"（表中{fmt(ind.base_value)}为{ind.base_year}年数据）"
            )
        else:
            from_year, from_value = ind.base_year, ind.base_value
            notes.append(_base_note(ind))
    elif from_year is None or from_value is None:
        raise ValueError("from_year与from_value须同时给出 / from_year and from_value go together")
    year = ind.target_year if year is None else year
    if year <= from_year:
        raise ValueError(
            f"测算年份须晚于起始年份{from_year}，当前为{year} / year must be after {from_year}. "
            f"Currently, year is {year}"
        )
    years = year - from_year
    inputs: dict[str, float | int | str] = {
        "start": from_value,
        "start_year": from_year,
        "year": year,
        "years": years,
        "target": ind.target_value,
        "source": source,
    }
    if rate_pct is not None:
        if rate_pct <= -100:
            raise ValueError(
                f"增长率须大于-100%，当前为{fmt(rate_pct)}% / rate_pct must be greater than -100. "
                f"Currently, rate_pct is {fmt(rate_pct)}"
            )
        exact = from_value * (1 + rate_pct / 100) ** years
        formula = f"{fmt(from_value)}×(1+{fmt(rate_pct)}%)^{years}"
        inputs["rate_pct"] = rate_pct
    else:
        assert increment is not None
        exact = from_value + increment * years
        step_unit = PP_UNIT if ind.is_percent else ind.unit
        formula = f"{fmt(from_value)}+{fmt(increment)}×{years}"
        inputs["increment"] = increment
        inputs["increment_unit"] = step_unit
    if year == ind.target_year:
        diff = exact - ind.target_value
        notes.append(f"与{ind.target_year}年目标{ind.target_text}相差{fmt(r2(diff))}")
        inputs["diff_to_target"] = r2(diff)
    return Figure(ind.name, "projection", r2(exact), ind.unit, formula, inputs, _join(*notes), year, exact)


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


# ---------------------------------------------------------------- basis audit


@dataclass(frozen=True)
class AuditFinding:
    """A row's target recomputed from its own 测算依据."""

    indicator: str
    status: AuditStatus
    basis: str
    projection: Figure | None
    deviation_pct: float | None
    note: str = ""

    @property
    def status_text(self) -> str:
        """一致 / 不一致 / 无法复核."""
        return AUDIT_STATUS_TEXT[self.status]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict."""
        return {
            "indicator": self.indicator,
            "status": self.status,
            "status_text": self.status_text,
            "basis": self.basis,
            "deviation_pct": self.deviation_pct,
            "note": self.note,
            "projection": self.projection.to_dict() if self.projection else None,
        }


def _holds(ind: Indicator, dev_pct: float, tolerance_pct: float) -> bool:
    if ind.target_qualifier == "at_least":
        return dev_pct >= -tolerance_pct
    if ind.target_qualifier == "at_most":
        return dev_pct <= tolerance_pct
    return abs(dev_pct) <= tolerance_pct


@dataclass(frozen=True)
class TargetComparison:
    """A value set against the row's target: the gap, the relative deviation and the verdict."""

    gap: Figure
    deviation: Figure
    consistent: bool


def compare_with_target(ind: Indicator, value: float, tolerance_pct: float = AUDIT_TOLERANCE_PCT) -> TargetComparison:
    """Gap (value − target, in the row's unit) and deviation ((value − target) ÷ target, in %).

    ``consistent`` follows the audit rule: within ±``tolerance_pct``, or at/above an ``以上`` target,
    or at/below an ``以下`` target.

    >>> from indicators.catalog import load_default_table
    >>> c = compare_with_target(load_default_table().get("5G基站数量"), 29072)
    >>> c.gap.value, c.deviation.value, c.consistent
    (-928.0, -3.09, False)

    Raises:
        ValueError: the target is 0 (no relative deviation).
    """
    if ind.target_value == 0:
        raise ValueError(f"“{ind.name}”的目标为0，无法计算相对偏差 / target of {ind.name} is 0")
    gap_exact = value - ind.target_value
    dev_exact = gap_exact / ind.target_value * 100
    unit = PP_UNIT if ind.is_percent else ind.unit
    inputs: dict[str, float | int | str] = {"value": value, "target": ind.target_value}
    gap = Figure(
        ind.name,
        "target_gap",
        r2(gap_exact),
        unit,
        f"{fmt(value)}-{fmt(ind.target_value)}",
        inputs,
        "",
        ind.target_year,
        gap_exact,
    )
    deviation = Figure(
        ind.name,
        "target_deviation",
        r2(dev_exact),
        "%",
        f"({fmt(value)}-{fmt(ind.target_value)})/{fmt(ind.target_value)}",
        inputs,
        f"与目标相差不超过{fmt(tolerance_pct)}%视为一致",
        ind.target_year,
        dev_exact,
    )
    return TargetComparison(gap, deviation, _holds(ind, dev_exact, tolerance_pct))


def audit_indicator(ind: Indicator, tolerance_pct: float = AUDIT_TOLERANCE_PCT) -> AuditFinding:
    """Recompute the target from the basis and compare (±``tolerance_pct`` relative).

    >>> from indicators.catalog import load_default_table
    >>> f = audit_indicator(load_default_table().get("规上数字经济核心产业劳动生产率"))
    >>> f.status, f.projection.value
    ('mismatch', 50.5)
    """
    basis = ind.basis_parsed
    if basis.kind not in ("growth_rate", "increment", "pp_increment"):
        why = "测算依据引用其他文件" if basis.kind == "reference" else "测算依据未给出可复算的规则"
        if basis.reference_share_pct is not None:
            why = f"按浙江省对应指标的{fmt(basis.reference_share_pct)}%测算，省级指标不在本文件中"
        return AuditFinding(ind.name, "not_checkable", ind.basis, None, None, why)
    proj = projection(ind)
    fig = Figure(
        proj.indicator,
        "audit_projection",
        proj.value,
        proj.unit,
        proj.formula,
        proj.inputs,
        proj.note,
        proj.year,
        proj.exact,
    )
    dev = ((proj.exact or proj.value) - ind.target_value) / ind.target_value * 100
    status: AuditStatus = "consistent" if _holds(ind, dev, tolerance_pct) else "mismatch"
    verdict = "一致" if status == "consistent" else "不一致"
    note = (
        f"按测算依据推算{ind.target_year}年为{fmt(proj.value)}，目标{ind.target_text}，"
        f"偏差{dev:+.2f}%（相差不超过{fmt(tolerance_pct)}%视为一致）→{verdict}"
    )
    start_year = int(proj.inputs["start_year"])
    if ind.target_year - start_year != NOMINAL_YEARS:
        # 2019-based rows: the drafters may have applied the rule over 5 steps only.
        alt = projection(
            ind,
            rate_pct=basis.rate_pct,
            increment=basis.amount if basis.kind == "increment" else basis.pp if basis.kind == "pp_increment" else None,
            from_year=ind.target_year - NOMINAL_YEARS,
            from_value=float(proj.inputs["start"]),
        )
        alt_dev = ((alt.exact or alt.value) - ind.target_value) / ind.target_value * 100
        note += (
            f"；基期为{start_year}年，若只按{NOMINAL_YEARS}年推算为{fmt(alt.value)}"
            f"（偏差{alt_dev:+.2f}%），起草时可能按5年计算"
        )
    if basis.rate_at_least:
        note += "；依据为增速下限（以上），推算值为下限"
    return AuditFinding(ind.name, status, ind.basis, fig, round(dev, 2), note)
