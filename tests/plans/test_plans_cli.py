"""`policybot plans …`, `policybot ingest` and `indicators --plan` run in-process with CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli.main import app
from plans.plan_docs import write_plans

runner = CliRunner()
NANHU, YUNTAI = "nanhu-szjj-2021-2025", "yuntai-szjj-2021-2025"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    docs = write_plans(tmp_path / "docs", ("yuntai.md",))
    monkeypatch.setenv("POLICYBOT_CORPUS_DOCUMENTS_DIR", str(docs))
    monkeypatch.setenv("POLICYBOT_VECTORSTORE_MODE", "memory")
    monkeypatch.setenv("POLICYBOT_PLANS_DEFAULT", "")
    return write_plans(tmp_path / "src", ("nanhu.md",))


def test_ingest_list_show_remove(env: Path) -> None:
    added = runner.invoke(app, ["ingest", str(env / "nanhu.md"), "--no-index"])
    assert added.exit_code == 0, added.output
    assert f"已添加 / added: {NANHU}" in added.output
    again = runner.invoke(app, ["ingest", str(env / "nanhu.md"), "--no-index"])
    assert again.exit_code == 0 and "already" in again.output  # idempotent, not an error
    listed = json.loads(runner.invoke(app, ["plans", "list", "--json"]).output)
    assert [(p["id"], p["shipped"]) for p in listed] == [(YUNTAI, True), (NANHU, False)]
    shown = json.loads(runner.invoke(app, ["plans", "show", NANHU, "--json"]).output)
    assert (shown["indicators"], shown["issuer"], shown["problems"]) == (3, "南湖市发展和改革委员会", [])
    rows = json.loads(runner.invoke(app, ["indicators", "list", "--json", "--plan", NANHU]).output)
    assert [(r["name"], r["target_value"]) for r in rows] == [
        ("5G基站数量", 12000), ("千兆宽带用户数", 40), ("规上工业企业数字化改造覆盖率", 90)
    ]
    refused = runner.invoke(app, ["plans", "remove", YUNTAI])
    assert refused.exit_code == 2 and "shipped" in refused.output
    removed = runner.invoke(app, ["plans", "remove", NANHU])
    assert removed.exit_code == 0 and NANHU in removed.output
    assert [p["id"] for p in json.loads(runner.invoke(app, ["plans", "list", "--json"]).output)] == [YUNTAI]


def test_indicators_need_a_plan_when_there_is_no_default(env: Path) -> None:
    runner.invoke(app, ["ingest", str(env / "nanhu.md"), "--no-index"])
    res = runner.invoke(app, ["indicators", "list"])
    assert res.exit_code == 2 and "--plan" in res.output
    unknown = runner.invoke(app, ["indicators", "list", "--plan", "no-such-plan"])
    assert unknown.exit_code == 2 and "no-such-plan" in unknown.output


def test_unsafe_ingest_exits_non_zero_with_reasons(env: Path, tmp_path: Path) -> None:
    bad = tmp_path / "fake.txt"
    bad.write_bytes(b"\x00\x01binary" * 50)
    res = runner.invoke(app, ["ingest", str(bad)])
    assert res.exit_code == 1 and "does not match" in res.output
