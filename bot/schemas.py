"""The chat reply contract (see ../shared/eval/README.md): request and response models.

These models are the public API of `/v1/chat`, the CLI `ask --json` and the chat-platform adapters.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from bot.validation import SESSION_ID_PATTERN

Intent = Literal[
    "indicator",  # look up a base/target value
    "compute",  # a computation over indicators (change, CAGR, projection, ranking ...)
    "progress",  # an actual value checked against the planned trajectory
    "audit",  # consistency of the plan's own figures
    "passage",  # a question answered from the text
    "list",  # an enumeration (tasks, sub-tasks, safeguards, annexes, timeline ...)
    "task_match",  # which sub-tasks concern an enterprise
    "out_of_scope",  # the plan does not cover it
    "help",
    "clarify",  # the question needs a choice (which plan, which indicator)
]

AnswerMode = Literal["deterministic", "llm", "llm_fallback"]


class Citation(BaseModel):
    """A passage of the plan the answer rests on."""

    id: str = Field(description="Stable chunk id (content hash).")
    source: str = Field(description="Source file name.")
    section: str = Field(description="Heading path, e.g. '三、主要内容 > （四）主要任务'.")
    text: str = Field(description="The cited passage verbatim.")
    score: float = Field(description="Retrieval score, higher is better.")
    plan: str | None = Field(default=None, description="Id of the plan the passage belongs to.")
    title: str | None = Field(default=None, description="Title of the document the passage comes from.")


class FigureOut(BaseModel):
    """A number computed by the indicator engine, with its formula and inputs."""

    plan: str | None = Field(default=None, description="Id of the plan whose table the figure comes from.")
    indicator: str
    quantity: str = Field(description="What the value is: target, base, cagr, change, projection ...")
    value: float = Field(description="Plain number in `unit`, e.g. 27.02 for 27.02 %.")
    unit: str
    formula: str
    inputs: dict[str, float | int | str] = Field(default_factory=dict)
    note: str = ""


class TaskOut(BaseModel):
    """A plan sub-task matched to an enterprise profile."""

    task: str = Field(description="Main task (工程) name, verbatim from the plan.")
    subtask: str = Field(description="Sub-task name, verbatim from the plan.")
    score: float
    why: str = Field(description="One-line reason for the match.")
    indicators: list[str] = Field(default_factory=list, description="Related indicators with 2025 targets.")
    confident: bool = Field(default=True, description="False for 'nearest candidate, no clear match'.")
    plan: str | None = Field(default=None, description="Id of the plan the sub-task belongs to.")
    plan_title: str | None = Field(default=None, description="Title of that plan.")


class ChatRequest(BaseModel):
    """POST /v1/chat body."""

    # strict: `"stream": 0` or `"question": 5` are client errors, not values to coerce.
    model_config = ConfigDict(extra="forbid", strict=True)

    question: str = Field(
        min_length=1,
        description="The question, in Chinese (English also understood). Longer than the configured cap "
        "(POLICYBOT_SERVER_MAX_QUESTION_CHARS, default 2000) → 413.",
    )
    session_id: str | None = Field(
        default=None, pattern=SESSION_ID_PATTERN, description="Ties follow-up turns together (1–128 of A-Za-z0-9_.:@-)."
    )
    stream: bool = Field(default=False, description="Server-sent events instead of one JSON reply.")
    plan: str | None = Field(
        default=None, pattern=r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$",
        description="Answer from this plan only (an id from GET /v1/plans); default: decided from the question.",
    )


class PlanRef(BaseModel):
    """A plan named by an answer."""

    id: str
    title: str


class ChatReply(BaseModel):
    """POST /v1/chat response."""

    answer: str = Field(description="Chinese markdown shown to the user.")
    intent: Intent
    citations: list[Citation] = Field(default_factory=list)
    figures: list[FigureOut] = Field(default_factory=list)
    tasks: list[TaskOut] = Field(default_factory=list)
    session_id: str
    mode: AnswerMode = "deterministic"
    plans: list[PlanRef] = Field(default_factory=list, description="The plan(s) the answer is about, in order.")


class ChatService(Protocol):
    """What every front end (HTTP, CLI, DingTalk, OpenAI-compatible) calls."""

    def answer(self, question: str, session_id: str | None = None, plan: str | None = None) -> ChatReply: ...
