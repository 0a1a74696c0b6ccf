"""Map a Chinese numeric question to (indicator, operation, parameters).

>>> from indicators.catalog import load_default_table
>>> r = resolve("5G基站每年平均要增长百分之几？", load_default_table())
>>> r.indicator.name, r.operation
('5G基站数量', 'cagr')

How it works (one pass, no model):

1. :func:`bot.normalize.normalize` the question, then a matching key (lower case, no spaces/quotes).
2. Exact phrase hits: every indicator name, verbatim label and curated alias is searched; longer
   phrases claim their span first, so "跨境网络零售出口额" beats "网络零售额".
3. Each character left over is classified as *noise* (operation words, function words, years,
   numbers, places), *soft* (neutral heads such as 数量/规模/建设) or *content*.
   Content glued to a hit (e.g. "农产品" + "网络零售额" when that row did not exist, or "投资额" after
   "5G基站") turns the hit into a near miss unless prefix+hit+suffix is still a subsequence of one
   of the indicator's phrases ("工业劳动生产率" ⊂ "规上工业全员劳动生产率").
4. Left-over content with no hit is tried as a subsequence of a phrase whose head (last
   characters) agrees — "软件业收入" → 软件和信息服务业营业收入, but "数字经济核心产业增加值" is not
   "数字经济核心产业增加值占GDP比重" (head 值 vs 比重). Otherwise it is reported as
   ``unmatched_metric`` when the question asks for a number.
5. Operation words decide the operation; numbers become parameters (year, rate_pct, increment,
   actual_value, actual_year, top …).

Operations: lookup_target, lookup_base, lookup_both, change, pp_change, multiple, cagr,
projection, trajectory, planned_value, progress, audit, ranking, count (how many indicators the
plan declares / has), basis (the 测算依据 text of a row), none. ``params["operation_defaulted"]``
is True when the question names an indicator but no operation (a chat layer may reuse the last
one); ``params["year_not_in_table"]`` marks a year before the table's base year. A question
comparing named rows ("网络零售额和农产品网络零售额哪个增长快") becomes ``ranking`` with
``params["among"]`` = those names (pass it as ``names=`` to ``indicators.frame.rank_indicators``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from bot.normalize import normalize
from bot.resolver_operations import _operation
from bot.resolver_params import _NUM, _numbers
from indicators.catalog import IndicatorTable
from indicators.model import Indicator

_KEY_DROP = set(" \t“”‘’'\"「」『』《》")

OPERATIONS = (
    "lookup_target",
    "lookup_base",
    "lookup_both",
    "change",
    "pp_change",
    "multiple",
    "cagr",
    "projection",
    "trajectory",
    "planned_value",
    "progress",
    "audit",
    "ranking",
    "count",
    "basis",
    "none",
)


@dataclass(frozen=True)
class Resolution:
    """What a question asks about the indicator table.

    ``candidates`` lists indicator names when the match is ambiguous or a near miss;
    ``unmatched_metric`` is set when the question asks a number about a metric the table lacks.
    """

    indicator: Indicator | None
    operation: str
    params: dict[str, Any] = field(default_factory=dict)
    confidence: float = 0.0
    unmatched_metric: str | None = None
    candidates: list[str] = field(default_factory=list)
    normalized: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (indicator by name)."""
        return {
            "indicator": self.indicator.name if self.indicator else None,
            "operation": self.operation,
            "params": dict(self.params),
            "confidence": self.confidence,
            "unmatched_metric": self.unmatched_metric,
            "candidates": list(self.candidates),
            "normalized": self.normalized,
        }


def _key_map(text: str) -> tuple[str, list[int]]:
    """The matching key plus, per key character, its index in ``text`` (to quote the user's words)."""
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for low in ch.lower():
            if low not in _KEY_DROP:
                chars.append(low)
                index.append(i)
    return "".join(chars), index


def match_key(text: str) -> str:
    """Lower-case, no spaces or quotes (input already normalised).

    >>> match_key("5G 基站“数量”")
    '5g基站数量'
    """
    return _key_map(text)[0]


# ------------------------------------------------------------------ vocabulary

