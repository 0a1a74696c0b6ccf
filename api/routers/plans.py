"""The plan library over HTTP: list, show, upload (ingest) and remove plans.

>>> client.get("/v1/plans").json()["plans"][0]["id"]  # doctest: +SKIP
'wenzhou-digital-economy-14fyp'
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from pydantic import BaseModel, Field

from api.deps import get_components
from api.errors import ApiError
from corpus.plans.meta import valid_plan_id

router = APIRouter(tags=["plans"])

PlanIdPath = Field(description="Plan id, e.g. lishui-szjj-2021-2025.")
_SAFE_NAME = re.compile(r"[^\w.\-\u4e00-\u9fff（）()]+")


class PlanOut(BaseModel):
    id: str
    title: str
    short_title: str
    region: str
    level: str
    period: str
    issuer: str
    date: str
    sources: list[str]
    content_hash: str
    shipped: bool
    default: bool = Field(description="True for the deployment's default plan.")
    indicators: int = Field(description="Rows in the plan's indicator table.")
    tasks: int
    subtasks: int


class PlanList(BaseModel):
    default: str | None = Field(description="Plan answered when a question names none (null: none).")
    generation: int = Field(description="Bumped by every ingest and removal.")
    plans: list[PlanOut]


class PlanDetail(PlanOut):
    problems: list[str] = Field(description="What could not be parsed (tables, files), with reasons.")
    declared_indicators: int | None


class IngestOut(BaseModel):
    added: list[PlanDetail]
    skipped: list[dict[str, str]] = Field(description="Inputs not added, each with the reason.")
    seconds: float


def _out(ctx: Any, default: str | None, detail: bool = False) -> Any:
    base = {
        **ctx.info.to_dict(),
        "default": ctx.id == default,
        "indicators": len(ctx.table),
        "tasks": len(ctx.catalogue.tasks),
        "subtasks": len(ctx.catalogue.subtasks),
    }
    if detail:
        return PlanDetail(**base, problems=list(ctx.data.problems), declared_indicators=ctx.table.declared_count)
    return PlanOut(**base)


def _library(request: Request) -> Any:
    library = getattr(get_components(request), "library", None)
    if library is None:
        raise ApiError(503, "no_library", "规划库不可用", "the plan library is not available")
    return library


def _changed(request: Request, library: Any) -> None:
    """Reload after an ingest/removal and notify the other replicas (components without it: reload only)."""
    notify = getattr(get_components(request), "plans_changed", None)
    if callable(notify):
        notify()
    else:
        library.refresh()


@router.get("/v1/plans", response_model=PlanList, summary="Every loaded plan")
def list_plans(request: Request) -> PlanList:
    library = _library(request)
    default = library.default_id
    plans = [_out(c, default) for c in library.contexts()]
    return PlanList(default=default, generation=library.generation, plans=plans)


@router.get("/v1/plans/{plan_id}", response_model=PlanDetail, summary="One plan with what was parsed from it")
def get_plan(plan_id: str, request: Request) -> PlanDetail:
    library = _library(request)
    if plan_id not in library:
        raise ApiError(404, "unknown_plan", f"没有编号为 {plan_id[:64]} 的规划", f"no plan with id {plan_id[:64]!r}")
    result: PlanDetail = _out(library.get(plan_id), library.default_id, detail=True)
    return result


@router.post("/v1/plans", response_model=IngestOut, status_code=201, summary="Upload plan documents")
def upload_plan(
    request: Request,
    files: list[UploadFile] = File(..., description="txt, md, docx, pdf, html, xlsx, xls or csv files."),
    bundle: bool = Form(False, description="All files form one plan (e.g. its text and indicator workbook)."),
    plan_id: str | None = Form(None, alias="id", description="Plan id (default: derived from the title)."),
    title: str | None = Form(None, description="Plan title (default: from the document)."),
) -> IngestOut:
    """Ingest uploaded documents as new plans (the same checks and staging as `policybot ingest`)."""
    from corpus.plans.loading import load_plan
    from corpus.plans.registry import PlanError

    library = _library(request)
    if plan_id is not None and not valid_plan_id(plan_id):
        raise ApiError(400, "bad_plan_id", "规划编号只能由小写字母、数字和-组成（3–64位）",
                       "plan id must be 3-64 characters of a-z, 0-9 and '-'")
    meta = {k: v for k, v in {"id": plan_id, "title": title}.items() if v}
    with tempfile.TemporaryDirectory(prefix="policybot-upload-") as tmp:
        paths = []
        for n, upload in enumerate(files):
            name = _SAFE_NAME.sub("_", Path(upload.filename or f"upload-{n}").name).lstrip(".") or f"upload-{n}"
            target = Path(tmp) / name
            if target.exists():
                target = Path(tmp) / f"{n}-{name}"
            with open(target, "wb") as out:
                while chunk := upload.file.read(1 << 20):
                    out.write(chunk)
            paths.append(target)
        try:
            report = library.registry.ingest(
                paths, bundle=bundle, meta=meta or None, validate=lambda info: load_plan(info).problems
            )
        except PlanError as exc:
            message = str(exc)
            raise ApiError(400, "bad_plan", message.split(" / ")[0], message.split(" / ")[-1]) from exc
    _changed(request, library)
    added = [_out(library.get(i.id), library.default_id, detail=True) for i in report.added if i.id in library]
    skipped = [{"file": Path(p).name, "reason": why} for p, why in report.skipped]
    if not added and skipped:
        raise ApiError(400, "nothing_ingested", "没有添加任何规划：" + "；".join(f"{s['file']}（{s['reason']}）"
                       for s in skipped), "no plan was added; see the reasons")
    return IngestOut(added=added, skipped=skipped, seconds=round(report.seconds, 3))


@router.delete("/v1/plans/{plan_id}", response_model=PlanOut, summary="Remove an ingested plan")
def delete_plan(plan_id: str, request: Request) -> PlanOut:
    from corpus.plans.registry import PlanError

    library = _library(request)
    if plan_id not in library:
        raise ApiError(404, "unknown_plan", f"没有编号为 {plan_id[:64]} 的规划", f"no plan with id {plan_id[:64]!r}")
    ctx = library.get(plan_id)
    try:
        library.registry.remove(plan_id)
    except PlanError as exc:
        raise ApiError(409, "plan_not_removable", str(exc).split(" / ")[0], str(exc).split(" / ")[-1]) from exc
    _changed(request, library)
    out: PlanOut = _out(ctx, library.default_id)
    return out
