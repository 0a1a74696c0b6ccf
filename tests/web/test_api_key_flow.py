"""With API keys on, the pages still load, ask for a key (kept in the browser) and send it on every call."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.web._browser import API_KEY, Recorder, Server, open_page, screenshot, start_server, stop_server


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(
        tmp_path_factory.mktemp("web-keyed"), {"POLICYBOT_SERVER_API_KEYS": json.dumps([API_KEY])}
    )
    yield running
    stop_server(running)


def test_pages_and_assets_load_without_a_key_but_the_api_does_not(keyed_server: Server) -> None:
    for path in ("/", "/indicators", "/tasks", "/static/app.css", "/docs"):
        assert httpx.get(keyed_server.url + path, timeout=30).status_code == 200, path
    assert httpx.get(keyed_server.url + "/v1/about", timeout=30).status_code == 401


def test_page_asks_for_a_key_rejects_a_wrong_one_and_sends_the_right_one(
    browser: Any, recorder: Recorder, keyed_server: Server
) -> None:
    page = open_page(browser, recorder)
    try:
        page.goto(keyed_server.url + "/")
        dialog = page.get_by_test_id("api-key-dialog")
        expect(dialog).to_contain_text("此服务需要 API 密钥")
        screenshot(page, "chat-api-key-desktop.png")
        page.get_by_test_id("api-key-input").fill("wrong-key")
        page.get_by_test_id("api-key-save").click()
        expect(page.get_by_test_id("api-key-dialog")).to_contain_text("密钥无效")
        page.get_by_test_id("api-key-input").fill(API_KEY)
        page.get_by_test_id("api-key-save").click()
        page.get_by_test_id("example-question").first.wait_for()
        assert page.evaluate("localStorage.getItem('policybot.apiKey')") == API_KEY
        page.get_by_test_id("question-input").fill("5G基站数量2025年目标是多少？")
        page.get_by_test_id("ask-button").click()
        page.get_by_test_id("copy-button").wait_for()
        assert "30000" in page.get_by_test_id("answer").inner_text().replace(",", "")
        page.goto(keyed_server.url + "/indicators")  # the stored key serves the other pages too
        expect(page.get_by_test_id("indicator-row")).to_have_count(30)
        assert page.get_by_test_id("api-key-dialog").count() == 0
    finally:
        page.context.close()
    api_calls = [(url, headers) for url, headers in recorder.headers if "/v1/" in url]
    wrong = [url for url, h in api_calls if h.get("authorization") == "Bearer wrong-key"]
    right = [url for url, h in api_calls if h.get("authorization") == f"Bearer {API_KEY}"]
    assert wrong and right
    first_right = api_calls.index(next(c for c in api_calls if c[1].get("authorization") == f"Bearer {API_KEY}"))
    later = api_calls[first_right:]
    assert all(h.get("authorization") == f"Bearer {API_KEY}" for _, h in later), [u for u, _ in later]
    assert any(u.endswith("/v1/chat") for u, _ in later) and any(u.endswith("/v1/indicators") for u, _ in later)
