"""Operation words: what a question asks of an indicator (target, change, growth, projection, progress …).

>>> _RE["pp"].search("提高几个百分点") is not None
True
"""

from __future__ import annotations

import re
from typing import Any

from bot.resolver_params import _convert_unit
from indicators.model import Indicator

_MULTIPLE_THRESHOLD = re.compile(r"(\d+(?:\.\d+)?)倍(?:以上|多|及以上)|翻(?:一|1)?番|翻倍")
_RATE_THRESHOLD = re.compile(r"(?:增速|增长率?|增幅)\S{0,4}(?:超过|高于|大于|不低于)(\d+(?:\.\d+)?)%")

_RE = {
    "ranking": re.compile(
        r"最高|最快|最大|最多|最低|最慢|最小|最少|最难|最容易|排名|排序|排行|前\d+|前[三五十]|top\d*|highest|fastest"
    ),
    "count": re.compile(
        r"(多少|几)(项|个)(主要)?(发展)?指标|指标(数量|数目|个数|总数)|\d+项(主要)?(发展)?指标|"
        r"指标.{0,6}(几项|多少项|多少个)|howmanyindicators"
    ),
    "audit": re.compile(
        r"一致|相符|吻合|对得上|对不上|核对|复核|矛盾|合理|算得对|算错|偏差|准确|站得住|audit|consistent|"
        r"测算依据.{0,6}(对|准|问题)|(依据|测算|算式|公式|增速|增长).{0,12}(推得出|推出|算得出|得出|推导出)|reproduce"
    ),
    "progress_words": re.compile(
        r"进度|够吗|够不够|够|如何|怎么样|怎样|是否|能否|跟得上|赶得上|达标|超前|滞后|落后|完成得|"
        r"正常|正轨|progress|ontrack|还需|还要|剩下|剩余|今后|此后|接下来|完成目标|能完成|完成吗|实现目标|达成|"
        r"按计划|按规划|计划进度|符合计划|符合规划|符合进度|符合预期|正常吗|序时|时序|完成率|过半"
    ),
    # Without a year only unmistakable progress words count ("今年网络零售额2500亿元，进度正常吗").
    "progress_strong": re.compile(r"进度|滞后|超前|落后|达标|正轨|跟得上|赶得上|序时|progress|ontrack"),
    "projection": re.compile(r"按测算依据|按依据|按.{0,6}测算|推算|预测|预计|projection|project"),
    "multiple": re.compile(r"倍|翻.{0,2}番|翻了|multiple|times"),
    "pp": re.compile(r"百分点|几个?点|多少个?点|\bpp\b"),
    "annual": re.compile(
        r"年均|每年|平均每年|复合|增长率|增速|增幅|cagr|growthrate|annualgrowth|annual|fast|grow\w*each|eachyear|peryear"
    ),
    "trajectory": re.compile(
        r"逐年|历年|各年|分年度|年度目标|每一年|路径|轨迹|时间表|路线图|trajectory|yearbyyear|"
        r"每年(应该|应当|应|要|需要|计划)?(达到|是|为)(多少|几)|每年的(目标|计划|规划)"
    ),
    "change": re.compile(
        r"(增加|增长|提高|提升|新增|上升|扩大|多出|相差|差距|还差|差|变化|多|高|缩短|减少|降低|下降|压缩)了?(多少|几个?点)|"
        r"增加量|增长量|增量|"
        r"多少的?(增长|增量|增加)|多[建装增开]了?(多少|几)|相差|差距|差多少|increase|change|howmuchmore"
    ),
    "basis": re.compile(r"测算依据|依据是|怎么测算|如何测算|怎么算|怎样测算|测算方法|怎么来的|如何得出|basis"),
    "compare_rows": re.compile(r"哪个|哪一个|谁|比较|对比|相比|更快|更高|更多|更大|which|compare"),
    "relative": re.compile(r"百分之几|多少%|几成|百分比|增幅是多少|涨幅|percent"),
    "compare": re.compile(r"能否达到|能不能达到|能达到|达得到|够不够|够吗|实现目标|完成目标"),
    "both": re.compile(r"从.{0,12}到|基期和目标|现状和目标|分别|前后|20(19|20)年?(和|与|及|到|至)2025"),
    "base": re.compile(r"基期|基数|基年|现在|目前|现状|当前|起点|原来|现有|已有|baseline|base|current|起始"),
    "target": re.compile(r"目标|十四五末|期末|要达到|达到|规划值|target|goal|末"),
}