_UNITS = r"%|个百分点|百分点|万元/人年|万元/人|万户|亿元|万元|元|亿|万|个|台|家|件|项|户|倍|tbps|gbps|人"
_HARD_TEXT = """
十四五末 十四五期末 十四五期间 十四五时期 十四五 到期末 期末 年底 年末 年初 今年 去年 明年 目前
现在 当前 现阶段 截至 截止 届时 基期值 基期 基年 基数 起点 起始值 起始 现状 现有 原来 已有 末
目标值 目标 规划值 计划值 预期值 预期 预计 计划 规划 要求 应该 应当 应 需要 需 要 能否 可以 包括
包含 提出 有关 相关 负责 编制 部分 方面 内容 我们 我 你 您 做 达到 达 实现 完成 提高 提升 增长率
增长 增速 增幅 增量 新增 上升 下降 减少 年均 平均 每年 逐年 每一年 历年 各年 分年度 年度 复合 倍数
翻番 翻 倍 百分点 百分比 多少个 多少家 多少台 多少件 多少项 多少户 多少 几个 几家 几倍 几 是否 一致
符合 相符 吻合 对得上 对不上 核对 复核 验证 测算依据 依据 测算 计算 推算 估算 算 按照 按 如果 假如
假设 若 的话 那么 那 进度 情况如何 如何 怎么样 怎样 怎么 够吗 够不够 够 超前 滞后 落后 领先 差距
相差 还差 差 距离 变化 变动 多大 有多 是什么 什么 哪个 哪些 哪一个 哪 最高 最低 最快 最慢 最大 最小
最多 最少 排名 排序 排行 前三 前五 前十 请问 请 问 告诉我 帮我 查询 查一下 查 一下 看看 我想知道
想知道 知道 呢 吗 吧 啊 呀 了 的 是 和 与 及 以及 跟 同 到 为 在 把 对 于 从 由 至 较 共 总共
一共 合计 累计 约 大约 左右 以上 不低于 至少 实际 已经 已 还 又 都 也 其 该 这个 这 这些 主要 指标
数值 全市 我市 本市 期间 分别 多久 速度 水平 程度 相比 比较 只有 只 仅有 仅 才 刚刚 刚
新建 新装 若是 要是 离 距 路径 轨迹 规划路径 亿元 万元 万户 多建 建 what is the of in by for
定了 定为 定的 设定 确定 规定 了解 想了解 咨询
how many much target targets goal growth rate annual base baseline value year years per cagr
projection progress trajectory change increase multiple times and to will be reach should
fast grow grows growing each
plan
"""
_HARD_WORDS = frozenset(_HARD_TEXT.split())
_SOFT_WORDS = ["数量", "个数", "总数", "数目", "总量", "规模", "建设", "建成", "开通", "部署", "情况", "量"]


@lru_cache(maxsize=32)
def _hard_re(extra: tuple[str, ...] = ()) -> re.Pattern[str]:
    """Noise: operation and function words, years, numbers, punctuation, plus a plan's drop words."""
    words = sorted(_HARD_WORDS | {w.lower() for w in extra}, key=len, reverse=True)
    return re.compile(
        rf"20\d\d年?(?:底|末|初)?|(?<![a-z]){_NUM}(?:{_UNITS}|(?![a-z\d.]))|增加(?!值)|(?<!占)比(?!重)|(?<![拥所具享])有(?!效)|"
        r"(?<![智功性动产效赋职技体])能(?![源力耗])|会(?![展议])|"
        + "|".join(re.escape(w) for w in words)
        + r"|[,.?!;:，。？！；：、()（）\[\]【】<>…~\-=/]"
    )


_SOFT_RE = re.compile("|".join(_SOFT_WORDS))
_NUMERIC_INTENT_RE = re.compile(
    r"多少|(?<!哪)几(?!个?部分|个?方面)|目标|增长|增速|增幅|倍|百分点|比重|占比|规模|数量|产量|产值|总量|"
    r"金额|%|\d|target|howmany|howmuch|growth"
)


# A left-over phrase ending like a statistic ("数字贸易额", "人口") is a metric even without 多少.
_METRIC_HEAD_RE = re.compile(
    r"(额|量|率|数|值|比重|占比|规模|收入|产值|价|速|人口|gdp|耗|指数|面积|产量|时长|天数|次数)$"
)


