"""`policybot indicators …` run in-process with CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from api.cli.indicators import app

runner = CliRunner()


def test_list_json() -> None:
    res = runner.invoke(app, ["list", "--json"])
    assert res.exit_code == 0
    rows = json.loads(res.output)
    assert len(rows) == 30
    keys = {
        "category",
        "name",
        "unit",
        "base_year",
        "base_value",
        "target_year",
        "target_value",
        "target_qualifier",
        "basis",
    }
    assert all(keys <= set(r) for r in rows)
    racks = next(r for r in rows if r["name"] == "数据中心总机架数")
    assert (racks["base_value"], racks["target_value"], racks["target_qualifier"]) == (
        8620,
        18000,
        "at_least",
    )


def test_list_text() -> None:
    res = runner.invoke(app, ["list"])
    assert res.exit_code == 0
    assert "共30项；正文称31项" in res.output


def test_show() -> None:
    res = runner.invoke(app, ["show", "5G基站"])
    assert res.exit_code == 0
    assert "27.02 %" in res.output and "20928" in res.output


def test_show_unknown_name_fails_cleanly() -> None:
    res = runner.invoke(app, ["show", "房价"])
    assert res.exit_code == 1
    assert "房价" in res.output


def test_audit_text_and_json() -> None:
    res = runner.invoke(app, ["audit"])
    assert res.exit_code == 0
    for name in (
        "规上数字经济核心产业劳动生产率",
        "规上工业全员劳动生产率",
        "“浙政钉”用户日活跃率",
        "31项",
        "30行",
    ):
        assert name in res.output
    data = json.loads(runner.invoke(app, ["audit", "--json"]).output)
    assert (data["declared_count"], data["row_count"], data["count_mismatch"]) == (31, 30, True)
    assert "城市大脑应用场景" in data["mismatches"]


def test_trajectory() -> None:
    res = runner.invoke(app, ["trajectory", "高企"])
    assert res.exit_code == 0
    assert "2023年  235" in res.output and "线性" in res.output


def test_export(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    res = runner.invoke(app, ["export", "--format", "csv", "--output", str(out)])
    assert res.exit_code == 0 and out.exists()
    assert (
        runner.invoke(app, ["export", "--format", "pdf", "--output", str(tmp_path / "x.pdf")]).exit_code == 2
    )


def test_help_has_examples() -> None:
    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0 and "policybot indicators list --json" in res.output
