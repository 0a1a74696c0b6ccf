"""The indicator table over HTTP: list, one indicator with its key figures, trajectory, audit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from api.deps import get_components, plan_context
from api.errors import ApiError
from bot.compose import figure_out
from bot.normalize import normalize
from bot.schemas import FigureOut
from indicators import engine
from indicators.catalog import IndicatorTable
from indicators.model import Indicator

router = APIRouter(tags=["indicators"])
# Names such as "FTTH/O宽带接入率" contain "/": the routes take the rest of the path, trajectory route first.

NamePath = Path(..., min_length=1, max_length=100, description="Indicator name or alias, e.g. 5G基站数量.")
PlanQuery = Query(None, max_length=64, description="Plan id (GET /v1/plans); default: the default plan.")


class IndicatorOut(BaseModel):
    plan: str = Field("", description="Id of the plan the row belongs to.")
    category: str
    name: str
    label: str
    unit: str
    unit_inferred: bool
    base_year: int
    base_value: float
    target_year: int
    target_value: float
    target_qualifier: str
    target_text: str
    basis: str
    basis_kind: str
    aliases: list[str]
    attribute: str = Field("", description="属性: 预期性 / 约束性 (empty when the table has no such column).")


class IndicatorList(BaseModel):
    plan: str = Field(description="Id of the plan.")
    title: str = Field(description="Title of the plan.")
    count: int = Field(description="Rows in the plan's indicator table.")
    declared_count: int | None = Field(description="Number of indicators the drafting note declares.")
    note: str = Field(description="Discrepancy between the two, if any.")
    indicators: list[IndicatorOut]


class IndicatorDetail(BaseModel):
    indicator: IndicatorOut
    figures: list[FigureOut]


class AuditOut(BaseModel):
    declared_count: int | None
    count: int
    count_note: str
    findings: list[dict[str, Any]]


def indicator_out(ind: Indicator) -> IndicatorOut:
    # The row's own JSON form plus the parsed basis kind; fields the model does not declare are ignored.
    return IndicatorOut.model_validate({**ind.to_dict(), "plan": ind.plan_id, "basis_kind": ind.basis_parsed.kind})


def count_note(table: IndicatorTable) -> str:
    """The audit's sentence on declared vs listed indicators (empty when they agree)."""
    report = table.audit
    return report.count_note if report.count_mismatch else ""


def _find(request: Request, name: str, plan: str | None) -> Indicator:
    table = plan_context(get_components(request), plan).table
    try:
        # Same normalisation as questions: traditional characters, full-width forms.
        return table.get(normalize(name))
    except KeyError as exc:
        message = str(exc.args[0]) if exc.args else name
        raise ApiError(404, "unknown_indicator", message.split(" / ")[0], f"no indicator named {name!r}") from exc


@router.get("/v1/indicators", response_model=IndicatorList, summary="All indicators of a plan")
def list_indicators(request: Request, plan: str | None = PlanQuery) -> IndicatorList:
    ctx = plan_context(get_components(request), plan)
    table = ctx.table
    return IndicatorList(
        plan=ctx.id,
        title=ctx.info.title,
        count=len(table),
        declared_count=table.declared_count,
        note=count_note(table),
        indicators=[indicator_out(i) for i in table.indicators],
    )


@router.get("/v1/indicators/{name:path}/trajectory", response_model=list[FigureOut], summary="Planned value per year")
def get_trajectory(request: Request, name: str = NamePath, plan: str | None = PlanQuery) -> list[FigureOut]:
    ind = _find(request, name, plan)
    return [figure_out(f, ind.plan_id or None) for f in engine.trajectory(ind)]


@router.get("/v1/indicators/{name:path}", response_model=IndicatorDetail, summary="One indicator with key figures")
def get_indicator(request: Request, name: str = NamePath, plan: str | None = PlanQuery) -> IndicatorDetail:
    ind = _find(request, name, plan)
    figures = [engine.lookup_base(ind), engine.lookup_target(ind), engine.change(ind), engine.multiple(ind)]
    if ind.is_percent:
        figures.append(engine.pp_change(ind))
    else:
        figures.append(engine.required_cagr(ind))
    return IndicatorDetail(indicator=indicator_out(ind), figures=[figure_out(f, ind.plan_id or None) for f in figures])


@router.get("/v1/audit", response_model=AuditOut, summary="Recompute every target from its basis")
def get_audit(request: Request, plan: str | None = PlanQuery) -> AuditOut:
    report = plan_context(get_components(request), plan).table.audit
    return AuditOut(
        declared_count=report.declared_count,
        count=report.row_count,
        count_note=report.count_note if report.count_mismatch else "",
        findings=[f.to_dict() for f in report.findings],
    )
