"""Units of actual figures: normalise what officials type and convert where the factor is exact.

>>> convert(1072.8, "万户", "户").value
10728000.0
>>> convert(4.5, "‰", "%").value
0.45
>>> convert(3, "台", "家")
Traceback (most recent call last):
...
indicators.units.UnitError: 单位“台”无法换算为“家” / unit 台 cannot be converted to 家

Conversions are decimal (``Decimal``), so 1072.8万户 is exactly 10728000户. Only units of one family
convert (户/万户, 元/万元/亿元, %/‰, 个/万个 …); anything else is an error for that row.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from indicators.engine import fmt

# unit → (family, factor to the family's base unit)
_UNITS: dict[str, tuple[str, Decimal]] = {
    "%": ("ratio", Decimal("0.01")),
    "‰": ("ratio", Decimal("0.001")),
    "元": ("yuan", Decimal(1)),
    "万元": ("yuan", Decimal(10_000)),
    "亿元": ("yuan", Decimal(100_000_000)),
    "元/人": ("yuan/person", Decimal(1)),
    "万元/人": ("yuan/person", Decimal(10_000)),
    "元/人年": ("yuan/person-year", Decimal(1)),
    "万元/人年": ("yuan/person-year", Decimal(10_000)),
    "gbps": ("bps", Decimal(10) ** 9),
    "tbps": ("bps", Decimal(10) ** 12),
}
for _count in ("户", "个", "台", "家", "件", "人", "项", "座", "套"):
    _UNITS[_count] = (_count, Decimal(1))
    _UNITS["万" + _count] = (_count, Decimal(10_000))

_SYNONYMS = {"百分比": "%", "百分之": "%", "千分比": "‰", "千分之": "‰", "万元/人·年": "万元/人年"}


class UnitError(ValueError):
    """A unit that cannot be reconciled with the indicator's unit."""


@dataclass(frozen=True)
class Converted:
    """A value in the target unit and how it was obtained (``formula`` empty when unchanged)."""

    value: float
    formula: str = ""


def normalize_unit(unit: str) -> str:
    """NFKC, no spaces or brackets, lower-case Latin, synonyms folded.

    >>> normalize_unit(" （万户） "), normalize_unit("％"), normalize_unit("Tbps")
    ('万户', '%', 'tbps')
    """
    text = unicodedata.normalize("NFKC", unit or "").strip().strip("()[]").strip().replace(" ", "").lower()
    return _SYNONYMS.get(text, text)


def known_unit(unit: str) -> bool:
    """True for a unit this module can convert (``万户``, ``%``, ``亿元`` …)."""
    return normalize_unit(unit) in _UNITS


def convert(value: float, unit: str, target_unit: str) -> Converted:
    """``value`` in ``unit`` expressed in ``target_unit``; an empty ``unit`` means already in it.

    Raises:
        UnitError: the two units are of different families, or one of them is unknown and they differ.
    """
    src, dst = normalize_unit(unit), normalize_unit(target_unit)
    if not src or src == dst:
        return Converted(float(value))
    if src not in _UNITS or dst not in _UNITS or _UNITS[src][0] != _UNITS[dst][0]:
        raise UnitError(
            f"单位“{unit.strip()}”无法换算为“{target_unit or '无单位'}” / unit {unit.strip()} cannot be converted to "
            f"{target_unit or 'no unit'}"
        )
    factor = _UNITS[src][1] / _UNITS[dst][1]
    result = Decimal(repr(float(value))) * factor
    formula = f"{fmt(value)}{unit.strip()}×{factor.normalize():f}={fmt(float(result))}{target_unit}"
    return Converted(float(result), formula)
