"""The indicator table as pandas DataFrames: derived columns, trajectories, rankings, export.

>>> from indicators.catalog import load_default_table
>>> df = load_default_table().frame
>>> int(df.loc[df["name"] == "5G基站数量", "target_value"].iloc[0])
30000

Ranking metrics (column names of :func:`indicators_frame`): ``cagr_pct`` (required annual
growth), ``multiple``, ``change``, ``change_pct`` (relative increase), ``annual_increment``,
``audit_deviation_pct``. Scopes: ``amount`` (amount/count indicators, i.e. not %),
``percent`` (% indicators) and ``all``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import pandas as pd

from indicators import engine
from indicators.model import PP_UNIT, Figure, Indicator

Scope = Literal["amount", "percent", "all"]
RANK_METRICS: dict[str, tuple[str, str]] = {
    "cagr_pct": ("年均增速", "%"),
    "multiple": ("倍数", "倍"),
    "change": ("增量", ""),
    "change_pct": ("增幅", "%"),
    "annual_increment": ("年均增量", ""),
    "audit_deviation_pct": ("测算偏差", "%"),
}
COLUMNS = [
    "category",
    "name",
    "label",
    "unit",
    "unit_inferred",
    "base_year",
    "base_value",
    "target_year",
    "target_value",
    "target_qualifier",
    "target_text",
    "basis",
    "attribute",
    "basis_kind",
    "basis_rate_pct",
    "basis_amount",
    "basis_pp",
    "basis_document",
    "override_year",
    "override_value",
    "is_percent",
    "years",
    "change",
    "change_unit",
    "change_pct",
    "multiple",
    "cagr_pct",
    "annual_increment",
    "trajectory_rule",
    "audit_status",
    "audit_projection",
    "audit_deviation_pct",
]


def indicators_frame(indicators: Sequence[Indicator]) -> pd.DataFrame:
    """One row per indicator with the table cells and derived figures (unrounded).

    >>> len(indicators_frame([]).columns) == len(COLUMNS)
    True
    """
    rows = []
    for ind in indicators:
        b = ind.basis_parsed
        audit = engine.audit_indicator(ind)
        positive = ind.base_value > 0 and ind.target_value > 0
        rows.append(
            {
                "category": ind.category,
                "name": ind.name,
                "label": ind.label,
                "unit": ind.unit,
                "unit_inferred": ind.unit_inferred,
                "base_year": ind.base_year,
                "base_value": ind.base_value,
                "target_year": ind.target_year,
                "target_value": ind.target_value,
                "target_qualifier": ind.target_qualifier,
                "target_text": ind.target_text,
                "basis": ind.basis,
                "attribute": ind.attribute,
                "basis_kind": b.kind,
                "basis_rate_pct": b.rate_pct,
                "basis_amount": b.amount,
                "basis_pp": b.pp,
                "basis_document": b.document,
                "override_year": ind.override_base[0] if ind.override_base else None,
                "override_value": ind.override_base[1] if ind.override_base else None,
                "is_percent": ind.is_percent,
                "years": ind.years,
                "change": ind.target_value - ind.base_value,
                "change_unit": PP_UNIT if ind.is_percent else ind.unit,
                "change_pct": (ind.target_value / ind.base_value - 1) * 100 if positive else None,
                "multiple": ind.target_value / ind.base_value if positive else None,
                "cagr_pct": engine.cagr_pct(ind.base_value, ind.target_value, ind.years)
                if positive
                else None,
                "annual_increment": (ind.target_value - ind.base_value) / ind.years,
                "trajectory_rule": engine.trajectory_rule(ind),
                "audit_status": audit.status,
                "audit_projection": audit.projection.exact if audit.projection else None,
                "audit_deviation_pct": audit.deviation_pct,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def trajectory_frame(indicators: Sequence[Indicator]) -> pd.DataFrame:
    """Planned values, one row per indicator, one column per year (NaN before a row's base year).

    >>> from indicators.catalog import load_default_table
    >>> trajectory_frame(load_default_table().indicators).loc["工业互联网平台", 2023]
    np.float64(24.0)
    """
    data: dict[str, dict[int, float]] = {}
    for ind in indicators:
        data[ind.name] = {
            f.year: (f.exact if f.exact is not None else f.value)
            for f in engine.trajectory(ind)
            if f.year is not None
        }
    df = pd.DataFrame.from_dict(data, orient="index")
    if not df.empty:
        df = df.reindex(columns=sorted(df.columns))
    df.index.name = "name"
    return df


def _scoped(frame: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    if scope == "amount":
        return frame[~frame["is_percent"]]
    if scope == "percent":
        return frame[frame["is_percent"]]
    if scope == "all":
        return frame
    raise ValueError(
        f"范围须为amount/percent/all，当前为{scope!r} / scope must be one of amount, percent, all. "
        f"Currently, scope is {scope!r}"
    )


def ranking_frame(
    frame: pd.DataFrame,
    metric: str = "cagr_pct",
    scope: Scope = "amount",
    ascending: bool = False,
    top: int | None = None,
    names: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Rows of ``frame`` sorted by ``metric`` within ``scope`` (missing values dropped).

    ``names`` restricts the ranking to those indicators (a comparison of two or three rows).

    Raises:
        ValueError: unknown metric or scope, top < 1, or a name not in the frame.
    """
    if metric not in RANK_METRICS:
        raise ValueError(
            f"不支持的排序指标{metric!r}，可选：{', '.join(RANK_METRICS)} / unknown metric {metric!r}"
        )
    if top is not None and top < 1:
        raise ValueError(f"top须大于0，当前为{top} / top must be greater than 0. Currently, top is {top}")
    if names is not None:
        unknown = sorted(set(names) - set(frame["name"]))
        if unknown:
            raise ValueError(f"指标表中没有{unknown} / unknown indicators: {unknown}")
        frame = frame[frame["name"].isin(list(names))]
    df = _scoped(frame, scope).dropna(subset=[metric]).sort_values(metric, ascending=ascending, kind="stable")
    return df.head(top) if top is not None else df


def rank_indicators(
    frame: pd.DataFrame,
    metric: str = "cagr_pct",
    scope: Scope = "amount",
    ascending: bool = False,
    top: int | None = None,
    names: Sequence[str] | None = None,
) -> list[Figure]:
    """Ranking as Figures (quantity ``ranking_value``; ``inputs["rank"]`` is 1-based).

    >>> from indicators.catalog import load_default_table
    >>> rank_indicators(load_default_table().frame, top=1)[0].indicator
    '城市大脑应用场景'
    """
    label, unit = RANK_METRICS.get(metric, (metric, ""))
    out = []
    for rank, row in enumerate(
        ranking_frame(frame, metric, scope, ascending, top, names).itertuples(), start=1
    ):
        value = float(getattr(row, metric))
        row_unit = unit or (str(row.change_unit) if metric in ("change", "annual_increment") else "")
        b, t, n = engine.fmt(float(row.base_value)), engine.fmt(float(row.target_value)), int(row.years)
        formulas = {
            "cagr_pct": f"({t}/{b})^(1/{n})-1",
            "multiple": f"{t}/{b}",
            "change": f"{t}-{b}",
            "change_pct": f"{t}/{b}-1",
            "annual_increment": f"({t}-{b})/{n}",
            "audit_deviation_pct": f"({engine.fmt(engine.r2(float(row.audit_projection or 0)))}-{t})/{t}",
        }
        out.append(
            Figure(
                str(row.name),
                "ranking_value",
                engine.r2(value),
                row_unit,
                formulas[metric],
                {
                    "rank": rank,
                    "metric": metric,
                    "scope": scope,
                    "base": float(row.base_value),
                    "target": float(row.target_value),
                    "years": n,
                },
                f"{label}第{rank}（{'升序' if ascending else '降序'}）",
                int(row.target_year),
                value,
            )
        )
    return out


def export_frame(indicators: Sequence[Indicator], fmt: str, path: Path) -> Path:
    """Write the table (and for xlsx also the trajectories) to ``path``.

    CSV is written as UTF-8 with BOM so that Excel shows the Chinese text.

    Raises:
        ValueError: fmt is not csv or xlsx.
    """
    frame = indicators_frame(indicators)
    if fmt == "csv":
        frame.to_csv(path, index=False, encoding="utf-8-sig")
    elif fmt == "xlsx":
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name="indicators", index=False)
            trajectory_frame(indicators).to_excel(writer, sheet_name="trajectory")
    else:
        raise ValueError(
            f"导出格式须为csv或xlsx，当前为{fmt!r} / format must be csv or xlsx. Currently, format is {fmt!r}"
        )
    return path
