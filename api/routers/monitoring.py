"""Plan monitoring over HTTP: import and list actual figures, evaluate a year, download the report.

POST /v1/actuals?plan=…            JSON rows, or a CSV/XLSX file as the raw body
GET  /v1/actuals?plan=&indicator=  newest values (history=true: every revision)
GET  /v1/evaluation?plan=&year=    one row per indicator with planned, actual, completion, status …
GET  /v1/report?plan=&year=&format=docx|xlsx
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.exc import SQLAlchemyError

from api.deps import get_components
from api.errors import ApiError, error_body
from bot.actuals.charts import FontMissing
from bot.actuals.files import FileFormatError
from bot.actuals.importer import ImportReport
from bot.actuals.monitor import Monitor, UnknownPlan
from bot.actuals.report import DOCX_MEDIA_TYPE, XLSX_MEDIA_TYPE, build_docx, build_xlsx
from bot.normalize import normalize

router = APIRouter(tags=["monitoring"])

PlanQuery = Query(None, min_length=1, max_length=200, description="Plan id; default: the shipped plan.")
YearQuery = Query(..., ge=2000, le=2100, description="Evaluation year, e.g. 2025 (总结评估) or 2023 (中期评估).")
FILE_TYPES = {"text/csv": "upload.csv", "text/plain": "upload.csv", XLSX_MEDIA_TYPE: "upload.xlsx",
              "application/octet-stream": ""}  # fmt: skip


class ActualRowIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    indicator: str = Field(min_length=1, max_length=200, description="Indicator name or alias, e.g. 5G基站数.")
    year: int = Field(ge=2000, le=2100)
    value: float = Field(description="The figure in `unit` (or in the indicator's unit when unit is empty).")
    unit: str = Field("", max_length=20, description="e.g. 万个, 亿元, %; converted where exact.")
    source: str = Field("", max_length=200, description="e.g. 市统计局.")
    note: str = Field("", max_length=2000)
    plan: str = Field("", max_length=200, description="Plan id; empty: the request's plan.")


class ActualsPost(BaseModel):
    """POST /v1/actuals JSON body."""

    model_config = ConfigDict(extra="forbid", strict=True)

    plan: str | None = Field(None, min_length=1, max_length=200)
    rows: list[ActualRowIn] = Field(min_length=1, max_length=5000)
    partial: bool = Field(False, description="Import the good rows even when others are rejected.")
    dry_run: bool = Field(False, description="Check only; store nothing.")


class RowIssueOut(BaseModel):
    line: int
    label: str
    year: int | None
    reason: str


class ParsedValueOut(BaseModel):
    line: int
    label: str
    plan: str
    indicator: str
    year: int
    value: float
    unit: str
    given: str
    source: str
    note: str


class ImportOut(BaseModel):
    status: Literal["imported", "dry_run"]
    shape: str
    filename: str
    batch: int | None
    imported: int
    rows: list[ParsedValueOut]
    rejected: list[RowIssueOut]
    skipped: list[RowIssueOut]


class ActualOut(BaseModel):
    id: int
    plan: str
    indicator: str
    year: int
    value: float
    unit: str
    source: str
    note: str
    imported_at: str
    batch: int


class ActualsList(BaseModel):
    plan: str
    count: int
    actuals: list[ActualOut]


class EvaluationRowOut(BaseModel):
    indicator: str
    unit: str
    base: float
    base_year: int
    target: float
    target_year: int
    qualifier: str
    planned: float
    actual: float | None
    completion: float | None = Field(description="actual ÷ target × 100 (以下 targets: target ÷ actual × 100).")
    progress: float | None = Field(description="(actual − base) ÷ (target − base) × 100.")
    status: Literal["完成", "未完成", "超前", "符合", "滞后", "无数据"]
    needed_growth: float | None = Field(description="Per remaining year, in needed_growth_unit.")
    needed_growth_unit: str
    source: str
    figures: list[dict[str, Any]]


class EvaluationOut(BaseModel):
    plan: str
    year: int
    counts: dict[str, int]
    rows: list[EvaluationRowOut]


def _monitor(request: Request) -> Monitor:
    monitor = getattr(get_components(request), "monitor", None)
    if monitor is None:
        raise ApiError(503, "monitoring_unavailable", "实际值数据库未配置", "The actuals store is not configured")
    return monitor


def _plan(monitor: Monitor, plan: str | None) -> str:
    try:
        return monitor.plan(plan)[0]
    except UnknownPlan as exc:
        raise ApiError(404, "unknown_plan", *_bilingual(str(exc.args[0]))) from exc


def _bilingual(message: str) -> tuple[str, str]:
    zh, _, en = message.partition(" / ")
    return zh, en or zh


@contextmanager
def _database() -> Iterator[None]:
    """A database that cannot be reached is a 503 with the uniform body, never a 500."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise ApiError(
            503, "database_unavailable", "实际值数据库暂不可用", "The actuals database is unavailable"
        ) from exc


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its $defs substituted in place (for openapi_extra)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {k: walk(v) for k, v in node.items()}
        return [walk(v) for v in node] if isinstance(node, list) else node

    return walk(schema)  # type: ignore[no-any-return]


_BINARY = {"schema": {"type": "string", "format": "binary"}}
_POST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _inline(ActualsPost.model_json_schema())},
            "text/csv": {"schema": {"type": "string"}},
            XLSX_MEDIA_TYPE: _BINARY,
        },
    }
}


