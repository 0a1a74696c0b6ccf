"""The chat client against a scripted SSE stream (deltas pushed one by one from the test) and hostile replies.

The page's `fetch` for `POST /v1/chat` is replaced before any script runs by a stream the test feeds, so
what the page shows after each delta is checked without timing; everything else goes to the real server.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web._browser import SCRIPTED_SSE, Server, screenshot


def scripted(page: Any, server: Server, question: str) -> Any:
    page.add_init_script(SCRIPTED_SSE)
    page.goto(server.url + "/")
    page.get_by_test_id("example-question").first.wait_for()
    page.get_by_test_id("question-input").fill(question)
    page.get_by_test_id("question-input").press("Enter")
    page.locator("html[data-sse='1']").wait_for(state="attached")
    return page.get_by_test_id("answer-block").last


def push(page: Any, event: str, data: dict[str, Any]) -> None:
    page.evaluate(f"window.__sse.push({json.dumps(event)}, {json.dumps(data, ensure_ascii=False)})")


def test_deltas_render_as_they_arrive_and_stop_keeps_the_partial_answer(page: Any, server: Server) -> None:
    block = scripted(page, server, "流式测试问题")
    assert page.evaluate("window.__sse.requests[0]") == {"question": "流式测试问题", "stream": True}
    answer = block.get_by_test_id("answer")
    push(page, "delta", {"text": "第一段**加粗**"})
    answer.locator("strong", has_text="加粗").wait_for()
    assert page.get_by_test_id("stop-button").is_visible()
    assert not page.get_by_test_id("ask-button").is_visible()
    push(page, "delta", {"text": "，第二段"})
    expect(answer).to_have_text("第一段加粗，第二段")
    screenshot(page, "chat-streaming-desktop.png")
    page.get_by_test_id("stop-button").click()
    block.get_by_text("（已停止生成）").wait_for()
    assert block.get_by_test_id("answer").inner_text() == "第一段加粗，第二段"
    assert page.get_by_test_id("ask-button").is_visible()


def test_server_error_event_shows_a_friendly_chinese_message(page: Any, server: Server) -> None:
    block = scripted(page, server, "出错测试")
    push(page, "error", {"error": {"code": "internal_error", "message": "服务内部错误 / Internal error"}})
    error = block.get_by_test_id("error")
    error.wait_for()
    assert error.inner_text() == "服务器出错了，请稍后再试。如果一直出现，请联系管理员。"


HOSTILE_REPLY = {
    "answer": '结果<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    "[点我](javascript:window.__xss=3) <iframe src=\"javascript:window.__xss=6\"></iframe>见[1]。\n\n"
    "**出处**\n[1] 章节（doc.txt）：正文",
    "intent": "passage",
    "citations": [{
        "id": "c1", "source": "doc.txt", "section": "一、<img src=x onerror=window.__xss=4>章节",
        "text": "<script>window.__xss=5</script>正文<b>粗</b>", "score": 1.0,
    }],
    "figures": [],
    "tasks": [],
    "session_id": "s-xss",
    "mode": "deterministic",
}


def test_markup_in_answers_and_passages_never_runs(page: Any, server: Server) -> None:
    block = scripted(page, server, "XSS 测试")
    push(page, "final", HOSTILE_REPLY)
    page.evaluate("window.__sse.close()")
    block.get_by_test_id("copy-button").wait_for()
    answer = block.get_by_test_id("answer")
    assert answer.locator("img, script, iframe").count() == 0
    assert answer.locator("[onerror]").count() == 0
    link = answer.locator("a", has_text="点我")
    assert link.count() == 1 and link.get_attribute("href") is None
    # "[1]" in the answer became a chip; the 出处 section became the chip row (no repeated passage text).
    assert answer.get_by_test_id("citation").inner_text() == "1"
    assert "出处" not in answer.inner_text()
    block.get_by_test_id("citation").last.click()
    passage = page.get_by_test_id("citation-text")
    passage.wait_for()
    assert passage.inner_text() == "<script>window.__xss=5</script>正文<b>粗</b>"
    assert page.locator("#citation-section").inner_text() == "位置：一、<img src=x onerror=window.__xss=4>章节"
    assert page.locator("dialog img, dialog script, dialog b").count() == 0
    assert page.evaluate("window.__xss") is None


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        ("offline", "无法连接服务器，请检查网络连接后重试。"),
        (500, "服务器出错了，请稍后再试。如果一直出现，请联系管理员。"),
        (429, "请求过于频繁，请稍等片刻再试。"),
    ],
)
def test_network_and_server_failures_read_as_friendly_chinese(
    page: Any, server: Server, failure: Any, message: str
) -> None:
    def fail(route: Any) -> None:
        if failure == "offline":
            route.abort("internetdisconnected")
        else:
            body = json.dumps({"error": {"code": "x", "message": "内部 / internal"}})
            route.fulfill(status=failure, content_type="application/json", body=body)

    page.route("**/v1/chat", fail)
    page.goto(server.url + "/")
    page.get_by_test_id("example-question").first.wait_for()
    page.get_by_test_id("question-input").fill("5G基站数量2025年目标是多少？")
    page.get_by_test_id("question-input").press("Enter")
    error = page.get_by_test_id("error")
    error.wait_for()
    assert error.inner_text() == message
    assert page.get_by_test_id("ask-button").is_visible()
