"""FastAPI dependencies: the components built at startup, reached through `request.app.state`."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from api.errors import ApiError


def get_components(request: Request) -> Any:
    if not getattr(request.app.state, "ready", False):
        raise ApiError(503, "not_ready", "服务正在启动，请稍后再试", "Service is starting, retry shortly")
    return request.app.state.components
