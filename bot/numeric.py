"""Numeric answers: a resolved (indicator, operation, parameters) → engine figures and a lead sentence.

No number here is computed by this module: every value comes from `indicators.engine`,
`indicators.audit` or `indicators.frame`, and is shown with its formula.
"""

from __future__ import annotations

from typing import Any

from bot.answer_text import ChunkFinder
from bot.compose import Draft, fmt_number, with_unit
from bot.resolver import Resolution
from indicators import engine
from indicators.catalog import IndicatorTable
from indicators.frame import RANK_METRICS, rank_indicators
from indicators.model import PP_UNIT, Figure, Indicator


def intent_of(operation: str) -> str:
    if operation.startswith("lookup"):
        return "indicator"
    if operation == "progress":
        return "progress"
    if operation == "audit":
        return "audit"
    return "compute"


def target_phrase(ind: Indicator) -> str:
    """'30000个', '18000个以上', '10%左右'."""
    return f"{fmt_number(ind.target_value)}{ind.unit}{ind.qualifier_text}"


def base_phrase(ind: Indicator) -> str:
    star = "（表中标*，为2019年数据）" if ind.base_year != 2020 else ""
    return f"{ind.base_year}年{fmt_number(ind.base_value)}{ind.unit}{star}"


def _notes_for(ind: Indicator) -> list[str]:
    notes = []
    if ind.unit_inferred:
        notes.append(f"表中“{ind.label}”未标单位，按百分比（%）理解。")
    return notes


def answer_numeric(res: Resolution, table: IndicatorTable, finder: ChunkFinder) -> Draft:
    """Dispatch on the resolved operation; raises ValueError from the engine on impossible inputs."""
    op = res.operation
    params = res.params
    if op == "ranking":
        return _ranking(params, table, finder)
    if res.indicator is None:
        if op == "count":
            return _count(table, finder)
        if res.candidates:
            return _ambiguous(res.candidates, table, finder)
        return _table_audit(table, finder)
    ind = res.indicator
    handler = _HANDLERS.get(op, _lookup_both)
    draft = handler(ind, params, table)
    if draft.intent != "out_of_scope":
        draft.intent = intent_of(op)
    draft.indicator = ind.name
    draft.citations = finder.cite(ind.label) + draft.citations
    draft.notes = _notes_for(ind) + draft.notes
    return draft


def _lookup_target(ind: Indicator, params: dict[str, Any], table: IndicatorTable) -> Draft:
    asked = params.get("year")
    if isinstance(asked, int) and ind.base_year < asked < ind.target_year:
        lead = (
            f"规划中未设{ind.name}{asked}年的目标；只设{ind.target_year}年目标{target_phrase(ind)}"
            f"（{base_phrase(ind)}）。按规划路径推算的{asked}年参考值，可问“按规划路径{asked}年应达到多少”。"
        )
        return Draft(intent="out_of_scope", lead=lead)
    if isinstance(asked, int) and asked > ind.target_year:
        # The plan sets targets for 2025 only: say so, and give no figure for the year asked.
        lead = (
            f"规划中未设{ind.name}{asked}年的目标；规划的目标年份为{ind.target_year}年，"
            f"目标为{target_phrase(ind)}（见出处）。"
        )
        return Draft(intent="out_of_scope", lead=lead)
    fig = engine.lookup_target(ind)
    lead = f"{ind.name}{ind.target_year}年目标为**{target_phrase(ind)}**（{base_phrase(ind)}）。"
    return Draft(intent="indicator", lead=lead, figures=[fig], body=[f"测算依据：{ind.basis}"])


def _lookup_base(ind: Indicator, params: dict[str, Any], table: IndicatorTable) -> Draft:
    fig = engine.lookup_base(ind)
    lead = f"{ind.name}的基期值为**{base_phrase(ind)}**，{ind.target_year}年目标为{target_phrase(ind)}。"
    asked = params.get("year")
    if params.get("year_not_in_table") or (asked is not None and asked not in (ind.base_year, 2020)):
        lead = (
            f"指标表中没有{ind.name}{asked}年的数据；表中基期值为**{base_phrase(ind)}**，"
            f"{ind.target_year}年目标为{target_phrase(ind)}。"
        )
    elif asked == 2020 and ind.base_year != 2020:
        lead = (
            f"指标表“2020年”一栏中{ind.name}填的是**{base_phrase(ind)}**；"
            f"{ind.target_year}年目标为{target_phrase(ind)}。"
        )
        if ind.override_base:
            lead += f"测算依据另给出{ind.override_base[0]}年估算值{fmt_number(ind.override_base[1])}{ind.unit}。"
    return Draft(intent="indicator", lead=lead, figures=[fig])


