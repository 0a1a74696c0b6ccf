"""Answers that span several plans: per-plan answers side by side, rankings across plans, clarification.

Each plan's part is computed by `bot.plan_answerer.draft_in` from that plan alone; this module only
arranges them and ranks figures the engine already computed, so a figure always travels with the
plan it came from (``Draft.figure_plans``) and is shown next to that plan's name.
"""

from __future__ import annotations

import dataclasses
import re

from bot.compose import Draft, dedupe_citations, refusal, with_unit
from bot.library import PlanContext, PlanLibrary, describe
from bot.plan_answerer import draft_in
from bot.scope import Scope
from bot.understand import Understanding
from indicators import compare
from indicators.catalog import lookup_key

_HIGHEST = re.compile(r"最高|最多|最大|最快|最好|领先|最强")
_LOWEST = re.compile(r"最低|最少|最小|最慢|最弱")
# The figure a cross-plan comparison ranks, by the operation the resolver found.
_RANKED_QUANTITY = {
    "lookup_target": "target",
    "lookup_both": "target",
    "lookup_base": "base",
    "cagr": "cagr",
    "change": "change",
    "pp_change": "pp_change",
    "multiple": "multiple",
}
_NUMERIC_INTENTS = ("indicator", "compute", "progress", "audit")
_NOT_ANSWERED = ("未找到", "未涉及")
# Side by side, more plans than this stop being readable; the rest are left out of one reply.
MAX_PLANS_PER_ANSWER = 4


def name_plan(draft: Draft, ctx: PlanContext) -> Draft:
    """Every answer names its plan in the lead; its figures and citations are that plan's."""
    display = ctx.info.display
    if display not in draft.lead and draft.intent not in ("help", "clarify"):
        prefix = f"据{display}，" if draft.intent in _NUMERIC_INTENTS else f"{display}："
        draft.lead = prefix + draft.lead
    draft.plans = [ctx.id]
    draft.figure_plans = [ctx.id] * len(draft.figures)
    return draft


def other_plans_note(library: PlanLibrary, ctx: PlanContext, indicator: str) -> str:
    """"另：《B》也有该指标" when the default plan answered an indicator other plans also have."""
    key = lookup_key(indicator)
    others = [
        c for c in library.contexts()
        if c.id != ctx.id and any(lookup_key(i.name) == key or key in map(lookup_key, i.aliases) for i in c.table)
    ]
    if not others:
        return ""
    return f"以上按{ctx.info.display}回答；{describe(others)}也有“{indicator}”指标，可在问题中点明规划查询。"


def clarify(contexts: list[PlanContext]) -> Draft:
    choices = "；".join(f"{c.info.display}（编号 {c.id}）" for c in contexts)
    return Draft(
        intent="clarify",
        lead=f"已载入多个规划，请问您问的是哪一个？可选：{choices}。也可在问题中写明地区或规划名称。",
        plans=[],
    )


def _main_figure(draft: Draft, operation: str) -> int | None:
    wanted = _RANKED_QUANTITY.get(operation, "target")
    for i, fig in enumerate(draft.figures):
        if fig.quantity == wanted or (wanted == "cagr" and fig.quantity == "required_cagr"):
            return i
    return None


def _rank_plans(parts: list[tuple[PlanContext, Understanding, Draft]], question: str) -> Draft | None:
    """"哪个城市的5G基站目标最高": the same indicator's figure in each plan, ranked."""
    if not (_HIGHEST.search(question) or _LOWEST.search(question)):
        return None
    rows = []
    for ctx, u, draft in parts:
        op = u.resolution.operation if u.resolution is not None else ""
        i = _main_figure(draft, op)
        if i is not None and u.resolution is not None and u.resolution.indicator is not None:
            rows.append((ctx, draft.figures[i], draft))
    if len(rows) < 2:
        return None
    lowest = bool(_LOWEST.search(question)) and not _HIGHEST.search(question)
    rows.sort(key=lambda r: r[1].value, reverse=not lowest)
    best_ctx, best_fig, _ = rows[0]
    word = "最低" if lowest else "最高"
    body = [
        f"{n}. {ctx.info.display}：{fig.indicator} {with_unit(fig.value, fig.unit)}（算式 `{fig.formula}`）"
        for n, (ctx, fig, _) in enumerate(rows, 1)
    ]
    return Draft(
        intent="compute",
        lead=f"在{len(rows)}个规划中，{best_fig.indicator}{word}的是{best_ctx.info.display}："
        f"**{with_unit(best_fig.value, best_fig.unit)}**。",
        body=body,
        figures=[fig for _, fig, _ in rows],
        figure_plans=[ctx.id for ctx, _, _ in rows],
        citations=dedupe_citations(c for _, _, d in rows for c in d.citations[:1]),
        plans=[ctx.id for ctx, _, _ in rows],
    )


