"""Chat answers from the actuals store: what was achieved, what lags, what is still missing.

>>> detect("2025年哪些指标没有完成？")
MonitoringAsk(kind='list', year=2025, top=None, wanted='lagging')
>>> detect("完成率最低的三项").kind, detect("5G基站目标完成了吗？").kind, detect("软件业收入还差多少").kind
('lowest', 'status', 'remaining')
>>> detect("2023年软件业收入80亿元，还差多少") is None  # a figure given in the question: the engine's progress check
True

Every figure carries its formula; the actual's source and year are cited. Without actuals the answer
says that none are loaded (and how to load them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.actuals.monitor import Monitor
from bot.actuals.store import Actual
from bot.compose import Draft, with_unit
from bot.normalize import normalize
from bot.resolver import resolve
from bot.schemas import Citation
from indicators import engine
from indicators.evaluation import EvaluationRow, evaluate_indicator
from indicators.model import PP_UNIT, Figure, Indicator

AskKind = Literal["list", "lowest", "status", "remaining"]

_VALUE_GIVEN = re.compile(
    r"(?<![\dA-Za-z.])\d+(?:\.\d+)?\s*(亿元|万元|亿|万户|万|元|个|台|家|件|户|%|tbps|gbps)", re.IGNORECASE
)
_YEAR = re.compile(r"(20\d{2})\s*年")
_LIST = re.compile(r"哪些|哪几|哪[\d]+项|几项|多少项|多少个指标|列出|清单")
_LAGGING = re.compile(r"没有完成|没完成|未完成|未达到|没有达到|没达到|未达标|没达标|滞后|落后|完不成")
_DONE = re.compile(r"已经?完成|完成了|达标了|已达标|超前|提前完成|实现了")
_LOWEST = re.compile(r"完成(率|度|情况)最(低|差)|最(低|差)的?\S{0,4}完成率|完成率\S{0,2}倒数")
_TOP = re.compile(r"(\d+)\s*(项|个|名)")
_STATUS = re.compile(
    r"完成了吗|完成没有|完成了没|是否完成|能否完成|完成情况|完成得?怎么样|完成得?如何|达标了吗|是否达标|实现了吗|"
    r"达到目标了吗|达成了吗|完成率是?多少|完成度|滞后了?吗|超前了?吗|进度滞后"
)
_REMAINING = re.compile(r"还差多少|差多少|还差|缺口|离目标还|距离?目标还|还需要?多少")
NO_DATA = (
    "尚未导入任何实际值数据，无法评估完成情况。请先导入统计数据（policybot actuals import 文件 或 POST /v1/actuals）。"
)


@dataclass(frozen=True)
class MonitoringAsk:
    """A monitoring question: a list by status, the lowest completion rates, one indicator's status or gap."""

    kind: AskKind
    year: int | None = None
    top: int | None = None
    wanted: Literal["lagging", "done"] | None = None


def detect(question: str) -> MonitoringAsk | None:
    """Recognise a monitoring question (None: not one; a question that states a figure is not one)."""
    q = normalize(question)
    if _VALUE_GIVEN.search(q):
        return None
    year_match = _YEAR.search(q)
    year = int(year_match.group(1)) if year_match else None
    if _LOWEST.search(q):
        top = _TOP.search(q)
        return MonitoringAsk("lowest", year, int(top.group(1)) if top else 3)
    if _LIST.search(q) and (_LAGGING.search(q) or _DONE.search(q)):
        return MonitoringAsk("list", year, wanted="lagging" if _LAGGING.search(q) else "done")
    if _REMAINING.search(q):
        return MonitoringAsk("remaining", year)
    if _STATUS.search(q):
        return MonitoringAsk("status", year)
    return None


def actual_citation(a: Actual, unit: str) -> Citation:
    """The stored figure as a citation: source, year, import batch."""
    source = a.source or "未注明来源"
    text = f"{a.indicator} {a.year}年实际值 {with_unit(a.value, unit)}（来源：{source}；导入批次{a.batch}）"
    return Citation(id=f"actual-{a.id}", source=source, section=f"{a.year}年实际值", text=text, score=1.0)


def _status_phrase(row: EvaluationRow) -> str:
    if row.status in ("完成", "未完成"):
        return f"{row.year}年目标{row.status}"
    return f"{row.year}年进度{row.status}（规划路径值{with_unit(row.planned, row.unit)}）"


