"""The chat page at `/` in Chromium against the real server: rendered answers, citations, figures, history."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.web._browser import Server, screenshot


def ask(page: Any, question: str) -> Any:
    """Type a question, press Enter, wait for the finished answer (its action buttons); return the block."""
    # The page has started once its examples (from /v1/about) are shown; a question typed before may race it.
    page.get_by_test_id("example-question").first.wait_for()
    page.get_by_test_id("question-input").fill(question)
    page.get_by_test_id("question-input").press("Enter")
    block = page.get_by_test_id("answer-block").last
    block.get_by_test_id("copy-button").wait_for()
    return block


def test_server_prints_ready_line_with_its_address(server: Server) -> None:
    assert f"policybot ready — open http://127.0.0.1:{server.port}/" in server.log()


def test_empty_page_shows_title_and_clickable_examples_from_the_api(page: Any, server: Server) -> None:
    about = httpx.get(f"{server.url}/v1/about", timeout=30).json()
    page.goto(server.url + "/")
    examples = page.get_by_test_id("example-question")
    examples.first.wait_for()
    assert examples.all_inner_texts() == about["examples"]
    assert page.locator("#welcome-title").inner_text() == f"{about['title']} · 问答助手"
    expect(page).to_have_title(re.compile(re.escape(about["title"])))  # set once the header has loaded
    screenshot(page, "chat-empty-desktop.png")
    examples.first.click()
    block = page.get_by_test_id("answer-block").last
    block.get_by_test_id("copy-button").wait_for()
    assert page.get_by_test_id("question").first.inner_text() == about["examples"][0]


def test_answer_is_rendered_markdown_with_a_citation_that_opens(page: Any, server: Server) -> None:
    page.goto(server.url + "/")
    block = ask(page, "规划提出了哪些保障措施？")
    answer = block.get_by_test_id("answer")
    # "1. 健全推进机制 …" arrives as markdown and is shown as a list, without markdown syntax or file names.
    items = answer.locator("ol > li").all_inner_texts()
    assert items == ["健全推进机制", "加强要素保障", "优化发展环境", "强化数据安全"]
    text = block.inner_text()
    assert "**" not in text and ".txt" not in text and "意图" not in text and "compute" not in text
    chips = block.get_by_test_id("citation")
    assert chips.count() == 1
    chips.first.click()
    passage = page.get_by_test_id("citation-text")
    passage.wait_for()
    assert "四是强化数据安全" in passage.inner_text()
    assert page.locator("#citation-section").inner_text() == "位置：三、主要内容 > （五）保障措施"
    assert page.locator("#citation-doc").inner_text() == "文档：关于《温州市数字经济发展“十四五”规划》的起草说明"
    screenshot(page, "chat-citation-desktop.png")
    page.keyboard.press("Escape")
    assert not passage.is_visible()


def test_computed_answer_shows_a_figure_card_with_value_unit_and_formula(page: Any, server: Server) -> None:
    page.goto(server.url + "/")
    block = ask(page, "在役工业机器人每年平均要增长百分之几？")
    card = block.get_by_test_id("figure")
    assert card.count() == 1
    assert card.locator(".value").inner_text().replace("\n", "") == "18.75%"
    assert card.locator("code").inner_text() == "(20000/8469)^(1/5)-1"
    assert "在役工业机器人数量 · 年均增速" in card.inner_text()
    assert "计算" not in block.get_by_test_id("answer").inner_text()  # the 计算 section became the card
    screenshot(page, "chat-answer-desktop.png")


def test_feedback_is_stored_and_conversations_survive_a_reload(page: Any, server: Server) -> None:
    page.goto(server.url + "/")
    block = ask(page, "5G基站数量2025年目标是多少？")
    with page.expect_response("**/v1/feedback") as response_info:
        block.get_by_test_id("feedback-down").click()
    response = response_info.value
    assert response.status == 201
    sent = response.request.post_data_json
    assert sent["rating"] == "down"
    assert sent["question"] == "5G基站数量2025年目标是多少？"
    assert block.get_by_test_id("feedback-down").get_attribute("aria-pressed") == "true"
    page.reload()
    conversations = page.locator("#conversations .conv")
    conversations.first.wait_for()
    assert conversations.count() == 1
    assert conversations.first.inner_text().startswith("5G基站数量2025年目标是多少？")
    assert page.get_by_test_id("welcome").is_visible()  # a reload starts a new conversation
    conversations.first.locator("button.open").click()
    assert page.get_by_test_id("answer-block").count() == 1
    assert "30000" in page.get_by_test_id("answer").first.inner_text().replace(",", "")
    page.get_by_test_id("new-chat").click()
    assert page.get_by_test_id("answer-block").count() == 0
    assert page.get_by_test_id("welcome").is_visible()


def test_page_uses_the_sse_stream_of_v1_chat(page: Any, server: Server) -> None:
    page.goto(server.url + "/")
    page.get_by_test_id("question-input").fill("数据中心总机架数2025年目标是多少？")
    with page.expect_response("**/v1/chat") as response_info:
        page.get_by_test_id("ask-button").click()
    response = response_info.value
    assert response.request.post_data_json["stream"] is True
    assert response.headers["content-type"].startswith("text/event-stream")
    page.get_by_test_id("answer-block").last.get_by_test_id("copy-button").wait_for()
    assert "event: final" in response.text()


def test_question_with_markup_stays_text(page: Any, server: Server) -> None:
    page.goto(server.url + "/")
    question = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>5G基站目标是多少？'
    block = ask(page, question)
    assert page.get_by_test_id("question").last.inner_text() == question
    assert page.locator("#messages img, #messages script").count() == 0
    assert block.get_by_test_id("answer").inner_text() != ""
    assert page.evaluate("window.__xss") is None
