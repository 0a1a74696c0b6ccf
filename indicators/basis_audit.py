"""One indicator's 测算依据 recomputed and compared with its target (the basis audit).

>>> from indicators.catalog import load_default_table
>>> audit_indicator(load_default_table().get("有效发明专利")).status
'consistent'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from indicators.growth import projection
from indicators.model import PP_UNIT, Figure, Indicator
from indicators.numbers import AUDIT_STATUS_TEXT, AUDIT_TOLERANCE_PCT, NOMINAL_YEARS, AuditStatus, fmt, r2

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