def _needed(row: EvaluationRow) -> str:
    """需年均增长17.6% (geometric path) / 需年均增加45家 (linear path)."""
    verb = "增长" if row.needed_growth_unit == "%" else "增加"
    return f"需年均{verb}{with_unit(row.needed_growth or 0.0, row.needed_growth_unit)}"


def _row_line(row: EvaluationRow) -> str:
    actual = with_unit(row.actual or 0.0, row.unit)
    parts = [f"实际{actual}", f"目标{engine.fmt(row.target)}{row.unit}{row.qualifier}"]
    if row.completion is not None:
        parts.append(f"完成率{engine.fmt(row.completion)}%")
    if row.needed_growth is not None:
        parts.append(f"剩余年份{_needed(row)}")
    source = f"（来源：{row.source}）" if row.source else ""
    return f"- {row.indicator}：{row.status}，" + "，".join(parts) + source


class MonitoringAnswerer:
    """Answers :class:`MonitoringAsk` for one plan from a :class:`Monitor`."""

    def __init__(self, monitor: Monitor, plan: str | None = None) -> None:
        self.monitor = monitor
        self.plan_id, self.table = monitor.plan(plan)

    def _cites(self, rows: list[EvaluationRow]) -> list[Citation]:
        out = []
        for row in rows:
            for a in self.monitor.store.latest(self.plan_id, row.indicator, row.year):
                out.append(actual_citation(a, row.unit))
        return out

    def _year(self, ask: MonitoringAsk) -> int | None:
        return ask.year or self.monitor.latest_year(self.plan_id)

    def answer(self, ask: MonitoringAsk, question: str) -> Draft:
        if ask.kind in ("status", "remaining"):
            return self._one(ask, question)
        if not self.monitor.has_data(self.plan_id):
            return Draft(intent="progress", lead=NO_DATA)
        try:
            year = self._year(ask)
            assert year is not None
            evaluation = self.monitor.evaluation(self.plan_id, year)
        except ValueError as exc:
            return Draft(intent="progress", lead=f"无法评估：{exc}")
        with_data = [r for r in evaluation.rows if r.actual is not None]
        if not with_data:
            return Draft(intent="progress", lead=f"尚未导入{year}年的实际值数据，无法评估{year}年的完成情况。")
        missing = len(evaluation.rows) - len(with_data)
        note = [f"另有{missing}项指标没有{year}年实际值（无数据）。"] if missing else []
        if ask.kind == "lowest":
            rows = evaluation.lowest_completion(ask.top or 3)
            lead = f"{year}年完成率最低的{len(rows)}项指标是：" + "、".join(
                f"{r.indicator}（{engine.fmt(r.completion or 0)}%）" for r in rows
            ) + "。"  # fmt: skip
        else:
            wanted = ("未完成", "滞后") if ask.wanted == "lagging" else ("完成", "超前")
            rows = [r for r in with_data if r.status in wanted]
            word = "/".join(w for w in wanted if w in {r.status for r in evaluation.rows}) or wanted[0]
            if ask.wanted == "lagging":
                lead = f"{year}年有实际值的{len(with_data)}项指标中，{len(rows)}项{word}" + (
                    "：" + "、".join(r.indicator for r in rows) + "。" if rows else "，没有滞后或未完成的指标。"
                )  # fmt: skip
            else:
                lead = f"{year}年有实际值的{len(with_data)}项指标中，{len(rows)}项{word}" + (
                    "：" + "、".join(r.indicator for r in rows) + "。" if rows else "。"
                )  # fmt: skip
        figures = [f for r in rows for f in r.figures if f.quantity == "completion"]
        return Draft(
            intent="progress",
            lead=lead,
            body=[_row_line(r) for r in rows],
            figures=figures,
            citations=self._cites(rows),
            notes=[*note, _rule_note()],
        )

    def _indicator(self, question: str) -> Indicator | None:
        return resolve(normalize(question), self.table).indicator

    def _one(self, ask: MonitoringAsk, question: str) -> Draft:
        ind = self._indicator(question)
        if ind is None:
            examples = "、".join(i.name for i in self.table.indicators[:3])
            return Draft(intent="help", lead=f"请问您问的是哪一项指标的完成情况？例如：{examples}。")
        series = [a for a in self.monitor.store.latest(self.plan_id, ind.name) if not ask.year or a.year <= ask.year]
        if not series:
            when = f"{ask.year}年及以前" if ask.year else ""
            lead = NO_DATA if not self.monitor.has_data(self.plan_id) else f"尚未导入“{ind.name}”{when}的实际值数据。"
            if ask.kind != "remaining":
                return Draft(intent="progress", lead=lead, indicator=ind.name)
            # Without an actual, the plan's own gap from base to target is still a fair answer.
            change = engine.change(ind)
            lead += f"按规划基期{ind.base_year}年{with_unit(ind.base_value, ind.unit)}计，距目标{_target(ind)}" + (
                f"相差{with_unit(change.value, change.unit)}。"
            )  # fmt: skip
            return Draft(intent="compute", lead=lead, figures=[change], indicator=ind.name)
        actual = series[-1]
        row = evaluate_indicator(
            ind, actual.year, actual.value, actual.source, self.monitor.tolerance_pct, self.monitor.band_pct
        )
        cite = [actual_citation(actual, ind.unit)]
        src = f"（{actual.year}年，来源：{actual.source or '未注明'}）"
        if ask.kind == "remaining":
            return self._remaining(ind, row, actual, cite, src)
        lead = f"{ind.name}{_status_phrase(row)}：实际{with_unit(row.actual or 0, ind.unit)}{src}，" + (
            f"目标{_target(ind)}，完成率{engine.fmt(row.completion or 0)}%。"
        )  # fmt: skip
        body = []
        if row.needed_growth is not None:
            body.append(f"{ind.target_year}年前剩余{ind.target_year - row.year}年{_needed(row)}。")
        return Draft(intent="progress", lead=lead, body=body, figures=list(row.figures), citations=cite,
                     notes=[_rule_note()], indicator=ind.name)  # fmt: skip

    def _remaining(self, ind: Indicator, row: EvaluationRow, actual: Actual, cite: list[Citation], src: str) -> Draft:
        reverse = engine.lower_is_better(ind)
        exact = (actual.value - ind.target_value) if reverse else (ind.target_value - actual.value)
        unit = PP_UNIT if ind.is_percent else ind.unit
        formula = (
            f"{engine.fmt(actual.value)}-{engine.fmt(ind.target_value)}"
            if reverse
            else f"{engine.fmt(ind.target_value)}-{engine.fmt(actual.value)}"
        )
        inputs: dict[str, float | int | str] = {
            "actual": actual.value, "target": ind.target_value, "actual_year": actual.year,
            "actual_source": actual.source,
        }  # fmt: skip
        gap = Figure(ind.name, "remaining", engine.r2(exact), unit, formula, inputs, "", ind.target_year, exact)
        actual_text = with_unit(actual.value, ind.unit)
        if exact <= 0:
            lead = f"{ind.name}已达到{ind.target_year}年目标{_target(ind)}：实际{actual_text}{src}。"
        else:
            lead = (
                f"{ind.name}距{ind.target_year}年目标{_target(ind)}还差{with_unit(gap.value, unit)}："
                f"实际{actual_text}{src}，完成率{engine.fmt(row.completion or 0)}%。"
            )
        body = []
        if row.needed_growth is not None and exact > 0:
            body.append(f"剩余{ind.target_year - row.year}年{_needed(row)}。")
        figures = [gap, *[f for f in row.figures if f.quantity in ("completion", "required_cagr", "annual_increment")]]
        return Draft(intent="progress", lead=lead, body=body, figures=figures, citations=cite, indicator=ind.name)


