"""Two plans' figures for the same indicator, compared: difference, ratio, multiple (pure).

>>> from indicators.model import Figure
>>> a = Figure("在役工业机器人数量", "target", 5000, "台", "2025年目标=5000")
>>> b = Figure("在役工业机器人数量", "target", 20, "万台", "2025年目标=20")
>>> ratio(a, b, "丽水", "浙江").value, ratio(a, b, "丽水", "浙江").formula
(2.5, '5000台/200000台')
>>> difference(Figure("x", "target", 100, "%", ""), Figure("x", "target", 90, "%", ""), "甲", "乙").unit
'个百分点'
"""

from __future__ import annotations

from indicators.engine import fmt, r2
from indicators.model import PERCENT_UNIT, PP_UNIT, Figure
from indicators.units import UnitError, convert


def _aligned(a: Figure, b: Figure) -> tuple[float, float, str]:
    """Both values in the unit with the smaller factor (台 rather than 万台), exactly converted.

    Raises:
        ValueError: the units cannot be reconciled (bilingual message).
    """
    if a.unit == b.unit:
        return a.value, b.value, a.unit
    try:
        return a.value, convert(b.value, b.unit, a.unit).value, a.unit
    except UnitError:
        pass
    try:
        return convert(a.value, a.unit, b.unit).value, b.value, b.unit
    except UnitError as exc:
        raise ValueError(f"单位{a.unit}与{b.unit}无法比较 / units {a.unit} and {b.unit} do not compare") from exc


def difference(a: Figure, b: Figure, label_a: str, label_b: str) -> Figure:
    """a − b in a common unit (percentage points for two % figures)."""
    va, vb, unit = _finest(a, b)
    exact = va - vb
    out_unit = PP_UNIT if unit == PERCENT_UNIT else unit
    return Figure(
        indicator=a.indicator, quantity="plan_difference", value=r2(exact), unit=out_unit,
        formula=f"{fmt(va)}-{fmt(vb)}", inputs={label_a: va, label_b: vb}, exact=exact,
    )


def ratio(a: Figure, b: Figure, label_a: str, label_b: str) -> Figure:
    """a ÷ b as a percentage, in a common unit.

    Raises:
        ValueError: b is zero or the units do not compare.
    """
    va, vb, unit = _finest(a, b)
    if vb == 0:
        raise ValueError("除数为0 / division by zero")
    exact = va / vb * 100
    return Figure(
        indicator=a.indicator, quantity="plan_ratio", value=r2(exact), unit=PERCENT_UNIT,
        formula=f"{fmt(va)}{unit}/{fmt(vb)}{unit}", inputs={label_a: va, label_b: vb}, exact=exact,
    )


def multiple(a: Figure, b: Figure, label_a: str, label_b: str) -> Figure:
    """a ÷ b as a multiple."""
    va, vb, unit = _finest(a, b)
    if vb == 0:
        raise ValueError("除数为0 / division by zero")
    exact = va / vb
    return Figure(
        indicator=a.indicator, quantity="plan_multiple", value=r2(exact), unit="倍",
        formula=f"{fmt(va)}{unit}/{fmt(vb)}{unit}", inputs={label_a: va, label_b: vb}, exact=exact,
    )


def _finest(a: Figure, b: Figure) -> tuple[float, float, str]:
    """Both values in the finer of the two units (万台 → 台), so the formula reads in whole units."""
    if a.unit == b.unit:
        return a.value, b.value, a.unit
    for target in (a.unit, b.unit):
        try:
            va = convert(a.value, a.unit, target).value
            vb = convert(b.value, b.unit, target).value
        except UnitError:
            continue
        if abs(va) >= 1 and abs(vb) >= 1:
            return va, vb, target
    return _aligned(a, b)