def _basis(ind: Indicator, params: dict[str, Any], table: IndicatorTable) -> Draft:
    lead = f"{ind.name}目标{target_phrase(ind)}的测算依据是：“{ind.basis}”。"
    return Draft(intent="indicator", lead=lead, figures=[engine.lookup_base(ind), engine.lookup_target(ind)])


def _lookup_both(ind: Indicator, params: dict[str, Any], table: IndicatorTable) -> Draft:
    figs = [engine.lookup_base(ind), engine.lookup_target(ind)]
    lead = f"{ind.name}：基期{base_phrase(ind)}，{ind.target_year}年目标**{target_phrase(ind)}**。"
    return Draft(intent="indicator", lead=lead, figures=figs, body=[f"测算依据：{ind.basis}"])


def _change(ind: Indicator, params: dict[str, Any], table: IndicatorTable) -> Draft:
    if params.get("mode") == "percent" and not ind.is_percent:
        rel = engine.change_pct(ind)
        lead = (
            f"{ind.name}从{base_phrase(ind)}到{ind.target_year}年目标{target_phrase(ind)}，"
            f"增幅为**{with_unit(rel.value, rel.unit)}**。"
        )
        return Draft(intent="compute", lead=lead, figures=[rel, engine.change(ind)])
    fig = engine.change(ind)
    more = "以上" if ind.target_qualifier == "at_least" else "左右" if ind.target_qualifier == "approximately" else ""
    lead = (
        f"{ind.name}从{base_phrase(ind)}到{ind.target_year}年目标{target_phrase(ind)}，"
        f"需{'增加' if fig.value >= 0 else '减少'}**{with_unit(abs(fig.value), fig.unit)}**{more}。"
    )
    return Draft(intent="compute", lead=lead, figures=[fig])


def _pp_change(ind: Indicator, params: dict[str, Any], table: IndicatorTable) -> Draft:
    if not ind.is_percent:
        return _change(ind, params, table)
    fig = engine.pp_change(ind)
    lead = (
        f"{ind.name}从{base_phrase(ind)}提高到{ind.target_year}年的{target_phrase(ind)}，"
        f"需提高**{with_unit(fig.value, PP_UNIT)}**。"
    )
    return Draft(intent="compute", lead=lead, figures=[fig])


def _multiple(ind: Indicator, params: dict[str, Any], table: IndicatorTable) -> Draft:
    fig = engine.multiple(ind)
    lead = f"{ind.name}{ind.target_year}年目标{target_phrase(ind)}是{base_phrase(ind)}的**{fmt_number(fig.value)}倍**。"
    return Draft(intent="compute", lead=lead, figures=[fig])


def _cagr(ind: Indicator, params: dict[str, Any], table: IndicatorTable) -> Draft:
    if params.get("mode") in ("pp", "increment"):
        step = engine.annual_increment(ind)
        lead = (
            f"{ind.name}从{base_phrase(ind)}到{ind.target_year}年{target_phrase(ind)}，"
            f"平均每年需增加**{with_unit(step.value, step.unit)}**。"
        )
        return Draft(intent="compute", lead=lead, figures=[step])
    fig = engine.required_cagr(ind)
    figs = [fig]
    lead = (
        f"{ind.name}从{base_phrase(ind)}到{ind.target_year}年{target_phrase(ind)}，"
        f"{fig.inputs['years']}年间年均需增长**{with_unit(fig.value, '%')}**。"
    )
    if ind.is_percent or ind.basis_parsed.kind in ("increment", "pp_increment"):
        step = engine.annual_increment(ind)
        figs.append(step)
        lead += f"按等量计，每年需增加{with_unit(step.value, step.unit)}。"
    return Draft(intent="compute", lead=lead, figures=figs)


def _verdict(fig: Figure, ind: Indicator) -> tuple[str, list[Figure]]:
    """Sentence comparing a projected value with the target, and the engine figures it quotes."""
    cmp = engine.compare_with_target(ind, fig.exact if fig.exact is not None else fig.value)
    gap, dev = cmp.gap, cmp.deviation
    if cmp.consistent and ind.target_qualifier == "at_least" and gap.value >= 0:
        return f"不低于目标{target_phrase(ind)}，与目标一致。", [gap]
    if cmp.consistent:
        return f"与目标{target_phrase(ind)}基本一致（偏差{dev.value:+.2f}%）。", [gap, dev]
    side = "高于" if gap.value > 0 else "低于"
    sentence = (
        f"与目标{target_phrase(ind)}**不一致**：{side}目标{with_unit(abs(gap.value), gap.unit)}"
        f"（偏差{dev.value:+.2f}%）。"
    )
    return sentence, [gap, dev]


