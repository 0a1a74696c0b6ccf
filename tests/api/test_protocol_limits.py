"""Low-level protocol errors over a real socket: each gets the uniform error body and a closed connection.

The server is uvicorn with `PolicybotHttpProtocol` (what `policybot serve` runs) in a thread, in front of
the real middleware and a fake chat service. Red-team case: a body shorter than its Content-Length
held the connection open forever.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from api.http_protocol import HeaderLimits, PolicybotHttpProtocol
from tests.api._hardening_app import NORMAL_QUESTION, build_app, make_settings

# Short enough to keep the tests quick; the assertions only need "answered, then closed".
BODY_TIMEOUT = 1.0
HEADER_TIMEOUT = 1.0
# A dead connection must be answered within this; far above the 1 s timeouts even on a busy machine.
PATIENCE = 30.0


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, int]]:
    saved = PolicybotHttpProtocol._limits
    PolicybotHttpProtocol.configure(HeaderLimits(max_headers=20, max_header_bytes=4096,
                                                 header_timeout_seconds=HEADER_TIMEOUT))
    app = build_app(make_settings(rate_limit="", body_timeout_seconds=BODY_TIMEOUT))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, http=PolicybotHttpProtocol, log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + PATIENCE
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield sock.getsockname()
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        sock.close()
        PolicybotHttpProtocol._limits = saved


def exchange(address: tuple[str, int], data: bytes) -> bytes:
    """Send `data`, then read until the server closes the connection (bounded by PATIENCE)."""
    with socket.create_connection(address, timeout=PATIENCE) as conn:
        if data:
            conn.sendall(data)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def parse(raw: bytes) -> tuple[int, dict[str, str], dict[str, object]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    return int(lines[0].split()[1]), headers, json.loads(body)


def assert_uniform(raw: bytes, status: int, code: str) -> None:
    got_status, headers, body = parse(raw)
    assert got_status == status, raw[:200]
    assert headers["content-type"].startswith("application/json")
    assert set(body) == {"error"} and body["error"]["code"] == code  # type: ignore[index]
    message = body["error"]["message"]  # type: ignore[index]
    assert " / " in message


def chat_request(body: bytes, declared: int | None = None, extra: str = "") -> bytes:
    length = len(body) if declared is None else declared
    head = (
        "POST /v1/chat HTTP/1.1\r\nHost: t\r\ncontent-type: application/json\r\n"
        f"content-length: {length}\r\n{extra}\r\n"
    )
    return head.encode() + body


GOOD = json.dumps({"question": NORMAL_QUESTION}).encode()


def test_normal_request_still_answered(server: tuple[str, int]) -> None:
    status, _, body = parse(exchange(server, chat_request(GOOD, extra="connection: close\r\n")))
    assert status == 200 and body["session_id"]


def test_body_shorter_than_content_length_gets_408(server: tuple[str, int]) -> None:
    started = time.monotonic()
    raw = exchange(server, chat_request(GOOD[:10], declared=len(GOOD)))
    assert_uniform(raw, 408, "request_timeout")
    assert parse(raw)[1]["connection"] == "close"
    assert time.monotonic() - started >= BODY_TIMEOUT  # answered by the timeout, not by anything else


def test_headers_never_finished_get_408(server: tuple[str, int]) -> None:
    assert_uniform(exchange(server, b"POST /v1/chat HTTP/1.1\r\nHost: t\r\n"), 408, "request_timeout")


def test_idle_connection_gets_408(server: tuple[str, int]) -> None:
    assert_uniform(exchange(server, b""), 408, "request_timeout")


def test_too_many_headers_get_431(server: tuple[str, int]) -> None:
    extra = "".join(f"x-h{i}: v\r\n" for i in range(21))
    assert_uniform(exchange(server, chat_request(GOOD, extra=extra)), 431, "headers_too_large")


def test_twenty_headers_are_fine(server: tuple[str, int]) -> None:
    # Host, content-type, content-length, connection + 16 = 20 header lines: at the limit, accepted.
    extra = "connection: close\r\n" + "".join(f"x-h{i}: v\r\n" for i in range(16))
    assert parse(exchange(server, chat_request(GOOD, extra=extra)))[0] == 200


def test_oversized_header_gets_431(server: tuple[str, int]) -> None:
    extra = f"x-big: {'a' * 5000}\r\n"
    assert_uniform(exchange(server, chat_request(GOOD, extra=extra)), 431, "headers_too_large")


def test_oversized_url_gets_431(server: tuple[str, int]) -> None:
    raw = exchange(server, f"GET /v1/indicators/{'a' * 5000} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
    assert_uniform(raw, 431, "headers_too_large")


@pytest.mark.parametrize(
    "data",
    [b"NOT HTTP AT ALL\r\n\r\n", b"GET / HTTP/1.1\r\nbad header line\r\n\r\n",
     b"POST /v1/chat HTTP/1.1\r\nHost: t\r\ncontent-length: abc\r\n\r\n"],
    ids=["garbage request line", "header without colon", "non-numeric content-length"],
)
def test_malformed_http_gets_400_uniform_body(server: tuple[str, int], data: bytes) -> None:
    assert_uniform(exchange(server, data), 400, "bad_http_request")


def test_server_still_answers_after_protocol_errors(server: tuple[str, int]) -> None:
    exchange(server, b"NOT HTTP\r\n\r\n")
    exchange(server, chat_request(GOOD[:5], declared=len(GOOD)))
    assert parse(exchange(server, chat_request(GOOD, extra="connection: close\r\n")))[0] == 200
