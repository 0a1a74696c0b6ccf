"""Compound questions: a figure the plan implies from two rows, or from one row and a given number.

Understood here (a `Resolution` with operation ``compound`` and the kind in its params), computed by
`indicators.compound`, composed with the formula shown:

- share × total: "如果全市GDP为9000亿元，按数字经济增加值占GDP比重目标，数字经济增加值是多少" → 9000×65%;
- sum / difference of two rows: "A和B的目标加起来是多少", "A比B多多少";
- ratio of two rows: "A占B的比例是多少", "A是B的百分之几";
- the year a level is reached: "按年均增长20%，哪一年能达到30000个".

>>> from indicators.catalog import load_default_table
>>> detect_compound("网络零售额和农产品网络零售额目标加起来是多少？", load_default_table()).params["kind"]
'sum'
"""

from __future__ import annotations

import re
from typing import Any

from bot.answer_text import ChunkFinder
from bot.compose import Draft, fmt_number, with_unit
from bot.multipart import named_rows
from bot.normalize import normalize
from bot.resolver import Resolution
from indicators import compound, engine
from indicators.catalog import IndicatorTable
from indicators.model import Indicator

_SUM = re.compile(r"加起来|合计|合起来|总共|一共|之和|相加|总和|共计|加在一起|总计")
_DIFF = re.compile(r"相差|差多少|差距|之差|[多少高低][多几]少?个?(百分点)?|高出|多出|低于多少|减去|差额")
_RATIO = re.compile(r"占.{0,12}(比例|比重|百分之几|多少|几成)|是.{0,14}的(百分之几|几成|多少%|几倍|多少倍)|之比|比值")
_PLANNED_RATE = re.compile(r"(按|以)(规划|计划|目标)的?(年均)?(增速|增长率|速度|路径)|按规划路径")
_REVERSE = re.compile(r"倒推|反推|推算|推出|算出|折算")
_TOTAL_WORDS = re.compile(r"gdp|总量|总额|生产总值|总值")
_WHEN = re.compile(r"哪[一1]?年|何年|什么时候|何时|几年|多少年|第几年")
_IF_TOTAL = re.compile(r"如果|若|假设|假如|按|为|达到|是|要是")
_ON_PATH = re.compile(
    r"(保持|留|回到|跟上|不掉队|赶上).{0,6}(规划路径|路径|进度|计划)|才能|需要达到|要达到|应达到|得达到"
)
_YEARS = re.compile(r"(20[2-4]\d)年")
_BASE = re.compile(r"基期|基数|现状|目前|现在|2020年|起点")
_RATE = re.compile(r"(\d+(?:\.\d+)?)%")
_STEP = re.compile(
    r"(?:每年|年均|逐年)(?:新增|增加|增长|提高|新建|多)?(\d+(?:\.\d+)?)(个百分点|万户|个|家|台|件|项|户|亿元|万元)"
)
_AMOUNT = re.compile(
    r"(?<![\d.%])(\d+(?:\.\d+)?)(万亿元|万亿|亿元|亿|万元|万户|万人|万|元|个|家|台|件|项|户|人)(?![\d%])"
)
# A total's unit as the answer shows it, and its factor from the written unit.
_UNIT_SCALE = {"万亿元": ("亿元", 10000.0), "万亿": ("亿元", 10000.0), "亿": ("亿元", 1.0), "万": ("万元", 1.0)}


def _amount(question: str, skip: tuple[str, ...] = ()) -> tuple[float, str] | None:
    """The first amount with a unit ("9000亿元", "1.2万亿") not inside a step ("每年新增1家")."""
    for m in _AMOUNT.finditer(question):
        before = question[max(0, m.start() - 4) : m.start()]
        if any(w in before for w in ("每年", "年均", "新增", "逐年")) or m.group(0) in skip:
            continue
        unit, factor = _UNIT_SCALE.get(m.group(2), (m.group(2), 1.0))
        return float(m.group(1)) * factor, unit
    return None


def _is_share(row: Indicator) -> bool:
    return row.is_percent and bool(re.search(r"占|比重|占比", row.name))


