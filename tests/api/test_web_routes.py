"""The web workspace over HTTP (no browser): pages, vendored assets, offline docs, /v1/about, /v1/feedback."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli.chat import public_url
from api.cli.main import app as cli_app
from api.feedback import FeedbackIn, SqliteFeedbackStore
from api.routers.web import PAGE_CSP, STATIC_DIR, help_examples
from bot.settings import Settings

WEB = Path(__file__).resolve().parents[2] / "api" / "web"
OWN_FILES = sorted([*WEB.glob("pages/*.html"), *WEB.glob("static/*.js"), *WEB.glob("static/*.css")])
ASSET = re.compile(r'(?:src|href)="(/static/[^"]+)"')


@pytest.fixture(scope="module")
def client(components: Any, test_settings: Any) -> Iterator[TestClient]:
    app = create_app(test_settings, components_factory=lambda _settings: components)
    with TestClient(app) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/", "/indicators", "/tasks"])
def test_pages_load_their_own_assets_under_a_strict_policy(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == PAGE_CSP
    assets = ASSET.findall(response.text)
    assert "/static/app.css" in assets and "/static/common.js" in assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert client.head(path).status_code == 200


def test_own_pages_and_scripts_name_no_remote_host_and_no_plan() -> None:
    assert len(OWN_FILES) == 8  # 3 pages, common/chat/indicators/tasks scripts, 1 stylesheet
    for path in OWN_FILES:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?://", text), path.name
        assert "温州" not in text and "十四五" not in text, path.name  # titles and examples come from the API
        assert ".innerHTML" not in text, path.name  # text goes in as text; markdown through DOMPurify


@pytest.mark.parametrize(("path", "count"), [("/docs", 2), ("/redoc", 1)])
def test_api_docs_use_vendored_assets(client: TestClient, path: str, count: int) -> None:
    page = client.get(path).text
    assets = re.findall(r'(?:src|href)="(/static/vendor/[^"]+\.(?:js|css))"', page)
    assert len(assets) == count
    assert all(client.get(a).status_code == 200 for a in assets)
    assert "cdn.jsdelivr.net" not in page and "fonts.googleapis.com" not in page


def test_vendored_files_match_the_checksums_in_vendor_md() -> None:
    vendor = STATIC_DIR / "vendor"
    listed = re.findall(r"^([0-9a-f]{64})  (\S+)$", (vendor / "VENDOR.md").read_text(), re.MULTILINE)
    on_disk = sorted(str(p.relative_to(vendor)) for p in vendor.glob("*/*"))
    assert sorted(name for _, name in listed) == on_disk
    for digest, name in listed:
        assert hashlib.sha256((vendor / name).read_bytes()).hexdigest() == digest, name


def test_about_gives_title_examples_and_document_titles(client: TestClient) -> None:
    about = client.get("/v1/about").json()
    assert about["title"] == "温州市数字经济发展“十四五”规划"
    assert about["examples"][0] == "数字经济增加值2025年目标是多少？"  # built from the plan's first indicator row
    assert len(about["examples"]) == 6
    assert about["documents"] == [{
        "source": "wenzhou-digital-economy-14fyp-drafting-note.txt",
        "title": "关于《温州市数字经济发展“十四五”规划》的起草说明",
        "issuer": "温州市经济和信息化局",
        "date": "2021-11",
    }]


def test_help_examples_table() -> None:
    text = "我是《甲规划》助手，如“乙指标目标多少？”或“丙有哪些？”"
    assert help_examples(text) == ("甲规划", ["乙指标目标多少？", "丙有哪些？"])
    assert help_examples("没有书名号") == ("规划问答助手", [])


def test_feedback_is_stored_and_validated(client: TestClient, test_settings: Any) -> None:
    body = {"rating": "down", "question": "5G基站目标？", "answer": "30000个", "session_id": "s1", "citations": ["c1"]}
    saved = client.post("/v1/feedback", json=body)
    assert saved.status_code == 201
    stored = SqliteFeedbackStore(test_settings.data_dir / "feedback.db").all()
    assert [(r.id, r.rating, r.question, r.citations) for r in stored][-1] == (
        saved.json()["id"], "down", "5G基站目标？", ["c1"]
    )
    bad = client.post("/v1/feedback", json={**body, "rating": "meh"})
    assert bad.status_code == 422
    assert set(bad.json()) == {"error"}


def test_feedback_export_cli_writes_jsonl_and_csv(tmp_path: Path) -> None:
    store = SqliteFeedbackStore(Settings().data_dir / "feedback.db")  # the autouse fixture's data dir
    store.add(FeedbackIn(rating="up", question="甲？", answer="乙"))
    store.add(FeedbackIn(rating="down", question="丙？", comment="数字不对"))
    runner = CliRunner()
    out = runner.invoke(cli_app, ["feedback", "export"])
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.output.splitlines()]
    got = [(r["rating"], r["question"], r["comment"]) for r in rows]
    assert got == [("up", "甲？", ""), ("down", "丙？", "数字不对")]
    target = tmp_path / "fb.csv"
    out = runner.invoke(cli_app, ["feedback", "export", "--format", "csv", "-o", str(target)])
    assert out.exit_code == 0, out.output
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id,created_at,rating,question,answer,session_id,intent,citations,comment"
    assert len(lines) == 3 and lines[2].endswith(",down,丙？,,,,,数字不对")
    assert runner.invoke(cli_app, ["feedback", "export", "--format", "xml"]).exit_code == 2


def test_public_url_table() -> None:
    assert public_url("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert public_url("0.0.0.0", 8080) == "http://127.0.0.1:8080/"
    assert public_url("::1", 9000) == "http://[::1]:9000/"
