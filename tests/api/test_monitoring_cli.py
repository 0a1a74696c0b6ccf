"""`policybot actuals import|list|history`, `policybot evaluate` and `policybot report`, run in-process."""

from __future__ import annotations

import json
from pathlib import Path

from docx import Document
from typer.testing import CliRunner

from api.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "corpus" / "actuals" / "sample-actuals-wide.csv"
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_import_dry_run_then_import_list_history(tmp_path: Path) -> None:
    code, out = run("actuals", "import", str(SAMPLE), "--dry-run")
    assert (code, out.splitlines()[0]) == (0, "试运行：可导入65个数值，未写入；文件格式：宽表")
    assert run("actuals", "list")[1].startswith("尚未导入实际值")
    code, out = run("actuals", "import", str(SAMPLE))
    assert (code, out.splitlines()[0]) == (0, "已导入65个数值（批次1）；文件格式：宽表")
    revised = tmp_path / "revised.csv"
    revised.write_text("指标,单位,2025年,数据来源\n5G基站数量,个,30100,年鉴\n", encoding="utf-8")
    assert run("actuals", "import", str(revised))[0] == 0
    code, out = run("actuals", "list", "--indicator", "5G基站", "--year", "2025")
    assert out.strip() == "5G基站数量  2025年  30100个  来源：年鉴  （批次2）"
    code, out = run("actuals", "history", "5G基站数量", "--year", "2025", "--json")
    assert [(a["value"], a["batch"]) for a in json.loads(out)] == [(30500.0, 1), (30100.0, 2)]


def test_rejected_rows_are_named_and_nothing_is_stored(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("指标,单位,2025年\n5G基站数,万个,3.05\n新能源汽车产量,万辆,3\n机器人,亿元,2\n", encoding="utf-8")
    code, out = run("actuals", "import", str(bad))
    assert code == 1
    assert "第3行 新能源汽车产量 指标表中没有匹配“新能源汽车产量”的指标" in out
    assert "第4行 机器人 2025年 单位“亿元”无法换算为“台”" in out
    assert run("actuals", "list")[1].startswith("尚未导入实际值")
    code, out = run("actuals", "import", str(bad), "--partial")
    assert (code, out.splitlines()[0]) == (0, "已导入1个数值（批次1）；文件格式：宽表")


def test_evaluate_and_report(tmp_path: Path) -> None:
    run("actuals", "import", str(SAMPLE))
    code, out = run("evaluate", "--year", "2025", "--json")
    body = json.loads(out)
    assert body["counts"] == {"完成": 7, "未完成": 6, "超前": 0, "符合": 0, "滞后": 0, "无数据": 17}
    rows = {r["indicator"]: r for r in body["rows"]}
    # IPv6: 12100000户 = 1210万户 ≥ 1200 → 完成, 1210/1200 = 100.83%
    assert (rows["IPv6活跃用户数"]["actual"], rows["IPv6活跃用户数"]["completion"]) == (1210.0, 100.83)
    code, out = run("evaluate", "--year", "2025")
    assert out.startswith(
        "纳入评估的30项指标中，7项完成、6项未完成、17项无数据。差距最大的是：软件和信息服务业营业收入"
    )
    target = tmp_path / "out" / "报告.docx"
    code, out = run("report", "--year", "2025", "--out", str(target))
    assert code == 0 and target.exists()
    doc = Document(str(target))
    assert len(doc.inline_shapes) == 7  # completion chart + one trajectory per 未完成 indicator (6)
    assert run("report", "--year", "2025", "--out", str(tmp_path / "x.pdf"))[0] == 2
    assert run("evaluate", "--year", "2030")[0] == 2
    assert run("evaluate", "--year", "2025", "--plan", "nope")[0] == 2
