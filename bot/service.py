"""The deterministic chat service: normalise → understand (scope first) → compute | retrieve → compose.

A question flows one way through these steps. Scope — which plan(s) the question is about — is decided
once, at the start of understanding (`bot.scope`), and carried as plan ids: each plan's part of the
answer is computed and retrieved from that plan only (`bot.plan_answerer`), and every lead, figure
and citation names its plan. The session remembers the last plan, indicator, operation and topic.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import uuid
from collections.abc import Sequence

from bot.actuals.monitor import Monitor
from bot.compose import Draft, figure_out, fmt_number, refusal, render
from bot.compound import detect_compound
from bot.cross_plan import answer_across, clarify, name_plan, other_plans_note, side_by_side
from bot.library import PlanContext, PlanLibrary, describe
from bot.list_followups import item_followup, item_named, names_a_task
from bot.monitoring_answers import answer_monitoring, detect_monitoring
from bot.normalize import normalize
from bot.plan_answerer import draft_in, previous_indicator, understand_in
from bot.resolver import Resolution
from bot.schemas import ChatReply, PlanRef
from bot.scope import Scope, decide_scope
from bot.sessions import SessionState, SessionStore
from bot.understand import Understanding, is_help, is_injection
from indicators import engine

log = logging.getLogger("policybot.chat")

# Understandings that mean "this plan can answer": anything but a refusal or a passage fallback.
_ANSWERING = ("numeric", "list", "task_match")
# A question that points back at the last answer's indicator instead of naming one.
_POINTS_BACK = re.compile(r"这个指标|该指标|这一指标|此指标|同一指标|这项指标|同样的指标")


def help_text(contexts: Sequence[PlanContext]) -> str:
    """What the assistant answers, built from the loaded plans."""
    if not contexts:
        return "当前没有载入任何规划。请先用 `policybot ingest` 或 POST /v1/plans 添加规划文件。"
    first = contexts[0]
    example_ind = first.table.indicators[0].name if len(first.table) else "某项指标"
    progress = f"- 进度判断，如“{example_ind}达到多少算符合进度？”"
    if len(first.table):
        # A concrete hypothetical: the planned value two years before the target (from the engine).
        row = first.table.indicators[0]
        year = row.target_year - 2
        if row.base_year < year:
            planned = engine.planned_value(row, year)
            progress = f"- 进度判断，如“{year}年{row.name}达到{fmt_number(round(planned.value))}{row.unit}，进度如何？”"
    example_task = first.catalogue.tasks[0].name if first.catalogue.tasks else "主要任务"
    lines = [f"我是规划问答助手，目前可回答以下规划：{describe(contexts)}。可以问："]
    lines += [
        f"- 指标目标与基期值，如“{example_ind}2025年目标是多少？”",
        f"- 指标计算，如“{example_ind}年均需要增长多少？”",
        progress,
        f"- 规划内容与任务，如“{example_task}包括哪些内容？”、“保障措施有哪几条？”",
        "- 企业相关任务，如“我们是做跨境电商的，规划里哪些内容和我们有关？”",
    ]
    if len(contexts) > 1:
        lines.append("- 多个规划时，可在问题中点明规划（如地区名），或比较各规划，如“哪个规划的某指标目标最高？”")
    return "\n".join(lines)


class DeterministicChatService:
    """Answers every question without an LLM; implements `bot.schemas.ChatService`."""

    def __init__(
        self, library: PlanLibrary, sessions: SessionStore, top_k: int = 5, monitor: Monitor | None = None
    ) -> None:
        self.library = library
        self.monitor = monitor  # answers "哪些指标没有完成" from the actuals store
        self.sessions = sessions
        self.top_k = top_k
        self._protected: tuple[int, list[str]] = (-2, [])

    # ------------------------------------------------------------------ understanding

    def _protected_terms(self) -> list[str]:
        """Indicator and task names of every plan: a plan mention is never cut out of one of them."""
        if self._protected[0] != self.library.generation:
            contexts = self.library.contexts()
            terms = {t for ctx in contexts for t in (*ctx.vocabulary(), *ctx.named_terms()) if len(t) >= 3}
            self._protected = (self.library.generation, sorted(terms, key=len, reverse=True))
        return self._protected[1]

    def scope(self, question: str, state: SessionState, plan: str | None = None) -> Scope:
        infos = [c.info for c in self.library.contexts()]
        return decide_scope(
            question,
            infos,
            requested=plan,
            session_plan=state.plan,
            default=self.library.default_id,
            protected=self._protected_terms(),
        )

    def understand(self, question: str, state: SessionState, plan: str | None = None) -> list[Understanding]:
        """One understanding per plan that will answer (empty: nothing in scope answers)."""
        if is_injection(question):
            return [Understanding(intent="out_of_scope", question=question, notes=("injection",))]
        if is_help(question):
            return [Understanding(intent="help", question=question)]
        scope = self.scope(question, state, plan)
        # "最后一个工程呢" names a main task by position: the plan's task list answers it, not the last list.
        follow = None if names_a_task(question) else item_followup(question, state.list_items, state.focus)
        if follow is not None and state.list_kind == "indicators" and state.list_plan in scope.plan_ids:
            # "第五个的年均增速是多少": the question, asked of that row (any operation the engine has).
            state.focus = state.list_items[follow[0]]
            scope = dataclasses.replace(scope, question=item_named(scope.question, state.focus))
            question = item_named(question, state.focus)
            follow = None
        if follow is not None and state.list_kind and state.list_plan in scope.plan_ids:
            # "第三条是什么意思？": an item of the last list, in the plan that list came from.
            index, ask = follow
            return [
                Understanding(
                    intent="list_item",
                    question=question,
                    list_kind=state.list_kind,  # type: ignore[arg-type]
                    list_task=state.list_items[index],
                    notes=(ask, str(index)),
                    plan_id=state.list_plan,
                    scope=scope,
                    passage_question=question,
                )
            ]
        contexts = [self.library.get(i) for i in scope.plan_ids]
        asked = scope.question
        if scope.switched and state.indicator and state.operation:
            # "那丽水呢？": the last question, asked of the newly named plan.
            asked = state.indicator
        compound = any(detect_compound(asked, c.table) is not None for c in contexts)
        if self.monitor is not None and not scope.cross and not compound and detect_monitoring(asked) is not None:
            return [
                Understanding(intent="monitoring", question=asked, plan_id=c.id, scope=scope, passage_question=question)
                for c in contexts
            ]
        results = []
        for ctx in contexts:
            previous = previous_indicator(ctx, state.indicator) if not scope.switched or state.operation else None
            if previous is None and state.indicator and _POINTS_BACK.search(asked):
                # "省里的方案有这个指标吗": the indicator of the last answer, which this plan does not have.
                missing = Resolution(indicator=None, operation="none", unmatched_metric=state.indicator)
                results.append(Understanding(intent="out_of_scope", question=asked, resolution=missing, plan_id=ctx.id))
                continue
            u = understand_in(ctx, asked, previous=previous, last_operation=state.operation)
            results.append(u)
        return self._keep_answering(results, scope, question)

    @staticmethod
    def _keep_answering(results: list[Understanding], scope: Scope, question: str) -> list[Understanding]:
        """Of several plans, keep those that can answer; a single plan keeps its own understanding."""
        if len(results) > 1:
            answering = [u for u in results if u.intent in _ANSWERING]
            results = answering or [u for u in results if u.intent == "passage"] or results
        # A plan's own name says nothing about the topic: passages are found and checked without it.
        passage = scope.question if scope.named else question
        return [dataclasses.replace(u, scope=scope, passage_question=passage) for u in results]

    # ------------------------------------------------------------------ answering

    def draft(self, understandings: list[Understanding]) -> Draft:
        contexts = self.library.contexts()
        if not understandings:
            return refusal(None, plans=describe(contexts))
        first = understandings[0]
        if first.intent == "help":
            return Draft(intent="help", lead=help_text(contexts))
        if first.intent == "out_of_scope" and first.plan_id is None:
            return refusal(None, plans=describe(contexts))
        scope = first.scope or Scope(tuple(self.library.ids()), "all", first.question)
        if first.intent == "monitoring":
            return self._monitoring(understandings, scope)
        if len(understandings) == 1:
            ctx = self.library.get(first.plan_id or "")
            draft = name_plan(draft_in(ctx, first, self.top_k, passage_question=first.passage_question), ctx)
            if scope.source in ("default", "session") and draft.indicator:
                note = other_plans_note(self.library, ctx, draft.indicator)
                if note:
                    draft.notes.append(note)
            if scope.cross and scope.source == "all":
                draft.notes.append(f"只有{ctx.info.display}涉及该问题。")
            return draft
        return answer_across(self.library, understandings, scope, self.top_k)

    def _monitoring(self, understandings: list[Understanding], scope: Scope) -> Draft:
        """Achievement questions, answered from the actuals store for the plan in scope."""
        if len(understandings) > 1 and not scope.cross:
            return clarify([self.library.get(u.plan_id or "") for u in understandings])
        drafts = []
        for u in understandings:
            ctx = self.library.get(u.plan_id or "")
            drafts.append((ctx, u, name_plan(answer_monitoring(u.question, self.monitor, ctx.id), ctx)))
        if len(drafts) == 1:
            return drafts[0][2]
        return side_by_side(drafts, cross=True)

    def answer(self, question: str, session_id: str | None = None, plan: str | None = None) -> ChatReply:
        """Answer one question (``plan``: a loaded plan id that fixes the scope)."""
        session_id = session_id or uuid.uuid4().hex
        state = self.sessions.get(session_id) or SessionState()
        if plan is not None and plan not in self.library:
            raise KeyError(f"没有编号为 {plan} 的规划 / no plan with id {plan!r}")
        normalized = normalize(question)
        understandings = self.understand(normalized, state, plan)
        draft = self.draft(understandings)
        answer = render(draft)
        self._remember(state, draft, understandings)
        self.sessions.put(session_id, state)
        plans = [PlanRef(id=p, title=self.library.get(p).info.title) for p in draft.plans if p in self.library]
        figure_plans = draft.figure_plans or [draft.plans[0] if len(draft.plans) == 1 else ""] * len(draft.figures)
        return ChatReply(
            answer=answer,
            intent=draft.intent,  # type: ignore[arg-type]
            citations=draft.citations,
            figures=[figure_out(f, p or None) for f, p in zip(draft.figures, figure_plans, strict=False)],
            tasks=draft.tasks,
            session_id=session_id,
            plans=plans,
        )

    @staticmethod
    def _remember(state: SessionState, draft: Draft, understandings: list[Understanding]) -> None:
        if draft.intent != "out_of_scope":
            state.indicator = draft.indicator or (state.indicator if draft.intent in ("help", "clarify") else None)
            state.topic = draft.topic or state.topic
        if len(draft.plans) == 1:
            state.plan = draft.plans[0]
        resolution = understandings[0].resolution if len(understandings) == 1 else None
        state.operation = resolution.operation if resolution is not None and draft.indicator else None
        if draft.items and len(draft.plans) == 1:
            state.list_items, state.list_kind, state.list_plan = list(draft.items), draft.list_kind, draft.plans[0]
            state.focus = None
        if draft.focus:
            state.focus = draft.focus
        state.turns += 1


