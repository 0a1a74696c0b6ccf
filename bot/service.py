"""The deterministic chat service: normalise → understand → compute | retrieve → compose.

A question flows one way through these steps; the session only feeds the previous turn's indicator
and topic into understanding, and receives the new ones after composing.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import uuid
from collections.abc import Callable, Sequence

from bot.answer_text import (
    ChunkFinder,
    answer_basis_documents,
    answer_indicator_list,
    answer_match,
    answer_passage,
    answer_safeguards,
    answer_section,
    answer_subtasks,
    answer_tasks,
    answer_timeline,
    section_index,
)
from bot.compose import Draft, figure_out, refusal, render
from bot.match import TaskMatcher
from bot.normalize import normalize
from bot.numeric import answer_numeric
from bot.passages import PassageReader, expand_question, load_synonyms
from bot.resolver import looks_like_metric, resolve
from bot.schemas import ChatReply, TaskOut
from bot.sessions import SessionState, SessionStore
from bot.understand import Understanding, detect_list, is_help, is_injection, is_profile
from corpus.catalogue.loader import TaskCatalogue
from corpus.types import Chunk, Retriever
from indicators.catalog import IndicatorTable

log = logging.getLogger("policybot.chat")

HELP_TEXT = (
    "我是《温州市数字经济发展“十四五”规划》问答助手，可以回答：\n"
    "- 指标目标与基期值，如“5G基站数量2025年目标是多少？”\n"
    "- 指标计算，如“软件和信息服务业营业收入年均需要增长多少？”\n"
    "- 进度判断，如“2023年软件业收入80亿元，进度如何？”\n"
    "- 规划内容，如“保障措施有哪几条？”\n"
    "- 企业相关任务，如“我们是做跨境电商的，规划里哪些内容和我们有关？”"
)

# Short names users give the 8 main tasks (工程); matched as substrings of the question.
TASK_ALIASES: dict[str, list[str]] = {
    "数字经济产业能级提升工程": ["产业能级", "能级提升"],
    "数字创新生态培育工程": ["创新生态", "数字创新"],
    "制造业数字化赋能工程": ["制造业数字化", "制造业赋能"],
    "服务业数字化提升工程": ["服务业数字化"],
    "农业数字化转型工程": ["农业数字化"],
    "数字基建全面提速工程": ["数字基建", "基建提速", "新基建"],
    "治理数字化提效工程": ["治理数字化"],
    "数据资源开发共享工程": ["数据资源", "数据开发共享"],
}


# Operations a follow-up that only names another indicator may repeat.
FOLLOW_UP_OPERATIONS = ("lookup_base", "lookup_both", "change", "pp_change", "multiple", "cagr", "trajectory", "audit")

# A follow-up that names no indicator ("那年均增长率呢？", "And the growth rate?").
_BARE_FOLLOW_UP = re.compile(
    r"^(那|那么|那它|它|and|what about)\S{0,3}(年均|增长|增速|增幅|增加|提高|倍|百分点|目标|基期|进度|\d{4}年)",
    re.IGNORECASE,
)

# Enumerations answered from the plan's structure; other list questions (parts, annexes) are passages.
STRUCTURED_LISTS = ("tasks", "subtasks", "safeguards", "indicators", "timeline", "basis_documents")


class DeterministicChatService:
    """Answers every question without an LLM; implements `bot.schemas.ChatService`."""

    def __init__(
        self,
        table: IndicatorTable,
        retriever: Retriever,
        chunks: Callable[[], Sequence[Chunk]],
        catalogue: TaskCatalogue,
        matcher: TaskMatcher,
        reader: PassageReader,
        sessions: SessionStore,
        task_outs: Callable[[object], list[TaskOut]],
        top_k: int = 5,
    ) -> None:
        self.table = table
        self.retriever = retriever
        self.catalogue = catalogue
        self.matcher = matcher
        self.reader = reader
        self.sessions = sessions
        self.task_outs = task_outs
        self.top_k = top_k
        self._chunks = chunks
        self._synonyms = load_synonyms()
        self._finder = ChunkFinder(chunks())
        self._sections = section_index(chunks())
        self._prose = self._prose_text()

    def refresh(self) -> None:
        """Re-read the chunk list after the index was rebuilt."""
        self._finder = ChunkFinder(self._chunks())
        self._sections = section_index(self._chunks())
        self._prose = self._prose_text()

    def _prose_text(self) -> str:
        """The corpus with the indicator labels blanked out: what the text says beyond the table's row names."""
        labels = sorted({i.label for i in self.table.indicators}, key=len, reverse=True)
        text = "\n".join(c.text for c in self._chunks())
        for label in labels:
            text = text.replace(label, "\x00")
        return text

    def _prose_mentions(self, term: str) -> bool:
        return bool(term) and term in self._prose

    def _names_missing_metric(self, metric: str) -> bool:
        """True when the resolver's left-over phrase really names a metric the plan lacks.

        Either it uses words the plan never uses (新能源汽车产量, 人工智能企业数量), ends like a statistic
        (5G用户数, GDP年均增速), or it is a truncated
        piece of a row's label that the text never discusses on its own (数字经济核心产业增加值 is only
        part of “…占GDP比重”). Anything else (word debris like “次常务会议上通过”) is left to the list
        and passage steps, whose own coverage check still refuses uncovered topics.
        """
        if self._prose_mentions(metric):
            return False
        if self.reader.uncovered_terms(metric) or looks_like_metric(metric):
            return True
        return any(metric in ind.label and metric != ind.name for ind in self.table.indicators)

    # ------------------------------------------------------------------ understanding

    def understand(self, question: str, state: SessionState) -> Understanding:
        if is_injection(question):
            return Understanding(intent="out_of_scope", question=question, notes=("injection",))
        if is_help(question):
            return Understanding(intent="help", question=question)
        if is_profile(question):
            return Understanding(intent="task_match", question=question, profile=question)
        previous = None
        if state.indicator:
            try:
                previous = self.table.get(state.indicator)
            except KeyError:
                previous = None
        resolution = resolve(question, self.table, previous=previous)
        if resolution.params.get("operation_defaulted") and state.operation in FOLLOW_UP_OPERATIONS:
            # "那机架数呢？" after "5G基站年均增长多少？": same question, other indicator.
            params = {k: v for k, v in resolution.params.items() if k != "operation_defaulted"}
            resolution = dataclasses.replace(resolution, operation=state.operation, params=params)
        if resolution.indicator is not None and resolution.operation != "none":
            return Understanding(intent="numeric", question=question, resolution=resolution)
        if resolution.indicator is None and resolution.operation in ("ranking", "audit", "count"):
            return Understanding(intent="numeric", question=question, resolution=resolution)
        if resolution.indicator is None and resolution.candidates and resolution.operation != "none":
            return Understanding(intent="numeric", question=question, resolution=resolution)
        if resolution.unmatched_metric and self._names_missing_metric(resolution.unmatched_metric):
            return Understanding(intent="out_of_scope", question=question, resolution=resolution)
        if resolution.indicator is None and previous is None and _BARE_FOLLOW_UP.match(question):
            # "那年均增长率呢？" with no earlier indicator: ask which one instead of guessing.
            return Understanding(intent="clarify", question=question, resolution=resolution)
        listed = detect_list(question, [t.name for t in self.catalogue.tasks], TASK_ALIASES)
        if listed is not None and listed[0] in STRUCTURED_LISTS:
            return Understanding(intent="list", question=question, list_kind=listed[0], list_task=listed[1])
        return Understanding(intent="passage", question=question)

    # ------------------------------------------------------------------ answering

    def draft(self, u: Understanding) -> Draft:
        if u.intent == "out_of_scope":
            if u.resolution is not None and u.resolution.unmatched_metric:
                metric = u.resolution.unmatched_metric
                near = "、".join(u.resolution.candidates[:3])
                hint = f"附件指标表中没有“{metric}”这一指标" + (f"（相近但不同的指标：{near}）。" if near else "。")
                return refusal(metric, hint=hint)
            return refusal(None)
        if u.intent == "help":
            return Draft(intent="help", lead=HELP_TEXT)
        if u.intent == "clarify":
            examples = "、".join(i.name for i in self.table.indicators[:4])
            return Draft(
                intent="help",
                lead=f"请问您问的是哪一项指标？例如：{examples}等（附件测算表共{len(self.table)}项）。",
            )
        if u.intent == "task_match":
            result = self.matcher.match(u.profile or u.question, top_k=5)
            return answer_match(u.question, result, self.task_outs(result), self.catalogue, self._finder)
        if u.intent == "numeric" and u.resolution is not None:
            try:
                return answer_numeric(u.resolution, self.table, self._finder)
            except ValueError as exc:
                name = u.resolution.indicator.name if u.resolution.indicator else ""
                return Draft(intent="compute", lead=f"无法完成该计算：{exc}", indicator=name or None)
        if u.intent == "list":
            if u.list_kind == "tasks":
                return answer_tasks(self.catalogue, self._finder)
            if u.list_kind == "subtasks":
                return answer_subtasks(self.catalogue, u.list_task, self._finder)
            if u.list_kind == "safeguards":
                return answer_safeguards(self.catalogue, self._finder)
            if u.list_kind == "indicators":
                return answer_indicator_list(self.table, self._finder)
            structured = (
                answer_timeline(self._chunks()) if u.list_kind == "timeline" else answer_basis_documents(self._chunks())
            )
            if structured is not None:
                return structured
        # Sentence selection looks a little deeper than the citations it keeps.
        section = answer_section(u.question, self._sections)
        if section is not None:
            return section
        expanded = expand_question(u.question, self._synonyms)
        hits = self.retriever.search(expanded, k=max(self.top_k, 8))
        return answer_passage(u.question, hits, self.reader, expanded=expanded)

    def answer(self, question: str, session_id: str | None = None) -> ChatReply:
        session_id = session_id or uuid.uuid4().hex
        state = self.sessions.get(session_id) or SessionState()
        normalized = normalize(question)
        understanding = self.understand(normalized, state)
        draft = self.draft(understanding)
        answer = render(draft)
        if draft.intent != "out_of_scope":
            state.indicator = draft.indicator or (state.indicator if draft.intent == "help" else None)
            state.topic = draft.topic or state.topic
        resolution = understanding.resolution
        state.operation = resolution.operation if resolution is not None and draft.indicator else None
        state.turns += 1
        self.sessions.put(session_id, state)
        return ChatReply(
            answer=answer,
            intent=draft.intent,  # type: ignore[arg-type]
            citations=draft.citations,
            figures=[figure_out(f) for f in draft.figures],
            tasks=draft.tasks,
            session_id=session_id,
        )
