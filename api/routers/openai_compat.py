"""OpenAI-compatible endpoints, so existing chat clients and DingTalk AI assistants can use the bot.

`POST /v1/chat/completions` answers the last user message with `request.app.state.chat` (with or
without an LLM configured); the model is always ``policybot``. Citations, figures, tasks, intent and
mode ride in the extra top-level field ``policybot`` (in the last chunk when streaming).
Client system prompts are ignored: the bot's own rules apply.

Session (follow-up questions): header ``X-Session-Id``, else the ``user`` field, else an id derived
from the conversation's first user message (clients resend the whole history each turn).

>>> from openai import OpenAI
>>> client = OpenAI(base_url="http://127.0.0.1:8000/v1", api_key="<key or anything>")  # doctest: +SKIP
>>> client.chat.completions.create(model="policybot",                                 # doctest: +SKIP
...     messages=[{"role": "user", "content": "5G基站年均增长多少？"}]).choices[0].message.content
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from api.routers.chat import STREAM_RESPONSES
from api.sse import MODEL_NAME, SSE_HEADERS, completion_body, completion_chunks
from bot.llm.service import service_events
from bot.schemas import ChatService
from bot.validation import QuestionError, check_session_id, clean_question

router = APIRouter(tags=["openai-compatible"])

DEFAULT_MAX_QUESTION_CHARS = 2000


class ChatMessage(BaseModel):
    """One message; ``content`` is a string or a list of text parts (``{"type": "text", "text": "..."}``).

    Any other part (image_url, input_audio, file ...) is answered with 400 ``unsupported_content``.
    """

    model_config = ConfigDict(extra="allow", strict=True)

    role: str = Field(description="system | user | assistant | tool ...")
    content: str | list[dict[str, Any]] | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """The subset of the OpenAI request the bot reads; other fields (temperature ...) are accepted.

    The fields read are strict: ``"stream": "true"`` is a client error, not a value to coerce.
    """

    model_config = ConfigDict(extra="allow", strict=True)

    model: str = Field(MODEL_NAME, description="Any name is accepted; replies say 'policybot'.")
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    user: str | None = Field(None, description="End-user id; used as the session id when no header is sent.")


TEXT_PART_TYPES = ("text", "input_text")


def unsupported_part(messages: list[ChatMessage]) -> str | None:
    """Where the first content part that is not text sits, e.g. ``messages[0].content[1] (image_url)``.

    >>> unsupported_part([ChatMessage(role="user", content=[{"type": "image_url", "image_url": {}}])])
    'messages[0].content[0] (image_url)'
    """
    for i, message in enumerate(messages):
        if not isinstance(message.content, list):
            continue
        for j, part in enumerate(message.content):
            kind = part.get("type")
            if kind not in TEXT_PART_TYPES or not isinstance(part.get("text"), str):
                label = kind if isinstance(kind, str) else type(kind).__name__
                return f"messages[{i}].content[{j}] ({label[:30]})"
    return None


def _text(message: ChatMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    return "".join(str(p["text"]) for p in message.content or [])


def _hashed(prefix: str, value: str) -> str:
    return f"{prefix}-{hashlib.sha256(value.encode()).hexdigest()[:24]}"


def session_for(body: ChatCompletionRequest, header: str | None) -> str:
    """The session id of a request: header, else ``user``, else derived from the conversation.

    >>> session_for(ChatCompletionRequest(messages=[ChatMessage(role="user", content="hi")]), "abc")
    'abc'
    """
    if header:
        return check_session_id(header) or header
    if body.user:
        try:
            return check_session_id(body.user) or _hashed("user", body.user)
        except QuestionError:
            return _hashed("user", body.user)  # emails with spaces, long ids: hash, never reject
    first_user = next((_text(m) for m in body.messages if m.role == "user"), "")
    return _hashed("conv", first_user)


def plan_of(body: ChatCompletionRequest) -> str | None:
    """The plan a completion asks for: ``metadata.plan``, else a model named ``policybot:<plan id>``."""
    metadata = getattr(body, "metadata", None) or (body.model_extra or {}).get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("plan"), str) and metadata["plan"]:
        return str(metadata["plan"])
    if body.model.startswith(MODEL_NAME + ":") and len(body.model) > len(MODEL_NAME) + 1:
        return body.model.split(":", 1)[1]
    return None


def _error(status: int, code: str, message: str) -> JSONResponse:
    # The app's uniform body plus OpenAI's "type", so both kinds of clients read it.
    kind = "invalid_request_error" if status < 500 else "server_error"
    return JSONResponse({"error": {"code": code, "message": message, "type": kind}}, status_code=status)


def _chat_service(request: Request) -> ChatService | None:
    if not getattr(request.app.state, "ready", True):
        return None
    chat: ChatService | None = getattr(request.app.state, "chat", None)
    return chat


@router.post(
    "/v1/chat/completions",
    responses=STREAM_RESPONSES,
    summary="OpenAI-compatible chat completion (model 'policybot')",
)
def chat_completions(
    body: ChatCompletionRequest,
    request: Request,
    x_session_id: str | None = Header(None, description="Ties follow-up turns together."),
) -> Any:
    """Answer the last user message; ``"stream": true`` gives ``chat.completion.chunk`` SSE ending in
    ``data: [DONE]``.

    Example body: `{"model": "policybot", "messages": [{"role": "user", "content": "5G基站年均增长多少？"}]}`.
    """
    chat = _chat_service(request)
    if chat is None:
        return _error(503, "not_ready", "服务正在启动，请稍后再试 / Service is starting, retry shortly")
    settings = getattr(request.app.state, "settings", None)
    max_chars = settings.server.max_question_chars if settings is not None else DEFAULT_MAX_QUESTION_CHARS
    where = unsupported_part(body.messages)
    if where is not None:
        return _error(
            400,
            "unsupported_content",
            f"只支持文字内容，{where} 不是文字 / Only text content parts are supported; {where} is not text",
        )
    last_user = next((m for m in reversed(body.messages) if m.role == "user"), None)
    if last_user is None:
        return _error(
            422, "no_user_message", "messages 中没有用户消息 / messages contains no user message"
        )
    try:
        question = clean_question(_text(last_user), max_chars)
        session_id = session_for(body, x_session_id)
    except QuestionError as exc:
        return _error(exc.status, exc.code, str(exc))
    plan = plan_of(body)
    library = getattr(getattr(request.app.state, "components", None), "library", None)
    if plan is not None and (library is None or plan not in library):
        return _error(404, "unknown_plan", f"没有编号为 {plan[:64]} 的规划 / no plan with id {plan[:64]!r}")
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        frames = completion_chunks(service_events(chat, question, session_id, plan), include_usage=include_usage)
        return StreamingResponse(frames, media_type="text/event-stream", headers=SSE_HEADERS)
    if plan is None:
        return completion_body(chat.answer(question, session_id))
    return completion_body(chat.answer(question, session_id, plan))


def _model_card() -> dict[str, Any]:
    return {"id": MODEL_NAME, "object": "model", "created": int(time.time()), "owned_by": "policybot"}


@router.get("/v1/models", summary="OpenAI-compatible model list (just 'policybot')")
def list_models() -> dict[str, Any]:
    """The one model this server offers."""
    return {"object": "list", "data": [_model_card()]}


@router.get("/v1/models/{model_id}", summary="OpenAI-compatible model card")
def get_model(model_id: str) -> Any:
    """``policybot``'s card; any other id is 404."""
    if model_id != MODEL_NAME:
        return _error(404, "model_not_found", f"没有模型 {model_id[:40]} / no model {model_id[:40]!r}")
    return _model_card()
