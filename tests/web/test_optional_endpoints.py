"""What the pages do with endpoints other branches add (`/v1/plans`, `/v1/actuals`), faked with page.route,
and the offline API docs."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import expect

from tests.web._browser import SCRIPTED_SSE, Server, screenshot

TWO_PLANS = [
    {"id": "plan-a", "title": "甲市数字经济规划", "region": "甲市"},
    {"id": "plan-b", "title": "乙市制造业规划", "region": "乙市"},
]


def fulfil_json(body: Any, status: int = 200) -> Any:
    def handler(route: Any) -> None:
        route.fulfill(status=status, content_type="application/json", body=json.dumps(body, ensure_ascii=False))

    return handler


@pytest.mark.parametrize(("plans", "visible"), [(None, False), (TWO_PLANS[:1], False), (TWO_PLANS, True)])
def test_plan_picker_only_for_several_plans(page: Any, server: Server, plans: Any, visible: bool) -> None:
    if plans is not None:  # None: the real server, which has one plan
        page.route("**/v1/plans", fulfil_json(plans))
    page.goto(server.url + "/")
    page.get_by_test_id("example-question").first.wait_for()
    picker = page.locator("#plan-picker")
    if visible:
        expect(picker).to_be_visible()
        # On the chat page the first choice leaves the plan to the question (the server decides the scope).
        options = picker.locator("option").all_inner_texts()
        assert options == ["全部规划（按问题自动判断）", "甲市数字经济规划", "乙市制造业规划"]
        expect(page.locator("#app-title")).to_have_text("规划问答（2个规划） · 问答助手")
    else:
        expect(page.locator("#app-title")).to_have_text("温州市数字经济发展“十四五”规划 · 问答助手")
        assert not picker.is_visible()


def test_actual_figures_join_the_chart_when_the_store_answers(page: Any, server: Server) -> None:
    asked: list[dict[str, list[str]]] = []

    def actuals(route: Any) -> None:
        asked.append(parse_qs(urlsplit(route.request.url).query))
        rows = [{"year": 2021, "value": 12000}, {"year": 2022, "value": 16500}]
        route.fulfill(status=200, content_type="application/json", body=json.dumps(rows))

    page.route(lambda url: "/v1/actuals?" in url, actuals)
    page.goto(f"{server.url}/indicators?name={quote('5G基站数量')}")
    chart = page.get_by_test_id("indicator-chart")
    expect(chart).to_have_attribute("data-series", "规划路径,实际值")
    series = chart.evaluate("el => echarts.getInstanceByDom(el).getOption().series[1].data")
    assert series == [None, 12000, 16500, None, None, None]
    assert asked[0]["indicator"] == ["5G基站数量"]
    screenshot(page, "indicators-actuals-desktop.png")


def test_swagger_ui_renders_offline(page: Any, server: Server) -> None:
    page.goto(server.url + "/docs")
    operation = page.locator(".opblock-summary-path", has_text="/v1/feedback")
    operation.first.wait_for()
    assert page.locator(".opblock-summary-path", has_text="/v1/chat").count() >= 1
    screenshot(page, "docs-desktop.png")


@pytest.mark.parametrize("declared", [False, True])
def test_chat_sends_the_plan_only_in_a_field_the_server_declares(page: Any, server: Server, declared: bool) -> None:
    page.route("**/v1/plans", fulfil_json(TWO_PLANS))
    if declared:
        schema = {"ChatRequest": {"properties": {"question": {"type": "string"}, "plan_id": {"type": "string"}}}}
        page.route("**/openapi.json", fulfil_json({"components": {"schemas": schema}}))
    page.add_init_script(SCRIPTED_SSE)
    page.goto(server.url + "/")
    page.locator("#ask-form[data-plan-field]").wait_for(state="attached")
    page.locator("#plan-picker").select_option("plan-b")
    page.get_by_test_id("question-input").fill("规划有哪些任务？")
    page.get_by_test_id("question-input").press("Enter")
    page.locator("html[data-sse='1']").wait_for(state="attached")
    sent = page.evaluate("window.__sse.requests[0]")
    expected = {"question": "规划有哪些任务？", "stream": True}
    # Our own server declares `plan` (ChatRequest); a schema naming `plan_id` gets that field instead.
    assert sent == ({**expected, "plan_id": "plan-b"} if declared else {**expected, "plan": "plan-b"})