def _target(ind: Indicator) -> str:
    """The target with unit and qualifier: 18000个以上, 120亿元, 10%左右."""
    return f"{engine.fmt(ind.target_value)}{ind.unit}{ind.qualifier_text}"


def _rule_note() -> str:
    return (
        "目标年按目标完成/未完成（以上：不低于目标；左右：不低于目标的95%；以下：不高于目标）；"
        f"此前年份按规划路径值±{engine.fmt(engine.DEFAULT_TOLERANCE_PCT)}%判断超前/符合/滞后。"
    )


def answer(ask: MonitoringAsk, question: str, monitor: Monitor, plan: str | None = None) -> Draft:
    """The draft answering ``ask`` for ``plan`` (the monitor's default plan when None)."""
    return MonitoringAnswerer(monitor, plan).answer(ask, question)


def detect_monitoring(question: str) -> MonitoringAsk | None:
    """:func:`detect` (the name the chat service imports)."""
    return detect(question)


def answer_monitoring(question: str, monitor: Monitor | None, plan: str | None = None) -> Draft:
    """The chat service's entry: detect again and answer for ``plan`` (the scope decided in understanding)."""
    ask = detect(question)
    if ask is None or monitor is None:
        return Draft(intent="progress", lead=NO_DATA)
    return answer(ask, question, monitor, plan)