# English function and question words, removed at word boundaries before matching: once spaces are
# dropped they would glue onto an alias ("howfastmust5gbasestations") and make it look like a near miss.
# The operation words (growth, target, rate …) stay, the operation regexes read them.
_ENGLISH_FILLER = re.compile(
    r"\b(how|quickly|must|should|would|will|can|could|does|do|did|is|are|was|were|be|been|the|a|an|of|to|"
    r"in|on|for|by|with|at|from|and|or|than|every|what|which|when|where|who|why|hit|reach|reached|"
    r"required|require|requires|needed|need|needs|get|got|have|has|had|its|it|this|that|"
    r"there|their|plan|plan's|please|tell|me|about|number|count|total)\b",
    re.IGNORECASE,
)




@lru_cache(maxsize=32)
def _drop_filler(extra: tuple[str, ...]) -> re.Pattern[str] | None:
    """A plan's English drop words (its place name …), removed at word boundaries like the filler."""
    latin = [w for w in extra if w.isascii()]
    if not latin:
        return None
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in latin) + r")\b", re.IGNORECASE)




def looks_like_metric(phrase: str) -> bool:
    """True when a phrase ends like a statistic (…额/量/率/数/值/比重/价/速 …), e.g. 新能源汽车产量.

    >>> looks_like_metric("5G用户数"), looks_like_metric("次常务会议上通过")
    (True, False)
    """
    return bool(_METRIC_HEAD_RE.search(phrase.strip().lower()))


def _mask(text: str, spans: list[tuple[int, int]], ch: str = "\x01") -> str:
    chars = list(text)
    for s, e in spans:
        for i in range(s, e):
            chars[i] = ch
    return "".join(chars)


def _is_subsequence(small: str, big: str) -> bool:
    it = iter(big)
    return all(ch in it for ch in small)


def _head_ok(span: str, phrase: str) -> bool:
    """The span's last character is one of the phrase's last two (收入 ~ 营收, 占比 ~ 比重)."""
    return bool(span) and span[-1] in phrase[-2:]


@dataclass(frozen=True)
class _Phrase:
    key: str
    indicators: tuple[int, ...]
    is_name: bool


class _Matcher:
    def __init__(self, table: IndicatorTable) -> None:
        self.table = table
        by_key: dict[str, set[int]] = {}
        names: set[str] = set()
        for idx, ind in enumerate(table.indicators):
            for phrase in (ind.name, ind.label, *ind.aliases):
                key = match_key(normalize(phrase))
                if len(key) < 2:
                    continue
                by_key.setdefault(key, set()).add(idx)
                if phrase in (ind.name, ind.label):
                    names.add(key)
        self.phrases = sorted(
            (_Phrase(k, tuple(sorted(v)), k in names) for k, v in by_key.items()),
            key=lambda p: len(p.key),
            reverse=True,
        )
        self.by_indicator: dict[int, list[str]] = {}
        for p in self.phrases:
            for idx in p.indicators:
                self.by_indicator.setdefault(idx, []).append(p.key)

    def hits(self, qk: str) -> list[tuple[int, int, _Phrase]]:
        claimed = [False] * len(qk)
        out = []
        for p in self.phrases:
            start = qk.find(p.key)
            while start != -1:
                end = start + len(p.key)
                if not any(claimed[start:end]):
                    for i in range(start, end):
                        claimed[i] = True
                    out.append((start, end, p))
                start = qk.find(p.key, start + 1)
        return sorted(out, key=lambda h: h[0])

    def subsequence_matches(self, span: str, min_len: int = 3) -> tuple[list[int], list[int]]:
        """(indicators whose phrase contains span as subsequence with the same head, head-mismatched ones)."""
        good: list[int] = []
        near: list[int] = []
        if len(span) < min_len:
            return good, near
        for idx, keys in self.by_indicator.items():
            subs = [k for k in keys if _is_subsequence(span, k)]
            if any(_head_ok(span, k) for k in subs):
                good.append(idx)
            elif subs:
                near.append(idx)
        return sorted(good), sorted(near)


@lru_cache(maxsize=8)
def _matcher(table: IndicatorTable) -> _Matcher:
    return _Matcher(table)


def _classify(qk: str, hit_spans: list[tuple[int, int]], drop_words: tuple[str, ...] = ()) -> list[str]:
    """Per character: H (hit), N (noise), S (soft neutral word), C (content)."""
    masked = _mask(qk, hit_spans)
    labels = ["H" if c == "\x01" else "C" for c in masked]
    for m in _hard_re(drop_words).finditer(masked):
        for i in range(m.start(), m.end()):
            labels[i] = "N"
    for m in _SOFT_RE.finditer(masked):
        if all(labels[i] == "C" for i in range(m.start(), m.end())):
            for i in range(m.start(), m.end()):
                labels[i] = "S"
    return labels


