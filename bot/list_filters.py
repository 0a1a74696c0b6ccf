"""Filters on the indicator table: by category (数字基础设施类), by 属性 (约束性/预期性), and the
number of rows a ranking asks for ("增速最快的三个指标").

>>> asked_top("增速最快的三个指标是哪些？"), asked_top("前5项"), asked_top("哪个指标增速最快")
(3, 5, None)
"""

from __future__ import annotations

import re

from bot.answer_text import ChunkFinder
from bot.compose import Draft
from indicators.catalog import IndicatorTable
from indicators.model import Indicator

_NUM = r"[一二两三四五六七八九十\d]+"
_CN = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_TOP = re.compile(
    rf"(?:最[快高大多低慢小少]|排名?前|前)的?({_NUM})(?:个|项|名|位)?|({_NUM})(?:个|项)(?:指标)?\S{{0,6}}最[快高大多低慢小少]"
)
_ATTRIBUTES = ("约束性", "预期性")


def _int(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text.startswith("十"):
        return 10 + _CN.get(text[1:], 0)
    return _CN.get(text, 0)


def asked_top(question: str) -> int | None:
    """How many rows a ranking question asks for ("最快的三个" → 3), or None."""
    m = _TOP.search(question)
    if m is None:
        return None
    n = _int(m.group(1) or m.group(2))
    return n if n > 0 else None


def named_category(question: str, table: IndicatorTable) -> str | None:
    """The table category the question names ("数字基础设施类有哪些指标" → 数字基础设施)."""
    categories = sorted({i.category for i in table.indicators if i.category}, key=len, reverse=True)
    return next((c for c in categories if c in question or c.rstrip("类") + "类" in question), None)


def named_attribute(question: str) -> str | None:
    """约束性 or 预期性 when the question filters by the 属性 column."""
    return next((a for a in _ATTRIBUTES if a in question), None)


def _line(ind: Indicator) -> str:
    unit = f"（{ind.unit}）" if ind.unit else ""
    attribute = f"，{ind.attribute}" if ind.attribute else ""
    return f"- {ind.name}{unit}：{ind.base_year}年{ind.base_value:g} → {ind.target_year}年{ind.target_text}{attribute}"


def answer_filtered(
    table: IndicatorTable, finder: ChunkFinder, plan_name: str, category: str | None, attribute: str | None
) -> Draft:
    """The rows of one category and/or one 属性, or why the table cannot be filtered so."""
    rows = list(table.indicators)
    what = []
    if category:
        rows = [i for i in rows if i.category == category]
        what.append(f"“{category}”类")
    if attribute:
        if not any(i.attribute for i in table.indicators):
            lead = (
                f"{plan_name}的指标表没有“属性”一栏，没有标注哪些是{attribute}指标，因此无法按属性筛选；"
                f"指标表共{len(table)}项指标，可问“有哪些指标”查看全部。"
            )
            return Draft(intent="list", lead=lead, citations=finder.cite("主要目标测算表", "主要发展指标"))
        rows = [i for i in rows if i.attribute == attribute]
        what.append(f"{attribute}")
    label = "".join(what)
    if not rows:
        return Draft(intent="list", lead=f"{plan_name}的指标表中没有{label}指标。")
    return Draft(
        intent="list",
        lead=f"{plan_name}的指标表中{label}指标共{len(rows)}项：",
        body=[_line(i) for i in rows],
        citations=finder.cite(*(i.label for i in rows[:2])),
        topic="主要指标",
        items=[i.name for i in rows],
        list_kind="indicators",
    )
