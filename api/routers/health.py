"""GET /healthz: 200 only once every component is loaded."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.errors import error_body

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Readiness probe")
def healthz(request: Request) -> JSONResponse:
    """200 `{"status": "ok"}` when ready; 503 with the uniform error body while starting."""
    if getattr(request.app.state, "ready", False):
        return JSONResponse({"status": "ok"})
    return JSONResponse(
        error_body("not_ready", "服务正在启动，请稍后再试 / Service is starting, retry shortly"), status_code=503
    )
