"""``policybot plans …`` and ``policybot ingest``: the plan library from the command line.

Examples::

    policybot plans list
    policybot plans show lishui-szjj-2021-2025 --json
    policybot plans remove lishui-szjj-2021-2025
    policybot ingest 丽水市数字经济发展规划.docx
    policybot ingest plans/衢州/ --bundle            # a folder (text + indicator workbook) is one plan
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from bot.settings import Settings
from corpus.plans.model import PlanInfo

app = typer.Typer(
    help="规划库：列出、查看、删除规划 / the plan library.\n\n"
    "Examples:\n\n  policybot plans list\n\n  policybot plans show PLAN_ID --json\n\n  policybot plans remove PLAN_ID",
    no_args_is_help=True,
)


def _registry(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.components import make_registry

    return make_registry(settings)


def _describe(info: PlanInfo) -> str:
    parts = [f"{info.id}", f"  标题：{info.display}"]
    if info.region:
        parts.append(f"  地区：{info.region}（{info.level or '未知层级'}）")
    if info.period:
        parts.append(f"  期限：{info.period_text}")
    if info.issuer or info.date:
        parts.append(f"  发布：{info.issuer} {info.date}".rstrip())
    parts.append(f"  文件：{'、'.join(info.sources)}")
    parts.append("  来源：随软件提供" if info.shipped else "  来源：已入库")
    return "\n".join(parts)


def find_plan(plan_id: str | None) -> PlanInfo:
    """The plan named ``plan_id``, or the default plan (exit 2 with a message when there is none)."""
    settings = Settings()
    plans = _registry(settings).scan()
    if plan_id:
        found = [p for p in plans if p.id == plan_id]
        if not found:
            ids = "、".join(p.id for p in plans)
            typer.echo(f"没有编号为 {plan_id} 的规划（已有：{ids}） / no plan with id {plan_id!r}", err=True)
            raise typer.Exit(2)
        return found[0]
    default = settings.plans.default
    chosen = [p for p in plans if (p.id == default) or (default == "auto" and p.default)]
    if not chosen and len(plans) == 1:
        chosen = plans
    if not chosen:
        typer.echo("有多个规划且没有默认规划，请用 --plan 指定 / several plans: pass --plan ID", err=True)
        raise typer.Exit(2)
    return chosen[0]


@app.command("list")
def list_cmd(as_json: Annotated[bool, typer.Option("--json", help="JSON 输出 / print JSON")] = False) -> None:
    """列出全部规划。

    Example: policybot plans list --json
    """
    plans = _registry(Settings()).scan()
    if as_json:
        typer.echo(json.dumps([p.to_dict() for p in plans], ensure_ascii=False, indent=2))
        return
    for p in plans:
        flag = "（默认）" if p.default else ""
        typer.echo(f"{p.id}  {p.display}{flag}  {p.region} {p.period_text}")
    typer.echo(f"共{len(plans)}个规划")


@app.command("show")
def show_cmd(
    plan_id: Annotated[str, typer.Argument(help="规划编号，见 plans list")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON 输出 / print JSON")] = False,
) -> None:
    """显示一个规划的元数据、指标数与任务数。

    Example: policybot plans show lishui-szjj-2021-2025
    """
    from corpus.plans.loading import load_plan

    info = find_plan(plan_id)
    data = load_plan(info)
    if as_json:
        out = {**info.to_dict(), "indicators": len(data.table), "tasks": len(data.catalogue.tasks),
               "subtasks": len(data.catalogue.subtasks), "problems": data.problems}
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    typer.echo(_describe(info))
    cat = data.catalogue
    typer.echo(f"  指标：{len(data.table)}项；任务：{len(cat.tasks)}项（子任务{len(cat.subtasks)}项）")
    for problem in data.problems:
        typer.echo(f"  问题：{problem}")


@app.command("remove")
def remove_cmd(plan_id: Annotated[str, typer.Argument(help="规划编号")]) -> None:
    """删除一个已入库的规划及其索引数据（向量集合、index/<编号>）；随软件提供的规划不能删除。运行中的服务在数秒内不再使用它。

    Example: policybot plans remove lishui-szjj-2021-2025
    """
    from bot.components import publish_plan_change, remove_plan_data
    from corpus.plans.registry import PlanError

    settings = Settings()
    try:
        info = _registry(settings).remove(plan_id)
    except PlanError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    remove_plan_data(settings, plan_id)
    publish_plan_change(settings, _registry(settings).generation())
    typer.echo(f"已删除 / removed: {info.id} {info.display}")


def ingest(
    paths: list[Path] = typer.Argument(..., help="Plan documents or folders (txt md docx pdf html xlsx xls csv)."),
    bundle: bool = typer.Option(False, "--bundle", help="All given files form ONE plan (e.g. text + workbook)."),
    plan_id: str | None = typer.Option(None, "--id", help="Plan id (default: derived from the title)."),
    title: str | None = typer.Option(None, "--title", help="Plan title (default: from the document)."),
    index: bool = typer.Option(True, "--index/--no-index", help="Build the new plan's search index now."),
) -> None:
    """Add plans: each file (or folder, or files sharing a name stem) becomes a plan of its own.

    Examples:
        policybot ingest 丽水市数字经济发展规划.md
        policybot ingest 衢州规划.docx 衢州指标.xlsx --bundle --id quzhou-szzf
        policybot ingest plans/                 # each sub-folder or file below becomes a plan

    Files are checked first (no links, size limit POLICYBOT_CORPUS_MAX_FILE_MB, content must match the
    type), staged, and committed at once; a running `policybot serve` picks the plan up within seconds.
    """
    from bot.components import build_context, make_embedder
    from corpus.plans.loading import load_plan
    from corpus.plans.registry import PlanError

    settings = Settings()
    registry = _registry(settings)
    meta = {k: v for k, v in {"id": plan_id, "title": title}.items() if v}
    started = time.perf_counter()
    typer.echo(f"检查并暂存 {len(paths)} 个路径… / checking and staging…")
    try:
        report = registry.ingest(paths, bundle=bundle, meta=meta or None, validate=lambda i: load_plan(i).problems)
    except PlanError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    if report.added:
        from bot.components import publish_plan_change

        publish_plan_change(settings, registry.generation())
    for path, why in report.skipped:
        typer.echo(f"已跳过 / skipped: {path}（{why}）")
    embedder = make_embedder(settings) if report.added and index else None
    for info in report.added:
        typer.echo(f"已添加 / added: {info.id}  {info.display}  ({'、'.join(info.sources)})")
        for problem in report.problems.get(info.id, []):
            typer.echo(f"  注意 / problem: {problem}")
        if embedder is not None:
            t = time.perf_counter()
            ctx = build_context(settings, info, embedder)
            typer.echo(
                f"  索引 / indexed: {len(ctx.table)} indicators, {len(ctx.catalogue.subtasks)} sub-tasks, "
                f"{len(ctx.chunks)} chunks in {time.perf_counter() - t:.1f} s"
            )
    typer.echo(f"完成 / done in {time.perf_counter() - started:.1f} s: {len(report.added)} added, "
               f"{len(report.skipped)} skipped")
    if not report.added and any("already" not in why for _, why in report.skipped):
        raise typer.Exit(1)