_GROWTH_WORDS = re.compile(r"增速|增长率|年均增长|增幅|growth", re.IGNORECASE)


_DIFFERENCE = re.compile(r"差多少|相差|差距|差几|高多少|多多少|少多少|高出|多出|低多少")
_RATIO = re.compile(r"几分之几|占.{0,14}(比重|比例|百分之几|多少)|是.{0,14}的百分之几|百分比")
_TIMES = re.compile(r"几倍|多少倍|是.{0,14}的几倍")


def _pair_question(question: str) -> bool:
    return bool(_DIFFERENCE.search(question) or _RATIO.search(question) or _TIMES.search(question))


def _compare_one_indicator(ctx: PlanContext, u: Understanding, question: str) -> Understanding:
    """"哪个城市的5G基站目标最高": within each plan this is one indicator's figure, not a ranking of rows.

    Likewise "甲市的目标是乙市的几分之几": each plan's own figure first, compared afterwards.
    """
    res = u.resolution
    if res is None or (res.operation != "ranking" and not (_pair_question(question) and res.indicator)):
        return u
    indicator = res.indicator
    if indicator is None and len(res.candidates) == 1:
        indicator = ctx.table.get(res.candidates[0])
    if indicator is None:
        return u
    operation = "cagr" if _GROWTH_WORDS.search(question) else "lookup_target"
    return dataclasses.replace(u, resolution=dataclasses.replace(res, indicator=indicator, operation=operation))


def _compare_pair(parts: list[tuple[PlanContext, Understanding, Draft]], question: str) -> Draft | None:
    """Two plans, one indicator: the difference, ratio or multiple of their figures (engine arithmetic)."""
    if len(parts) != 2 or not _pair_question(question):
        return None
    mains = []
    for ctx, u, draft in parts:
        i = _main_figure(draft, u.resolution.operation if u.resolution is not None else "")
        if i is None:
            return None
        mains.append((ctx, draft.figures[i], draft))
    (ca, fa, da), (cb, fb, db) = mains
    label_a, label_b = ca.info.short_title, cb.info.short_title
    try:
        if _RATIO.search(question):
            fig = compare.ratio(fa, fb, label_a, label_b)
            sentence = f"{ca.info.display}的{fa.indicator}为{cb.info.display}的**{with_unit(fig.value, fig.unit)}**"
        elif _TIMES.search(question):
            fig = compare.multiple(fa, fb, label_a, label_b)
            sentence = f"{ca.info.display}的{fa.indicator}是{cb.info.display}的**{with_unit(fig.value, fig.unit)}**"
        else:
            fig = compare.difference(fa, fb, label_a, label_b)
            more = "高" if fig.value >= 0 else "低"
            sentence = (
                f"{ca.info.display}的{fa.indicator}比{cb.info.display}{more}**{with_unit(abs(fig.value), fig.unit)}**"
            )
    except ValueError as exc:
        return Draft(intent="compute", lead=f"无法比较：{exc}", plans=[ca.id, cb.id])
    return Draft(
        intent="compute",
        lead=f"{sentence}（{with_unit(fa.value, fa.unit)} 与 {with_unit(fb.value, fb.unit)}）。",
        body=[f"- {ca.info.display}：{fa.indicator} {with_unit(fa.value, fa.unit)}",
              f"- {cb.info.display}：{fb.indicator} {with_unit(fb.value, fb.unit)}"],
        figures=[fa, fb, fig],
        # The comparison rests on both plans' figures; each of those keeps its own plan.
        figure_plans=[ca.id, cb.id, ca.id],
        citations=dedupe_citations([*da.citations[:1], *db.citations[:1]]),
        plans=[ca.id, cb.id],
    )


