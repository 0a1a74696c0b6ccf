"""FastAPI dependencies: the components built at startup, reached through `request.app.state`."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from api.errors import ApiError


def check_plan(components: Any, plan: str | None) -> str | None:
    """A requested plan id must be loaded (404 otherwise); None stays None."""
    if plan is None:
        return None
    library = getattr(components, "library", None)
    if library is None or plan not in library:
        raise ApiError(404, "unknown_plan", f"没有编号为 {plan} 的规划", f"no plan with id {plan!r}")
    return plan


def plan_context(components: Any, plan: str | None) -> Any:
    """The context of ``plan``, or of the default plan when none is given (404 / 400 otherwise)."""
    library = components.library
    plan_id = check_plan(components, plan) or library.default_id
    if plan_id is None:
        if len(library) == 1:
            return library.contexts()[0]
        raise ApiError(
            400, "plan_required", "已载入多个规划且没有默认规划，请用 plan 参数指定",
            "several plans are loaded and none is the default: pass ?plan=ID",
        )
    return library.get(plan_id)


def get_components(request: Request) -> Any:
    if not getattr(request.app.state, "ready", False):
        raise ApiError(503, "not_ready", "服务正在启动，请稍后再试", "Service is starting, retry shortly")
    return request.app.state.components
