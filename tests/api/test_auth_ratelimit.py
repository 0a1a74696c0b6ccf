"""Optional API keys, per-key/IP rate limits (429 + Retry-After) and CORS from settings."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from starlette.datastructures import Headers

from api.middleware import AccessMiddleware, key_id, presented_keys
from tests.api._hardening_app import NORMAL_QUESTION, assert_uniform_error, build_app, make_settings

KEY_A = "key-alpha-0123456789"
KEY_B = "key-bravo-9876543210"
Q = {"question": NORMAL_QUESTION}


@pytest.fixture
def keyed() -> Iterator[TestClient]:
    app = build_app(make_settings(rate_limit="", api_keys=[SecretStr(KEY_A), SecretStr(KEY_B)]))
    with TestClient(app) as client:
        yield client


def test_no_keys_configured_means_open() -> None:
    with TestClient(build_app(make_settings(rate_limit=""))) as client:
        assert client.post("/v1/chat", json=Q).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-key"},
        {"Authorization": f"Basic {KEY_A}"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Bearer {KEY_A}x"},
        {"Authorization": f"Bearer {KEY_A[:-1]}"},
        {"X-API-Key": "wrong"},
        {"X-API-Key": ""},
        {"X-API-Key": KEY_A.upper()},
    ],
    ids=["none", "wrong bearer", "basic scheme", "empty bearer", "key+suffix", "key prefix",
         "wrong x-api-key", "empty x-api-key", "wrong case"],
)
def test_missing_or_wrong_key_is_401(keyed: TestClient, headers: dict[str, str]) -> None:
    response = keyed.post("/v1/chat", json=Q, headers=headers)
    error = assert_uniform_error(response, 401)
    assert error["code"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"
    assert KEY_A not in response.text


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {KEY_A}"},
        {"Authorization": f"bearer {KEY_B}"},
        {"X-API-Key": KEY_A},
        {"X-API-Key": KEY_B},
        {"Authorization": "Bearer wrong", "X-API-Key": KEY_B},
    ],
    ids=["bearer A", "lowercase bearer B", "x-api-key A", "x-api-key B", "bad bearer, good x-api-key"],
)
def test_valid_key_is_accepted(keyed: TestClient, headers: dict[str, str]) -> None:
    assert keyed.post("/v1/chat", json=Q, headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("path", "status"),
    [("/healthz", 200), ("/openapi.json", 200), ("/docs", 200), ("/v1/dingtalk/callback", None)],
)
def test_exempt_paths_need_no_key(keyed: TestClient, path: str, status: int | None) -> None:
    response = keyed.get(path) if status else keyed.post(path, json={})
    assert response.status_code != 401
    if status:
        assert response.status_code == status


@pytest.mark.parametrize("path", ["/healthzX", "/v1/dingtalkevil", "/openapi.json.bak", "/v1/indicators"])
def test_lookalike_paths_are_not_exempt(keyed: TestClient, path: str) -> None:
    assert_uniform_error(keyed.get(path), 401)


def test_presented_keys_table() -> None:
    assert presented_keys(Headers({"Authorization": "Bearer  abc ", "X-API-Key": "def"})) == ["abc", "def"]
    assert presented_keys(Headers({"X-API-Key": " def "})) == ["def"]
    assert presented_keys(Headers({"Authorization": "Token abc"})) == []
    assert presented_keys(Headers({})) == []


def test_key_id_is_short_and_not_the_key() -> None:
    assert len(key_id(KEY_A)) == 12
    assert key_id(KEY_A) != key_id(KEY_B)
    assert key_id(KEY_A) not in KEY_A


def test_limit_then_429_with_retry_after() -> None:
    with TestClient(build_app(make_settings(rate_limit="3/minute"))) as client:
        statuses = [client.post("/v1/chat", json=Q).status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        response = client.post("/v1/chat", json=Q)
        error = assert_uniform_error(response, 429)
        assert error["code"] == "rate_limited"
        assert 0 < int(response.headers["retry-after"]) <= 60
        # Probes are never limited, so an orchestrator does not restart a busy but healthy server.
        assert client.get("/healthz").status_code == 200


def test_limits_are_per_key() -> None:
    settings = make_settings(rate_limit="2/minute", api_keys=[SecretStr(KEY_A), SecretStr(KEY_B)])
    with TestClient(build_app(settings)) as client:
        a = {"X-API-Key": KEY_A}
        assert [client.post("/v1/chat", json=Q, headers=a).status_code for _ in range(3)] == [200, 200, 429]
        assert client.post("/v1/chat", json=Q, headers={"X-API-Key": KEY_B}).status_code == 200


def test_failed_auth_counts_against_the_ip() -> None:
    """Guessing keys is throttled like any other traffic from that address."""
    settings = make_settings(rate_limit="3/minute", api_keys=[SecretStr(KEY_A)])
    with TestClient(build_app(settings)) as client:
        guesses = [client.post("/v1/chat", json=Q, headers={"X-API-Key": f"guess-{n}"}) for n in range(4)]
        assert [g.status_code for g in guesses] == [401, 401, 401, 429]


def test_limits_are_per_ip() -> None:
    app = build_app(make_settings(rate_limit="2/minute"))

    async def run() -> tuple[list[int], list[int]]:
        one = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("10.0.0.1", 1)), base_url="http://t")
        two = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("10.0.0.2", 1)), base_url="http://t")
        async with one, two:
            first = [(await one.post("/v1/chat", json=Q)).status_code for _ in range(3)]
            second = [(await two.post("/v1/chat", json=Q)).status_code for _ in range(2)]
        return first, second

    with TestClient(app):  # runs the lifespan, so the app is ready
        first, second = asyncio.run(run())
    assert first == [200, 200, 429]
    assert second == [200, 200]


def test_empty_rate_limit_disables_limiting() -> None:
    with TestClient(build_app(make_settings(rate_limit=""))) as client:
        assert {client.get("/healthz").status_code for _ in range(5)} == {200}
        assert {client.post("/v1/chat", json=Q).status_code for _ in range(60)} == {200}


def test_multiple_limits_all_apply() -> None:
    # An hourly second limit: no window boundary can fall inside the test on a slow machine.
    with TestClient(build_app(make_settings(rate_limit="100/minute;2/hour"))) as client:
        assert [client.post("/v1/chat", json=Q).status_code for _ in range(3)] == [200, 200, 429]


def test_bad_rate_limit_string_fails_fast() -> None:
    with pytest.raises(ValueError):
        AccessMiddleware(app=lambda *_: None, rate_limit="lots per fortnight")  # type: ignore[arg-type,return-value]


ORIGIN = "https://jxw.wenzhou.gov.cn"


@pytest.fixture
def cors() -> Iterator[TestClient]:
    settings = make_settings(rate_limit="", cors_origins=[ORIGIN], api_keys=[SecretStr(KEY_A)])
    with TestClient(build_app(settings)) as client:
        yield client


def test_cors_preflight_needs_no_key(cors: TestClient) -> None:
    response = cors.options(
        "/v1/chat",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN


def test_cors_headers_on_success_and_on_401(cors: TestClient) -> None:
    ok = cors.post("/v1/chat", json=Q, headers={"Origin": ORIGIN, "X-API-Key": KEY_A})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == ORIGIN
    assert "x-request-id" in ok.headers["access-control-expose-headers"].lower()
    denied = cors.post("/v1/chat", json=Q, headers={"Origin": ORIGIN})
    assert_uniform_error(denied, 401)
    assert denied.headers["access-control-allow-origin"] == ORIGIN  # so the browser can show the error


def test_cors_other_origin_gets_no_allow_header(cors: TestClient) -> None:
    response = cors.post("/v1/chat", json=Q, headers={"Origin": "https://evil.example", "X-API-Key": KEY_A})
    assert "access-control-allow-origin" not in response.headers


def test_no_cors_origins_means_no_cors_headers() -> None:
    with TestClient(build_app(make_settings(rate_limit=""))) as client:
        response = client.post("/v1/chat", json=Q, headers={"Origin": ORIGIN})
        assert "access-control-allow-origin" not in response.headers
