"""Composing replies: first sentence answers, then figures with formulas, then numbered sources.

Every answerer returns a `Draft`; `render` turns it into the markdown of `ChatReply.answer`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.schemas import Citation, FigureOut, TaskOut
from corpus.types import Chunk
from indicators.model import Figure

REFUSAL_LEAD = "规划中未涉及"
MAX_CITATION_CHARS = 600


@dataclass
class Draft:
    """An answer before rendering; `indicator`/`topic` are remembered for follow-ups."""

    intent: str
    lead: str
    body: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    tasks: list[TaskOut] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    indicator: str | None = None
    topic: str | None = None
    plans: list[str] = field(default_factory=list)  # plan ids the answer used, in order
    figure_plans: list[str] = field(default_factory=list)  # plan id of each figure (same order as figures)
    items: list[str] = field(default_factory=list)  # a list answer's items (names), for "第三条是什么意思"
    list_kind: str | None = None  # what the items are: subtasks, tasks, safeguards, indicators
    focus: str | None = None  # the one item the answer is about ("它属于哪个工程")


def citation(chunk: Chunk, score: float) -> Citation:
    text = chunk.text if len(chunk.text) <= MAX_CITATION_CHARS else chunk.text[:MAX_CITATION_CHARS] + "…"
    return Citation(
        id=chunk.id,
        source=chunk.source,
        section=chunk.section,
        text=text,
        score=round(float(score), 4),
        plan=chunk.metadata.get("plan_id") or None,
        title=chunk.metadata.get("doc_title") or chunk.source,
    )


def dedupe_citations(citations: Iterable[Citation]) -> list[Citation]:
    """Each passage once: by id, and a passage whose text an earlier one already holds is dropped."""
    seen: set[str] = set()
    out: list[Citation] = []
    for c in citations:
        text = c.text.rstrip("…")
        if c.id in seen or any(text and text in kept.text for kept in out):
            continue
        seen.add(c.id)
        out.append(c)
    return out


def figure_out(fig: Figure, plan: str | None = None) -> FigureOut:
    return FigureOut(
        plan=plan,
        indicator=fig.indicator,
        quantity=fig.quantity,
        value=fig.value,
        unit=fig.unit,
        formula=fig.formula,
        inputs=dict(fig.inputs),
        note=fig.note,
    )


def fmt_number(value: float) -> str:
    """30000.0 → '30000', 27.019 → '27.02', 1400.5 → '1400.5'."""
    if abs(value - round(value)) < 1e-9:
        return str(round(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


# Units of things counted one by one: a computed count is shown as a whole number (18593个, not 18593.19个).
COUNT_UNITS = frozenset({"个", "家", "台", "件", "项", "户", "人", "座", "所", "次", "条", "套"})


def with_unit(value: float, unit: str) -> str:
    """'30000个', '27.02%', '15个百分点', '2.5倍'; counts are whole numbers.

    >>> with_unit(18593.19, "个"), with_unit(27.019, "%")
    ('18593个', '27.02%')
    """
    if unit in COUNT_UNITS and abs(value) >= 10:  # (2.4家 a year stays 2.4: 2 would mislead)
        return f"{round(value)}{unit}"
    return f"{fmt_number(value)}{unit}"


_QUANTITY_NAMES = {
    "base": "基期值",
    "target": "目标值",
    "change": "增加量",
    "pp_change": "提高幅度",
    "multiple": "倍数",
    "cagr": "年均增速",
    "required_cagr": "所需年均增速",
    "annual_increment": "年均增量",
    "projection": "测算值",
    "planned_value": "规划路径值",
    "gap": "差距",
    "audit_projection": "按依据复算值",
    "audit_deviation": "偏差",
    "count": "数量",
    "ranking_value": "排序值",
    "target_gap": "与目标之差",
    "target_deviation": "相对目标偏差",
    "change_pct": "增幅",
    "plan_difference": "两规划之差",
    "plan_ratio": "两规划之比",
    "plan_multiple": "两规划倍数",
    "completion": "完成率",
    "progress_share": "进度（基期到目标）",
    "remaining": "距目标尚差",
    "share_of_total": "按比重折算值",
    "total_from_share": "按比重倒推的总量",
    "sum": "合计",
    "difference": "差额",
    "ratio": "占比",
    "year_reached": "达到年份",
    "actual": "实际值",
}


def quantity_name(quantity: str) -> str:
    """What a figure is, in words users read (never the internal quantity key)."""
    return _QUANTITY_NAMES.get(quantity, "计算值")


def figure_line(fig: Figure) -> str:
    """One markdown list line: what, value, formula."""
    what = quantity_name(fig.quantity)
    year = (
        f"（{fig.year}年）" if fig.year and fig.quantity in ("projection", "planned_value", "audit_projection") else ""
    )
    line = f"- {fig.indicator}·{what}{year}：**{with_unit(fig.value, fig.unit)}**，算式 `{fig.formula}`"
    exact = fig.exact if fig.exact is not None else fig.value
    if fig.unit in COUNT_UNITS and abs(exact) >= 10 and abs(exact - round(exact)) > 1e-9:
        line += f" = {fmt_number(exact)}"  # the rounded count above, its exact value here
    if fig.note:
        line += f"；{fig.note}"
    return line


def render(draft: Draft) -> str:
    """Markdown: lead sentence, body, figures, notes, numbered sources with section paths."""
    parts = [draft.lead]
    if draft.body:
        parts.append("\n".join(draft.body))
    if draft.figures:
        parts.append("**计算**\n" + "\n".join(figure_line(f) for f in draft.figures))
    if draft.notes:
        parts.append("\n".join(f"> 注：{n}" for n in draft.notes))
    if draft.citations:
        lines = []
        for i, c in enumerate(dedupe_citations(draft.citations), 1):
            snippet = c.text if len(c.text) <= 160 else c.text[:160] + "…"
            title = c.title or c.source
            where = f"《{title}》" if "《" not in title else title
            lines.append(f"[{i}] {where} {c.section}：{snippet}")
        parts.append("**出处**\n" + "\n".join(lines))
    return "\n\n".join(p for p in parts if p)


def refusal(subject: str | None, hint: str = "", plans: str = "") -> Draft:
    """The plain "the plan does not cover it" answer: no figures, no guesses.

    ``plans`` names the plan(s) searched (《A》、《B》); the answer says which plans it covers.
    """
    what = f"“{subject}”" if subject else "该问题"
    lead = f"{REFUSAL_LEAD}{what}的相关内容，无法据此回答。"
    if plans:
        lead = f"{plans}中未涉及{what}的相关内容，无法据此回答。"
    body = [hint] if hint else []
    if plans:
        body.append(f"本助手回答以下规划所涵盖的内容：{plans}。")
    return Draft(intent="out_of_scope", lead=lead, body=body)
