"""The shipped plan as tests name it (product code never does: its id lives in its sidecar)."""

from __future__ import annotations

from indicators.catalog import IndicatorTable, load_default_table

SHIPPED_PLAN_ID = "wenzhou-digital-economy-14fyp"
SHIPPED_TITLE = "温州市数字经济发展“十四五”规划"


def plan_tables(plan_id: str) -> IndicatorTable:
    """Plan id → table, for a `Monitor` over the shipped plan only (KeyError otherwise)."""
    if plan_id != SHIPPED_PLAN_ID:
        raise KeyError(plan_id)
    return load_default_table()


def plan_title(plan_id: str) -> str:
    return SHIPPED_TITLE if plan_id == SHIPPED_PLAN_ID else plan_id


def strip_plan(answer: str) -> str:
    """The answer without the lead's plan name (据《…》，), for assertions on the sentence itself."""
    prefix = f"据《{SHIPPED_TITLE}》，"
    return answer[len(prefix):] if answer.startswith(prefix) else answer