def _strip_soft(text: str) -> str:
    changed = True
    while changed and text:
        changed = False
        for w in _SOFT_WORDS:
            if text.endswith(w):
                text, changed = text[: -len(w)], True
            if text.startswith(w):
                text, changed = text[len(w) :], True
    return text


def _adjacent(qk: str, labels: list[str], start: int, end: int) -> tuple[str, str, tuple[int, int]]:
    """(prefix, suffix, (span start, span end)): content glued to a hit, neutral words stripped.

    A single 的 in between is transparent ("农产品的网络零售额").
    """
    i = start
    if i > 1 and qk[i - 1] == "的" and labels[i - 2] in "CS":
        i -= 1
    while i > 0 and labels[i - 1] in "CS":
        i -= 1
    j = end
    if j + 1 < len(qk) and qk[j] == "的" and labels[j + 1] in "CS":
        j += 1
    while j < len(qk) and labels[j] in "CS":
        j += 1
    prefix = _strip_soft(qk[i:start].replace("的", ""))
    suffix = _strip_soft(qk[end:j].replace("的", ""))
    return prefix, suffix, (i, j)


def _chunks(qk: str, labels: list[str]) -> list[tuple[int, int]]:
    """Spans of left-over content (content and neutral words, at least one content character).

    A single 的 between content is part of the span ("农产品的跨境出口额").
    """
    out: list[tuple[int, int]] = []
    start, has_c = -1, False
    padded = [*labels, "N"]
    for i, lab in enumerate(padded):
        glue = qk[i : i + 1] == "的" and start >= 0 and padded[i + 1] in "CS"
        if lab in "CS" or glue:
            start = i if start < 0 else start
            has_c = has_c or lab == "C"
            continue
        if start >= 0 and has_c and i - start >= 2:
            out.append((start, i))
        start, has_c = -1, False
    return out



# ------------------------------------------------------------------ main entry


def _pick_by_params(cands: list[int], table: IndicatorTable, params: dict[str, Any]) -> list[int]:
    """Disambiguate rows by numbers the question repeats (a basis rate, a base or target value)."""
    numbers = {params.get("rate_pct"), params.get("increment"), params.get("actual_value")} - {None}
    if not numbers:
        return cands
    picked = []
    for idx in cands:
        ind = table.indicators[idx]
        b = ind.basis_parsed
        own = {b.rate_pct, b.amount, b.pp, ind.base_value, ind.target_value} - {None}
        if numbers & own:
            picked.append(idx)
    return picked or cands


def warm_up(table: IndicatorTable) -> None:
    """Build the phrase matcher for ``table`` and load OpenCC (call at service start-up)."""
    from bot.normalize import warm_up as warm_normalizer

    warm_normalizer()
    _matcher(table)


