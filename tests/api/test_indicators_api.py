"""GET /v1/indicators, /v1/indicators/{name}, /v1/indicators/{name}/trajectory and /v1/audit.

Expected values are the plan's table (附件 主要目标测算表) typed in by hand, and hand arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app

# name as printed in the table (unit dropped), base, target, base year, target as printed
TABLE = [
    ("数字经济增加值", 2916, 6500, 2019, "6500"),
    ("数字经济增加值占GDP比重", 44.14, 65, 2019, "65"),
    ("规上数字经济核心产业R&D经费支出占营业收入比重", 2.69, 3.3, 2019, "3.3"),
    ("数字经济核心产业有效发明专利", 4430, 7000, 2020, "7000"),
    ("数字经济核心产业国家高新技术企业", 115, 315, 2020, "315"),
    ("数字经济核心产业增加值占GDP比重", 7, 10, 2020, "10左右"),
    ("规上数字经济核心产业主营业务收入", 945.5, 1400, 2020, "1400"),
    ("规上数字经济核心产业劳动生产率", 19.47, 40, 2020, "40"),
    ("规上数字经济核心制造业增加值", 163.7, 288, 2020, "288"),
    ("软件和信息服务业营业收入", 48.03, 120, 2020, "120"),
    ("数字经济核心产业上市企业", 9, 14, 2020, "14"),
    ("规上工业全员劳动生产率", 16.16, 30, 2020, "30"),
    ("在役工业机器人数量", 8469, 20000, 2020, "20000"),
    ("重点工业企业设备联网率", 45.94, 55, 2020, "55"),
    ("网络零售额", 2030.2, 2720, 2020, "2720"),
    ("跨境网络零售出口额", 101.6, 190, 2020, "190"),
    ("移动支付活跃用户普及率", 75, 90, 2020, "90"),
    ("农产品网络零售额", 91.3, 150, 2020, "150"),
    ("“浙政钉”用户日活跃率", 65.2, 90, 2020, "90"),
    ("依申请政务服务办件‘一网通办’率", 82.73, 95, 2020, "95"),
    ("互联网+监管平台承载的监管事项", 85, 95, 2020, "95以上"),
    ("城市大脑应用场景", 75, 300, 2020, "300"),
    ("数据开放率", 13, 50, 2020, "50"),
    ("数据共享率", 78, 99, 2020, "99"),
    ("光纤宽带用户率", 94, 100, 2020, "100"),  # printed as FTTH/O宽带接入率（光纤宽带用户率）
    ("IPv6活跃用户数", 1072.8, 1200, 2020, "1200"),
    ("城域网出口带宽", 13, 24, 2020, "24"),
    ("5G基站数量", 9072, 30000, 2020, "30000"),
    ("数据中心总机架数", 8620, 18000, 2020, "18000以上"),
    ("工业互联网平台", 15, 30, 2020, "30"),
]


@pytest.fixture(scope="module")
def client(components: Any, test_settings: Any) -> Iterator[TestClient]:
    app = create_app(test_settings, components_factory=lambda _settings: components)
    with TestClient(app) as test_client:
        yield test_client


def get_ok(client: TestClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.json()


def test_list_has_30_rows_and_notes_the_declared_31(client: TestClient) -> None:
    body = get_ok(client, "/v1/indicators")
    assert body["count"] == 30
    assert len(body["indicators"]) == 30
    assert body["declared_count"] == 31
    assert "31" in body["note"] and "30" in body["note"]
    assert len({row["name"] for row in body["indicators"]}) == 30


def test_list_values_match_the_table(client: TestClient) -> None:
    rows = get_ok(client, "/v1/indicators")["indicators"]
    got = sorted((row["base_value"], row["target_value"], row["base_year"]) for row in rows)
    want = sorted((float(base), float(target), year) for _, base, target, year, _ in TABLE)
    assert got == want


@pytest.mark.parametrize(("name", "base", "target", "base_year", "target_text"), TABLE)
def test_each_indicator_by_name(client: TestClient, name: str, base: float, target: float, base_year: int,
                                target_text: str) -> None:
    body = get_ok(client, f"/v1/indicators/{name}")
    row = body["indicator"]
    assert row["base_value"] == pytest.approx(base)
    assert row["target_value"] == pytest.approx(target)
    assert row["base_year"] == base_year
    assert row["target_year"] == 2025
    assert row["target_text"] == target_text
    by_quantity = {f["quantity"]: f for f in body["figures"]}
    assert by_quantity["change"]["value"] == pytest.approx(target - base, abs=0.01)
    assert by_quantity["multiple"]["value"] == pytest.approx(target / base, abs=0.01)


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("高企", "数字经济核心产业国家高新技术企业"),
        ("机架数", "数据中心总机架数"),
        ("浙政钉日活", "“浙政钉”用户日活跃率"),
        ("IPv6用户", "IPv6活跃用户数"),
        ("數據中心總機架數", "数据中心总机架数"),  # traditional characters are normalised like in chat
    ],
)
def test_aliases_resolve(client: TestClient, alias: str, name: str) -> None:
    assert get_ok(client, f"/v1/indicators/{alias}")["indicator"]["name"] == name


def test_high_tech_figures(client: TestClient) -> None:
    figures = {f["quantity"]: f for f in get_ok(client, "/v1/indicators/高企")["figures"]}
    assert figures["base"]["value"] == 115
    assert figures["target"]["value"] == 315
    assert figures["change"]["value"] == 200
    assert figures["multiple"]["value"] == pytest.approx(2.74, abs=0.005)  # 315/115
    assert figures["cagr"]["value"] == pytest.approx(22.33, abs=0.01)  # (315/115)^(1/5)-1
    assert figures["cagr"]["inputs"]["years"] == 5
    assert "315" in figures["cagr"]["formula"] and "115" in figures["cagr"]["formula"]


def test_percent_indicator_reports_percentage_points(client: TestClient) -> None:
    figures = {f["quantity"]: f for f in get_ok(client, "/v1/indicators/数据开放率")["figures"]}
    assert figures["pp_change"]["value"] == pytest.approx(37)  # 50-13


@pytest.mark.parametrize("name", ["人工智能企业数量", "GDP增速", "xyz"])
def test_unknown_indicator_is_a_uniform_404(client: TestClient, name: str) -> None:
    response = client.get(f"/v1/indicators/{name}")
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"]
    assert body["error"]["message"]
    response = client.get(f"/v1/indicators/{name}/trajectory")
    assert response.status_code == 404
    assert set(response.json()["error"]) == {"code", "message"}


@pytest.mark.parametrize(("name", "base", "target", "base_year", "target_text"), TABLE)
def test_trajectory_endpoints_equal_base_and_target(client: TestClient, name: str, base: float, target: float,
                                                    base_year: int, target_text: str) -> None:
    points = get_ok(client, f"/v1/indicators/{name}/trajectory")
    assert points[0]["value"] == pytest.approx(base)
    assert points[-1]["value"] == pytest.approx(target)
    assert [p["inputs"]["year"] for p in points] == list(range(base_year, 2026))
    assert all(p["formula"] for p in points)


def test_every_listed_name_is_addressable(client: TestClient) -> None:
    # A client that walks the listing must be able to fetch each row by the name the listing gives it.
    unreachable = []
    for row in get_ok(client, "/v1/indicators")["indicators"]:
        for url in (f"/v1/indicators/{row['name']}", f"/v1/indicators/{row['name']}/trajectory"):
            if client.get(url).status_code != 200:
                unreachable.append(url)
    assert not unreachable


@pytest.mark.parametrize(
    ("name", "year", "value"),
    [
        ("5G基站数量", 2023, 18593.19),  # 9072×(30000/9072)^(3/5), geometric
        ("数据中心总机架数", 2022, 11572.13),  # 8620×(18000/8620)^(2/5)
        ("高企", 2023, 235),  # 115+40×3, fixed annual increment
        ("工业互联网平台", 2024, 27),  # 15+3×4
        ("“浙政钉”用户日活跃率", 2023, 80.08),  # 65.2+24.8×3/5, percent → linear
        ("数字经济增加值", 2022, 4353.62),  # 2916×(6500/2916)^(3/6), base is 2019
    ],
)
def test_trajectory_middle_years(client: TestClient, name: str, year: int, value: float) -> None:
    points = {p["inputs"]["year"]: p["value"] for p in get_ok(client, f"/v1/indicators/{name}/trajectory")}
    assert points[year] == pytest.approx(value, abs=0.01)


def test_audit_lists_the_mismatched_rows(client: TestClient) -> None:
    body = get_ok(client, "/v1/audit")
    assert body["count"] == 30 and body["declared_count"] == 31
    assert "31" in body["count_note"] and "30" in body["count_note"]
    findings = {f["indicator"]: f for f in body["findings"]}
    assert len(findings) == 30
    mismatched = {name for name, f in findings.items() if f["status"] == "mismatch"}
    # basis vs target: 19.47×1.21^5=50.50≠40, 16.16×1.17^5=35.43≠30, 65.2×1.076^5=94.04≠90, 75×1.3^5=278.47≠300
    expected = {"规上数字经济核心产业劳动生产率": 50.50, "规上工业全员劳动生产率": 35.43,
                "“浙政钉”用户日活跃率": 94.04, "城市大脑应用场景": 278.47}
    assert set(expected) <= mismatched
    for name, projection in expected.items():
        assert findings[name]["projection"]["value"] == pytest.approx(projection, abs=0.01)
    # bases that do reproduce the target: 115+40×5=315, 9+1×5=14, 15+3×5=30, 85+2×5=95
    for name in ["数字经济核心产业国家高新技术企业", "数字经济核心产业上市企业", "工业互联网平台",
                 "互联网+监管平台承载的监管事项"]:
        assert findings[name]["status"] == "consistent", findings[name]
    # rows whose basis only cites another document cannot be recomputed
    assert findings["5G基站数量"]["status"] != "mismatch"