def _rejected(report: ImportReport) -> JSONResponse:
    first = "；".join(f"第{r.line}行 {r.label}：{r.reason.split(' / ')[0]}" for r in report.rejected[:3])
    message = (
        f"{len(report.rejected)}行未能导入，整批未写入：{first} / {len(report.rejected)} rows rejected, nothing stored"
    )
    body: dict[str, Any] = error_body("import_rejected", message)
    body["report"] = report.to_dict()
    return JSONResponse(body, status_code=422)


@router.post(
    "/v1/actuals",
    response_model=ImportOut,
    status_code=201,
    summary="Import actual figures (JSON rows or a CSV/XLSX file as the body)",
    openapi_extra=_POST_BODY,
    responses={200: {"model": ImportOut, "description": "dry run: checked, nothing stored"}},
)
async def post_actuals(
    request: Request,
    plan: str | None = PlanQuery,
    partial: bool = Query(False, description="Import the good rows even when others are rejected."),
    dry_run: bool = Query(False, description="Check only; store nothing."),
    filename: str | None = Query(None, max_length=200, description="Name of the uploaded file (shown in history)."),
) -> Any:
    monitor = _monitor(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    with _database():
        try:
            if content_type == "application/json" or content_type.endswith("+json"):
                try:
                    body = ActualsPost.model_validate_json(raw)
                except ValidationError as exc:
                    err = exc.errors()[0]
                    where = ".".join(str(p) for p in err.get("loc", ()))[:80]
                    raise ApiError(
                        422, "invalid_request", f"请求格式不正确（{where}）", f"Invalid request ({where})"
                    ) from exc
                _plan(monitor, body.plan or plan)
                records = [r.model_dump() for r in body.rows]
                report = monitor.import_records(
                    records, body.plan or plan, dry_run=body.dry_run or dry_run, partial=body.partial or partial
                )
            elif content_type in FILE_TYPES or content_type.startswith("text/csv"):
                _plan(monitor, plan)
                name = filename or FILE_TYPES.get(content_type, "upload.csv")
                report = monitor.import_file(raw, name, plan, dry_run=dry_run, partial=partial)
            else:
                raise ApiError(
                    415,
                    "unsupported_media_type",
                    "请发送JSON、CSV或XLSX",
                    "Send application/json, text/csv or an XLSX file",
                )
        except FileFormatError as exc:
            message = str(exc.args[0]) if exc.args else "文件无法读取 / unreadable file"
            raise ApiError(422, "invalid_file", *_bilingual(message)) from exc
    if report.status == "rejected":
        return _rejected(report)
    return JSONResponse(report.to_dict(), status_code=201 if report.status == "imported" else 200)


@router.get("/v1/actuals", response_model=ActualsList, summary="Stored actual figures (newest, or every revision)")
def get_actuals(
    request: Request,
    plan: str | None = PlanQuery,
    indicator: str | None = Query(None, min_length=1, max_length=100, description="Name or alias, e.g. 5G基站."),
    year: int | None = Query(None, ge=2000, le=2100),
    history: bool = Query(False, description="Every revision instead of the newest value per year."),
) -> ActualsList:
    monitor = _monitor(request)
    plan_id = _plan(monitor, plan)
    with _database():
        try:
            if history and indicator:
                rows = monitor.history(plan_id, normalize(indicator), year)
            elif history:
                raise ApiError(
                    422, "indicator_required", "history=true 需要指定 indicator", "history=true needs indicator"
                )
            else:
                rows = monitor.latest(plan_id, normalize(indicator) if indicator else None, year)
        except KeyError as exc:
            message = str(exc.args[0]).split(" / ")[0] if exc.args else "未找到该指标"
            raise ApiError(404, "unknown_indicator", message, f"no indicator named {indicator!r}") from exc
    return ActualsList(plan=plan_id, count=len(rows), actuals=[ActualOut(**a.to_dict()) for a in rows])  # type: ignore[arg-type]


def _evaluation_error(exc: ValueError) -> ApiError:
    return ApiError(422, "invalid_year", *_bilingual(str(exc)))


@router.get("/v1/evaluation", response_model=EvaluationOut, summary="Every indicator of a plan evaluated in a year")
def get_evaluation(request: Request, year: int = YearQuery, plan: str | None = PlanQuery) -> EvaluationOut:
    monitor = _monitor(request)
    plan_id = _plan(monitor, plan)
    with _database():
        try:
            evaluation = monitor.evaluation(plan_id, year)
        except ValueError as exc:
            raise _evaluation_error(exc) from exc
    return EvaluationOut.model_validate(evaluation.to_dict())


@router.get(
    "/v1/report",
    summary="The evaluation report: Word (summary, table, charts, methods) or Excel (coloured table)",
    response_class=Response,
    responses={200: {"content": {DOCX_MEDIA_TYPE: _BINARY, XLSX_MEDIA_TYPE: _BINARY}}},
)
def get_report(
    request: Request,
    year: int = YearQuery,
    plan: str | None = PlanQuery,
    format: Literal["docx", "xlsx"] = Query("docx", description="docx: Word report; xlsx: the table."),
) -> Response:
    monitor = _monitor(request)
    plan_id = _plan(monitor, plan)
    with _database():
        try:
            data = build_docx(monitor, plan_id, year) if format == "docx" else build_xlsx(monitor, plan_id, year)
        except FontMissing as exc:
            raise ApiError(503, "report_unavailable", *_bilingual(str(exc))) from exc
        except ValueError as exc:
            raise _evaluation_error(exc) from exc
    media = DOCX_MEDIA_TYPE if format == "docx" else XLSX_MEDIA_TYPE
    name = f"evaluation-{plan_id}-{year}.{format}"
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
