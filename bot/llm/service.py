"""The LLM chat service: the LLM phrases, the engine computes, the verifier checks.

One turn:

1. the deterministic service answers first (fast, and it is the fallback);
2. the LLM gets the question plus that draft (answer, figures, numbered passages), so most turns
   need a single call; it may call the indicator tools and ``search_plan`` for at most
   ``max_tool_rounds`` rounds;
3. the verifier checks every number and every ``[n]``; on failure one repair attempt, then the
   deterministic reply is returned with ``mode="llm_fallback"``;
4. LLM errors (timeout, HTTP 5xx, refused connection) count against a circuit breaker; while it is
   open the deterministic reply is returned at once.

>>> service = LLMChatService(deterministic, make_llm_factory(settings.llm), tools=[], retriever=None,
...                          settings=settings.llm)                                # doctest: +SKIP
>>> service.answer("5G基站年均增长多少？").mode                                      # doctest: +SKIP
'llm'
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from bot.llm.breaker import CircuitBreaker
from bot.llm.client import make_llm_factory
from bot.llm.prompts import (
    SOURCES_HEADING,
    SYSTEM_PROMPT,
    format_passages,
    repair_message,
    sources_block,
    turn_message,
)
from bot.llm.verifier import Violation, cited_indices, describe, figures_from_tool_result, verify_answer
from bot.schemas import ChatReply, ChatService, Citation, FigureOut
from bot.settings import LLMSettings
from corpus.types import Retriever

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.tools import BaseTool

log = logging.getLogger(__name__)

SEARCH_TOOL_NAME = "search_plan"
SEARCH_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": SEARCH_TOOL_NAME,
        "description": "检索本轮所属规划的原文，返回带引用编号 [n] 的段落。"
        " Search the plan text; returns passages numbered for citation.",
        "parameters": {
            "type": "object",
            "properties": {"query": {"type": "string", "description": "检索词或问题 / search query"}},
            "required": ["query"],
        },
    },
}

_THINK = re.compile(r"<think>.*?</think>", re.S)
# Lines of the system prompt long enough that quoting one can only be a leak.
_PROMPT_LINES = [ln.strip() for ln in SYSTEM_PROMPT.splitlines() if len(ln.strip()) >= 20]


class LLMTurnError(RuntimeError):
    """The LLM did not produce a usable answer (empty text, tool calls past the bound)."""


class LLMDeadlineError(RuntimeError):
    """The turn's time budget ran out between LLM calls (counts against the breaker, like a timeout)."""


class DeltaEvent(TypedDict):
    """A piece of answer text, in order."""

    type: Literal["delta"]
    text: str


class FinalEvent(TypedDict):
    """The last event of a stream: the whole reply with citations and figures."""

    type: Literal["final"]
    reply: ChatReply


StreamEvent = DeltaEvent | FinalEvent


@dataclass
class _Turn:
    """What this turn produced: the material the verifier accepts."""

    question: str
    citations: list[Citation]
    figures: list[FigureOut]
    trusted_texts: list[str] = field(default_factory=list)
    deadline: float = math.inf
    plan_id: str | None = None
    tools: dict[str, Any] = field(default_factory=dict)
    retriever: Retriever | None = None

    def add_citation(self, citation: Citation) -> int:
        for i, existing in enumerate(self.citations, start=1):
            if existing.id == citation.id:
                return i
        self.citations.append(citation)
        return len(self.citations)

    def add_figures(self, figures: Sequence[FigureOut]) -> None:
        seen = {(f.indicator, f.quantity, f.value) for f in self.figures}
        for f in figures:
            if (f.indicator, f.quantity, f.value) not in seen:
                self.figures.append(f)
                seen.add((f.indicator, f.quantity, f.value))

    def verify(self, answer: str) -> list[Violation]:
        return verify_answer(
            answer,
            citations=[c.text for c in self.citations],
            figures=self.figures,
            question=self.question,
            trusted_texts=self.trusted_texts,
        )


