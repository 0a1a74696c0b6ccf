"""Uniform error bodies: every 4xx/5xx is `{"error": {"code", "message"}}` in Chinese and English.

Handlers here cover errors raised inside routes (`ApiError`, FastAPI's validation errors, Starlette's
`HTTPException` for 404/405/400) and a last-resort handler for anything else. The middleware in
`api.middleware` builds the same body with `error_response` for errors it answers itself (401, 413,
429 and unexpected exceptions), and `install_error_handlers` also rewrites the OpenAPI document so that
every operation documents this body instead of FastAPI's default `{"detail": ...}`.

>>> error_body("not_found", "未找到该资源 / Not found")
{'error': {'code': 'not_found', 'message': '未找到该资源 / Not found'}}
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.redis_state import SharedStateUnavailable
from corpus.types import VectorStoreUnavailable

log = logging.getLogger("policybot.errors")

# Field names and locations echoed back in messages are attacker-controlled: keep them short.
_MAX_ECHO_CHARS = 80

_HTTP_MESSAGES: dict[int, str] = {
    400: "请求无法解析（请发送 UTF-8 编码的 JSON）/ The request body could not be parsed (send UTF-8 JSON)",
    401: "缺少或无效的 API 密钥 / Missing or invalid API key",
    403: "无权访问 / Forbidden",
    404: "未找到该资源 / Not found",
    405: "不支持该请求方法 / Method not allowed",
    413: "请求体过大 / Request body too large",
    415: "不支持的内容类型，请使用 application/json / Unsupported content type, use application/json",
    429: "请求过于频繁，请稍后再试 / Too many requests, retry later",
    503: "服务暂不可用，请稍后再试 / Service unavailable, retry later",
}

INTERNAL_ERROR_MESSAGE = "服务内部错误，请稍后再试 / Internal error, please retry later"
STORE_UNAVAILABLE_MESSAGE = (
    "检索服务（向量库）暂不可用，请稍后再试 / The retrieval backend (vector store) is unavailable, retry later"
)
STORE_RETRY_AFTER_SECONDS = 5
SHARED_STATE_UNAVAILABLE_MESSAGE = (
    "共享状态服务（Redis）暂不可用，请稍后再试 / Shared state (Redis) is unavailable, retry later"
)


def shared_state_unavailable() -> JSONResponse:
    """The 503 for a Redis that cannot be reached (the next request tries it again)."""
    return error_response(
        503, "shared_state_unavailable", SHARED_STATE_UNAVAILABLE_MESSAGE,
        headers={"Retry-After": str(STORE_RETRY_AFTER_SECONDS)},
    )


class ErrorDetail(BaseModel):
    """The inside of every error body."""

    code: str = Field(description="Stable machine-readable code, e.g. empty_question, rate_limited.")
    message: str = Field(description="Chinese and English message, separated by ' / '.")


class ErrorBody(BaseModel):
    """Every 4xx/5xx response of the API."""

    error: ErrorDetail


class ApiError(Exception):
    """An error the client caused (or a known unavailability), with a bilingual message.

    >>> ApiError(404, "unknown_indicator", "未找到该指标", "Unknown indicator").message
    '未找到该指标 / Unknown indicator'
    """

    def __init__(
        self,
        status: int,
        code: str,
        message_zh: str,
        message_en: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message_en}")
        self.status = status
        self.code = code
        self.message = f"{message_zh} / {message_en}"
        self.headers = dict(headers) if headers else None


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    """The uniform error body as a dict."""
    return {"error": {"code": code, "message": message}}


def error_response(
    status: int, code: str, message: str | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A ready JSONResponse with the uniform body; `message` defaults to the bilingual text for `status`.

    >>> error_response(429, "rate_limited", headers={"Retry-After": "3"}).status_code
    429
    """
    text = message or _HTTP_MESSAGES.get(status, f"请求错误 / Request error ({status})")
    extra = dict(headers) if headers else None
    return JSONResponse(error_body(code, text), status_code=status, headers=extra)


def _short(text: str) -> str:
    return text if len(text) <= _MAX_ECHO_CHARS else text[: _MAX_ECHO_CHARS - 1] + "…"


def _validation_message(exc: RequestValidationError) -> str:
    errors = exc.errors()
    first: Mapping[str, Any] = errors[0] if errors else {}
    kind = str(first.get("type", ""))
    if kind == "json_invalid":
        return "请求体不是合法的 JSON / The request body is not valid JSON"
    where = _short(".".join(str(p) for p in first.get("loc", ())))
    detail = _short(str(first.get("msg", "invalid request")))
    if kind == "extra_forbidden":
        return f"不支持的字段（{where}）/ Unknown field ({where})"
    if kind == "missing":
        return f"缺少必填字段（{where}）/ Missing required field ({where})"
    return f"请求格式不正确（{where}）/ Invalid request ({where}): {detail}"