def detect_compound(question: str, table: IndicatorTable, previous: Indicator | None = None) -> Resolution | None:
    """A compound question's resolution (operation ``compound``), or None."""
    q = normalize(question)
    rows = [r for _, _, r in named_rows(q, table)]
    which = "base" if _BASE.search(q) else "target"
    params: dict[str, Any] = {"which": which}
    total = _amount(q)
    shares = [r for r in rows if _is_share(r)]
    if not shares and "占" in q:
        # "数字经济增加值6500亿元、占GDP比重65%": the share row of the row named.
        shares = [r for r in table.indicators if _is_share(r) and any(r.name.startswith(n.name + "占") for n in rows)]
    if shares and total is not None and _REVERSE.search(q) and _TOTAL_WORDS.search(q.lower()):
        # "按数字经济增加值6500亿元、占GDP比重65%倒推，GDP是多少": the total a share implies.
        params.update(kind="total_from_share", rows=[shares[0].name], part=total[0], total_unit=total[1])
        rate_given = _RATE.search(q)
        if rate_given:
            params["share_pct"] = float(rate_given.group(1))
        return Resolution(shares[0], "compound", params, 0.9, normalized=q)
    if shares and total is not None and total[1] != "%" and _IF_TOTAL.search(q) and not _WHEN.search(q):
        # "GDP为9000亿元，按数字经济增加值占GDP比重目标，数字经济增加值是多少": the share applied.
        params.update(kind="share_of_total", rows=[shares[0].name], total=total[0], total_unit=total[1])
        return Resolution(shares[0], "compound", params, 0.9, normalized=q)
    if len(rows) >= 2:
        a, b = rows[0], rows[1]
        kind = "sum" if _SUM.search(q) else "ratio" if _RATIO.search(q) else "difference" if _DIFF.search(q) else None
        if kind is None:
            return None
        params.update(kind=kind, rows=[a.name, b.name])
        return Resolution(a, "compound", params, 0.9, normalized=q)
    row = rows[0] if rows else previous
    if row is None:
        return None
    years = [int(y) for y in _YEARS.findall(q)]
    actual = _amount(q)
    if len(years) == 2 and years[0] < years[1] and actual is not None and actual[1] == row.unit and _ON_PATH.search(q):
        # "2022年达到15000个，2023年要达到多少才能保持在规划路径上": the path value and the growth to it.
        params.update(kind="needed_in_year", rows=[row.name], year=years[1], actual_year=years[0], actual=actual[0])
        return Resolution(row, "compound", params, 0.9, normalized=q)
    rate, step = _RATE.search(q), _STEP.search(q)
    planned = not (rate or step) and _PLANNED_RATE.search(q) and not row.is_percent
    if _WHEN.search(q) and (rate or step or planned):
        params.update(kind="year_reached", rows=[row.name])
        if step:
            params["increment"] = float(step.group(1))
        elif rate:
            params["rate_pct"] = float(rate.group(1))
        else:
            # "按规划的年均增速，哪一年首次超过2万个": the rate from base to target.
            params["rate_pct"] = float(engine.required_cagr(row).exact or 0.0)
            params["planned_rate"] = True
        level = _amount(q, skip=(step.group(0),) if step else ())
        if level is not None and level[1] in (row.unit, row.unit.replace("元", "")):
            params["level"] = level[0]
        return Resolution(row, "compound", params, 0.9, normalized=q)
    if _is_share(row) and total is not None and total[1] != row.unit and _IF_TOTAL.search(q):
        params.update(kind="share_of_total", rows=[row.name], total=total[0], total_unit=total[1])
        return Resolution(row, "compound", params, 0.9, normalized=q)
    return None


