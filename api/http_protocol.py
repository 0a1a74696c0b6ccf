"""uvicorn's httptools protocol with header limits, a header timeout and uniform error bodies.

Errors the server answers before the app ever sees a request (a malformed request line, too many or
too large headers, headers that never finish) get the same `{"error": {"code", "message"}}` body as
every other error, instead of uvicorn's plain-text "Invalid HTTP request received.":

- malformed HTTP → 400 ``bad_http_request``;
- more than `max_headers` header lines, or request line + headers over `max_header_bytes` → 431
  ``headers_too_large``;
- headers not complete `header_timeout_seconds` after the connection opened (or after the previous
  response) → 408 ``request_timeout`` (the slowloris case; a slow *body* is handled by
  `api.middleware.BodyLimitMiddleware`).

Every such response closes the connection. `policybot serve` passes this class to uvicorn
(``http=PolicybotHttpProtocol``); the limits come from ``ServerSettings`` (the same environment
variables in every worker process).

>>> PolicybotHttpProtocol.limits().max_headers
100
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("policybot.http")

_MESSAGES = {
    400: ("bad_http_request", "无法解析的 HTTP 请求 / Malformed HTTP request"),
    408: ("request_timeout", "请求头发送超时 / Request headers not received in time"),
    431: ("headers_too_large", "请求头过多或过大 / Request header fields too many or too large"),
}


@dataclass(frozen=True)
class HeaderLimits:
    """What a request's head may hold and how long it may take to arrive."""

    max_headers: int = 100
    max_header_bytes: int = 32 * 1024
    header_timeout_seconds: float = 10.0


def error_bytes(status: int) -> bytes:
    """A complete HTTP/1.1 response with the uniform error body that closes the connection.

    >>> error_bytes(431).split(b"\\r\\n")[0]
    b'HTTP/1.1 431 Request Header Fields Too Large'
    """
    code, message = _MESSAGES[status]
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class _HeadTooLarge(Exception):
    """Raised from a parser callback to stop parsing a head over the limits."""


class PolicybotHttpProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol` plus the limits in `HeaderLimits` (see the module docstring)."""

    _limits: ClassVar[HeaderLimits | None] = None

    @classmethod
    def configure(cls, limits: HeaderLimits) -> None:
        """Set the limits for this process (``policybot serve`` does, from the settings)."""
        cls._limits = limits

    @classmethod
    def limits(cls) -> HeaderLimits:
        """The configured limits, else those of ``ServerSettings`` from the environment (worker processes)."""
        if cls._limits is None:
            from bot.settings import Settings

            server = Settings().server
            cls._limits = HeaderLimits(server.max_headers, server.max_header_bytes, server.header_timeout_seconds)
        return cls._limits

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_limits = self.limits()
        self._head_bytes = 0
        self._head_count = 0
        self._head_overflow = False
        self._head_timer: asyncio.TimerHandle | None = None

    # -- the header timer ----------------------------------------------------------------------
    def _start_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self._head_limits.header_timeout_seconds, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            log.warning("request headers not complete after %.0f s; connection closed",
                        self._head_limits.header_timeout_seconds)
            self._reject(408)

    def _reject(self, status: int) -> None:
        self.transport.write(error_bytes(status))
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    # -- parser callbacks ----------------------------------------------------------------------
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        self._head_count = 0
        if self._head_timer is None:
            self._start_head_timer()

    def _count(self, size: int) -> None:
        self._head_bytes += size
        limits = self._head_limits
        if self._head_bytes > limits.max_header_bytes or self._head_count > limits.max_headers:
            self._head_overflow = True
            raise _HeadTooLarge

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_count += 1
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._cancel_head_timer()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a parser error, with the uniform body instead of plain text.

        `_count` stops the parser by raising from a callback, which uvicorn reports here too.
        """
        self._cancel_head_timer()
        if self._head_overflow:
            log.warning("request headers over the limit (%d headers / %d bytes); answered 431",
                        self._head_limits.max_headers, self._head_limits.max_header_bytes)
            self._reject(431)
        else:
            self._reject(400)