# Schema constraints on these fields have the same specific codes as the checks in bot.validation.
_FIELD_CODES: dict[tuple[str, str], tuple[int, str, str]] = {
    ("question", "string_too_short"): (422, "empty_question", "问题不能为空 / The question must not be empty"),
    ("session_id", "string_pattern_mismatch"): (
        422,
        "invalid_session_id",
        "session_id 只能包含字母、数字和 _.:@-，长度1–128 / session_id must be 1–128 characters of letters, "
        "digits and _.:@-",
    ),
}


def _field_code(exc: RequestValidationError) -> tuple[int, str, str] | None:
    errors = exc.errors()
    if len(errors) != 1:
        return None
    loc = tuple(str(p) for p in errors[0].get("loc", ()))
    return _FIELD_CODES.get((loc[-1] if loc else "", str(errors[0].get("type", ""))))


def _wrong_content_type(request: Request, exc: RequestValidationError) -> bool:
    """True when a JSON body was rejected only because it was not sent as JSON.

    FastAPI hands non-JSON bodies to the model as raw bytes, which fails as "not an object"; the honest
    answer is 415, not a 422 about the body's shape.
    """
    errors = exc.errors()
    if len(errors) != 1 or tuple(errors[0].get("loc", ())) != ("body",) or errors[0].get("type") == "missing":
        return False
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return not (content_type == "application/json" or content_type.endswith("+json"))


def install_error_handlers(app: FastAPI) -> None:
    """Register the uniform-body exception handlers and the OpenAPI error documentation on `app`."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        if _wrong_content_type(request, exc):
            return JSONResponse(error_body("unsupported_media_type", _HTTP_MESSAGES[415]), status_code=415)
        specific = _field_code(exc)
        if specific is not None:
            status, code, message = specific
            return JSONResponse(error_body(code, message), status_code=status)
        return JSONResponse(error_body("invalid_request", _validation_message(exc)), status_code=422)

    @app.exception_handler(VectorStoreUnavailable)
    async def _store_down(_: Request, exc: VectorStoreUnavailable) -> JSONResponse:
        # A Chroma server that went away: clear 503; the next request tries the server again.
        log.warning("vector store unavailable: %s", exc)
        return JSONResponse(
            error_body("vector_store_unavailable", STORE_UNAVAILABLE_MESSAGE),
            status_code=503,
            headers={"Retry-After": str(STORE_RETRY_AFTER_SECONDS)},
        )

    @app.exception_handler(SharedStateUnavailable)
    async def _redis_down(_: Request, exc: SharedStateUnavailable) -> JSONResponse:
        log.warning("shared state unavailable: %s", exc)
        return shared_state_unavailable()

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code
        message = _HTTP_MESSAGES.get(status) or f"请求错误 / {_short(str(exc.detail))}"
        # Keep headers such as Allow (405) or Retry-After that the raiser attached.
        return JSONResponse(error_body(f"http_{status}", message), status_code=status, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Normally the request-context middleware answers first; this stays as the last resort.
        log.exception("unhandled error")
        return JSONResponse(error_body("internal_error", INTERNAL_ERROR_MESSAGE), status_code=500)

    install_error_openapi(app)


_ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}


def _error_response_doc(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR_REF}}}


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrite an OpenAPI dict in place so every operation documents the uniform error body.

    FastAPI's default 422 (`HTTPValidationError`) is replaced; `4XX` and `5XX` ranges are added where an
    operation does not already document them. Returns the same dict.
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorDetail"] = ErrorDetail.model_json_schema()
    components["ErrorBody"] = {
        "title": "ErrorBody",
        "description": ErrorBody.__doc__,
        "type": "object",
        "properties": {"error": {"$ref": "#/components/schemas/ErrorDetail"}},
        "required": ["error"],
    }
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"} or not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            if "422" in responses:
                responses["422"] = _error_response_doc("Invalid request (uniform error body)")
            responses.setdefault("4XX", _error_response_doc("Client error (uniform error body)"))
            responses.setdefault("5XX", _error_response_doc("Server error or not ready (uniform error body)"))
    # Nothing refers to FastAPI's default error models any more.
    for unused in ("HTTPValidationError", "ValidationError"):
        if unused in components and unused not in str(schema.get("paths", {})):
            del components[unused]
    return schema


def install_error_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` document the uniform error body (see `document_errors`)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if not getattr(app.state, "_errors_documented", False):
            document_errors(generate())
            app.state._errors_documented = True
        return generate()

    app.openapi = openapi  # type: ignore[method-assign]
