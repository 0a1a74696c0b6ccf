"""``policybot indicators …``: the plan's indicator table from the command line.

Examples::

    policybot indicators list --json
    policybot indicators show 5G基站
    policybot indicators audit
    policybot indicators trajectory 数据中心总机架数
    policybot indicators export --format xlsx --output indicators.xlsx
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from indicators import engine
from indicators.catalog import IndicatorTable
from indicators.model import Figure, Indicator

app = typer.Typer(
    help="规划主要指标：查看、复核、逐年路径与导出（--plan 指定规划，默认为默认规划）。\n\n"
    "Examples:\n\n"
    "  policybot indicators list --json\n\n"
    "  policybot indicators show 5G基站\n\n"
    "  policybot indicators audit --json\n\n"
    "  policybot indicators trajectory 高企\n\n"
    "  policybot indicators export --format csv --output indicators.csv",
    no_args_is_help=True,
)

# The table's own columns, category … basis, in the DataFrame's order.
def list_fields() -> tuple[str, ...]:
    """The table's own columns, category … basis (pandas is imported only when a command needs it)."""
    from indicators.frame import COLUMNS

    return tuple(COLUMNS[: COLUMNS.index("basis") + 1])


PlanOption = Annotated[str | None, typer.Option("--plan", help="规划编号（默认：默认规划） / plan id")]


def _table(plan: str | None = None) -> IndicatorTable:
    from api.cli.plans import find_plan
    from corpus.plans.loading import load_plan

    return load_plan(find_plan(plan)).table


def _get(table: IndicatorTable, name: str) -> Indicator:
    try:
        return table.get(name)
    except KeyError as exc:
        typer.echo(str(exc.args[0]) if exc.args else str(exc), err=True)
        raise typer.Exit(code=1) from exc


def _num(x: float) -> str:
    return engine.fmt(x)


def _fig_line(f: Figure) -> str:
    note = f"（{f.note}）" if f.note else ""
    return f"  {f.quantity:<16} {_num(f.value)} {f.unit}  = {f.formula}{note}"


@app.command("list")
def list_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="以JSON数组输出 / print a JSON array")] = False,
    plan: PlanOption = None,
) -> None:
    """列出规划的全部指标。

    Examples: policybot indicators list ; policybot indicators list --json --plan PLAN_ID
    """
    table = _table(plan)
    if as_json:
        rows = []
        for ind in table.indicators:
            row = {k: getattr(ind, k) for k in list_fields()}
            row["basis_kind"] = ind.basis_parsed.kind
            row["aliases"] = list(ind.aliases)
            rows.append(row)
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    category = ""
    for ind in table.indicators:
        if ind.category != category:
            category = ind.category
            typer.echo(f"【{category}】")
        star = "*" if ind.base_year != ind.target_year - engine.NOMINAL_YEARS else ""
        typer.echo(
            f"  {ind.name}（{ind.unit or '无单位'}）：{ind.base_year}年 {_num(ind.base_value)}{star} → "
            f"{ind.target_year}年 {ind.target_text}"
        )
    note = f"；正文称{table.declared_count}项" if table.row_count_mismatch else ""
    typer.echo(f"共{len(table.indicators)}项{note}（*为{2019}年数据）")


@app.command("show")
def show_cmd(
    name: Annotated[str, typer.Argument(help="指标名称或别名，如 5G基站、机架数")], plan: PlanOption = None
) -> None:
    """显示一个指标的全部信息与常用计算。

    Example: policybot indicators show 5G基站
    """
    ind = _get(_table(plan), name)
    lines = [
        f"{ind.name}",
        f"  类别：{ind.category}",
        f"  表格原文：{ind.label}",
        f"  单位：{ind.unit or '无'}" + ("（表中未标，按名称推断）" if ind.unit_inferred else ""),
        f"  基期：{ind.base_year}年 {_num(ind.base_value)}",
        f"  目标：{ind.target_year}年 {ind.target_text}",
        f"  测算依据：{ind.basis}",
        f"  依据类型：{ind.basis_parsed.kind}",
        f"  别名：{'、'.join(ind.aliases) or '无'}",
        "  计算：",
    ]
    typer.echo("\n".join(lines))
    figs = [
        engine.change(ind),
        engine.multiple(ind) if ind.base_value > 0 else None,
        engine.required_cagr(ind) if ind.base_value > 0 else None,
        engine.annual_increment(ind),
    ]
    for f in figs:
        if f is not None:
            typer.echo(_fig_line(f))
    finding = engine.audit_indicator(ind)
    typer.echo(f"  复核：{finding.status_text}；{finding.note}")


@app.command("audit")
def audit_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="以JSON输出 / print JSON")] = False,
    plan: PlanOption = None,
) -> None:
    """按测算依据复算每项目标，列出不一致项与正文所称指标数和表中行数的差异。

    Examples: policybot indicators audit ; policybot indicators audit --json
    """
    report = _table(plan).audit
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(report.render())


@app.command("trajectory")
def trajectory_cmd(name: Annotated[str, typer.Argument(help="指标名称或别名")], plan: PlanOption = None) -> None:
    """指标从基期到2025年的逐年计划值。

    Example: policybot indicators trajectory 数据中心总机架数
    """
    ind = _get(_table(plan), name)
    rule = engine.trajectory_rule(ind)
    shape = "线性（每年等量）" if rule == "linear" else "等比（每年等速）"
    typer.echo(f"{ind.name}（{ind.unit}）逐年计划值，{shape}：")
    for f in engine.trajectory(ind):
        typer.echo(f"  {f.year}年  {_num(f.value)}")


@app.command("export")
def export_cmd(
    fmt: Annotated[str, typer.Option("--format", help="csv 或 xlsx")] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="输出文件，默认 indicators.<format>")
    ] = None,
    plan: PlanOption = None,
) -> None:
    """导出指标表（xlsx 另含逐年路径工作表）。

    Examples: policybot indicators export --format csv ; policybot indicators export --format xlsx -o out.xlsx
    """
    if fmt not in ("csv", "xlsx"):
        typer.echo(f"导出格式须为csv或xlsx，当前为{fmt!r} / format must be csv or xlsx", err=True)
        raise typer.Exit(code=2)
    path = output or Path(f"indicators.{fmt}")
    from indicators.frame import export_frame

    export_frame(_table(plan).indicators, fmt, path)
    typer.echo(f"已导出 {path}")
