"""Audit of the whole table: basis recomputation per row plus table-level findings.

>>> from indicators.catalog import load_default_table
>>> report = audit_table(load_default_table())
>>> report.declared_count, report.row_count, [f.indicator for f in report.mismatches][:2]
(31, 30, ['规上数字经济核心产业R&D经费支出占营业收入比重', '规上数字经济核心产业劳动生产率'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from indicators.engine import AUDIT_TOLERANCE_PCT, AuditFinding, audit_indicator, fmt
from indicators.model import Indicator

if TYPE_CHECKING:
    from indicators.catalog import IndicatorTable

_GDP_RE = re.compile(r"GDP达到\s*(\d+(?:\.\d+)?)\s*(万亿|亿)元")


@dataclass(frozen=True)
class AuditReport:
    """Per-row findings and table-level notes (count mismatch, inferred units, 2019 bases …)."""

    findings: tuple[AuditFinding, ...]
    declared_count: int | None
    row_count: int
    tolerance_pct: float
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def count_mismatch(self) -> bool:
        """True when the prose declares another number of indicators than the table has."""
        return self.declared_count is not None and self.declared_count != self.row_count

    @property
    def count_note(self) -> str:
        """Chinese sentence about the declared vs parsed count."""
        if self.declared_count is None:
            return f"正文未声明指标数量；附表共{self.row_count}项"
        if self.count_mismatch:
            return (
                f"正文称“{self.declared_count}项主要发展指标”，附表实际只有{self.row_count}行"
                f"（相差{self.declared_count - self.row_count}项）"
            )
        return f"正文声明{self.declared_count}项指标，与附表{self.row_count}行一致"

    @property
    def mismatches(self) -> list[AuditFinding]:
        """Rows whose basis does not reproduce the target."""
        return [f for f in self.findings if f.status == "mismatch"]

    @property
    def consistent(self) -> list[AuditFinding]:
        """Rows whose basis reproduces the target within tolerance."""
        return [f for f in self.findings if f.status == "consistent"]

    @property
    def not_checkable(self) -> list[AuditFinding]:
        """Rows whose basis is a reference or an unstated estimate."""
        return [f for f in self.findings if f.status == "not_checkable"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict."""
        return {
            "declared_count": self.declared_count,
            "row_count": self.row_count,
            "count_mismatch": self.count_mismatch,
            "count_note": self.count_note,
            "tolerance_pct": self.tolerance_pct,
            "mismatches": [f.indicator for f in self.mismatches],
            "findings": [f.to_dict() for f in self.findings],
            "notes": list(self.notes),
        }

    def render(self) -> str:
        """Plain-text report for the CLI."""
        lines = [
            f"指标数量：{self.count_note}",
            f"复核容差：±{fmt(self.tolerance_pct)}%",
            "",
            f"测算依据与目标不一致（{len(self.mismatches)}项）：",
        ]
        lines += [
            f"  ✗ {f.indicator}：{f.projection.formula if f.projection else ''}"
            f"={fmt(f.projection.value) if f.projection else ''}；{f.note}"
            for f in self.mismatches
        ]
        lines += ["", f"测算依据与目标一致（{len(self.consistent)}项）："]
        lines += [
            f"  ✓ {f.indicator}：{f.projection.formula if f.projection else ''}"
            f"={fmt(f.projection.value) if f.projection else ''}"
            for f in self.consistent
        ]
        lines += ["", f"无法复核（{len(self.not_checkable)}项）："]
        lines += [f"  · {f.indicator}：{f.note}" for f in self.not_checkable]
        if self.notes:
            lines += ["", "其他说明："] + [f"  · {n}" for n in self.notes]
        return "\n".join(lines)


def table_notes(indicators: tuple[Indicator, ...]) -> list[str]:
    """Table-level observations: inferred units, 2019 bases, stated overrides, GDP cross-checks."""
    notes: list[str] = []
    by_name = {i.name: i for i in indicators}
    for ind in indicators:
        if ind.unit_inferred:
            notes.append(f"“{ind.label}”未标单位，按名称推断为“{ind.unit or '无'}”")
        if ind.base_year != ind.target_year - 5:
            notes.append(
                f"“{ind.name}”基期值{fmt(ind.base_value)}为{ind.base_year}年数据（标*），"
                f"至{ind.target_year}年共{ind.years}年"
            )
        if ind.override_base:
            y, v = ind.override_base
            notes.append(f"“{ind.name}”测算依据给出{y}年估算值{fmt(v)}，测算从该值起算")
        gdp = _GDP_RE.search(ind.basis)
        if gdp and ind.name.endswith("占GDP比重"):
            numerator = by_name.get(ind.name.removesuffix("占GDP比重"))
            gdp_yi = float(gdp[1]) * (10000 if gdp[2] == "万亿" else 1)
            if numerator is not None and gdp_yi > 0:
                share = numerator.target_value / gdp_yi * 100
                verdict = (
                    "一致"
                    if abs(share - ind.target_value) <= ind.target_value * AUDIT_TOLERANCE_PCT / 100
                    else "不一致"
                )
                notes.append(
                    f"交叉核对：{numerator.name}目标{fmt(numerator.target_value)}亿元÷GDP"
                    f"{fmt(gdp_yi)}亿元={fmt(round(share, 2))}%，与“{ind.name}”目标"
                    f"{ind.target_text}%{verdict}"
                )
        if ind.is_percent and not re.search(r"(率|比重|占比)$", ind.name):
            notes.append(f"“{ind.name}”单位为%但名称不是比率（可能指覆盖率/占比），按百分比指标处理")
        if ind.is_percent and ind.basis_parsed.kind == "growth_rate":
            notes.append(
                f"{ind.name}为百分比指标，测算依据“{ind.basis}”按相对增速计算"
                f"（若理解为每年{fmt(ind.basis_parsed.rate_pct or 0)}个百分点则结果不同）"
            )
    return notes


def audit_table(table: IndicatorTable, tolerance_pct: float = AUDIT_TOLERANCE_PCT) -> AuditReport:
    """Audit every row and the declared-vs-parsed count.

    >>> from indicators.catalog import load_default_table
    >>> audit_table(load_default_table()).count_mismatch
    True
    """
    findings = tuple(audit_indicator(i, tolerance_pct) for i in table.indicators)
    # Rows the parser could not type are part of the plan's table: the audit names them.
    unparsed = [f"指标表中“{u.label or u.text}”未能解析（{u.reason}）：{u.text}" for u in table.unparsed]
    return AuditReport(
        findings,
        table.declared_count,
        len(table.indicators),
        tolerance_pct,
        tuple([*table_notes(table.indicators), *unparsed]),
    )