def _operation(
    qm: str, ind: Indicator | None, params: dict[str, Any], among: list[str] | None = None
) -> tuple[str, dict[str, Any]]:
    """Pick the operation from the masked question (indicator phrases replaced).

    ``among``: names of all indicators the question names (a comparison ranks just those).
    """
    among = among or []
    out: dict[str, Any] = {}
    years = params.get("years", [])
    has_rate = "rate_pct" in params
    has_inc = "increment" in params and not (
        _RE["annual"].search(qm) and _RE["change"].search(qm) and not _RE["projection"].search(qm) and "按" not in qm
    )
    if _RE["count"].search(qm) and ind is None:
        return "count", out
    if ind is None and re.search(r"哪些|哪几|哪个|which", qm):
        # "哪些指标目标是基期的两倍以上" / "年均增速超过20%的指标": a filter, not a top-N.
        multiple = _MULTIPLE_THRESHOLD.search(qm)
        rate = _RATE_THRESHOLD.search(qm)
        if multiple or rate:
            metric = "multiple" if multiple else "cagr_pct"
            value = (float(multiple.group(1)) if multiple.group(1) else 2.0) if multiple else float(rate.group(1))  # type: ignore[union-attr]
            return "ranking", {"metric": metric, "scope": "all", "order": "desc", "top": 30, "min_value": value}
    if ind is not None and len(among) > 1 and _RE["compare_rows"].search(qm):
        metric = "multiple" if _RE["multiple"].search(qm) else "change" if _RE["pp"].search(qm) else "cagr_pct"
        order = "asc" if re.search(r"最?(低|慢|小|少)", qm) else "desc"
        return "ranking", {
            "metric": metric,
            "scope": "all",
            "order": order,
            "top": len(among),
            "among": among,
        }
    # Without an indicator a superlative ranks indicators only when the question is about indicators
    # ("哪个指标增速最高"), not about some other "最低" thing ("最低工资标准").
    if _RE["ranking"].search(qm) and re.search(r"哪|指标|which|indicator", qm):
        metric = "cagr_pct"
        if _RE["multiple"].search(qm):
            metric = "multiple"
        elif _RE["pp"].search(qm):
            metric = "change"
        elif re.search(r"偏差|不一致", qm):
            metric = "audit_deviation_pct"
        scope = "percent" if _RE["pp"].search(qm) or "比率" in qm else "amount"
        order = "asc" if re.search(r"最低|最慢|最小|最少", qm) else "desc"
        out = {
            "metric": metric,
            "scope": scope,
            "order": order,
            "top": params.get("top", 1 if "哪个" in qm or "哪一" in qm else 5),
        }
        return "ranking", out
    if "actual_value" in params and ind is not None and not has_rate and not has_inc:
        value = _convert_unit(params["actual_value"], params.get("actual_unit"), ind)
        if years and _RE["progress_words"].search(qm):
            return "progress", {"actual_value": value, "actual_year": years[0]}
        if not years and _RE["progress_strong"].search(qm):
            # The year is missing: the caller has to ask for it (no "today" guess).
            return "progress", {"actual_value": value, "actual_year": None}
    if has_rate or has_inc or (_RE["projection"].search(qm) and ind is not None and not _RE["audit"].search(qm)):
        start_year = params.get("from_year") or (ind.base_year if ind is not None else 0)
        year = next((y for y in years if y > start_year), None)
        if has_rate:
            out["rate_pct"] = params["rate_pct"]
        elif has_inc:
            unit = params.get("increment_unit", "")
            out["increment"] = _convert_unit(params["increment"], unit, ind) if ind is not None else params["increment"]
            out["increment_unit"] = ind.unit if ind is not None and unit == ind.unit[1:] else unit
        if year is not None:
            out["year"] = year
        if "from_value" in params and ind is not None:
            out["from_value"] = params["from_value"]
            out["from_year"] = params.get("from_year") or (ind.override_base[0] if ind.override_base else ind.base_year)
        if _RE["audit"].search(qm) or _RE["compare"].search(qm):
            out["compare_target"] = True
        return "projection", out
    if _RE["audit"].search(qm):
        return "audit", {"scope": "indicator" if ind is not None else "table"}
    if _RE["trajectory"].search(qm):
        return "trajectory", out
    if _RE["multiple"].search(qm):
        return "multiple", out
    if _RE["annual"].search(qm) and not (
        _RE["change"].search(qm) and not re.search(r"年均|每年|增长率|增速|增幅|cagr|growthrate|annual", qm)
    ):
        if _RE["pp"].search(qm) or (ind is not None and ind.is_percent and re.search(r"提高|提升|增加", qm)):
            out["mode"] = "pp"
        elif re.search(r"(新增|增加)(多少|几)|(增长|提高)(多少|几)(个|家|台|件|项|户|万户|亿元|tbps)", qm):
            out["mode"] = "increment"
        return "cagr", out
    if _RE["relative"].search(qm) and (_RE["change"].search(qm) or re.search(r"增长|提高|增加", qm)):
        return "change", {"mode": "percent"}
    if _RE["pp"].search(qm) or (_RE["change"].search(qm) and ind is not None and ind.is_percent):
        return "pp_change", out
    if _RE["change"].search(qm):
        return "change", out
    if _RE["basis"].search(qm) and ind is not None:
        return "basis", out
    nominal_base = ind.target_year - 5 if ind is not None else 2020
    if ind is not None and any(y == nominal_base != ind.base_year for y in years) and not _RE["target"].search(qm):
        # "数字经济增加值2020年是多少": the table column is 2020年 but the value is from 2019.
        return "lookup_base", {"year": nominal_base}
    mid_year = next((y for y in years if ind is not None and ind.base_year < y < ind.target_year), None)
    if mid_year is not None:
        return "planned_value", {"year": mid_year}
    early = next((y for y in years if ind is not None and y < ind.base_year), None)
    if early is not None:
        # The table has no value for that year: say so instead of inventing one.
        return "lookup_base", {"year": early, "year_not_in_table": True}
    base_year_hit = ind is not None and any(y in (ind.base_year, 2020) for y in years)
    target_year_hit = ind is not None and any(y == ind.target_year for y in years)
    asks_base = base_year_hit or bool(_RE["base"].search(qm))
    asks_target = target_year_hit or bool(re.search(r"目标|target", qm))
    if _RE["both"].search(qm) or (asks_base and asks_target):
        return "lookup_both", out
    if asks_base:
        if ind is not None and years and years[0] != ind.base_year:
            out["year"] = years[0]
        return "lookup_base", out
    if ind is not None:
        if not _RE["target"].search(qm) and not target_year_hit:
            # Nothing but the indicator was asked ("那机架数呢？"): a follow-up may reuse the last operation.
            out["operation_defaulted"] = True
        return "lookup_target", out
    if target_year_hit or _RE["target"].search(qm):
        return "lookup_target", out
    return "none", out
