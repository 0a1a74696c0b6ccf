"""Cross-cutting HTTP concerns as plain ASGI middleware (cheap enough for hundreds of requests a second).

From the outside in:

0. uvicorn's `ProxyHeadersMiddleware`, only when `settings.server.trusted_proxies` lists proxies: the
   client address (used by the access log and the rate-limit key) is taken from `X-Forwarded-For` only
   when the TCP peer is one of them, walking the header from the right past trusted hops.
1. `RequestContextMiddleware`: accepts a valid incoming `X-Request-ID` or makes one, returns it on every
   response (errors included), writes one structured access-log record per request (method, path without
   the query string, status, latency, request id — never headers or bodies), and turns an exception that
   escaped every handler into the uniform 500 body.
2. CORS from `settings.server.cors_origins` (outside auth, so preflights and 401/429 carry CORS headers).
3. `AccessMiddleware`: optional API keys (`Authorization: Bearer …` or `X-API-Key`, constant-time
   compare; `/healthz`, the docs, the web pages with their static assets and DingTalk's own signed
   callback are exempt) and per-key (else per-IP)
   rate limiting with `limits` — the library under slowapi — so one global limit covers every route.
4. `BodyLimitMiddleware`: bodies larger than `max_body_bytes` get 413 before any route reads them, and a
   body not complete within `body_timeout_seconds` (e.g. shorter than its Content-Length) gets 408.

Rate-limit counters live in process memory by default: with `policybot serve --workers N` each worker
counts on its own (the effective limit is N× the setting) unless the counters are shared: with
``POLICYBOT_REDIS_URL`` (or ``server.rate_limit_storage_uri``) every worker of every replica counts in
Redis, so one limit holds across them. A Redis that cannot be reached gives a 503 (the limit cannot be
checked), and the next request tries again.

>>> from fastapi import FastAPI
>>> app = FastAPI()
>>> install_middleware(app, Settings())
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import math
import re
import time
import uuid
from collections.abc import Iterable, Sequence

import limits
import limits.errors
import limits.storage
import limits.strategies
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.errors import INTERNAL_ERROR_MESSAGE, error_response, shared_state_unavailable
from api.logging_setup import request_id_var
from bot.redis_state import limits_storage
from bot.settings import Settings

access_log = logging.getLogger("policybot.access")
log = logging.getLogger("policybot.middleware")

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$"
_REQUEST_ID = re.compile(REQUEST_ID_PATTERN)

# Probes, the API documentation, the web pages and their static assets (they hold no data: the page asks
# for a key and sends it with every API call) and DingTalk's callback (which proves itself with its own
# signature) never need an API key.
AUTH_EXEMPT_PATHS: frozenset[str] = frozenset(
    {"/healthz", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json", "/", "/indicators", "/tasks",
     "/favicon.ico"}
)
AUTH_EXEMPT_PREFIXES: tuple[str, ...] = ("/v1/dingtalk", "/dingtalk", "/static")
RATE_LIMIT_EXEMPT_PATHS: frozenset[str] = frozenset({"/healthz"})
# Where AccessMiddleware leaves the matched key's id for the access log (not in scope["state"], which a
# server may share between requests).
KEY_ID_SCOPE_KEY = "policybot.key_id"

# Comfortably above the largest valid chat request (2,000 CJK characters ≈ 6 kB of UTF-8) and an
# OpenAI-style message history, far below anything that would hurt memory.
DEFAULT_MAX_BODY_BYTES = 1 << 20
DEFAULT_BODY_TIMEOUT_SECONDS = 30.0


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(value: str | None) -> str | None:
    """Return `value` if it is a safe request id to echo and log, else None.

    >>> accepted_request_id("req-42"), accepted_request_id("bad id\\n")
    ('req-42', None)
    """
    if value and _REQUEST_ID.match(value):
        return value
    return None


class RequestContextMiddleware:
    """Request ids, access logs and the last-resort 500 (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accepted_request_id(Headers(scope=scope).get(REQUEST_ID_HEADER)) or new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        started_at = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            if not response_started:
                response = error_response(500, "internal_error", INTERNAL_ERROR_MESSAGE)
                await response(scope, receive, send_with_id)
        finally:
            client = scope.get("client")
            access_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status,
                    "latency_ms": round((time.perf_counter() - started_at) * 1000, 2),
                    "client": client[0] if client else None,
                    "key_id": scope.get(KEY_ID_SCOPE_KEY),
                },
            )
            request_id_var.reset(token)


