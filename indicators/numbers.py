"""Shared pieces of the indicator computations: result types, tolerances, number formatting, checks.

>>> fmt(9072.0), r2(27.0235)
('9072', 27.02)
"""

from __future__ import annotations

import math
from typing import Literal

from indicators.model import Indicator

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
