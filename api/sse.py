"""Server-sent events for `POST /v1/chat` (``"stream": true``) and `POST /v1/chat/completions`.

`/v1/chat` stream: ``event: delta`` with ``{"text": ...}`` pieces of the (already verified) answer, then
one ``event: final`` whose data is the whole `ChatReply` (citations, figures, tasks, mode). If the
service fails, one ``event: error`` with the uniform error body ends the stream.

>>> sse_event("delta", {"text": "你好"})
'event: delta\\ndata: {"text": "你好"}\\n\\n'
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi.responses import StreamingResponse

from api.errors import SHARED_STATE_UNAVAILABLE_MESSAGE, STORE_UNAVAILABLE_MESSAGE
from bot.llm.service import StreamEvent, service_events
from bot.redis_state import SharedStateUnavailable
from bot.schemas import ChatReply, ChatService
from corpus.types import VectorStoreUnavailable

log = logging.getLogger("policybot.sse")

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # nginx: do not buffer the stream
MODEL_NAME = "policybot"
INTERNAL_ERROR = {
    "error": {
        "code": "internal_error",
        "message": "服务内部错误，请稍后再试 / Internal error, please retry later",
    }
}


def sse_event(event: str | None, data: Any) -> str:
    """One SSE frame; ``data`` is JSON-encoded unless it is already a string."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n"


def chat_events(
    service: ChatService, question: str, session_id: str | None, plan: str | None = None
) -> Iterator[str]:
    """The `/v1/chat` SSE frames for one question (see the module docstring)."""
    try:
        for event in service_events(service, question, session_id, plan):
            if event["type"] == "delta":
                yield sse_event("delta", {"text": event["text"]})
            else:
                yield sse_event("final", event["reply"].model_dump(mode="json"))
    except VectorStoreUnavailable as exc:  # the response has started: report in-band
        log.warning("chat stream: %s", exc)
        yield sse_event("error", {"error": {"code": "vector_store_unavailable", "message": STORE_UNAVAILABLE_MESSAGE}})
    except SharedStateUnavailable as exc:
        log.warning("chat stream: %s", exc)
        yield sse_event("error", {"error": {"code": "shared_state_unavailable",
                                            "message": SHARED_STATE_UNAVAILABLE_MESSAGE}})
    except Exception:  # the response has started: report in-band, never drop the connection silently
        log.exception("chat stream failed")
        yield sse_event("error", INTERNAL_ERROR)


def chat_sse_response(
    service: ChatService, question: str, session_id: str | None, plan: str | None = None
) -> StreamingResponse:
    """`StreamingResponse` of `chat_events`; the service runs in the threadpool as the body is sent.

    >>> return chat_sse_response(request.app.state.chat, question, session_id)   # doctest: +SKIP
    """
    return StreamingResponse(
        chat_events(service, question, session_id, plan), media_type="text/event-stream", headers=SSE_HEADERS
    )


def policybot_extra(reply: ChatReply) -> dict[str, Any]:
    """The extra field of OpenAI-compatible responses: everything but the answer text."""
    return reply.model_dump(mode="json", exclude={"answer"})


def completion_id() -> str:
    """A fresh ``chatcmpl-…`` id."""
    return f"chatcmpl-{uuid.uuid4().hex}"


def completion_body(reply: ChatReply, model: str = MODEL_NAME) -> dict[str, Any]:
    """A non-streaming ``chat.completion`` object carrying ``reply``."""
    return {
        "id": completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.answer},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "policybot": policybot_extra(reply),
    }


def completion_chunks(
    events: Iterable[StreamEvent], model: str = MODEL_NAME, include_usage: bool = False
) -> Iterator[str]:
    """``chat.completion.chunk`` frames for a stream of events, ending with ``data: [DONE]``.

    The first chunk carries the role, each delta a piece of content; the last chunk has
    ``finish_reason: "stop"`` and the ``policybot`` extra field (citations, figures, mode ...).
    """
    base = {
        "id": completion_id(),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        return sse_event(None, {**base, "choices": [choice], **extra})

    yield chunk({"role": "assistant", "content": ""})
    try:
        for event in events:
            if event["type"] == "delta":
                yield chunk({"content": event["text"]})
            else:
                yield chunk({}, "stop", policybot=policybot_extra(event["reply"]))
    except Exception:
        log.exception("chat completion stream failed")
        yield sse_event(None, INTERNAL_ERROR)
    if include_usage:
        usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        yield sse_event(None, {**base, "choices": [], "usage": usage})
    yield sse_event(None, "[DONE]")
