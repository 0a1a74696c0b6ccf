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

The computations live in modules by concern — :mod:`indicators.numbers` (types, tolerances, formatting),
:mod:`indicators.growth` (look-ups, changes, growth, projections), :mod:`indicators.trajectory` (planned
path and progress) and :mod:`indicators.basis_audit` (测算依据 recomputed) — and this module is the one
place callers import them from (``from indicators import engine``; ``engine.progress(...)``).
"""

from __future__ import annotations

from indicators.basis_audit import (
    AuditFinding,
    TargetComparison,
    audit_indicator,
    compare_with_target,
)
from indicators.growth import (
    annual_increment,
    cagr_pct,
    change,
    change_pct,
    lookup_base,
    lookup_target,
    multiple,
    pp_change,
    projection,
    rate_text,
    required_cagr,
)
from indicators.numbers import (
    AUDIT_TOLERANCE_PCT,
    DEFAULT_TOLERANCE_PCT,
    NOMINAL_YEARS,
    AuditStatus,
    ProgressStatus,
    TrajectoryRule,
    fmt,
    r2,
)
from indicators.trajectory import (
    ProgressCheck,
    lower_is_better,
    planned_value,
    progress,
    progress_status,
    trajectory,
    trajectory_rule,
)

__all__ = [
    "AUDIT_TOLERANCE_PCT",
    "DEFAULT_TOLERANCE_PCT",
    "NOMINAL_YEARS",
    "AuditFinding",
    "AuditStatus",
    "ProgressCheck",
    "ProgressStatus",
    "TargetComparison",
    "TrajectoryRule",
    "annual_increment",
    "audit_indicator",
    "cagr_pct",
    "change",
    "change_pct",
    "compare_with_target",
    "fmt",
    "lookup_base",
    "lookup_target",
    "lower_is_better",
    "multiple",
    "planned_value",
    "pp_change",
    "progress",
    "progress_status",
    "projection",
    "r2",
    "rate_text",
    "required_cagr",
    "trajectory",
    "trajectory_rule",
]
