"""Understanding and answering within ONE plan: the question's scope is already decided.

`understand_in(ctx, question, previous)` turns a normalised question into an `Understanding` for that
plan (numeric, list, passage, refusal …); `draft_in(ctx, u)` answers it from that plan's table,
catalogue and index only. The multi-plan service (`bot.service`) decides which plan(s) and combines.
"""

from __future__ import annotations

import dataclasses
import re

from bot.answer_text import (
    answer_basis_documents,
    answer_indicator_list,
    answer_match,
    answer_passage,
    answer_safeguards,
    answer_section,
    answer_subtasks,
    answer_tasks,
    answer_timeline,
)
from bot.compose import Draft, dedupe_citations, fmt_number, refusal
from bot.compound import answer_compound, detect_compound
from bot.library import PlanContext
from bot.list_filters import answer_filtered, asked_top, named_attribute, named_category
from bot.list_followups import answer_item, item_followup, task_ordinal
from bot.multipart import split_question
from bot.numeric import answer_numeric
from bot.passages import expand_question, load_synonyms
from bot.question_words import clean, closest_indicator, strip_about
from bot.resolver import Resolution, looks_like_metric, resolve
from bot.schemas import TaskOut
from bot.structure_answers import answer_chapter, answer_empty_task, answer_issuer, asks_issuer, chapter_key
from bot.understand import Understanding, detect_list, is_profile
from indicators.model import Indicator

# Operations a follow-up that only names another indicator may repeat.
FOLLOW_UP_OPERATIONS = ("lookup_base", "lookup_both", "change", "pp_change", "multiple", "cagr", "trajectory", "audit")

# A follow-up that names no indicator ("那年均增长率呢？", "And the growth rate?").
BARE_FOLLOW_UP = re.compile(
    r"^(那|那么|那它|它|and|what about)\S{0,3}(年均|增长|增速|增幅|增加|提高|倍|百分点|目标|基期|进度|\d{4}年)",
    re.IGNORECASE,
)

# Enumerations answered from the plan's structure; other list questions (parts, annexes) are passages.
STRUCTURED_LISTS = ("tasks", "subtasks", "safeguards", "indicators", "timeline", "basis_documents")

_SYNONYMS = load_synonyms()


def names_missing_metric(ctx: PlanContext, metric: str) -> bool:
    """True when the resolver's left-over phrase really names a metric the plan lacks.

    Either it uses words the plan never uses (新能源汽车产量, 人工智能企业数量), ends like a statistic
    (5G用户数, GDP年均增速), or it is a truncated piece of a row's label that the text never discusses
    on its own (a part of “…占GDP比重”). Anything else (word debris) is left to the list and passage
    steps, whose own coverage check still refuses uncovered topics.
    """
    if metric and metric in ctx.prose:
        return False
    if ctx.reader.uncovered_terms(metric) or looks_like_metric(metric):
        return True
    return any(metric in ind.label and metric != ind.name for ind in ctx.table.indicators)


def previous_indicator(ctx: PlanContext, name: str | None) -> Indicator | None:
    """The session's indicator in this plan's table (by name or alias), if it has it."""
    if not name:
        return None
    try:
        return ctx.table.get(name)
    except KeyError:
        return None


_TARGET_ONLY = re.compile(r"目标")
_ON_PATH = re.compile(r"路径|轨迹|按规划|按计划|应该|应当|应|需要|要达到|才能|进度|推算|测算|预计")
_ASKS_FIGURE = re.compile(r"多少|几|百分之|增速|增长率|目标是|目标值")


def _asks_a_figure(question: str, resolution: Resolution) -> bool:
    """"我们单位想知道数据开放率目标是多少": a figure of a named row, whoever asks it."""
    explicit = resolution.indicator is not None and not resolution.params.get("operation_defaulted")
    return explicit and resolution.operation != "none" and bool(_ASKS_FIGURE.search(question))


