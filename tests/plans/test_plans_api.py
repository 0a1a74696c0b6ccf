"""The plan library over HTTP and a live server picking up an ingest (and a removal) within 10 s."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from plans.conftest import plan_settings
from plans.plan_docs import PLANS, write_plans

YUNTAI, NANHU, DONGJIANG = "yuntai-szjj-2021-2025", "nanhu-szjj-2021-2025", "dongjiang-szzfjs-2021-2025"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """A fresh app over two plans (its own data dir: uploads and removals stay in this test)."""
    from api.app import create_app
    from bot.components import build_components

    settings = plan_settings(write_plans(tmp_path / "docs", ("yuntai.md", "nanhu.md")), tmp_path / "data")
    with TestClient(create_app(settings, lambda s: build_components(s))) as c:
        yield c


def test_list_and_show_plans(client: TestClient) -> None:
    listing = client.get("/v1/plans").json()
    assert listing["default"] is None
    assert [(p["id"], p["region"], p["level"], p["period"], p["indicators"]) for p in listing["plans"]] == [
        (NANHU, "南湖市", "市", "2021–2025", 3),
        (YUNTAI, "云台市", "市", "2021–2025", 4),
    ]
    one = client.get(f"/v1/plans/{YUNTAI}").json()
    assert one["title"] == "云台市数字经济发展“十四五”规划" and one["issuer"] == "云台市经济和信息化局"
    missing = client.get("/v1/plans/no-such-plan")
    assert missing.status_code == 404 and "no-such-plan" in missing.json()["error"]["message"]


def test_indicators_per_plan_and_a_clear_400_without_default(client: TestClient) -> None:
    rows = client.get("/v1/indicators", params={"plan": NANHU}).json()
    assert rows["plan"] == NANHU
    assert [(r["name"], r["base_value"], r["target_value"], r["plan"]) for r in rows["indicators"]] == [
        ("5G基站数量", 4000, 12000, NANHU),
        ("千兆宽带用户数", 5, 40, NANHU),
        ("规上工业企业数字化改造覆盖率", 50, 90, NANHU),
    ]
    no_plan = client.get("/v1/indicators")
    assert no_plan.status_code == 400 and "plan" in no_plan.json()["error"]["message"]
    assert client.get("/v1/indicators", params={"plan": "nope-nope"}).status_code == 404
    cagr = client.get(f"/v1/indicators/5G基站数量?plan={YUNTAI}").json()
    assert [f["value"] for f in cagr["figures"] if f["quantity"] == "cagr"] == [31.95]


def test_chat_plan_field(client: TestClient) -> None:
    reply = client.post("/v1/chat", json={"question": "5G基站目标是多少？", "plan": NANHU}).json()
    assert [f["value"] for f in reply["figures"]] == [12000] and reply["plans"][0]["id"] == NANHU
    unknown = client.post("/v1/chat", json={"question": "5G基站目标是多少？", "plan": "unknown-plan"})
    assert unknown.status_code == 404 and "unknown-plan" in unknown.json()["error"]["message"]
    bad = client.post("/v1/chat", json={"question": "5G?", "plan": "../../etc"})
    assert bad.status_code in (400, 422)


def test_upload_then_remove_a_plan(client: TestClient) -> None:
    files = {"files": ("dongjiang.md", PLANS["dongjiang.md"].encode(), "text/markdown")}
    created = client.post("/v1/plans", files=files)
    assert created.status_code == 201, created.text
    added = created.json()["added"]
    assert [(p["id"], p["indicators"], p["region"]) for p in added] == [(DONGJIANG, 2, "东江省")]
    reply = client.post("/v1/chat", json={"question": "东江省一网通办注册用户数2025年目标？"}).json()
    assert [f["value"] for f in reply["figures"]] == [2000] and reply["plans"][0]["id"] == DONGJIANG
    again = client.post("/v1/plans", files=files)
    assert again.status_code == 400 and "already" in again.json()["error"]["message"]
    assert client.delete(f"/v1/plans/{YUNTAI}").status_code == 409  # shipped (configured) plans stay
    assert client.delete(f"/v1/plans/{DONGJIANG}").status_code == 200
    assert DONGJIANG not in [p["id"] for p in client.get("/v1/plans").json()["plans"]]


def test_upload_refuses_a_binary_renamed_txt(client: TestClient) -> None:
    files = {"files": ("plan.txt", b"\x00\x01\x02ELF" * 100, "text/plain")}
    reply = client.post("/v1/plans", files=files)
    assert reply.status_code == 400 and "does not match" in reply.json()["error"]["message"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read().decode())


def test_a_running_server_picks_up_an_ingest_and_a_removal_within_10_seconds(tmp_path: Path) -> None:
    docs = write_plans(tmp_path / "docs", ("yuntai.md",))
    src = write_plans(tmp_path / "src", ("nanhu.md",))
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "POLICYBOT_DATA_DIR": str(tmp_path / "data"),
        "POLICYBOT_CORPUS_DOCUMENTS_DIR": str(docs),
        "POLICYBOT_VECTORSTORE_MODE": "memory",
        "POLICYBOT_PLANS_WATCH_SECONDS": "1",
    }
    cli = [sys.executable, "-m", "api.cli.main"]
    server = subprocess.Popen([*cli, "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if [p["id"] for p in _get(base + "/v1/plans")["plans"]] == [YUNTAI]:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("server did not start")
        done = subprocess.run([*cli, "ingest", str(src / "nanhu.md"), "--no-index"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        ingested = time.monotonic()
        while time.monotonic() - ingested < 10:
            if NANHU in [p["id"] for p in _get(base + "/v1/plans")["plans"]]:
                break
            time.sleep(0.2)
        # Seen within 10 s of the ingest's commit (the new plan's index is built by the server).
        assert NANHU in [p["id"] for p in _get(base + "/v1/plans")["plans"]]
        removed = subprocess.run([*cli, "plans", "remove", NANHU], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=120)
        assert removed.returncode == 0, removed.stderr
        gone = time.monotonic()
        while time.monotonic() - gone < 10 and NANHU in [p["id"] for p in _get(base + "/v1/plans")["plans"]]:
            time.sleep(0.2)
        assert [p["id"] for p in _get(base + "/v1/plans")["plans"]] == [YUNTAI]
        # Only the removed plan's index folder is deleted.
        assert not (tmp_path / "data" / "index" / NANHU).exists()
        assert (tmp_path / "data" / "index" / YUNTAI).is_dir()
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize(
    "extra",
    [{"model": f"policybot:{NANHU}"}, {"model": "policybot", "metadata": {"plan": NANHU}}],
    ids=["model-name", "metadata"],
)
def test_openai_compatible_requests_choose_a_plan(client: TestClient, extra: dict[str, Any]) -> None:
    body = {"messages": [{"role": "user", "content": "5G基站目标是多少？"}], **extra}
    reply = client.post("/v1/chat/completions", json=body).json()
    assert [f["value"] for f in reply["policybot"]["figures"]] == [12000]
    assert reply["policybot"]["plans"][0]["id"] == NANHU
    unknown = client.post("/v1/chat/completions", json={**body, "model": "policybot:no-such-plan", "metadata": {}})
    assert unknown.status_code == 404
