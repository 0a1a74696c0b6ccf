"""Structured access logs, and no secret, key, Authorization header or webhook URL in any log line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.logging_setup import RedactionFilter, Redactor, configure_logging, secrets_from_settings
from tests.api._hardening_app import NORMAL_QUESTION, assert_uniform_error, build_app, make_settings

API_KEY = "pk-live-4f1c9e7a2b"
APP_SECRET = "dt-app-secret-77aa99"
WEBHOOK = "https://oapi.dingtalk.com/robot/sendBySession?session=c0ffee1234567890deadbeef"
LLM_KEY = "sk-abcdefghijklmnop123456"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"Authorization: Bearer {API_KEY}", API_KEY),
        (f"headers={{'authorization': 'Bearer {API_KEY}'}}", API_KEY),
        (f"X-API-Key: {API_KEY}", API_KEY),
        (f'{{"x-api-key": "{API_KEY}"}}', API_KEY),
        (f"posting to {WEBHOOK} now", "c0ffee1234567890deadbeef"),
        (f'{{"sessionWebhook": "{WEBHOOK}"}}', "c0ffee1234567890deadbeef"),
        ("https://oapi.dingtalk.com/robot/send?access_token=abcdef987654", "abcdef987654"),
        ("GET /v1/x?token=tok-98765&page=2", "tok-98765"),
        (f"llm key {LLM_KEY}", LLM_KEY),
        ("app_secret=hunter2-hunter2", "hunter2-hunter2"),
        ("client_secret: 'cs-000111222'", "cs-000111222"),
        ("password=correct-horse", "correct-horse"),
        ("sign=Zm9vYmFyYmF6cXV4", "Zm9vYmFyYmF6cXV4"),
    ],
)
def test_patterns_are_redacted(text: str, secret: str) -> None:
    redacted = Redactor().redact(text)
    assert secret not in redacted
    assert "***" in redacted or "[webhook]" in redacted


@pytest.mark.parametrize(
    "text",
    [
        "5G基站2025年的目标是多少？",
        "request GET /v1/chat 200 12.5 ms",
        "规划提出数字经济核心产业增加值占GDP比重达到10%",
        "tokens: 120, signed off by reviewer",
    ],
)
def test_ordinary_text_is_kept(text: str) -> None:
    assert Redactor().redact(text) == text


def test_literal_secrets_are_redacted_anywhere() -> None:
    redactor = Redactor([APP_SECRET, "abc", ""])  # too-short secrets are not literal-matched
    assert redactor.redact(f"prefix{APP_SECRET}suffix") == "prefix***suffix"
    assert redactor.redact("abc def") == "abc def"


def test_secrets_from_settings_collects_every_secret() -> None:
    settings = make_settings(api_keys=[SecretStr(API_KEY)])
    settings.llm.api_key = SecretStr(LLM_KEY)
    settings.dingtalk.app_secret = SecretStr(APP_SECRET)
    assert set(secrets_from_settings(settings)) == {API_KEY, LLM_KEY, APP_SECRET}


def test_filter_redacts_args_extras_and_tracebacks() -> None:
    args = (WEBHOOK, API_KEY)
    record = logging.LogRecord("policybot.x", logging.ERROR, __file__, 1, "send to %s with %s", args, None)
    record.body = {"sessionWebhook": WEBHOOK, "text": "ok"}
    try:
        raise RuntimeError(f"failed POST {WEBHOOK}")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    RedactionFilter(Redactor([API_KEY])).filter(record)
    rendered = record.getMessage() + json.dumps(record.body) + (record.exc_text or "")
    assert "c0ffee" not in rendered and API_KEY not in rendered
    assert "RuntimeError" in (record.exc_text or "")


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    settings = make_settings(api_keys=[SecretStr(API_KEY)])
    settings.dingtalk.app_secret = SecretStr(APP_SECRET)
    handler = configure_logging("DEBUG", settings=settings, stream=stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        for f in [f for f in logger.filters if isinstance(f, RedactionFilter)]:
            logger.removeFilter(f)


def _leaky_app() -> FastAPI:
    settings = make_settings(rate_limit="", api_keys=[SecretStr(API_KEY)])
    app = build_app(settings)
    leak = logging.getLogger("policybot.leaky")

    async def leaky(request: Request) -> dict[str, str]:
        body = await request.json()
        leak.info("replying via %s for %s", body["sessionWebhook"], request.headers.get("authorization"))
        leak.debug("settings secret is %s", APP_SECRET)
        return {"ok": "yes"}

    async def crash(request: Request) -> None:
        raise RuntimeError(f"could not POST {(await request.json())['sessionWebhook']}")

    app.add_api_route("/v1/leaky", leaky, methods=["POST"])
    app.add_api_route("/v1/crash", crash, methods=["POST"])
    return app


def test_request_logs_are_structured_and_clean(log_stream: io.StringIO) -> None:
    auth = {"Authorization": f"Bearer {API_KEY}", "X-Request-ID": "log-check-1"}
    with TestClient(_leaky_app()) as client:
        assert client.post("/v1/leaky", json={"sessionWebhook": WEBHOOK}, headers=auth).status_code == 200
        assert_uniform_error(client.post("/v1/crash", json={"sessionWebhook": WEBHOOK}, headers=auth), 500)
        denied = client.post("/v1/chat", json={"question": "x"}, headers={"X-API-Key": "wrong-1"})
        assert_uniform_error(denied, 401)
        ok = client.post(f"/v1/chat?access_token={API_KEY}", json={"question": NORMAL_QUESTION}, headers=auth)
        assert ok.status_code == 200
    output = log_stream.getvalue()
    for secret in (API_KEY, APP_SECRET, "c0ffee1234567890deadbeef", "sendBySession", "wrong-1"):
        assert secret not in output, secret

    records = [json.loads(line) for line in output.splitlines() if line.strip()]
    access = [r for r in records if r["logger"] == "policybot.access"]
    assert [(r["method"], r["path"], r["status"]) for r in access] == [
        ("POST", "/v1/leaky", 200),
        ("POST", "/v1/crash", 500),
        ("POST", "/v1/chat", 401),
        ("POST", "/v1/chat", 200),  # the query string is never logged
    ]
    assert all(isinstance(r["latency_ms"], float) and r["latency_ms"] >= 0 for r in access)
    assert access[0]["request_id"] == "log-check-1"
    assert access[0]["key_id"] and access[2]["key_id"] is None
    # Records logged inside the route carry the same request id as the access record.
    leaky = [r for r in records if r["logger"] == "policybot.leaky"]
    assert {r["request_id"] for r in leaky} == {"log-check-1"}
    assert any("[webhook]" in r["msg"] for r in leaky)
    crash = [r for r in records if "exc" in r]
    assert crash and "RuntimeError" in crash[0]["exc"]


def test_uvicorn_loggers_are_filtered(log_stream: io.StringIO) -> None:
    access = logging.getLogger("uvicorn.access")
    assert any(isinstance(f, RedactionFilter) for f in access.filters)
    logging.getLogger("uvicorn.error").warning("bad request %s", f"/cb?sign=abc123def&token={API_KEY}")
    assert API_KEY not in log_stream.getvalue()
    assert "abc123def" not in log_stream.getvalue()


def test_configure_logging_is_idempotent(log_stream: io.StringIO) -> None:
    second = io.StringIO()
    handler = configure_logging("INFO", stream=second)
    try:
        logging.getLogger("policybot.once").info("only once")
        assert second.getvalue().count("only once") == 1
        assert "only once" not in log_stream.getvalue()
    finally:
        logging.getLogger().removeHandler(handler)