def _resolve(ctx: PlanContext, asked: str, previous: Indicator | None) -> tuple[Resolution, str | None]:
    """Resolve; a phrase one typo (or one sound) from a row's name is read as that row."""
    resolution = resolve(asked, ctx.table, previous=previous)
    if resolution.indicator is not None or not (resolution.unmatched_metric or resolution.candidates):
        return resolution, None
    near = closest_indicator(asked, ctx.table)
    if near is None:
        return resolution, None
    fixed = resolve(clean(asked).replace(near.phrase, near.written), ctx.table, previous=previous)
    if fixed.indicator is None or fixed.unmatched_metric:
        return resolution, None
    return fixed, near.indicator.name


def _ranking_filters(ctx: PlanContext, asked: str, resolution: Resolution) -> Resolution:
    """A ranking returns the number asked ("最快的三个") within the category named ("数字基础设施类")."""
    params = dict(resolution.params)
    top = asked_top(asked)
    if top is not None and not params.get("among"):
        # "增速最快的三个指标": the N fastest of all rows the table lists, percent rows included.
        params["top"] = top
        params["scope"] = "all"
    category = named_category(asked, ctx.table)
    if category and not params.get("among"):
        params["within"] = [i.name for i in ctx.table.indicators if i.category == category]
        params["within_label"] = f"“{category}”类指标"
        params["scope"] = "all"
    return dataclasses.replace(resolution, params=params)


def understand_in(
    ctx: PlanContext,
    question: str,
    previous: Indicator | None = None,
    last_operation: str | None = None,
    whole: bool = True,
) -> Understanding:
    """What to do with ``question`` in this plan (injection and help are handled before scope).

    ``whole``: False for one part of a multi-part question (it is not split again).
    """
    asked = strip_about(question, (ctx.info.title,))
    combined = detect_compound(asked, ctx.table, previous) if not is_profile(question) else None
    if combined is not None:
        return Understanding(intent="numeric", question=question, resolution=combined, plan_id=ctx.id)
    if whole and not is_profile(question):
        parts = [understand_in(ctx, p, previous, whole=False) for p in split_question(asked, ctx.table, previous)]
        if len(parts) >= 2 and all(p.intent == "numeric" and p.resolution for p in parts):
            first = parts[0]
            return dataclasses.replace(first, question=question, parts=tuple(parts))
    resolution, read_as = _resolve(ctx, asked, previous)
    missing = resolution.unmatched_metric is not None and bool(_ASKS_FIGURE.search(question))
    if is_profile(question) and not _asks_a_figure(question, resolution) and not missing:
        return Understanding(intent="task_match", question=question, profile=question, plan_id=ctx.id)
    if resolution.params.get("operation_defaulted") and last_operation in FOLLOW_UP_OPERATIONS:
        # "那机架数呢？" after "5G基站年均增长多少？": same question, other indicator.
        params = {k: v for k, v in resolution.params.items() if k != "operation_defaulted"}
        resolution = dataclasses.replace(resolution, operation=last_operation, params=params)
    if resolution.indicator is None and "指标" in question and named_category(question, ctx.table):
        # "治理数字化方面有几个指标？分别是什么？": the rows of that category, counted.
        return Understanding(intent="list", question=question, list_kind="indicators", plan_id=ctx.id)
    nth_task = task_ordinal(asked, len(ctx.catalogue.tasks)) if resolution.indicator is None else None
    if nth_task is not None:
        name = ctx.catalogue.tasks[nth_task].name
        return Understanding(intent="list_item", question=question, list_kind="tasks", list_task=name,
                             notes=("meaning", str(nth_task)), plan_id=ctx.id)
    if resolution.operation == "ranking":
        resolution = _ranking_filters(ctx, asked, resolution)
    if resolution.operation == "planned_value" and _TARGET_ONLY.search(asked) and not _ON_PATH.search(asked):
        # "2023年5G基站数量的目标是多少": the plan sets no 2023 target; the path value is not one.
        resolution = dataclasses.replace(resolution, operation="lookup_target")
    numeric = Understanding(
        intent="numeric", question=question, resolution=resolution, plan_id=ctx.id, read_as=read_as
    )
    if resolution.indicator is not None and resolution.operation != "none":
        return numeric
    if resolution.indicator is None and resolution.operation in ("ranking", "audit", "count"):
        return numeric
    if resolution.indicator is None and resolution.candidates and resolution.operation != "none":
        return numeric
    if resolution.unmatched_metric and names_missing_metric(ctx, resolution.unmatched_metric):
        return Understanding(intent="out_of_scope", question=question, resolution=resolution, plan_id=ctx.id)
    if resolution.indicator is None and previous is None and BARE_FOLLOW_UP.match(question):
        # "那年均增长率呢？" with no earlier indicator: ask which one instead of guessing.
        return Understanding(intent="clarify", question=question, resolution=resolution, plan_id=ctx.id)
    listed = detect_list(question, [t.name for t in ctx.catalogue.tasks], ctx.task_alias_map)
    if listed is not None and listed[0] == "subtasks" and listed[1]:
        # "数字基建工程的第一项子任务讲了什么": one item of a named task's list.
        names = [st.name for st in ctx.catalogue.task(listed[1]).subtasks]
        item = item_followup(question, names, None, max_chars=60)
        if item is not None:
            return Understanding(intent="list_item", question=question, list_kind="subtasks",
                                 list_task=names[item[0]], notes=(item[1], str(item[0])), plan_id=ctx.id)
    if listed is not None and listed[0] in STRUCTURED_LISTS:
        return Understanding(
            intent="list", question=question, list_kind=listed[0], list_task=listed[1], plan_id=ctx.id
        )
    return Understanding(intent="passage", question=question, plan_id=ctx.id)