def _projection(ind: Indicator, params: dict[str, Any], table: IndicatorTable) -> Draft:
    rate = params.get("rate_pct")
    increment = params.get("increment")
    year = params.get("year")
    fig = engine.projection(
        ind,
        rate_pct=rate,
        increment=increment,
        year=year,
        from_year=params.get("from_year"),
        from_value=params.get("from_value"),
    )
    how = (
        f"按年均增长{fmt_number(rate)}%"
        if rate is not None
        else f"按每年增加{fmt_number(increment)}"
        if increment is not None
        else f"按测算依据（{ind.basis}）"
    )
    lead = f"{how}测算，{ind.name}{fig.year}年为**{with_unit(fig.value, fig.unit)}**"
    figures = [fig]
    if fig.year == ind.target_year:
        sentence, compared = _verdict(fig, ind)
        lead += "，" + sentence
        figures += compared
    else:
        lead += "。"
    return Draft(intent="compute", lead=lead, figures=figures)


def _planned_value(ind: Indicator, params: dict[str, Any], table: IndicatorTable) -> Draft:
    year = params.get("year")
    if year is None or year == ind.target_year:
        return _lookup_target(ind, params, table)
    fig = engine.planned_value(ind, int(year))
    lead = (
        f"按规划路径（{fig.note}），{ind.name}{year}年应达到**{with_unit(fig.value, fig.unit)}**"
        f"（{base_phrase(ind)} → {ind.target_year}年{target_phrase(ind)}）。"
    )
    return Draft(intent="compute", lead=lead, figures=[fig])


def _trajectory(ind: Indicator, params: dict[str, Any], table: IndicatorTable) -> Draft:
    years = [y for y in params.get("years", []) if ind.base_year < y < ind.target_year]
    if len(years) == 1:
        # "按规划路径2024年应该到多少": the one year asked first, the whole path after it.
        draft = _planned_value(ind, {"year": years[0]}, table)
        points = engine.trajectory(ind)
        draft.body.append("规划路径：" + "，".join(f"{f.year}年{with_unit(f.value, f.unit)}" for f in points) + "。")
        return draft
    figs = engine.trajectory(ind)
    rule = engine.trajectory_rule(ind)
    path = "，".join(f"{f.year}年{with_unit(f.value, f.unit)}" for f in figs)
    lead = f"{ind.name}的规划路径（{'按每年相同增量推算' if rule == 'linear' else '按每年相同增速推算'}）：{path}。"
    return Draft(intent="compute", lead=lead, figures=figs)


def _progress(ind: Indicator, params: dict[str, Any], table: IndicatorTable) -> Draft:
    actual = params.get("actual_value")
    year = params.get("actual_year") or params.get("year")
    if actual is None or year is None:
        draft = _trajectory(ind, params, table)
        draft.notes.append("判断进度需要给出某一年的实际值，例如“2023年达到X”。")
        return draft
    check = engine.progress(ind, int(year), float(actual))
    planned = check.planned
    lead = (
        f"{ind.name}{year}年实际{with_unit(float(actual), ind.unit)}，按规划路径应为"
        f"{with_unit(planned.value, planned.unit)}，进度**{check.status}**"
        f"（差{with_unit(check.gap.value, check.gap.unit)}）。"
    )
    body = []
    if check.required is not None:
        req = check.required
        what = "年均增长" if req.quantity == "required_cagr" else "每年增加"
        body.append(
            f"要在{ind.target_year}年达到{target_phrase(ind)}，剩余{req.inputs['years']}年需{what}"
            f"{with_unit(req.value, req.unit)}。"
        )
    if check.note:
        body.append(check.note)
    return Draft(intent="progress", lead=lead, body=body, figures=list(check.figures))


def _audit_one(ind: Indicator, params: dict[str, Any], table: IndicatorTable) -> Draft:
    finding = engine.audit_indicator(ind)
    if finding.projection is None:
        lead = f"{ind.name}的目标{target_phrase(ind)}无法按测算依据复算：{finding.note}。"
        return Draft(intent="audit", lead=lead, body=[f"测算依据：{ind.basis}"])
    lead = f"{ind.name}：测算依据与目标{finding.status_text}。{finding.note}。"
    return Draft(intent="audit", lead=lead, figures=[finding.projection], body=[f"测算依据：{ind.basis}"])