def _rank_indicators(parts: list[tuple[PlanContext, Understanding, Draft]], question: str) -> Draft | None:
    """"各规划中年均增速最快的指标": every plan's own ranking, merged."""
    if not all(u.resolution is not None and u.resolution.operation == "ranking" and u.resolution.indicator is None
               for _, u, _ in parts):
        return None
    merged = [(ctx, fig) for ctx, _, d in parts for fig in d.figures]
    if not merged:
        return None
    lowest = bool(_LOWEST.search(question)) and not _HIGHEST.search(question)
    merged.sort(key=lambda r: r[1].value, reverse=not lowest)
    top = merged[:5]
    ctx0, fig0 = top[0]
    return Draft(
        intent="compute",
        lead=f"在{len(parts)}个规划的指标中，{'最低' if lowest else '最高'}的是{ctx0.info.display}的"
        f"**{fig0.indicator}**（{with_unit(fig0.value, fig0.unit)}）。",
        body=[f"{n}. {ctx.info.display} {fig.indicator}：{with_unit(fig.value, fig.unit)}" for n, (ctx, fig) in
              enumerate(top, 1)],
        figures=[fig for _, fig in top],
        figure_plans=[ctx.id for ctx, _ in top],
        citations=dedupe_citations(c for _, _, d in parts for c in d.citations[:1]),
        plans=list(dict.fromkeys(ctx.id for ctx, _ in top)),
    )


def side_by_side(parts: list[tuple[PlanContext, Understanding, Draft]], cross: bool) -> Draft:
    lines: list[str] = []
    figures, figure_plans, citations, tasks, notes = [], [], [], [], []
    for ctx, _u, draft in parts:
        lines.append(f"**{ctx.info.display}**：{draft.lead}")
        lines += draft.body[:12]
        figures += draft.figures
        figure_plans += [ctx.id] * len(draft.figures)
        citations += draft.citations[:2]
        tasks += draft.tasks[:3]
        notes += draft.notes
    intents = {d.intent for _, _, d in parts}
    lead = (
        f"对比{len(parts)}个规划：" if cross else f"以下{len(parts)}个规划都涉及该问题，分别回答如下："
    )
    indicators = {d.indicator for _, _, d in parts}
    return Draft(
        intent=intents.pop() if len(intents) == 1 else "compute",
        lead=lead,
        body=lines,
        figures=figures,
        figure_plans=figure_plans,
        citations=dedupe_citations(citations),
        tasks=sorted(tasks, key=lambda t: -t.score),
        notes=list(dict.fromkeys(notes)),
        indicator=indicators.pop() if len(indicators) == 1 else None,
        plans=[ctx.id for ctx, _, _ in parts],
    )


def answer_across(library: PlanLibrary, understandings: list[Understanding], scope: Scope, top_k: int) -> Draft:
    """Several plans in scope: rank across them, answer each side by side, or ask which plan."""
    contexts = [library.get(u.plan_id or "") for u in understandings]
    kinds = {u.intent for u in understandings}
    if scope.source == "all" and not scope.cross and kinds & {"list", "passage", "clarify"}:
        return clarify(contexts)
    if scope.cross:
        understandings = [
            _compare_one_indicator(c, u, scope.question) for c, u in zip(contexts, understandings, strict=True)
        ]
    parts = []
    for ctx, u in zip(contexts, understandings, strict=True):
        draft = draft_in(ctx, u, top_k, passage_question=u.passage_question)
        parts.append((ctx, u, draft))
    answered = [p for p in parts if p[2].intent != "out_of_scope" and not p[2].lead.startswith(_NOT_ANSWERED)]
    answered = [p for p in answered if not any(w in p[2].lead[:40] for w in _NOT_ANSWERED)]
    if not answered:
        metrics = [u.resolution.unmatched_metric for u in understandings if u.resolution is not None]
        return refusal(next((m for m in metrics if m), None), plans=describe(contexts))
    answered = answered[:MAX_PLANS_PER_ANSWER]
    if len(answered) == 1:
        ctx, _, draft = answered[0]
        return name_plan(draft, ctx)
    ranked = _rank_indicators(answered, scope.question) if scope.cross else None
    ranked = ranked or (_compare_pair(answered, scope.question) if scope.cross else None)
    ranked = ranked or (_rank_plans(answered, scope.question) if scope.cross else None)
    return ranked or side_by_side(answered, scope.cross)