def _list_draft(ctx: PlanContext, u: Understanding) -> Draft | None:
    name = ctx.info.display
    if u.list_kind in ("tasks", "subtasks", "safeguards") and not ctx.catalogue.tasks and not ctx.catalogue.safeguards:
        return None
    if u.list_kind == "tasks":
        return answer_tasks(ctx.catalogue, ctx.finder, name)
    if u.list_kind == "subtasks":
        if u.list_task is not None and not ctx.catalogue.task(u.list_task).subtasks:
            return answer_empty_task(u.list_task, ctx.sections, name)
        return answer_subtasks(ctx.catalogue, u.list_task, ctx.finder, name)
    if u.list_kind == "safeguards":
        return answer_safeguards(ctx.catalogue, ctx.finder, name) if ctx.catalogue.safeguards else None
    if u.list_kind == "indicators":
        category, attribute = named_category(u.question, ctx.table), named_attribute(u.question)
        if category or attribute:
            return answer_filtered(ctx.table, ctx.finder, name, category, attribute)
        return answer_indicator_list(ctx.table, ctx.finder, name) if len(ctx.table) else None
    if u.list_kind == "timeline":
        return answer_timeline(ctx.chunks, name)
    return answer_basis_documents(ctx.chunks, name, ctx.info.title)


def _cite_stated(draft: Draft, ctx: PlanContext) -> Draft:
    """When the plan's text itself states a computed figure ("新增26.8万户"), cite that passage too."""
    for fig in draft.figures:
        if fig.quantity in ("base", "target") or not fig.unit:
            continue
        found = ctx.finder.cite(f"{fmt_number(fig.value)}{fig.unit}")
        draft.citations = dedupe_citations([*draft.citations, *found])
    return draft


def merge_parts(drafts: list[Draft]) -> Draft:
    """One reply for a multi-part question: each part's answer in turn, figures and sources of all."""
    first = drafts[0]
    merged = Draft(
        intent=first.intent,
        lead=first.lead,
        body=[d.lead for d in drafts[1:]],
        figures=[f for d in drafts for f in d.figures],
        citations=dedupe_citations(c for d in drafts for c in d.citations),
        notes=list(dict.fromkeys(n for d in drafts for n in d.notes)),
        indicator=first.indicator,
        topic=first.topic,
    )
    return merged


