"""Plan metadata inferred from a plan's own words: title, region, level, period, a stable id.

A sidecar (``plan.yaml`` in a bundle folder, or the ``plan:`` block of ``<file>.meta.yaml``) overrides
any of these; what is not given is inferred here.

>>> plan_title("关于《某市数字经济发展“十四五”规划》的起草说明")
'某市数字经济发展“十四五”规划'
>>> detect_region("丽水市数字经济发展“十四五”规划")
('丽水市', '市')
>>> detect_period("丽水市数字经济发展“十四五”规划")
(2021, 2025)
>>> region_mentions("丽水市", "市")
('丽水市', '丽水')
"""

from __future__ import annotations

import hashlib
import re

from corpus.plans.model import PlanLevel

_WRAPPED_TITLE = re.compile(r"《([^《》]{4,80})》")
_DRAFT_SUFFIX = re.compile(r"[（(](?:送审稿|征求意见稿|草案|报批稿|讨论稿|修订稿|试行)[)）]$")
_TABLE_SUFFIX = re.compile(r"(?<=规划|方案|纲要|计划)(主要)?(发展)?(目标|指标)(测算)?(表|体系|一览表)?$")
_NATIONAL = re.compile(r"^(?:国家|全国|中国|“十[一二三四五六]五”|十[一二三四五六]五)")
_NATIONAL_ISSUER = re.compile(r"^(?:国务院|国家|中共中央|工业和信息化部|中央网信办)")
_PROVINCE = re.compile(r"^([\u4e00-\u9fff]{2,6}?(?:省|自治区))")
_CITY = re.compile(r"^([\u4e00-\u9fff]{2,6}?(?:市|自治州|地区|盟))")
_COUNTY = re.compile(r"^([\u4e00-\u9fff]{2,6}?(?:市)?[\u4e00-\u9fff]{1,4}?(?:县|区|旗))(?=[\u4e00-\u9fff“\"《]{2})")
_FIVE_YEAR = {"十一五": (2006, 2010), "十二五": (2011, 2015), "十三五": (2016, 2020), "十四五": (2021, 2025),
              "十五五": (2026, 2030)}
_YEAR_SPAN = re.compile(r"[（(]?\s*(20\d\d)\s*[-—–~至到]\s*(20\d\d)\s*年?\s*[)）]?")
_QUOTES = re.compile(r"[“”\"'‘’「」]")
# Generic words a short title can drop ("发展", "规划") and the five-year label.
_TITLE_NOISE = re.compile(r"“?十[一二三四五六]五”?|[（(]\s*20\d\d\s*[-—–~至到]\s*20\d\d\s*年?\s*[)）]")


def plan_title(document_title: str) -> str:
    """The plan's own title from a document title: a note *about* 《X》 is about plan X.

    >>> plan_title("《某县工业发展规划》（征求意见稿）")
    '某县工业发展规划'
    >>> plan_title("某县工业发展规划主要指标表")
    '某县工业发展规划'
    """
    title = document_title.strip()
    wrapped = _WRAPPED_TITLE.search(title)
    if wrapped and (title.startswith("关于") or title.startswith("《")):
        title = wrapped[1]
    title = title.strip("《》 ")
    # A workbook's title row names its table: "X规划主要指标表" is plan X.
    title = _TABLE_SUFFIX.sub("", title)
    return _DRAFT_SUFFIX.sub("", title).strip()


def detect_region(title: str, issuer: str = "") -> tuple[str, PlanLevel]:
    """(region, level) from the title's leading place name, else from the issuer.

    >>> detect_region("浙江省制造业数字化转型行动方案（2021—2025年）")
    ('浙江省', '省')
    >>> detect_region("“十四五”数字经济发展规划", issuer="国务院")
    ('全国', '国家')
    >>> detect_region("某市某某区数字经济发展规划")
    ('某市某某区', '县')
    """
    for text in (title, issuer):
        text = text.strip()
        if not text:
            continue
        if _NATIONAL.match(text) or (text is issuer and _NATIONAL_ISSUER.match(text)):
            return "全国", "国家"
        county = _COUNTY.match(text)
        if county:
            return county[1], "县"
        province = _PROVINCE.match(text)
        if province:
            return province[1], "省"
        city = _CITY.match(text)
        if city:
            return city[1], "市"
    return "", ""


