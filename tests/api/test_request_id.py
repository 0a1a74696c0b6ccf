"""X-Request-ID: echoed when valid, generated otherwise, present on every response including errors."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.middleware import accepted_request_id
from tests.api._hardening_app import NORMAL_QUESTION, assert_uniform_error, build_app, make_settings

GENERATED = re.compile(r"^[0-9a-f]{32}$")


def _boom() -> None:
    raise RuntimeError("a bug in a handler")


@pytest.fixture
def app() -> FastAPI:
    app = build_app(make_settings(rate_limit="2/minute", api_keys=[SecretStr("k-123456")]))
    app.add_api_route("/v1/boom", _boom, methods=["GET"])
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


AUTH = {"X-API-Key": "k-123456"}


@pytest.mark.parametrize(
    ("sent", "echoed"),
    [
        ("req-42", True),
        ("3f2b9c1e-aa10-4d6e-9a3c-0b1d2e3f4a5b", True),
        ("trace:abc.DEF_1", True),
        ("a" * 128, True),
        ("a" * 129, False),
        ("has space", False),
        ("<script>", False),
        ("-leading-dash", False),
        ("请求一", False),
        ("", False),
    ],
)
def test_incoming_request_id_is_validated(client: TestClient, sent: str, echoed: bool) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": sent.encode()})
    returned = response.headers["x-request-id"]
    if echoed:
        assert returned == sent
    else:
        assert GENERATED.match(returned), returned


def test_generated_ids_are_unique(client: TestClient) -> None:
    ids = {client.get("/healthz").headers["x-request-id"] for _ in range(20)}
    assert len(ids) == 20
    assert all(GENERATED.match(i) for i in ids)


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status"),
    [
        ("GET", "/nope", AUTH, None, 404),
        ("GET", "/v1/chat", AUTH, None, 405),
        ("POST", "/v1/chat", AUTH, {"question": " "}, 422),
        ("POST", "/v1/chat", {}, {"question": "5G"}, 401),
        ("GET", "/v1/boom", AUTH, None, 500),
    ],
)
def test_errors_carry_the_request_id(
    client: TestClient, method: str, path: str, headers: dict[str, str], body: object, status: int
) -> None:
    response = client.request(method, path, headers={**headers, "X-Request-ID": "err-check-1"}, json=body)
    assert_uniform_error(response, status)
    assert response.headers["x-request-id"] == "err-check-1"


def test_rate_limited_and_success_responses_carry_the_request_id(client: TestClient) -> None:
    statuses = []
    for n in range(3):
        response = client.post(
            "/v1/chat", json={"question": NORMAL_QUESTION}, headers={**AUTH, "X-Request-ID": f"burst-{n}"}
        )
        statuses.append(response.status_code)
        assert response.headers["x-request-id"] == f"burst-{n}"
    assert statuses == [200, 200, 429]


def test_accepted_request_id_table() -> None:
    assert accepted_request_id(None) is None
    assert accepted_request_id("ok_1") == "ok_1"
    assert accepted_request_id("x\r\nSet-Cookie: a=b") is None


def test_failure_after_the_response_started_does_not_take_the_server_down(app: FastAPI) -> None:
    from fastapi.responses import StreamingResponse

    def broken_stream() -> StreamingResponse:
        def chunks() -> Iterator[bytes]:
            yield b"data: first\n\n"
            raise RuntimeError("stream broke half way")

        return StreamingResponse(chunks(), media_type="text/event-stream")

    app.add_api_route("/v1/broken-stream", broken_stream, methods=["GET"])
    with TestClient(app) as client:
        response = client.get("/v1/broken-stream", headers=AUTH)
        assert response.status_code == 200  # already sent; the stream is cut short, not turned into a 500
        assert response.text.startswith("data: first")
        assert response.headers["x-request-id"]
        assert client.get("/healthz").status_code == 200
