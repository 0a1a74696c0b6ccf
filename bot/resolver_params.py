"""The numbers a question states: years, a growth rate, a yearly step, an actual value (with its unit).

>>> _numbers("2023年5G基站达到15000个，进度如何")["actual_value"]
15000.0
"""

from __future__ import annotations

import re
from typing import Any

from indicators.model import Indicator

_NUM = r"\d+(?:\.\d+)?"

_YEAR_RE = re.compile(r"(?<![\d.])(20[0-4]\d)(?:年|(?!\d|%|\.\d))")
_RATE_RE = re.compile(rf"({_NUM})%")
_PP_RE = re.compile(rf"({_NUM})个?百分点")
_INCREMENT_RE = re.compile(
    rf"(?:每年|年均|逐年)(?:只|仅|再|能|可)?(?:新增|增加|增长|提高|提升|递增|新建|建设|建成|新装)?({_NUM})"
    r"(个百分点|个|家|台|件|项|户|万户|万人|万台|万家|人)"
)
_VALUE_RE = re.compile(
    rf"(?<![\d.])({_NUM})(万元/人年|万元/人|万户|万人|万台|万家|万元|亿元|亿|元|%|个|台|家|件|项|户|人|tbps)?"
)
_RATE_CONTEXT = ("按", "增长", "增速", "增幅", "递增", "年均", "每年", "速度", "增", "grow", "rate", "increase", "at")
_ACTUAL_CONTEXT = ("达到", "为", "是", "实现", "完成", "到了", "有", "达", "已")
_FROM_RE = re.compile(
    rf"(?:从|以)(?:(20[0-4]\d)年(?:的)?(?:估算值|估计值|估算|实际值|数据|数值|值)?(?:为|是)?)?(?<![\d.])({_NUM})"
    rf"(?!\d*年)(?:万元/人年|万元/人|万户|亿元|亿|个|台|家|件|%)?"
)
_TOP_RE = re.compile(r"(?:前|top)(\d+|[三五十])")


def _numbers(q: str) -> dict[str, Any]:
    """Years, rate, increment and an actual value from a normalised question."""
    params: dict[str, Any] = {}
    years = [int(m.group(1)) for m in _YEAR_RE.finditer(q)]
    if years:
        params["years"] = years
    inc = _INCREMENT_RE.search(q)
    if inc:
        params["increment"] = float(inc.group(1))
        params["increment_unit"] = inc.group(2)
    pp = _PP_RE.search(q)
    if pp and "increment" not in params and re.search(r"每年|年均|逐年", q[: pp.start()]):
        params["increment"] = float(pp.group(1))
        params["increment_unit"] = "个百分点"
    for m in _RATE_RE.finditer(q):
        before = q[max(0, m.start() - 8) : m.start()]
        after = q[m.end() : m.end() + 4]
        is_actual = any(before.endswith(w) for w in _ACTUAL_CONTEXT) and not any(
            w in before for w in ("增长", "增速", "增幅", "按")
        )
        if not is_actual and (any(w in before for w in _RATE_CONTEXT) or after.startswith(("的增", "增", "测算"))):
            params["rate_pct"] = float(m.group(1))
            break
    spans_used: list[tuple[int, int]] = []
    for rx in (_YEAR_RE, _INCREMENT_RE, _PP_RE):
        spans_used += [m.span() for m in rx.finditer(q)]
    for m in _VALUE_RE.finditer(q):
        if any(s <= m.start() < e for s, e in spans_used):
            continue
        if m.group(2) == "%" and "rate_pct" in params and float(m.group(1)) == params["rate_pct"]:
            continue
        if re.fullmatch(r"\d", m.group(1)) and q[m.end() : m.end() + 1] in ("g", "G"):
            continue  # "5G"
        if q[max(0, m.start() - 4) : m.start()].lower().endswith(("ipv", "前", "top")):
            continue
        params["actual_value"] = float(m.group(1))
        if m.group(2):
            params["actual_unit"] = m.group(2)
        break
    start = _FROM_RE.search(q)
    if start:
        params["from_value"] = float(start.group(2))
        if start.group(1):
            params["from_year"] = int(start.group(1))
    top = _TOP_RE.search(q.lower())
    if top:
        params["top"] = {"三": 3, "五": 5, "十": 10}.get(top.group(1)) or int(top.group(1))
    return params


def _convert_unit(value: float, unit: str | None, ind: Indicator) -> float:
    """Bring "8000万元" to 亿元 etc.; other units are taken as the indicator's."""
    if unit == "万元" and ind.unit == "亿元":
        return value / 10000
    if unit == "元" and ind.unit == "亿元":
        return value / 1e8
    if unit in ("亿", "亿元") and ind.unit == "万元":
        return value * 10000
    if unit and ind.unit.startswith("万") and unit == ind.unit[1:]:
        return value / 10000  # "20000人" for an indicator counted in 万人
    return value
