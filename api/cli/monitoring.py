"""``policybot actuals …``, ``policybot evaluate`` and ``policybot report``: plan monitoring from the shell.

Examples::

    policybot actuals import corpus/actuals/sample-actuals-wide.csv --dry-run
    policybot actuals import 2025年统计.xlsx --plan my-plan --partial
    policybot actuals list --indicator 5G基站
    policybot actuals history 5G基站数量 --year 2025
    policybot evaluate --year 2025
    policybot report --year 2025 --out 评估报告.docx

The store is ``POLICYBOT_DATABASE_URL`` (default: a SQLite file in the data dir).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.actuals.monitor import Monitor

app = typer.Typer(
    help="实际值（统计数据）：导入、查看、修订历史。\n\n"
    "Examples:\n\n"
    "  policybot actuals import corpus/actuals/sample-actuals-wide.csv --dry-run\n\n"
    "  policybot actuals import data.xlsx --plan my-plan --partial\n\n"
    "  policybot actuals list --indicator 5G基站 --json\n\n"
    "  policybot actuals history 5G基站数量",
    no_args_is_help=True,
)

PlanOption = Annotated[str | None, typer.Option("--plan", help="规划编号；默认为内置规划 / plan id")]
JsonOption = Annotated[bool, typer.Option("--json", help="以JSON输出 / print JSON")]


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code=code)


def _monitor() -> Monitor:
    from bot.components import make_monitor

    try:
        return make_monitor(Settings())
    except RuntimeError as exc:
        raise _fail(str(exc)) from exc


def _plan(monitor: Monitor, plan: str | None) -> str:
    from bot.actuals.monitor import UnknownPlan

    try:
        return monitor.plan(plan)[0]
    except UnknownPlan as exc:
        raise _fail(str(exc.args[0])) from exc


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="CSV或XLSX文件（宽表或长表）", exists=True, dir_okay=False)],
    plan: PlanOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查，不写入 / check only")] = False,
    partial: Annotated[bool, typer.Option("--partial", help="有错误行时仍导入无误的行 / import the good rows")] = False,
    as_json: JsonOption = False,
) -> None:
    """导入实际值文件；有任何一行不能导入时整批不导入（除非 --partial），并逐行说明原因。

    Example: policybot actuals import corpus/actuals/sample-actuals-wide.csv --dry-run
    """
    from bot.actuals.files import FileFormatError

    monitor = _monitor()
    _plan(monitor, plan)
    try:
        report = monitor.import_file(file.read_bytes(), file.name, plan, dry_run=dry_run, partial=partial)
    except FileFormatError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if as_json else report.render())
    if report.status == "rejected":
        raise typer.Exit(code=1)


@app.command("list")
def list_cmd(
    plan: PlanOption = None,
    indicator: Annotated[str | None, typer.Option("--indicator", help="指标名称或别名")] = None,
    year: Annotated[int | None, typer.Option("--year", help="年份")] = None,
    as_json: JsonOption = False,
) -> None:
    """各指标各年份的最新实际值。

    Example: policybot actuals list --indicator 5G基站
    """
    rows = _actuals("latest", plan, indicator, year, as_json)
    if rows is None:
        return
    if not rows:
        typer.echo("尚未导入实际值 / no actuals stored")
    for a in rows:
        source = f"  来源：{a.source}" if a.source else ""
        typer.echo(f"{a.indicator}  {a.year}年  {a.value:g}{a.unit}{source}  （批次{a.batch}）")


def _actuals(which: str, plan: str | None, indicator: str | None, year: int | None, as_json: bool) -> list[Any] | None:
    """The stored actuals (``latest`` or the whole ``history``); printed as JSON (returning None) with ``--json``."""
    monitor = _monitor()
    plan_id = _plan(monitor, plan)
    try:
        rows = list(getattr(monitor, which)(plan_id, indicator, year))
    except KeyError as exc:
        raise _fail(str(exc.args[0])) from exc
    if as_json:
        typer.echo(json.dumps([a.to_dict() for a in rows], ensure_ascii=False, indent=2))
        return None
    return rows


@app.command("history")
def history_cmd(
    indicator: Annotated[str, typer.Argument(help="指标名称或别名")],
    plan: PlanOption = None,
    year: Annotated[int | None, typer.Option("--year", help="年份")] = None,
    as_json: JsonOption = False,
) -> None:
    """一个指标的全部导入记录（修订不覆盖历史，最后一条为当前值）。

    Example: policybot actuals history 5G基站数量 --year 2025
    """
    rows = _actuals("history", plan, indicator, year, as_json)
    if rows is None:
        return
    for a in rows:
        when = a.imported_at.strftime("%Y-%m-%d %H:%M")
        typer.echo(f"{a.year}年  {a.value:g}{a.unit}  来源：{a.source or '—'}  导入：{when}（批次{a.batch}）")


def evaluate_cmd(
    year: Annotated[int, typer.Option("--year", help="评估年份，如2025（总结评估）或2023（中期评估）")],
    plan: PlanOption = None,
    as_json: JsonOption = False,
) -> None:
    """各指标在某一年的完成情况：规划值、实际值、完成率、进度、状态、所需年均增长。

    Examples: policybot evaluate --year 2025 ; policybot evaluate --year 2023 --json
    """
    from bot.actuals.report import HEADERS, summary_text, table_cells

    monitor = _monitor()
    plan_id = _plan(monitor, plan)
    try:
        evaluation = monitor.evaluation(plan_id, year)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps(evaluation.to_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(summary_text(evaluation, max(r.target_year for r in evaluation.rows)))
    typer.echo(" | ".join(HEADERS[1:]))
    for n, row in enumerate(evaluation.rows, 1):
        typer.echo(" | ".join(table_cells(row, n)[1:]))


def report_cmd(
    year: Annotated[int, typer.Option("--year", help="评估年份")],
    out: Annotated[Path, typer.Option("--out", "-o", help="输出文件：.docx（Word报告）或.xlsx（表格）")],
    plan: PlanOption = None,
    title: Annotated[str | None, typer.Option("--title", help="报告中的规划名称")] = None,
) -> None:
    """生成评估报告：Word（摘要、完成情况表、完成率图、滞后指标轨迹图、方法说明）或Excel。

    Examples: policybot report --year 2025 --out 评估报告.docx ; policybot report --year 2025 -o 评估表.xlsx
    """
    from bot.actuals.charts import FontMissing
    from bot.actuals.report import build_docx, build_xlsx

    suffix = out.suffix.lower()
    if suffix not in (".docx", ".xlsx"):
        raise _fail(f"输出文件须为.docx或.xlsx：{out} / --out must end in .docx or .xlsx")
    monitor = _monitor()
    plan_id = _plan(monitor, plan)
    try:
        data = build_docx(monitor, plan_id, year, title) if suffix == ".docx" else build_xlsx(monitor, plan_id, year)
    except (ValueError, FontMissing) as exc:
        raise _fail(str(exc)) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    typer.echo(f"已生成 {out}")
