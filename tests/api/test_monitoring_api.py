"""POST/GET /v1/actuals, GET /v1/evaluation and GET /v1/report over a store of hand-made figures."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from shipped import SHIPPED_PLAN_ID, plan_tables, plan_title

from api.app import create_app
from bot.actuals.monitor import Monitor
from bot.actuals.report import DOCX_MEDIA_TYPE, XLSX_MEDIA_TYPE
from bot.actuals.store import open_store, sqlite_url
from bot.settings import Settings

WIDE_CSV = (
    "示例数据（虚构）,,,,\n"
    "指标,单位,2023年,2025年,数据来源\n"
    "5G基站数,万个,2.1,3.05,市通信管理局\n"
    "软件业收入,亿元,75,96,市经信局\n"
    "数据中心总机架数,个,,17500,市通信管理局\n"
).encode()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    monitor = Monitor(open_store(sqlite_url(tmp_path / "actuals.db")), plan_tables, SHIPPED_PLAN_ID, titles=plan_title)
    components = SimpleNamespace(monitor=monitor, chat=None)
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    with TestClient(create_app(settings, components_factory=lambda _s: components)) as test_client:
        yield test_client


def upload(client: TestClient, data: bytes = WIDE_CSV, **params: str) -> dict:  # type: ignore[type-arg]
    response = client.post("/v1/actuals", content=data, headers={"Content-Type": "text/csv"}, params=params)
    assert response.status_code in (200, 201), response.text
    return response.json()  # type: ignore[no-any-return]


def test_file_upload_then_list(client: TestClient) -> None:
    body = upload(client, filename="年报.csv")
    assert (body["status"], body["imported"], body["batch"], body["shape"]) == ("imported", 5, 1, "wide")
    listed = client.get("/v1/actuals", params={"indicator": "5G基站"}).json()
    assert listed["plan"] == SHIPPED_PLAN_ID
    assert [(a["year"], a["value"], a["source"]) for a in listed["actuals"]] == [
        (2023, 21000.0, "市通信管理局"),
        (2025, 30500.0, "市通信管理局"),
    ]


def test_json_rows_revision_and_history(client: TestClient) -> None:
    upload(client)
    rows = [{"indicator": "5G基站数量", "year": 2025, "value": 29800, "source": "市统计局年鉴"}]
    response = client.post("/v1/actuals", json={"rows": rows})
    assert response.status_code == 201 and response.json()["batch"] == 2
    latest = client.get("/v1/actuals", params={"indicator": "5G基站数量", "year": 2025}).json()["actuals"]
    assert [(a["value"], a["batch"]) for a in latest] == [(29800.0, 2)]
    history = client.get("/v1/actuals", params={"indicator": "5G基站数量", "year": 2025, "history": True}).json()
    assert [(a["value"], a["source"]) for a in history["actuals"]] == [
        (30500.0, "市通信管理局"),
        (29800.0, "市统计局年鉴"),
    ]


def test_rejected_import_names_rows_and_stores_nothing(client: TestClient) -> None:
    rows = [
        {"indicator": "5G基站数", "year": 2025, "value": 30500},
        {"indicator": "新能源汽车产量", "year": 2025, "value": 3},
    ]
    response = client.post("/v1/actuals", json={"rows": rows})
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "import_rejected"
    assert "第3行 新能源汽车产量" in body["error"]["message"] and " / 1 rows rejected" in body["error"]["message"]
    assert [r["label"] for r in body["report"]["rejected"]] == ["新能源汽车产量"]
    assert client.get("/v1/actuals").json()["count"] == 0
    partial = client.post("/v1/actuals", json={"rows": rows, "partial": True})
    assert partial.status_code == 201 and partial.json()["imported"] == 1


def test_dry_run_stores_nothing(client: TestClient) -> None:
    body = upload(client, dry_run="true")
    assert (body["status"], body["imported"], len(body["rows"])) == ("dry_run", 0, 5)
    assert client.get("/v1/actuals").json()["count"] == 0


def test_evaluation(client: TestClient) -> None:
    upload(client)
    body = client.get("/v1/evaluation", params={"year": 2025}).json()
    assert (body["plan"], body["year"]) == (SHIPPED_PLAN_ID, 2025)
    assert body["counts"] == {"完成": 1, "未完成": 2, "超前": 0, "符合": 0, "滞后": 0, "无数据": 27}
    rows = {r["indicator"]: r for r in body["rows"]}
    software = rows["软件和信息服务业营业收入"]
    keys = ("unit", "base", "target", "qualifier", "planned", "actual", "completion", "status")
    assert {k: software[k] for k in keys} == {
        "unit": "亿元", "base": 48.03, "target": 120.0, "qualifier": "", "planned": 120.0, "actual": 96.0,
        "completion": 80.0, "status": "未完成",
    }  # fmt: skip
    assert software["progress"] == 66.65  # (96-48.03)/(120-48.03) = 47.97/71.97
    assert rows["数据中心总机架数"]["qualifier"] == "以上"
    mid = {r["indicator"]: r for r in client.get("/v1/evaluation", params={"year": 2023}).json()["rows"]}
    assert (mid["软件和信息服务业营业收入"]["status"], mid["软件和信息服务业营业收入"]["needed_growth"]) == (
        "滞后",
        26.49,
    )
    # (120/75)^(1/2) - 1 = 0.26491


def test_report_docx_and_xlsx(client: TestClient) -> None:
    upload(client)
    docx = client.get("/v1/report", params={"year": 2025})
    assert docx.status_code == 200 and docx.headers["content-type"] == DOCX_MEDIA_TYPE
    doc = Document(io.BytesIO(docx.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "纳入评估的30项指标中，1项完成、2项未完成、27项无数据。" in text
    assert len(doc.inline_shapes) == 3  # completion chart + 2 lagging trajectories
    assert doc.paragraphs[0].text == "《温州市数字经济发展“十四五”规划》主要指标总结评估报告（2025年）"
    grid = doc.tables[0]
    assert len(grid.rows) == 31 and grid.rows[0].cells[9].text == "状态"
    software = next(r for r in grid.rows if r.cells[1].text == "软件和信息服务业营业收入")
    assert [c.text for c in software.cells[5:10]] == ["120", "96", "80", "66.65", "未完成"]
    assert "数据来源：市经信局、市通信管理局。" in text
    xlsx = client.get("/v1/report", params={"year": 2025, "format": "xlsx"})
    assert xlsx.headers["content-type"] == XLSX_MEDIA_TYPE
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert sheet["B1"].value == "指标" and sheet.max_row == 31


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status", "code"),
    [
        ("get", "/v1/evaluation?year=2026", {}, 422, "invalid_year"),
        ("get", "/v1/evaluation?year=2025&plan=nope", {}, 404, "unknown_plan"),
        ("get", "/v1/evaluation", {}, 422, "invalid_request"),
        ("get", "/v1/actuals?indicator=新能源汽车产量", {}, 404, "unknown_indicator"),
        ("get", "/v1/actuals?history=true", {}, 422, "indicator_required"),
        ("get", "/v1/report?year=2019", {}, 422, "invalid_year"),
        ("get", "/v1/report?year=2025&format=pdf", {}, 422, "invalid_request"),
        ("post", "/v1/actuals", {"json": {"rows": []}}, 422, "invalid_request"),
        ("post", "/v1/actuals", {"json": {"rows": [{"indicator": "x", "year": "2025", "value": 1}]}}, 422,
         "invalid_request"),
        ("post", "/v1/actuals", {"content": b"a,b\n1,2\n", "headers": {"Content-Type": "text/csv"}}, 422,
         "invalid_file"),
        ("post", "/v1/actuals", {"content": b"<x/>", "headers": {"Content-Type": "application/xml"}}, 415,
         "unsupported_media_type"),
    ],
)  # fmt: skip
def test_errors_are_bilingual(client: TestClient, method: str, url: str, kwargs: dict, status: int, code: str) -> None:  # type: ignore[type-arg]
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and "/ " in error["message"]  # 中文 / English