def draft_in(ctx: PlanContext, u: Understanding, top_k: int = 5, passage_question: str | None = None) -> Draft:
    """Answer ``u`` from this plan only. ``passage_question`` is the unstripped question for retrieval."""
    name = ctx.info.display
    if u.intent == "out_of_scope":
        if u.resolution is not None and u.resolution.unmatched_metric:
            metric = u.resolution.unmatched_metric
            near = "、".join(u.resolution.candidates[:3])
            hint = f"{name}的指标表中没有“{metric}”这一指标" + (f"（相近但不同的指标：{near}）。" if near else "。")
            return refusal(metric, hint=hint, plans=name)
        return refusal(None, plans=name)
    if u.intent == "clarify":
        examples = "、".join(i.name for i in ctx.table.indicators[:4])
        total = f"（指标表共{len(ctx.table)}项）" if len(ctx.table) else ""
        return Draft(intent="clarify", lead=f"请问您问的是哪一项指标？例如：{examples}等{total}。")
    if u.intent == "task_match":
        if ctx.matcher is None:
            return refusal("企业相关任务", hint=f"{name}中没有可供匹配的任务清单。", plans=name)
        result = ctx.matcher.match(u.profile or u.question, top_k=5)
        return answer_match(u.question, result, ctx.task_outs(result), ctx.catalogue, ctx.finder, name)
    if u.intent == "list_item":
        ask, index = u.notes
        return answer_item(ctx, u.list_kind or "", u.list_task or "", ask, int(index))
    if u.parts:
        return merge_parts([draft_in(ctx, p, top_k) for p in u.parts])
    if u.intent == "numeric" and u.resolution is not None:
        try:
            if u.resolution.operation == "compound":
                return answer_compound(u.resolution, ctx.table, ctx.finder)
            draft = _cite_stated(answer_numeric(u.resolution, ctx.table, ctx.finder), ctx)
            if u.read_as:
                draft.lead = f"按“{u.read_as}”理解：{draft.lead}"
            return draft
        except ValueError as exc:
            label = u.resolution.indicator.name if u.resolution.indicator else ""
            return Draft(intent="compute", lead=f"无法完成该计算：{exc}", indicator=label or None)
    if u.intent == "list":
        structured = _list_draft(ctx, u)
        if structured is not None:
            return structured
    question = passage_question or u.question
    chapter = chapter_key(question)
    structural = answer_chapter(chapter, ctx.chunks, name) if chapter else None
    if structural is None and asks_issuer(question):
        structural = answer_issuer(question, ctx.info, ctx.finder)
    if structural is not None:
        return structural
    section = answer_section(question, ctx.sections, name)
    if section is not None:
        return section
    expanded = expand_question(question, _SYNONYMS)
    # Sentence selection looks a little deeper than the citations it keeps.
    hits = ctx.search(expanded, k=max(top_k, 8))
    # Words about the document or the asker (草稿, 我们村) are no topic the plan must cover.
    topic = strip_about(question, (ctx.info.title,)) or question
    draft = answer_passage(question, hits, ctx.reader, expanded=expanded, plan_name=name, topic_question=topic)
    if draft.intent == "passage" and not draft.tasks:
        draft.tasks = passage_tasks(ctx, draft, question)
    return draft


def passage_tasks(ctx: PlanContext, draft: Draft, question: str) -> list[TaskOut]:
    """The sub-tasks a passage answer quotes (by name), so a passage about tasks carries ``tasks`` too.

    Those sharing most characters with the question come first.
    """
    shown = "\n".join([draft.lead, *draft.body])
    out = []
    ranked = sorted(ctx.catalogue.subtasks, key=lambda st: -len(set(st.name) & set(question)))
    for st in ranked:
        if st.name in shown:
            out.append(TaskOut(task=st.task, subtask=st.name, score=1.0, why="回答引用的规划原文提到该子任务",
                               plan=ctx.id, plan_title=ctx.info.title))
    return out[:5]
