"""The plan's task tree and the enterprise profile matcher."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api.deps import check_plan, get_components, plan_context
from api.errors import ApiError
from bot.schemas import TaskOut
from bot.validation import QuestionError, clean_question

router = APIRouter(tags=["tasks"])


class SubTaskNode(BaseModel):
    name: str
    ordinal: int
    indicators: list[str]
    section: str


class TaskNode(BaseModel):
    name: str
    ordinal: int
    subtasks: list[SubTaskNode]


class TaskTree(BaseModel):
    plan: str = Field(description="Id of the plan.")
    title: str = Field(description="Title of the plan.")
    task_count: int
    subtask_count: int
    tasks: list[TaskNode]


class MatchRequest(BaseModel):
    """POST /v1/match body."""

    # strict: `"top_k": "3"` is a client error, as `"question": 5` is on /v1/chat.
    model_config = ConfigDict(extra="forbid", strict=True)

    profile: str = Field(description="Free text about the enterprise, e.g. 我们做鞋，想上机器人。")
    top_k: int = Field(5, ge=1, le=32, description="How many sub-tasks to return.")
    plan: str | None = Field(None, max_length=64, description="Match one plan's sub-tasks only (default: all plans).")


class MatchReply(BaseModel):
    confident: bool = Field(
        description="False when nothing in the plan clearly fits; items are then nearest candidates."
    )
    tasks: list[TaskOut]


@router.get("/v1/tasks", response_model=TaskTree, summary="A plan's main tasks and their sub-tasks")
def get_tasks(
    request: Request, plan: str | None = Query(None, max_length=64, description="Plan id; default: the default plan.")
) -> TaskTree:
    ctx = plan_context(get_components(request), plan)
    catalogue = ctx.catalogue
    tasks = [
        TaskNode(
            name=t.name,
            ordinal=t.ordinal,
            subtasks=[
                SubTaskNode(name=s.name, ordinal=s.ordinal, indicators=list(s.indicators), section=s.citation.section)
                for s in t.subtasks
            ],
        )
        for t in catalogue.tasks
    ]
    return TaskTree(
        plan=ctx.id, title=ctx.info.title, task_count=len(tasks),
        subtask_count=sum(len(t.subtasks) for t in tasks), tasks=tasks,
    )


@router.post("/v1/match", response_model=MatchReply, summary="Which sub-tasks concern this enterprise")
def match(body: MatchRequest, request: Request) -> MatchReply:
    components = get_components(request)
    try:
        profile = clean_question(body.profile, request.app.state.settings.server.max_question_chars)
    except QuestionError as exc:
        raise ApiError(exc.status, exc.code, exc.message_zh, exc.message_en) from exc
    plan = check_plan(components, body.plan)
    contexts = [components.library.get(plan)] if plan else components.library.contexts()
    outs: list[TaskOut] = []
    confident = False
    for ctx in contexts:
        if ctx.matcher is None:
            continue
        result = ctx.matcher.match(profile, top_k=body.top_k)
        confident = confident or result.confident
        outs += components.task_outs(result, ctx)
    # Each result names its plan; across plans the best matches come first.
    outs.sort(key=lambda t: (not t.confident, -t.score))
    return MatchReply(confident=confident, tasks=outs[: body.top_k])