class LLMChatService:
    """ChatService that lets an OpenAI-compatible LLM phrase answers grounded by the engine.

    Args:
        deterministic: the no-LLM ChatService; answers first and is the fallback.
        llm_factory: returns the chat model (built lazily, see `make_llm_factory`).
        tools: indicator tools (LangChain tools whose results are figure dicts or ``{"figures": [...]}``).
        retriever: backs the ``search_plan`` tool; ``None`` leaves the tool out.
        settings: tool-round bound and breaker thresholds.
        clock: monotonic seconds for the breaker and the turn budget (injectable for tests).
        retrieve_k: passages per ``search_plan`` call.
        history_turns: earlier (question, answer) pairs of the session given to the LLM.
        max_sessions: sessions whose history is kept (least recently used are dropped).
        stream_chunk_chars: characters per delta event of `stream`.
        turn_timeout_seconds: no new LLM call starts after this many seconds of a turn
            (default: twice ``settings.timeout_seconds``), so tool rounds and the repair cannot add up
            to minutes. One call already under way still runs to its own timeout.
    """

    def __init__(
        self,
        deterministic: ChatService,
        llm_factory: Callable[[], BaseChatModel],
        tools: Sequence[BaseTool] = (),
        retriever: Retriever | None = None,
        settings: LLMSettings | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        retrieve_k: int = 4,
        history_turns: int = 3,
        max_sessions: int = 1000,
        stream_chunk_chars: int = 24,
        turn_timeout_seconds: float | None = None,
        tools_for: Callable[[str | None], tuple[Sequence[BaseTool], Retriever | None]] | None = None,
    ) -> None:
        self.settings = settings or LLMSettings.model_validate({"mode": "openai"})
        self.deterministic = deterministic
        self._factory = llm_factory
        self._tools = {t.name: t for t in tools}
        self._retriever = retriever
        self._retrieve_k = retrieve_k
        self._clock = clock
        self.breaker = CircuitBreaker(
            self.settings.breaker_failures, self.settings.breaker_reset_seconds, clock
        )
        self._history_turns = history_turns
        self._max_sessions = max_sessions
        self._history: OrderedDict[str, deque[tuple[str, str]]] = OrderedDict()
        self._lock = threading.Lock()
        self._models: dict[tuple[str | None, tuple[str, ...], bool], tuple[Any, Any]] = {}
        # Tools and passages of the plan a turn is about: a figure is never computed on another plan.
        self._tools_for = tools_for
        self._chunk = max(1, stream_chunk_chars)
        self._turn_timeout = turn_timeout_seconds or 2 * self.settings.timeout_seconds

    # -- public -------------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Build the chat model and bind the tools (no network call); the deterministic service is
        warmed by whoever built it.

        Raises:
            LLMUnavailableError: langchain-openai is missing or the mode is not supported.
        """
        self._bound_models()

    def answer(self, question: str, session_id: str | None = None, plan: str | None = None) -> ChatReply:
        """Answer with the LLM when it is up and its answer verifies, else deterministically.

        The reply's ``mode`` is ``"llm"`` or ``"llm_fallback"``. Answers about several plans at once are
        composed deterministically (each plan's figures next to its own name).
        """
        extra = (plan,) if plan is not None else ()  # services that predate plans take two arguments
        draft = self.deterministic.answer(question, session_id, *extra)
        if len(draft.plans) > 1:
            return self._remember(question, draft.model_copy(update={"mode": "llm_fallback"}))
        if not self.breaker.allow():
            log.info("llm breaker open; deterministic answer")
            return self._remember(question, draft.model_copy(update={"mode": "llm_fallback"}))
        deadline = self._clock() + self._turn_timeout
        engine_text = [draft.answer, *(t.model_dump_json() for t in draft.tasks)]
        turn = _Turn(question, list(draft.citations), list(draft.figures), engine_text, deadline)
        turn.plan_id = draft.plans[0].id if draft.plans else None
        tools, retriever = (
            self._tools_for(turn.plan_id) if self._tools_for is not None else (self._tools.values(), self._retriever)
        )
        turn.tools, turn.retriever = {t.name: t for t in tools}, retriever
        try:
            text = self._generate(question, draft, turn)
        except LLMTurnError as exc:
            self.breaker.record_success()  # the endpoint answered; the answer was unusable
            log.warning("llm answer unusable (%s); deterministic answer", exc)
            return self._remember(question, draft.model_copy(update={"mode": "llm_fallback"}))
        except Exception as exc:  # any client/network error must degrade, never crash
            self.breaker.record_failure()
            log.warning("llm call failed (%s); deterministic answer", type(exc).__name__)
            return self._remember(question, draft.model_copy(update={"mode": "llm_fallback"}))
        self.breaker.record_success()
        if text is not None and draft.intent == "out_of_scope" and not cited_indices(text):
            # The engine found nothing and the model cited nothing: its prose would be ungrounded.
            log.info("llm answered an out-of-scope question without citations; keeping the refusal")
            text = None
        if text is None:
            return self._remember(question, draft.model_copy(update={"mode": "llm_fallback"}))
        if SOURCES_HEADING not in text:
            block = sources_block(turn.citations, cited_indices(text))
            text = f"{text}\n\n{block}" if block else text
        reply = draft.model_copy(
            update={"answer": text, "citations": turn.citations, "figures": turn.figures, "mode": "llm"}
        )
        return self._remember(question, reply)

    def stream(self, question: str, session_id: str | None = None, plan: str | None = None) -> Iterator[StreamEvent]:
        """Delta events, then one final event. The text is verified before the first delta."""
        yield from reply_events(self.answer(question, session_id, plan), self._chunk)

    # -- one turn -----------------------------------------------------------------------------

    def _generate(self, question: str, draft: ChatReply, turn: _Turn) -> str | None:
        """The verified answer text, or None after a failed repair. LLM errors propagate."""
        messages: list[BaseMessage] = [SystemMessage(SYSTEM_PROMPT)]
        for past_q, past_a in self._past(draft.session_id):
            messages += [HumanMessage(past_q), AIMessage(past_a)]
        messages.append(HumanMessage(turn_message(question, draft)))
        text = self._run(messages, turn, self.settings.max_tool_rounds)
        violations = turn.verify(text) + _leaks(text)
        if not violations:
            return text
        log.info("llm answer failed verification, repairing: %s", [v.token for v in violations])
        messages.append(HumanMessage(repair_message(describe(violations), len(turn.citations))))
        text = self._run(messages, turn, 1)
        violations = turn.verify(text) + _leaks(text)
        if violations:
            log.warning("llm repair failed verification: %s", [v.token for v in violations])
            return None
        return text

    def _run(self, messages: list[BaseMessage], turn: _Turn, tool_rounds: int) -> str:
        """Call the model, executing tool calls for at most ``tool_rounds`` rounds; the final text."""
        with_tools, without_tools = self._bound_models(turn)
        for round_no in range(tool_rounds + 1):
            if self._clock() > turn.deadline:
                raise LLMDeadlineError(f"turn budget of {self._turn_timeout:.1f} s spent")
            model = with_tools if round_no < tool_rounds else without_tools
            ai = model.invoke(messages)
            messages.append(ai)
            if not ai.tool_calls:
                text = _THINK.sub("", ai.text).strip()
                if not text:
                    raise LLMTurnError("empty answer")
                return text
            if round_no == tool_rounds:
                break
            for call in ai.tool_calls:
                content = self._call_tool(call["name"], call.get("args") or {}, turn)
                messages.append(ToolMessage(content=content, tool_call_id=call.get("id") or call["name"]))
        raise LLMTurnError(f"still calling tools after {tool_rounds} rounds")

    def _call_tool(self, name: str, args: dict[str, Any], turn: _Turn) -> str:
        """Run one tool call; errors go back to the model as text, never up the stack."""
        try:
            if name == SEARCH_TOOL_NAME and turn.retriever is not None:
                return self._search(str(args.get("query", "")), turn)
            tool = turn.tools.get(name)
            if tool is None:
                return f"错误：没有名为 {name} 的工具 / error: no tool named {name!r}"
            result = tool.invoke(args)
        except Exception as exc:  # a tool's failure is information for the model
            log.info("tool %s failed: %s", name, exc)
            return f"工具调用失败 / tool failed: {exc}"
        turn.add_figures(figures_from_tool_result(result))
        content = result if isinstance(result, str) else json.dumps(result, ensure_ascii=False, default=str)
        turn.trusted_texts.append(content)
        return content

    def _search(self, query: str, turn: _Turn) -> str:
        assert turn.retriever is not None
        if not query.strip():
            return "错误：检索词为空 / error: empty query"
        lines: dict[int, str] = {}  # a retriever may return one chunk twice (child and parent hits)
        for hit in turn.retriever.search(query, self._retrieve_k):
            c = hit.chunk
            n = turn.add_citation(
                Citation(id=c.id, source=c.source, section=c.section, text=c.text, score=hit.score,
                         plan=c.metadata.get("plan_id") or None, title=c.metadata.get("doc_title") or c.source)
            )
            lines.setdefault(n, format_passages([turn.citations[n - 1]], start=n))
        return "\n".join(lines.values()) or "未检索到相关段落 / no passage found"

    def _bound_models(self, turn: _Turn | None = None) -> tuple[Any, Any]:
        """The model with the turn's tools bound (tool names are the same for every plan; cached per plan)."""
        tools = list(turn.tools.values()) if turn is not None else list(self._tools.values())
        retriever = turn.retriever if turn is not None else self._retriever
        key = (turn.plan_id if turn is not None else None, tuple(t.name for t in tools), retriever is not None)
        with self._lock:
            if key not in self._models:
                model = self._factory()
                specs: list[Any] = [*tools]
                if retriever is not None:
                    specs.append(SEARCH_TOOL)
                if specs:
                    self._models[key] = (model.bind_tools(specs), model.bind_tools(specs, tool_choice="none"))
                else:
                    self._models[key] = (model, model)
            return self._models[key]

    # -- session history ----------------------------------------------------------------------

    def _past(self, session_id: str) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._history.get(session_id, ()))

    def _remember(self, question: str, reply: ChatReply) -> ChatReply:
        if self._history_turns > 0:
            with self._lock:
                turns = self._history.pop(reply.session_id, None) or deque(maxlen=self._history_turns)
                # The sources block is for people; the model sees the passages in each turn anyway.
                turns.append((question, reply.answer.split(SOURCES_HEADING, 1)[0].rstrip()))
                self._history[reply.session_id] = turns
                while len(self._history) > self._max_sessions:
                    self._history.popitem(last=False)
        return reply