def _table_audit(table: IndicatorTable, finder: ChunkFinder) -> Draft:
    report = table.audit
    body = [f"测算依据与目标不一致（{len(report.mismatches)}项）："]
    body += [f"- {f.indicator}：{f.note}" for f in report.mismatches]
    body.append(
        f"测算依据与目标一致（{len(report.consistent)}项）：" + "、".join(f.indicator for f in report.consistent)
    )
    body.append(
        f"无法复算（引用其他文件或未给出规则，{len(report.not_checkable)}项）："
        + "、".join(f.indicator for f in report.not_checkable)
    )
    lead = f"指标数量：{report.count_note}。按各行测算依据复算，{len(report.mismatches)}项与目标不一致。"
    figures = [f.projection for f in report.mismatches if f.projection is not None]
    return Draft(
        intent="audit",
        lead=lead,
        body=body,
        figures=figures,
        citations=finder.cite("主要发展指标", *(table.get(f.indicator).label for f in report.mismatches[:3])),
        topic="测算依据复核",
    )


def _ranking(params: dict[str, Any], table: IndicatorTable, finder: ChunkFinder) -> Draft:
    metric = str(params.get("metric", "cagr_pct"))
    scope = params.get("scope", "amount")
    ascending = params.get("order") == "asc"
    top = int(params.get("top", 5))
    among = params.get("among") or params.get("within") or None
    if params.get("among"):
        scope = "all"  # the question names the rows to compare
    figures = rank_indicators(table.frame, metric=metric, scope=scope, ascending=ascending, top=top, names=among)
    threshold = params.get("min_value")
    if threshold is not None:
        return _filtered(figures, float(threshold), metric, table, finder)
    label = RANK_METRICS.get(metric, (metric, ""))[0]
    scope_text = {"amount": "数量/金额类指标", "percent": "百分比指标", "all": "全部指标"}.get(str(scope), str(scope))
    scope_text = str(params.get("within_label") or scope_text)
    if not figures:
        return Draft(intent="compute", lead="没有可排序的指标。")
    first = figures[0]
    lead = (
        f"在{scope_text}中，{label}{'最低' if ascending else '最高'}的是**{first.indicator}**"
        f"（{with_unit(first.value, first.unit)}）。"
    )
    body = [f"{f.inputs['rank']}. {f.indicator}：{with_unit(f.value, f.unit)}" for f in figures]
    return Draft(
        intent="compute",
        lead=lead,
        body=body,
        figures=figures,
        citations=finder.cite(*(table.get(f.indicator).label for f in figures[:3])),
    )


def _filtered(
    figures: list[Figure], threshold: float, metric: str, table: IndicatorTable, finder: ChunkFinder
) -> Draft:
    """Indicators whose ranking value reaches a threshold ("目标是基期两倍以上的指标")."""
    label, unit = RANK_METRICS.get(metric, (metric, ""))
    kept = [f for f in figures if (f.exact if f.exact is not None else f.value) >= threshold]
    if metric == "multiple":
        what = f"目标达到基期{fmt_number(threshold)}倍及以上"
    else:
        what = f"{label}不低于{fmt_number(threshold)}{unit}"
    if not kept:
        return Draft(intent="compute", lead=f"指标表中没有{what}的指标。")
    listed = "、".join(f"{f.indicator}（{with_unit(f.value, f.unit)}）" for f in kept)
    return Draft(
        intent="compute",
        lead=f"{what}的指标共{len(kept)}项：{listed}。",
        figures=kept,
        citations=finder.cite(*(table.get(f.indicator).label for f in kept[:3])),
    )


def _count(table: IndicatorTable, finder: ChunkFinder) -> Draft:
    report = table.audit
    lead = f"{report.count_note}。"
    if report.count_mismatch:
        lead = f"两者不一致：{report.count_note}。"
    return Draft(intent="audit", lead=lead, citations=finder.cite("主要发展指标", "主要目标测算表"), topic="主要指标")


def _ambiguous(names: list[str], table: IndicatorTable, finder: ChunkFinder) -> Draft:
    inds = [table.get(n) for n in names]
    body = [f"- {i.name}：基期{base_phrase(i)}，{i.target_year}年目标{target_phrase(i)}" for i in inds]
    return Draft(
        intent="indicator",
        lead=f"您的问题可能指以下{len(inds)}项指标，请指明具体是哪一项：",
        body=body,
        citations=finder.cite(*(i.label for i in inds)),
    )


_HANDLERS = {
    "basis": _basis,
    "lookup_target": _lookup_target,
    "lookup_base": _lookup_base,
    "lookup_both": _lookup_both,
    "change": _change,
    "pp_change": _pp_change,
    "multiple": _multiple,
    "cagr": _cagr,
    "projection": _projection,
    "trajectory": _trajectory,
    "planned_value": _planned_value,
    "progress": _progress,
    "audit": _audit_one,
}
