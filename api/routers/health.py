"""GET /healthz: 200 only once every component is loaded."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Readiness probe")
def healthz(request: Request) -> JSONResponse:
    if getattr(request.app.state, "ready", False):
        return JSONResponse({"status": "ok"})
    return JSONResponse({"status": "starting"}, status_code=503)
