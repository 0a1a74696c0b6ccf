"""LangChain tools over the engine: schemas, JSON-able results, errors as dicts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.tools import StructuredTool

from bot.resolver import resolve
from bot.tools import execute, make_indicator_tools
from indicators.catalog import IndicatorTable, load_default_table


@pytest.fixture(scope="module")
def tools() -> dict[str, StructuredTool]:
    return {t.name: t for t in make_indicator_tools(load_default_table())}


def test_tool_names_and_schemas(tools: dict[str, StructuredTool]) -> None:
    assert set(tools) == {
        "indicator_lookup",
        "indicator_compute",
        "indicator_projection",
        "indicator_trajectory",
        "indicator_progress",
        "indicator_audit",
        "indicator_ranking",
    }
    for tool in tools.values():
        assert tool.args_schema is not None and tool.description


# (tool, args, quantity of first figure, value)
CALLS: list[tuple[str, dict[str, Any], str, float]] = [
    ("indicator_lookup", {"name": "机架数", "which": "base"}, "base", 8620),
    ("indicator_lookup", {"name": "5G基站"}, "base", 9072),
    ("indicator_compute", {"name": "5G基站", "quantity": "cagr"}, "cagr", 27.02),
    ("indicator_compute", {"name": "主营业务收入", "quantity": "change"}, "change", 454.5),
    ("indicator_compute", {"name": "软件业收入", "quantity": "multiple"}, "multiple", 2.5),
    ("indicator_compute", {"name": "移动支付", "quantity": "pp_change"}, "pp_change", 15),
    ("indicator_projection", {"name": "核心制造业增加值", "rate_pct": 12}, "projection", 288.5),
    ("indicator_projection", {"name": "工业全员劳动生产率", "rate_pct": 17}, "projection", 35.43),
    ("indicator_trajectory", {"name": "高企", "year": 2023}, "planned_value", 235),
    ("indicator_trajectory", {"name": "工业互联网平台"}, "planned_value", 15),
    (
        "indicator_progress",
        {"name": "工业机器人", "year": 2022, "actual_value": 14000},
        "planned_value",
        11942.94,
    ),
    ("indicator_ranking", {"top": 2}, "ranking_value", 31.95),
]


@pytest.mark.parametrize(("tool", "args", "quantity", "value"), CALLS)
def test_tool_calls(
    tools: dict[str, StructuredTool], tool: str, args: dict[str, Any], quantity: str, value: float
) -> None:
    out = tools[tool].invoke(args)
    json.dumps(out, ensure_ascii=False)  # JSON-able
    fig = out["figures"][0]
    assert fig["quantity"] == quantity
    assert fig["value"] == pytest.approx(value, abs=0.005)


def test_progress_status_and_audit(tools: dict[str, StructuredTool]) -> None:
    assert (
        tools["indicator_progress"].invoke({"name": "工业机器人", "year": 2022, "actual_value": 14000})[
            "status"
        ]
        == "超前"
    )
    one = tools["indicator_audit"].invoke({"name": "浙政钉日活"})
    assert one["status"] == "mismatch" and one["projection"]["value"] == pytest.approx(94.04)
    table = tools["indicator_audit"].invoke({})
    assert (table["declared_count"], table["row_count"]) == (31, 30)


@pytest.mark.parametrize(
    ("tool", "args", "message"),
    [
        ("indicator_lookup", {"name": "房价"}, "no indicator named"),
        ("indicator_compute", {"name": "劳动生产率", "quantity": "cagr"}, "ambiguous"),
        ("indicator_compute", {"name": "5G基站", "quantity": "pp_change"}, "needs a % indicator"),
        ("indicator_trajectory", {"name": "高企", "year": 2030}, "year must be between"),
        ("indicator_projection", {"name": "5G基站"}, "states no growth rate"),
    ],
)
def test_errors_come_back_as_dicts(
    tools: dict[str, StructuredTool], tool: str, args: dict[str, Any], message: str
) -> None:
    out = tools[tool].invoke(args)
    assert message in out["error"]


def test_schema_validation_rejects_bad_quantity(tools: dict[str, StructuredTool]) -> None:
    with pytest.raises(ValueError):
        tools["indicator_compute"].invoke({"name": "5G基站", "quantity": "sqrt"})


def test_tools_bind_the_given_table() -> None:
    table = load_default_table()
    small = IndicatorTable(table.indicators[:1], declared_count=None)
    tool = {t.name: t for t in make_indicator_tools(small)}["indicator_lookup"]
    assert "error" in tool.invoke({"name": "5G基站"})


# (question, previous indicator, expected first figure values, extra key → value)
EXECUTE: list[tuple[str, str | None, list[float], dict[str, Any]]] = [
    ("2025年数字经济增加值目标是多少亿元？", None, [6500], {}),
    ("5G基站数量年均需要增长多少？", None, [27.02], {}),
    ("规上数字经济核心产业主营业务收入要增加多少亿元？", None, [454.5], {}),
    ("软件和信息服务业营业收入2025年是2020年的多少倍？", None, [2.5], {}),
    ("按年均增长12%测算，规上数字经济核心制造业增加值2025年是多少？", None, [288.5], {}),
    (
        "规上工业全员劳动生产率按年均增长17%测算，2025年是多少？与目标一致吗？",
        None,
        [35.43],
        {"consistent": False, "deviation_pct": 18.1},
    ),
    ("如果2022年在役工业机器人达到14000台，进度如何？", None, [11942.94, 2057.06, 12.62], {"status": "超前"}),
    ("移动支付活跃用户普及率要提高多少个百分点？", None, [15], {}),
    ("那到2025年要增加多少？", "5G基站数量", [20928], {}),
    ("2023年应该达到多少？", "数字经济核心产业国家高新技术企业", [235], {}),
    ("设备联网率每年提高多少个百分点", None, [1.81], {}),
    ("网络零售额2025年比2020年增长百分之几", None, [33.98], {}),
    ("5G基站数量2020年和2025年分别是多少", None, [9072, 30000], {}),
    ("哪个指标年均增速最高？", None, [31.95], {}),
    ("规划提出了多少项主要发展指标", None, [30, 31], {}),
    ("高企按每年新增四十家测算，2025年有多少家", None, [315], {}),
    ("数字经济增加值从2021年的3800亿元按年均15%增长，2025年是多少", None, [6646.22], {}),
    ("数字经济增加值从3000亿元按15%增长到2025年是多少", None, [6034.07], {}),
]


@pytest.mark.parametrize(("question", "previous", "values", "extra"), EXECUTE)
def test_execute_resolution(
    question: str, previous: str | None, values: list[float], extra: dict[str, Any]
) -> None:
    table = load_default_table()
    prev = table.get(previous) if previous else None
    out = execute(resolve(question, table, prev), table)
    json.dumps(out, ensure_ascii=False)
    assert [f["value"] for f in out["figures"]] == pytest.approx(values, abs=0.005)
    for key, value in extra.items():
        assert out[key] == value


@pytest.mark.parametrize(
    "question", ["2025年新能源汽车产量目标是多少？", "今天温州天气怎么样？", "劳动生产率目标"]
)
def test_execute_without_indicator_has_no_figures(question: str) -> None:
    table = load_default_table()
    assert execute(resolve(question, table), table)["figures"] == []


def test_execute_reports_engine_errors() -> None:
    table = load_default_table()
    out = execute(resolve("5G基站按每年提高2个百分点测算2025年是多少", table), table)
    assert out["figures"] == [] and "increment unit" in out["error"]
    assert (
        "year of the actual value"
        in execute(resolve("今年网络零售额2500亿元，进度正常吗", table), table)["error"]
    )
    note = execute(resolve("5G基站数量2019年是多少", table), table)["note"]
    assert "2019" in note


def test_ranking_tool_among_aliases(tools: dict[str, StructuredTool]) -> None:
    out = tools["indicator_ranking"].invoke({"metric": "multiple", "among": ["5G基站", "机架数"]})
    assert [(f["indicator"], f["value"]) for f in out["figures"]] == [
        ("5G基站数量", 3.31),
        ("数据中心总机架数", 2.09),
    ]


def test_execute_comparison() -> None:
    table = load_default_table()
    out = execute(resolve("网络零售额和农产品网络零售额哪个增长快", table), table)
    assert [f["indicator"] for f in out["figures"]] == ["农产品网络零售额", "网络零售额"]
