"""Typed value objects of the indicator engine: indicators, parsed bases and computed figures.

>>> from indicators.model import Basis, Indicator
>>> Basis(kind="growth_rate", rate_pct=8.0, text="按年均增长8%测算").kind
'growth_rate'

Quantity names used in :class:`Figure.quantity` (the reply contract reads them):

- ``base`` / ``target``: the table's base (2020, or 2019 where marked ``*``) and 2025 values.
- ``change``: target − base, in the indicator's unit (percentage points for % indicators).
- ``pp_change``: target − base for % indicators, unit ``个百分点``.
- ``multiple``: target ÷ base, unit ``倍``.
- ``cagr`` / ``required_cagr``: compound annual growth needed from base to target, unit ``%``
  (``cagr`` from the table base, ``required_cagr`` from an actual value in a progress check).
- ``annual_increment``: linear step per year from base to target (``个百分点`` for % indicators).
- ``projection``: value reached under a stated growth rate or annual increment.
- ``planned_value``: value on the planned trajectory in a given year.
- ``gap``: actual − planned value in a progress check.
- ``audit_projection``: target recomputed from the row's own 测算依据.
- ``audit_deviation``: (audit projection − target) ÷ target, unit ``%``.
- ``change_pct``: relative change (target ÷ base − 1), unit ``%``.
- ``count``: number of indicators (declared in the prose or present in the table).
- ``ranking_value``: the value an indicator is ranked by.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Qualifier = Literal["exact", "approximately", "at_least", "at_most"]
BasisKind = Literal["growth_rate", "increment", "pp_increment", "reference", "other"]

QUALIFIER_TEXT: dict[str, str] = {"exact": "", "approximately": "左右", "at_least": "以上", "at_most": "以下"}
PERCENT_UNIT = "%"
PP_UNIT = "个百分点"


@dataclass(frozen=True)
class Basis:
    """The 测算依据 cell understood as a rule.

    >>> Basis(kind="increment", amount=40.0, text="按照年均新增40家测算").amount
    40.0

    kind: ``growth_rate`` (``rate_pct`` per year), ``increment`` (``amount`` per year),
    ``pp_increment`` (``pp`` percentage points per year), ``reference`` (``document`` names the
    source of the target) or ``other`` (an estimate method without a number).
    ``rate_at_least`` marks "15%以上". ``reference_share_pct`` keeps "对应指标数的10%".
    """

    kind: BasisKind
    text: str = ""
    rate_pct: float | None = None
    amount: float | None = None
    pp: float | None = None
    document: str | None = None
    rate_at_least: bool = False
    reference_share_pct: float | None = None


@dataclass(frozen=True)
class Indicator:
    """One row of the indicator table.

    >>> ind = Indicator(category="数字基础设施", name="5G基站数量", label="5G基站数量（个）", unit="个",
    ...     unit_inferred=False, base_year=2020, base_value=9072.0, target_year=2025,
    ...     target_value=30000.0, target_qualifier="exact", target_text="30000",
    ...     basis="根据…", basis_parsed=Basis(kind="reference"), override_base=None, aliases=())
    >>> ind.is_percent
    False
    """

    category: str
    name: str
    label: str
    unit: str
    unit_inferred: bool
    base_year: int
    base_value: float
    target_year: int
    target_value: float
    target_qualifier: Qualifier
    target_text: str
    basis: str
    basis_parsed: Basis
    override_base: tuple[int, float] | None
    aliases: tuple[str, ...] = ()
    plan_id: str = ""

    @property
    def is_percent(self) -> bool:
        """True for indicators measured in % (changes are percentage points)."""
        return self.unit == PERCENT_UNIT

    @property
    def years(self) -> int:
        """Real number of years from the base to the target (6 from a 2019 base)."""
        return self.target_year - self.base_year

    @property
    def qualifier_text(self) -> str:
        """``以上`` / ``左右`` / ``""``."""
        return QUALIFIER_TEXT[self.target_qualifier]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (the shape of ``policybot indicators list --json``)."""
        data = asdict(self)
        data["override_base"] = list(self.override_base) if self.override_base else None
        data["aliases"] = list(self.aliases)
        data["is_percent"] = self.is_percent
        return data


@dataclass(frozen=True)
class Figure:
    """A computed number with its formula and inputs.

    >>> Figure(indicator="5G基站数量", quantity="cagr", value=27.02, unit="%",
    ...        formula="(30000/9072)^(1/5)-1", inputs={"base": 9072, "target": 30000, "years": 5}).value
    27.02

    ``value`` is rounded for display (2 decimals); ``exact`` keeps the unrounded number.
    """

    indicator: str
    quantity: str
    value: float
    unit: str
    formula: str
    inputs: dict[str, float | int | str] = field(default_factory=dict)
    note: str = ""
    year: int | None = None
    exact: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict in the reply contract's ``figures[]`` shape (plus year/exact/note)."""
        return asdict(self)
