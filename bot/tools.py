"""The indicator engine as LangChain tools (for the chat layer and the LLM mode).

>>> from indicators.catalog import load_default_table
>>> tools = {t.name: t for t in make_indicator_tools(load_default_table())}
>>> tools["indicator_compute"].invoke({"name": "5G基站", "quantity": "cagr"})["figures"][0]["value"]
27.02

Every tool returns a JSON-able dict: ``{"figures": [Figure.to_dict(), ...], ...}`` on success or
``{"error": "中文 / English message"}`` for bad input (unknown indicator, year out of range …),
so a model calling a tool never sees a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from langchain_core.tools import StructuredTool
from pydantic import BaseModel, Field

from bot.resolver import Resolution
from indicators import engine
from indicators.catalog import IndicatorTable
from indicators.frame import rank_indicators
from indicators.model import PP_UNIT, Figure, Indicator


class LookupArgs(BaseModel):
    """Arguments of ``indicator_lookup``."""

    name: str = Field(description="指标名称或别名，如“5G基站数量”“高企”“机架数” / indicator name or alias")
    which: Literal["base", "target", "both"] = Field("both", description="基期值、目标值或两者")


class ComputeArgs(BaseModel):
    """Arguments of ``indicator_compute``."""

    name: str = Field(description="指标名称或别名 / indicator name or alias")
    quantity: Literal["change", "pp_change", "change_pct", "multiple", "cagr", "annual_increment"] = Field(
        description="change=增量, pp_change=百分点变化(仅%指标), change_pct=增幅%, multiple=倍数, "
        "cagr=年均增速(按实际年数), annual_increment=年均增量"
    )


class ProjectionArgs(BaseModel):
    """Arguments of ``indicator_projection``."""

    name: str = Field(description="指标名称或别名 / indicator name or alias")
    rate_pct: float | None = Field(None, description="年均增长率（%），如12表示12%；不填则按测算依据")
    increment: float | None = Field(
        None, description="每年增量（指标单位；%指标为个百分点）；不填则按测算依据"
    )
    year: int | None = Field(None, description="推算到哪一年，默认目标年2025")


class TrajectoryArgs(BaseModel):
    """Arguments of ``indicator_trajectory``."""

    name: str = Field(description="指标名称或别名 / indicator name or alias")
    year: int | None = Field(None, description="只要某一年的计划值时填写，如2023")


class ProgressArgs(BaseModel):
    """Arguments of ``indicator_progress``."""

    name: str = Field(description="指标名称或别名 / indicator name or alias")
    year: int = Field(description="实际值所在年份，如2022")
    actual_value: float = Field(description="该年实际值，单位同指标单位（亿元、个、% …）")
    tolerance_pct: float = Field(engine.DEFAULT_TOLERANCE_PCT, description="判定“符合”的相对容差（%）")


class AuditArgs(BaseModel):
    """Arguments of ``indicator_audit``."""

    name: str | None = Field(None, description="指标名称；不填则复核整张表（含正文所称指标数与表中行数的差异）")


class RankingArgs(BaseModel):
    """Arguments of ``indicator_ranking``."""

    metric: Literal[
        "cagr_pct", "multiple", "change", "change_pct", "annual_increment", "audit_deviation_pct"
    ] = Field("cagr_pct", description="排序依据：年均增速、倍数、增量、增幅、年均增量、测算偏差")
    scope: Literal["amount", "percent", "all"] = Field(
        "amount", description="amount=总量/数量类指标, percent=百分比类指标, all=全部"
    )
    order: Literal["desc", "asc"] = Field("desc", description="desc=从高到低, asc=从低到高")
    top: int = Field(5, ge=1, le=30, description="返回前几名")
    among: list[str] | None = Field(None, description="只在这些指标之间比较（名称或别名），不填则全部")


def _figs(figures: list[Figure]) -> dict[str, Any]:
    return {"figures": [f.to_dict() for f in figures]}


def _safe(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def wrapper(**kwargs: Any) -> dict[str, Any]:
        try:
            return fn(**kwargs)
        except KeyError as exc:
            return {"error": str(exc.args[0]) if exc.args else str(exc)}
        except ValueError as exc:
            return {"error": str(exc)}

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def make_indicator_tools(table: IndicatorTable) -> list[StructuredTool]:
    """Build the indicator tools bound to ``table``.

    >>> from indicators.catalog import load_default_table
    >>> [t.name for t in make_indicator_tools(load_default_table())][:2]
    ['indicator_lookup', 'indicator_compute']
    """

    def lookup(name: str, which: str = "both") -> dict[str, Any]:
        ind = table.get(name)
        figs = []
        if which in ("base", "both"):
            figs.append(engine.lookup_base(ind))
        if which in ("target", "both"):
            figs.append(engine.lookup_target(ind))
        return {"indicator": ind.to_dict(), **_figs(figs)}

    def compute(name: str, quantity: str) -> dict[str, Any]:
        ind = table.get(name)
        funcs: dict[str, Callable[[Any], Figure]] = {
            "change": engine.change,
            "pp_change": engine.pp_change,
            "change_pct": engine.change_pct,
            "multiple": engine.multiple,
            "cagr": engine.required_cagr,
            "annual_increment": engine.annual_increment,
        }
        if quantity not in funcs:
            raise ValueError(f"不支持的计算{quantity!r} / unknown quantity {quantity!r}")
        return _figs([funcs[quantity](ind)])

    def project(
        name: str, rate_pct: float | None = None, increment: float | None = None, year: int | None = None
    ) -> dict[str, Any]:
        ind = table.get(name)
        fig = engine.projection(ind, rate_pct=rate_pct, increment=increment, year=year)
        return {**_figs([fig]), "target": engine.lookup_target(ind).to_dict()}

    def traj(name: str, year: int | None = None) -> dict[str, Any]:
        ind = table.get(name)
        if year is not None:
            return _figs([engine.planned_value(ind, year)])
        return {"rule": engine.trajectory_rule(ind), **_figs(engine.trajectory(ind))}

    def prog(
        name: str, year: int, actual_value: float, tolerance_pct: float = engine.DEFAULT_TOLERANCE_PCT
    ) -> dict[str, Any]:
        return engine.progress(table.get(name), year, actual_value, tolerance_pct).to_dict()

    def audit(name: str | None = None) -> dict[str, Any]:
        if name:
            return engine.audit_indicator(table.get(name)).to_dict()
        return table.audit.to_dict()

    def ranking(
        metric: str = "cagr_pct",
        scope: str = "amount",
        order: str = "desc",
        top: int = 5,
        among: list[str] | None = None,
    ) -> dict[str, Any]:
        names = [table.get(n).name for n in among] if among else None
        figs = rank_indicators(
            table.frame,
            metric,
            "all" if names else scope,  # type: ignore[arg-type]
            ascending=order == "asc",
            top=top,
            names=names,
        )
        return _figs(figs)

    specs: list[tuple[str, str, Callable[..., dict[str, Any]], type[BaseModel]]] = [
        (
            "indicator_lookup",
            "查询规划指标的基期值（2020年，标*为2019年）和2025年目标值。",
            lookup,
            LookupArgs,
        ),
        (
            "indicator_compute",
            "计算指标的增量、百分点变化、增幅、倍数、年均增速（CAGR，按实际年数）或年均增量。",
            compute,
            ComputeArgs,
        ),
        (
            "indicator_projection",
            "按给定年均增长率或每年增量（不填则按测算依据）推算某年的值，并给出目标值以便比较。",
            project,
            ProjectionArgs,
        ),
        (
            "indicator_trajectory",
            "指标从基期到2025年的逐年计划值（%指标和固定年增量为线性，其余为等比）。",
            traj,
            TrajectoryArgs,
        ),
        (
            "indicator_progress",
            "给定某年实际值，判断进度（超前/符合/滞后），并给出剩余年份所需年均增速。",
            prog,
            ProgressArgs,
        ),
        (
            "indicator_audit",
            "按测算依据复算目标并标出不一致；不填指标名则复核整张表（含正文所称指标数与表中行数的差异）。",
            audit,
            AuditArgs,
        ),
        ("indicator_ranking", "对指标排序，如总量类指标中所需年均增速最高的几项。", ranking, RankingArgs),
    ]
    return [
        StructuredTool.from_function(func=_safe(fn), name=name, description=desc, args_schema=schema)
        for name, desc, fn, schema in specs
    ]


def _execute(res: Resolution, table: IndicatorTable) -> dict[str, Any]:
    ind = res.indicator
    op, p = res.operation, res.params
    if op == "ranking":
        figs = rank_indicators(
            table.frame,
            p.get("metric", "cagr_pct"),
            p.get("scope", "amount"),
            ascending=p.get("order") == "asc",
            top=int(p.get("top", 5)),
            names=p.get("among"),
        )
        return _figs(figs)
    if op == "count":
        report = table.audit
        figs = [
            Figure(
                "指标数量", "count", float(report.row_count), "项", "附表行数", {"rows": report.row_count}
            ),
        ]
        if report.declared_count is not None:
            figs.append(
                Figure(
                    "指标数量",
                    "count",
                    float(report.declared_count),
                    "项",
                    "正文声明",
                    {"declared": report.declared_count},
                    report.count_note,
                )
            )
        return {**_figs(figs), "note": report.count_note}
    if op == "audit" and ind is None:
        return table.audit.to_dict()
    if ind is None:
        return {"figures": []}
    return _execute_for(ind, op, p)


def _execute_for(ind: Indicator, op: str, p: dict[str, Any]) -> dict[str, Any]:
    if op == "lookup_target":
        return _figs([engine.lookup_target(ind)])
    if op == "lookup_base":
        year = p.get("year")
        if p.get("year_not_in_table"):
            msg = (
                f"指标表中没有“{ind.name}”{year}年的数据（基期为{ind.base_year}年） / "
                f"the table has no {year} value for {ind.name}"
            )
            return {**_figs([engine.lookup_base(ind)]), "note": msg}
        return _figs([engine.lookup_base(ind)])
    if op == "lookup_both":
        return _figs([engine.lookup_base(ind), engine.lookup_target(ind)])
    if op == "change":
        return _figs([engine.change_pct(ind) if p.get("mode") == "percent" else engine.change(ind)])
    if op == "pp_change":
        return _figs([engine.pp_change(ind) if ind.is_percent else engine.change(ind)])
    if op == "multiple":
        return _figs([engine.multiple(ind)])
    if op == "cagr":
        if p.get("mode") in ("pp", "increment"):
            return _figs([engine.annual_increment(ind)])
        figs = [engine.required_cagr(ind)]
        if ind.is_percent:
            figs.append(engine.annual_increment(ind))
        return _figs(figs)
    if op == "projection":
        increment = p.get("increment")
        if increment is not None and (p.get("increment_unit") == PP_UNIT) != ind.is_percent:
            raise ValueError(
                f"“{ind.name}”的单位是{ind.unit}，年增量单位{p.get('increment_unit')}不匹配 / "
                f"increment unit does not match the indicator unit"
            )
        fig = engine.projection(
            ind,
            rate_pct=p.get("rate_pct"),
            increment=increment,
            year=p.get("year"),
            from_year=p.get("from_year"),
            from_value=p.get("from_value"),
        )
        out = {**_figs([fig]), "target": engine.lookup_target(ind).to_dict()}
        if p.get("compare_target") and fig.year == ind.target_year:
            dev = ((fig.exact or fig.value) - ind.target_value) / ind.target_value * 100
            out["deviation_pct"] = round(dev, 2)
            out["consistent"] = abs(dev) <= engine.AUDIT_TOLERANCE_PCT
        return out
    if op == "trajectory":
        return {"rule": engine.trajectory_rule(ind), **_figs(engine.trajectory(ind))}
    if op == "planned_value":
        return _figs([engine.planned_value(ind, int(p["year"]))])
    if op == "progress":
        if p.get("actual_year") is None:
            raise ValueError("请说明实际值是哪一年的数据 / give the year of the actual value")
        return engine.progress(ind, int(p["actual_year"]), float(p["actual_value"])).to_dict()
    if op == "audit":
        return engine.audit_indicator(ind).to_dict()
    if op == "basis":
        return {"figures": [], "basis": ind.basis, "basis_kind": ind.basis_parsed.kind}
    return {"figures": []}


def execute(resolution: Resolution, table: IndicatorTable) -> dict[str, Any]:
    """Run the engine for a resolved question; the same JSON-able shape as the tools.

    >>> from indicators.catalog import load_default_table
    >>> from bot.resolver import resolve
    >>> t = load_default_table()
    >>> execute(resolve("5G基站每年平均要增长百分之几？", t), t)["figures"][0]["value"]
    27.02

    Returns ``{"figures": [...], ...}``; ``{"figures": [], "error": "…"}`` when the engine
    rejects the parameters (e.g. a year outside the plan). ``figures`` is empty for
    ``none`` / ``basis`` and for questions about metrics the table lacks.
    """
    try:
        out = _execute(resolution, table)
    except (KeyError, ValueError) as exc:
        return {"figures": [], "error": str(exc.args[0]) if exc.args else str(exc)}
    out.setdefault("figures", [])
    return out