def _leaks(text: str) -> list[Violation]:
    """Quoting the system prompt is refused like an unverifiable number."""
    return [
        Violation("citation", line[:12], "回答泄露了系统提示词 / the answer quotes the system prompt")
        for line in _PROMPT_LINES
        if line in text
    ]


def chunk_text(text: str, size: int = 24) -> list[str]:
    """Split ``text`` into pieces of about ``size`` characters, preferring to end after punctuation.

    >>> chunk_text("一二三，四五六。七八", 4)
    ['一二三，', '四五六。', '七八']
    """
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            window = text[start:end]
            cut = max(window.rfind(p) for p in "，。；！？\n,.;!?")
            if cut >= size // 2:
                end = start + cut + 1
        pieces.append(text[start:end])
        start = end
    return pieces


def reply_events(reply: ChatReply, chunk_chars: int = 24) -> Iterator[StreamEvent]:
    """A finished reply as stream events: its answer in delta pieces, then the final event."""
    for piece in chunk_text(reply.answer, chunk_chars):
        yield {"type": "delta", "text": piece}
    yield {"type": "final", "reply": reply}


def service_events(
    service: ChatService, question: str, session_id: str | None = None, plan: str | None = None
) -> Iterator[StreamEvent]:
    """Stream events from any ChatService: its own ``stream`` when it has one, else its answer in pieces."""
    stream = getattr(service, "stream", None)
    extra = (plan,) if plan is not None else ()  # services that predate plans take two arguments
    if callable(stream):
        yield from stream(question, session_id, *extra)
    else:
        yield from reply_events(service.answer(question, session_id, *extra))


def build_chat_service(
    deterministic: ChatService,
    settings: LLMSettings,
    *,
    tools: Sequence[BaseTool] = (),
    retriever: Retriever | None = None,
) -> ChatService:
    """The ChatService the settings ask for: ``deterministic`` itself when no LLM is configured.

    >>> build_chat_service(det, LLMSettings()) is det                                  # doctest: +SKIP
    True
    """
    if settings.mode == "none":
        return deterministic
    return LLMChatService(deterministic, make_llm_factory(settings), tools, retriever, settings)