def answer_compound(res: Resolution, table: IndicatorTable, finder: ChunkFinder) -> Draft:
    """Compute and say a compound figure (raises ValueError from `indicators.compound`)."""
    p = res.params
    rows = [table.get(n) for n in p["rows"]]
    which = p.get("which", "target")
    when = "目标" if which == "target" else "基期值"
    kind = p["kind"]
    a = rows[0]
    if kind == "share_of_total":
        fig = compound.share_of_total(a, float(p["total"]), str(p["total_unit"]), which)
        lead = (
            f"按{a.name}{fig.year}年{'目标' if which == 'target' else '基期'}{fmt_number(fig.inputs['share_pct'])}%"  # type: ignore[arg-type]
            f"计算，总量{with_unit(float(p['total']), str(p['total_unit']))}对应**{with_unit(fig.value, fig.unit)}**"
            f"（{fig.formula}）。"
        )
        notes = ["总量为您给出的数值，规划中的比重只是比例；实际数值以统计部门公布为准。"]
    elif kind == "total_from_share":
        fig = compound.total_from_share(a, float(p["part"]), str(p["total_unit"]), p.get("share_pct"), which)
        lead = (
            f"按{a.name}{fmt_number(float(fig.inputs['share_pct']))}%倒推，"
            f"{with_unit(float(p['part']), str(p['total_unit']))}对应的总量为**{with_unit(fig.value, fig.unit)}**"
            f"（{fig.formula}）。"
        )
        notes = []
    elif kind == "needed_in_year":
        planned, *needed = compound.needed_in_year(a, int(p["year"]), int(p["actual_year"]), float(p["actual"]))
        lead = (
            f"按规划路径（{planned.note}），{a.name}{p['year']}年应达到**{with_unit(planned.value, planned.unit)}**"
        )
        if needed:
            step = needed[0]
            one_year = int(p["year"]) - int(p["actual_year"]) == 1
            verb = ("增长" if one_year else "年均增长") if step.quantity == "required_cagr" else "每年增加"
            lead += (
                f"；从{p['actual_year']}年实际{with_unit(float(p['actual']), a.unit)}出发，"
                f"需{verb}**{with_unit(step.value, step.unit)}**"
            )
        lead += "。"
        return Draft(
            intent="compute", lead=lead, figures=[planned, *needed], citations=finder.cite(a.label), indicator=a.name
        )
    elif kind == "year_reached":
        fig = compound.year_reached(a, rate_pct=p.get("rate_pct"), increment=p.get("increment"), level=p.get("level"))
        step_unit = "个百分点" if a.is_percent else a.unit
        how = (
            f"规划年均增速{fmt_number(round(p['rate_pct'], 2))}%"
            if p.get("planned_rate")
            else f"年均增长{fmt_number(p['rate_pct'])}%"
            if "rate_pct" in p
            else f"每年增加{with_unit(p['increment'], step_unit)}"
        )
        level = p.get("level", a.target_value)
        lead = (
            f"{a.name}从{a.base_year}年{with_unit(a.base_value, a.unit)}起按{how}，"
            f"**{int(fig.value)}年**达到{with_unit(level, a.unit)}（需{fig.inputs['years']}年，"
            f"当年约{with_unit(float(fig.inputs['value_then']), a.unit)}）。"
        )
        if fig.value > a.target_year and level == a.target_value:
            lead += f"晚于规划目标年{a.target_year}年。"
        notes = []
    else:
        b = rows[1]
        if kind == "ratio":
            fig = compound.ratio(a, b, which)
            lead = (
                f"{a.name}{when}{with_unit(compound_value(a, which), a.unit)}是{b.name}{when}"
                f"{with_unit(compound_value(b, which), b.unit)}的**{with_unit(fig.value, '%')}**"
                + (f"（{fmt_number(fig.value / 100)}倍）。" if fig.value >= 100 else "。")
            )
        else:
            fig = compound.combine(a, b, kind, which)
            word = "合计" if kind == "sum" else "相差"
            lead = (
                f"{a.name}{when}{with_unit(compound_value(a, which), a.unit)}与{b.name}{when}"
                f"{with_unit(compound_value(b, which), b.unit)}{word}**{with_unit(fig.value, fig.unit)}**"
                f"（{fig.formula}）。"
            )
        notes = []
    return Draft(
        intent="compute",
        lead=lead,
        figures=[fig],
        notes=notes,
        citations=finder.cite(*(r.label for r in rows)),
        indicator=a.name,
    )


def compound_value(row: Indicator, which: str) -> float:
    return row.target_value if which == "target" else row.base_value
