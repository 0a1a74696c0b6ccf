"""A scripted OpenAI-compatible HTTP server on loopback, for testing our client side over real HTTP.

Each ``POST /v1/chat/completions`` consumes the next step of the script: a text answer, tool calls,
an HTTP error status, or a hang (to trigger client timeouts). Request bodies are recorded.

>>> with FakeOpenAIServer([tool_call("cagr", {"indicator": "5G"}), text("年均增长27.02%。")]) as srv:
...     srv.url                                                                        # doctest: +SKIP
'http://127.0.0.1:54321/v1'
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal


@dataclass(frozen=True)
class Step:
    """One scripted response."""

    kind: Literal["text", "tool_calls", "status", "hang"]
    content: str = ""
    calls: tuple[tuple[str, dict[str, Any]], ...] = ()
    status: int = 200
    seconds: float = 0.0
    delay: float = 0.0


def text(content: str) -> Step:
    """Answer with ``content`` (finish_reason ``stop``)."""
    return Step("text", content=content)


def tool_call(name: str, args: dict[str, Any], *more: tuple[str, dict[str, Any]]) -> Step:
    """Ask for one or more tool calls (finish_reason ``tool_calls``)."""
    return Step("tool_calls", calls=((name, args), *more))


def error(status: int = 500, message: str = "internal error") -> Step:
    """Fail with an OpenAI-style error body."""
    return Step("status", content=message, status=status)


def slow(step: Step, seconds: float) -> Step:
    """``step``, answered after ``seconds``."""
    return replace(step, delay=seconds)


def hang(seconds: float = 5.0) -> Step:
    """Say nothing for ``seconds`` (cut short when the server stops), then answer empty."""
    return Step("hang", seconds=seconds)


@dataclass
class FakeOpenAIServer:
    """Serve ``script`` on 127.0.0.1 (free port); use as a context manager.

    Attributes:
        requests: JSON bodies received, in order.
        url: base URL for OpenAI clients (ends in ``/v1``).
    """

    script: Iterable[Step] = ()
    requests: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._steps: deque[Step] = deque(self.script)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> FakeOpenAIServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def push(self, *steps: Step) -> None:
        """Append steps to the script."""
        with self._lock:
            self._steps.extend(steps)

    @property
    def remaining(self) -> int:
        with self._lock:
            return len(self._steps)

    # -- protocol -----------------------------------------------------------------------------

    def _next(self, body: dict[str, Any]) -> Step:
        with self._lock:
            self.requests.append(body)
            return self._steps.popleft() if self._steps else error(500, "script exhausted")

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # stdlib signature
                pass  # keep test output clean

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # stdlib naming
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})
                else:
                    self._send(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

            def do_POST(self) -> None:  # stdlib naming
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
                    return
                step = server._next(body)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # client gave up
                    self._respond(step, body)

            def _respond(self, step: Step, body: dict[str, Any]) -> None:
                if step.delay:
                    server._stopping.wait(step.delay)
                if step.kind == "hang":
                    server._stopping.wait(step.seconds)
                    step = text("")
                if step.kind == "status":
                    self._send(step.status, {"error": {"message": step.content, "type": "server_error"}})
                    return
                message: dict[str, Any] = {"role": "assistant", "content": step.content or None}
                finish = "stop"
                if step.kind == "tool_calls":
                    n = len(server.requests)
                    message["tool_calls"] = [
                        {
                            "id": f"call_{n}_{i}",
                            "type": "function",
                            "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=False)},
                        }
                        for i, (name, args) in enumerate(step.calls)
                    ]
                    finish = "tool_calls"
                if body.get("stream"):
                    self._stream(message, finish, body)
                    return
                self._send(
                    200,
                    {
                        "id": f"chatcmpl-fake-{len(server.requests)}",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body.get("model", "fake"),
                        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    },
                )

            def _stream(self, message: dict[str, Any], finish: str, body: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
                        "model": body.get("model", "fake")}
                content = message.get("content") or ""
                deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
                deltas += [{"content": content[i:i + 8]} for i in range(0, len(content), 8)]
                if "tool_calls" in message:
                    calls = message["tool_calls"]
                    deltas.append({"tool_calls": [{"index": i, **c} for i, c in enumerate(calls)]})
                for d in deltas:
                    chunk = {**base, "choices": [{"index": 0, "delta": d, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                last = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}
                self.wfile.write(f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()
                self.close_connection = True

        return Handler