def detect_period(title: str, text: str = "", years: tuple[int, int] | None = None) -> tuple[int, int] | None:
    """The plan period: an explicit "2021—2025年" span, a five-year label, else the table's years.

    >>> detect_period("某行动方案（2021—2025年）")
    (2021, 2025)
    >>> detect_period("某规划", years=(2020, 2025))
    (2021, 2025)
    """
    span = _YEAR_SPAN.search(title)
    if span and int(span[1]) < int(span[2]):
        return int(span[1]), int(span[2])
    for label, period in _FIVE_YEAR.items():
        if label in title:
            return period
    if years is not None and years[0] < years[1]:
        return years[0] + 1, years[1]
    head = text[:400]
    for label, period in _FIVE_YEAR.items():
        if label in head:
            return period
    return None


def region_mentions(region: str, level: PlanLevel) -> tuple[str, ...]:
    """Ways a user names the region: 丽水市 → 丽水; 浙江省 → 浙江; 全国 → 国家.

    >>> region_mentions("浙江省", "省")
    ('浙江省', '浙江')
    >>> region_mentions("全国", "国家")
    ('全国', '国家')
    """
    if not region:
        return ()
    if level == "国家":
        return ("全国", "国家")
    short = re.sub(r"(省|市|自治区|自治州|地区|盟|县|区|旗)$", "", region)
    return tuple(dict.fromkeys(m for m in (region, short) if len(m) >= 2))


def short_title(title: str, region: str) -> str:
    """The title without quotes, the five-year label and the period: what people say in speech.

    >>> short_title("丽水市数字经济发展“十四五”规划", "丽水市")
    '丽水市数字经济发展规划'
    """
    return _QUOTES.sub("", _TITLE_NOISE.sub("", title)).strip() or title


def topic_words(title: str, region: str) -> str:
    """The title's subject without region, five-year label and document kind (数字经济发展, 数字政府建设)."""
    core = short_title(title, region)
    if region and core.startswith(region):
        core = core[len(region):]
    return re.sub(r"(专项规划|发展规划|规划|行动方案|实施方案|行动计划|方案|纲要|计划)$", "", core).strip()


def plan_slug(title: str, region: str, level: PlanLevel, period: tuple[int, int] | None) -> str:
    """A readable, stable id: region pinyin, topic initials, period; e.g. ``lishui-szjj-2021-2025``.

    >>> plan_slug("丽水市数字经济发展“十四五”规划", "丽水市", "市", (2021, 2025))
    'lishui-szjj-2021-2025'
    """
    from pypinyin import Style, lazy_pinyin

    short_region = region_mentions(region, level)[-1] if region else ""
    parts = []
    if short_region:
        parts.append("".join(lazy_pinyin(short_region)))
    topic = re.sub(r"[^\u4e00-\u9fffA-Za-z0-9]", "", topic_words(title, region))
    if topic:
        initials = "".join(lazy_pinyin(topic, style=Style.FIRST_LETTER))
        parts.append(re.sub(r"[^a-z0-9]", "", initials.lower())[:12])
    if period:
        parts.append(f"{period[0]}-{period[1]}")
    slug = "-".join(p for p in parts if p)
    if not slug:
        slug = "plan-" + hashlib.sha256(title.encode()).hexdigest()[:8]
    return slug[:64]


_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")


def valid_plan_id(plan_id: str) -> bool:
    """Plan ids are lower-case slugs (3–64 of a-z, 0-9, '-'): safe in paths, URLs and collection names.

    >>> valid_plan_id("lishui-szjjfz-2021-2025"), valid_plan_id("../etc")
    (True, False)
    """
    return bool(_SLUG_RE.match(plan_id))