def key_id(key: str) -> str:
    """A short, non-reversible name for an API key (safe to log and to use as a rate-limit bucket)."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def presented_keys(headers: Headers) -> list[str]:
    """The API keys sent as `Authorization: Bearer <key>` and/or `X-API-Key: <key>`, in that order."""
    found = []
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        found.append(credentials.strip())
    api_key = headers.get("x-api-key", "").strip()
    if api_key:
        found.append(api_key)
    return found


class AccessMiddleware:
    """Optional API keys and per-key/IP rate limits.

    Params: `api_keys` (empty: no auth), `rate_limit` in slowapi/limits syntax ("100/minute;10/second",
    empty: no limit), `storage_uri` for the counters ("memory://" or e.g. "redis://host:6379").
    """

    def __init__(
        self,
        app: ASGIApp,
        api_keys: Sequence[str] = (),
        rate_limit: str = "",
        storage_uri: str = "memory://",
        exempt_paths: Iterable[str] = AUTH_EXEMPT_PATHS,
        exempt_prefixes: Sequence[str] = AUTH_EXEMPT_PREFIXES,
    ) -> None:
        self.app = app
        # Digests make every comparison the same length, so timing reveals neither key nor its length.
        self._key_digests = [(hashlib.sha256(k.encode()).digest(), key_id(k)) for k in api_keys if k]
        self._exempt_paths = frozenset(exempt_paths)
        self._exempt_prefixes = tuple(exempt_prefixes)
        self._limits = limits.parse_many(rate_limit) if rate_limit.strip() else []
        self._remote = not storage_uri.startswith("memory://")
        self._limiter = (
            limits.strategies.SlidingWindowCounterRateLimiter(limits_storage(storage_uri)) if self._limits else None
        )

    def _auth_exempt(self, path: str) -> bool:
        return path in self._exempt_paths or any(
            path == p or path.startswith(p + "/") for p in self._exempt_prefixes
        )

    def _match_key(self, keys: Sequence[str]) -> str | None:
        matched = None
        for key in keys:
            digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).digest()
            for expected, name in self._key_digests:  # no early exit: every key is compared every time
                if hmac.compare_digest(digest, expected):
                    matched = name
        return matched

    def _retry_after(self, identity: str) -> int | None:
        """Count one hit for `identity`; return seconds to wait if any limit is exhausted."""
        assert self._limiter is not None
        for item in self._limits:
            if not self._limiter.hit(item, identity):
                reset_at = self._limiter.get_window_stats(item, identity).reset_time
                return max(1, math.ceil(reset_at - time.time()))
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        headers = Headers(scope=scope)
        matched = self._match_key(presented_keys(headers)) if self._key_digests else None
        if matched is not None:
            scope[KEY_ID_SCOPE_KEY] = matched
        if self._limiter is not None and path not in RATE_LIMIT_EXEMPT_PATHS:
            client = scope.get("client")
            identity = f"key:{matched}" if matched else f"ip:{client[0] if client else 'unknown'}"
            try:
                # A remote store is asked off the event loop: a slow Redis must not stall other requests.
                wait = await asyncio.to_thread(self._retry_after, identity) if self._remote else (
                    self._retry_after(identity))
            except limits.errors.StorageError as exc:
                log.warning("rate-limit storage unavailable: %s", type(exc.storage_error).__name__)
                await shared_state_unavailable()(scope, receive, send)
                return
            if wait is not None:
                response = error_response(
                    429,
                    "rate_limited",
                    f"请求过于频繁，请{wait}秒后再试 / Too many requests, retry in {wait} s",
                    headers={"Retry-After": str(wait)},
                )
                await response(scope, receive, send)
                return
        if self._key_digests and matched is None and not self._auth_exempt(path):
            response = error_response(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    """Answer 413 for bodies over `max_bytes` (by Content-Length or by counting a chunked body) and 408
    for a body not complete `timeout_seconds` after the request started.

    The body is read here (at most `max_bytes`) and replayed to the app, so a route never starts on a
    body that turns out to be too large or never arrives.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = DEFAULT_MAX_BODY_BYTES,
        timeout_seconds: float = DEFAULT_BODY_TIMEOUT_SECONDS,
        upload_limits: dict[str, int] | None = None,
    ) -> None:
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be greater than 0. Currently, max_bytes is {max_bytes}")
        if timeout_seconds <= 0:
            raise ValueError(f"timeout_seconds must be greater than 0. Currently, it is {timeout_seconds}")
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_seconds = timeout_seconds
        # File uploads (plan documents) have their own, larger limit per exact path.
        self.upload_limits = dict(upload_limits or {})

    async def _timed_out(self, scope: Scope, receive: Receive, send: Send) -> None:
        seconds = f"{self.timeout_seconds:g}"
        message = f"请求体未在{seconds}秒内发送完整 / Request body not received within {seconds} s"
        log.warning("request body incomplete after %s s; answered 408", seconds)
        # Closing the connection: the rest of the body, if it ever comes, must not be read as a request.
        await error_response(408, "request_timeout", message, headers={"Connection": "close"})(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        message = f"请求体过大（上限{limit}字节）/ Request body too large (limit {limit} bytes)"
        await error_response(413, "payload_too_large", message)(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        limit = self.upload_limits.get(scope.get("path", ""), self.max_bytes)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            try:
                if int(declared) > limit:
                    await self._too_large(scope, receive, send, limit)
                    return
            except ValueError:
                await error_response(400, "bad_content_length")(scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        deadline = asyncio.get_running_loop().time() + self.timeout_seconds
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                await self._timed_out(scope, receive, send)
                return
            if message["type"] != "http.request":  # the client went away before sending everything
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(scope, receive, send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # afterwards only http.disconnect, which streaming responses wait for

        await self.app(scope, replay, send)


def install_middleware(
    app: FastAPI,
    settings: Settings,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    rate_limit_storage_uri: str | None = None,
) -> None:
    """Add forwarded-header handling, request ids + access logs, CORS, API keys + rate limits and the body
    limits to `app`."""
    server = settings.server
    # add_middleware puts each new layer outside the previous ones: add from the innermost out.
    upload = int(settings.corpus.max_file_mb * 2**20) * 4 + (1 << 16)  # a few files plus multipart framing
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=max_body_bytes,
        timeout_seconds=server.body_timeout_seconds,
        upload_limits={"/v1/plans": upload},
    )
    app.add_middleware(
        AccessMiddleware,
        api_keys=[k.get_secret_value() for k in server.api_keys],
        rate_limit=server.rate_limit,
        storage_uri=rate_limit_storage_uri or settings.rate_limit_storage,
    )
    if server.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=server.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", REQUEST_ID_HEADER],
            expose_headers=[REQUEST_ID_HEADER, "Retry-After"],
            max_age=600,
        )
    app.add_middleware(RequestContextMiddleware)
    if server.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(server.trusted_proxies))
