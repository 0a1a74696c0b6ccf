"""`/indicators` and `/tasks` in Chromium, and every page at the 390×844 mobile size.

Expected figures come from the plan's indicator table by hand: 5G基站数量 9072 (2020) → 30000 (2025);
20000 in 2023 is (20000−9072)/(30000−9072) = 52.22 % of the way.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.web._browser import Server, screenshot

CHART_SERIES = """el => {
  const chart = echarts.getInstanceByDom(el);
  return chart ? chart.getOption().series.map(s => ({name: s.name, data: s.data})) : null;
}"""


def chart_series(page: Any) -> list[dict[str, Any]]:
    chart = page.get_by_test_id("indicator-chart")
    chart.locator("canvas").first.wait_for()
    series: list[dict[str, Any]] = chart.evaluate(CHART_SERIES)
    return series


def test_indicator_page_draws_the_planned_path_to_the_target(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/indicators?name={quote('5G基站数量')}")
    expect(page.locator("#d-name")).to_have_text("5G基站数量")
    expect(page.get_by_test_id("indicator-chart")).to_have_attribute("data-series", "规划路径")
    series = chart_series(page)
    path = series[0]["data"]
    assert (path[0], path[-1], len(path)) == (9072, 30000, 6)
    assert page.locator("#d-summary").inner_text() == "数字基础设施 · 2020年 9,072个 → 2025年目标 30,000个"
    screenshot(page, "indicators-desktop.png")


def test_my_actual_value_shows_progress_and_joins_the_chart(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/indicators?name={quote('5G基站数量')}")
    expect(page.get_by_test_id("indicator-chart")).to_have_attribute("data-series", "规划路径")
    page.get_by_test_id("actual-year").select_option("2023")
    page.get_by_test_id("actual-input").fill("20000")
    page.get_by_test_id("actual-save").click()
    expect(page.get_by_test_id("indicator-chart")).to_have_attribute("data-series", "规划路径,我的实际值")
    progress = page.get_by_test_id("actual-progress")
    expect(progress).to_contain_text("目标完成度 52.22%")
    expect(progress).to_contain_text("序时进度 60%")
    assert page.get_by_role("progressbar").get_attribute("aria-valuenow") == "52"
    assert chart_series(page)[1]["data"] == [["2023", 20000]]
    screenshot(page, "indicators-progress-desktop.png")


def test_indicator_filters_search_and_audit_flags(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/indicators")
    rows = page.get_by_test_id("indicator-row")
    expect(rows).to_have_count(30)
    expect(page.get_by_test_id("audit-flag").filter(has_text="不一致")).to_have_count(5)
    page.get_by_test_id("filter-category").select_option("数字基础设施")
    expect(rows).to_have_count(6)
    page.get_by_test_id("filter-category").select_option("")
    page.get_by_test_id("indicator-search").fill("机器人")
    expect(rows).to_have_count(1)
    assert rows.first.get_attribute("data-name") == "在役工业机器人数量"
    assert "q=%E6%9C%BA%E5%99%A8%E4%BA%BA" in page.url  # the filtered view is bookmarkable
    page.get_by_test_id("indicator-search").fill("")
    page.get_by_test_id("filter-audit").select_option("mismatch")
    expect(rows).to_have_count(5)


def test_tasks_page_lists_the_tree_and_matches_an_enterprise(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/tasks")
    expect(page.get_by_test_id("task")).to_have_count(8)
    expect(page.get_by_test_id("subtask")).to_have_count(32)
    page.get_by_test_id("profile-input").fill("我们做鞋，想上机器人")
    page.get_by_test_id("match-button").click()
    first = page.get_by_test_id("match-result").first
    first.wait_for()
    assert first.locator("strong").inner_text() == "推动产品装备智能化升级"
    assert "机器人" in first.inner_text()
    screenshot(page, "tasks-desktop.png")


@pytest.mark.parametrize("path", ["/", "/indicators", "/tasks"])
def test_mobile_viewport_has_no_horizontal_scroll(mobile_page: Any, server: Server, path: str) -> None:
    page = mobile_page
    page.goto(server.url + path)
    if path == "/":
        page.get_by_test_id("example-question").first.wait_for()
        page.get_by_test_id("question-input").fill("在役工业机器人每年平均要增长百分之几？")
        page.get_by_test_id("ask-button").click()
        page.get_by_test_id("figure").wait_for()
    elif path == "/indicators":
        page.get_by_test_id("indicator-chart").locator("canvas").first.wait_for()
    else:
        page.get_by_test_id("task").first.wait_for()
    width = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth, innerWidth]")
    assert width == [390, 390, 390]
    name = {"/": "chat", "/indicators": "indicators", "/tasks": "tasks"}[path]
    screenshot(page, f"{name}-mobile.png")
    if path == "/indicators":
        page.get_by_test_id("indicator-chart").scroll_into_view_if_needed()
        screenshot(page, "indicators-chart-mobile.png")