def resolve(
    question: str, table: IndicatorTable, previous: Indicator | None = None, drop_words: Sequence[str] = ()
) -> Resolution:
    """Resolve a question against ``table`` (``previous``: the indicator of the last turn).

    >>> from indicators.catalog import load_default_table
    >>> resolve("人工智能企业数量2025年目标是多少？", load_default_table()).unmatched_metric
    '人工智能企业数量'
    >>> resolve("某市5G基站数量目标", load_default_table(), drop_words=["某市"]).indicator.name
    '5G基站数量'

    ``drop_words``: words of the plan that say nothing about the metric (its region: 某市, 某市市 …),
    treated as noise like 请问 or 目标; they add to the table's own ``drop_words`` (read from the
    plan's data, e.g. ``indicators/drop_words.txt`` for the shipped plan).
    """
    drop = tuple(dict.fromkeys([*table.drop_words, *drop_words]))
    norm = normalize(question or "")
    stripped = _ENGLISH_FILLER.sub(" ", norm)
    filler = _drop_filler(drop)
    if filler is not None:
        stripped = filler.sub(" ", stripped)
    qk, key_index = _key_map(stripped)

    def quote(span: tuple[int, int]) -> str:
        return norm[key_index[span[0]] : key_index[span[1] - 1] + 1].replace("的", "")

    if not qk:
        return Resolution(None, "none", {}, 0.0, None, [], norm)
    matcher = _matcher(table)
    params = _numbers(qk)
    hits = matcher.hits(qk)
    labels = _classify(qk, [(s, e) for s, e, _ in hits], drop)
    qm = _mask(qk, [(s, e) for s, e, _ in hits], "\x01")

    chosen: list[int] = []
    confidence = 0.0
    unmatched: str | None = None
    candidates: list[int] = []
    # Longest hit first: the most specific phrase wins.
    for start, end, phrase in sorted(hits, key=lambda h: -(h[1] - h[0])):
        prefix, suffix, span = _adjacent(qk, labels, start, end)
        if phrase.key.isascii():
            # An English alias touches its neighbours only because spaces were dropped: English words
            # around it are not part of the name ("if"+"5gbasestations"+"grow"); Chinese ones are (5G用户数).
            prefix = "" if prefix.isascii() else prefix
            suffix = "" if suffix.isascii() else suffix
        cands = list(phrase.indicators)
        conf = 0.95 if phrase.is_name else 0.9
        if prefix or suffix:
            extended = prefix + phrase.key + suffix
            good, _near = matcher.subsequence_matches(extended, min_len=1)
            own = [i for i in cands if i in good]
            if own:
                cands, conf = own, 0.8
            elif good:
                cands, conf = good, 0.7
            else:
                if unmatched is None:
                    unmatched = quote(span)
                candidates.extend(i for i in cands if i not in candidates)
                continue
        if len(cands) > 1:
            cands = _pick_by_params(cands, table, params)
        if len(cands) > 1:
            candidates.extend(i for i in cands if i not in candidates)
            continue
        if not chosen:
            chosen, confidence = cands, conf
        elif cands[0] not in chosen:
            candidates.append(cands[0])
    if not chosen and not candidates and unmatched is None:
        # No phrase hit: try left-over content as an abbreviation (subsequence with the same head).
        for a, b in sorted(_chunks(qk, labels), key=lambda sp: sp[0] - sp[1]):
            core = _strip_soft(qk[a:b].replace("的", ""))
            # English words are not abbreviations of Chinese names ("theexpertreview" is no IPv6 row):
            # in English only whole aliases (matched above) name an indicator.
            good, near = ([], []) if core.isascii() else matcher.subsequence_matches(core)
            if len(good) == 1:
                chosen, confidence = good, 0.7
                break
            if len(good) > 1:
                good = _pick_by_params(good, table, params)
                if len(good) == 1:
                    chosen, confidence = good, 0.6
                    break
                candidates = good
                break
            if unmatched is None:
                unmatched = quote((a, b))
                candidates = near
    indicator = table.indicators[chosen[0]] if chosen else None
    cand_names = [table.indicators[i].name for i in candidates if not chosen or i != chosen[0]]
    if indicator is None and not cand_names and unmatched is None and previous is not None:
        # A follow-up that names no metric ("那年均增长率呢？") is about the last turn's indicator.
        indicator, confidence = previous, 0.7
    among = [indicator.name, *cand_names] if indicator is not None and unmatched is None else []
    op, op_params = _operation(qm, indicator, params, among)
    if indicator is not None and op == "ranking":
        indicator, cand_names = None, []  # a comparison of the named rows
    elif indicator is not None:
        unmatched = None
    elif op in ("ranking", "audit", "count"):
        # Table-wide questions need no indicator.
        unmatched, confidence = None, 0.8
    elif unmatched is not None:
        # A near miss of a known phrase is clearly a metric; other left-overs only when a number is asked.
        if not cand_names and not _NUMERIC_INTENT_RE.search(qm) and not _METRIC_HEAD_RE.search(unmatched.lower()):
            unmatched = None
        op, op_params, confidence = "none", {}, 0.4 if cand_names else 0.0
    elif cand_names:
        confidence = 0.4  # ambiguous: keep the operation so the caller can ask "which one?"
    else:
        op, op_params, confidence = "none", {}, 0.0
    out_params = {k: v for k, v in params.items() if k in ("years",)}
    out_params.update(op_params)
    if (
        op in ("lookup_target", "lookup_base", "lookup_both", "change", "pp_change", "multiple", "cagr")
        and "year" not in out_params
        and params.get("years")
    ):
        out_params["year"] = params["years"][0] if op != "lookup_target" else params["years"][-1]
    return Resolution(indicator, op, out_params, round(confidence, 2), unmatched, cand_names, norm)
