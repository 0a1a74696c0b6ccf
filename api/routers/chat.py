"""POST /v1/chat: validate, call the chat service, return the reply contract."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from api.deps import check_plan, get_components
from api.errors import ApiError
from bot.schemas import ChatReply, ChatRequest
from bot.validation import QuestionError, check_session_id, clean_question

router = APIRouter(tags=["chat"])

# Documented so clients (and schemathesis) know `"stream": true` answers with server-sent events.
STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/event-stream": {
                "schema": {
                    "description": "One server-sent event: `delta` events with text, then one `final` event "
                    "carrying the whole reply (OpenAI-compatible streams end with `data: [DONE]`).",
                    "type": "object",
                    "required": ["data"],
                    "properties": {"event": {"type": "string"}, "data": {"type": "string"}, "id": {"type": "string"}},
                }
            }
        }
    },
}


@router.post(
    "/v1/chat", response_model=ChatReply, responses=STREAM_RESPONSES, summary="Ask the plan assistant a question"
)
def chat(body: ChatRequest, request: Request) -> Any:
    """Answer a question about the plan with cited passages and computed figures.

    Example body: `{"question": "5G基站每年平均要增长百分之几？", "session_id": "abc"}`.
    With `"stream": true` the reply is a stream of server-sent events.
    """
    components = get_components(request)
    settings = request.app.state.settings
    try:
        question = clean_question(body.question, settings.server.max_question_chars)
        session_id = check_session_id(body.session_id)
    except QuestionError as exc:
        raise ApiError(exc.status, exc.code, exc.message_zh, exc.message_en) from exc
    plan = check_plan(components, body.plan)
    if body.stream:
        from api.sse import chat_sse_response

        return chat_sse_response(request.app.state.chat, question, session_id, plan)
    if plan is None:
        return components.chat.answer(question, session_id)
    return components.chat.answer(question, session_id, plan)
