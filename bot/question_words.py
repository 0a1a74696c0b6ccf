"""Words of a question that say nothing about its topic, and near spellings of indicator names.

A question is refused only when its *content* matches nothing. Two steps keep one stray word from
causing a refusal:

1. :func:`strip_about` removes words about the document (表格里, 附件中, 草稿, 第一版), about the
   asker (我们村, 我们单位, 一家民宿的) and count words for the task list (八项任务中, 几大工程里).
2. :func:`closest_indicator` reads a phrase the resolver could not place (5G机站数量, 再役工业机器人数量)
   as an indicator of the plan when it is the same name but for one character, or sounds the same
   (pypinyin). A longer or shorter phrase (农产品跨境网络零售出口额, 5G用户数) is never taken for a row:
   those are the tempting near misses the plan does not have.

>>> strip_about("表格里的5G基站数量目标是多少")
'5G基站数量目标是多少'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from indicators.catalog import IndicatorTable
from indicators.model import Indicator

_NUMERAL = r"[一二三四五六七八九十两几\d]+"
_DOC_NOUN = r"(表格|表|附件|附表|测算表|指标表|草稿|初稿|征求意见稿|送审稿|文件|文稿|原文|文本|稿子|规划|说明)"
_ABOUT = re.compile(
    # the document: "（在）这份表格里的", "附件中", "第一版", "草稿"
    rf"(在|从)?(这份|这个|那份|该|本)?{_DOC_NOUN}+(第{_NUMERAL}版)?(里面|里|中|上|内|当中)的?|"
    rf"第{_NUMERAL}版(的|里|中)?|(最新|最初)?(草稿|初稿|征求意见稿|送审稿)(的|里|中)?|"
    # the asker: "我们村的", "我们单位", "一家民宿的"
    r"(我们|咱们|我)(村|镇|乡|街道|社区|单位|公司|企业|店|厂|部门|局|科室|学校|医院)(的|里)?|"
    r"(作为)?(一家|一个|一所)[\u4e00-\u9fff]{0,6}?(民宿|企业|公司|单位|店|厂|合作社|机构)(的)?(老板|负责人|员工)?|"
    # counting the task list: "八项任务中", "几大工程里"
    rf"(这|那)?{_NUMERAL}(大|项|个)(主要|重点)?(任务|工程)(中|里|里面|当中)的?"
)

_NUMERAL_DIGIT = dict(zip("零一二三四五六七八九", "0123456789", strict=True))
# A phrase needs this many characters before one changed character is read as a typo.
MIN_TYPO_LENGTH = 4


_TITLE_NOISE = re.compile(r"“[^”]*”|\([^)]*\)|（[^）]*）|十四五|\d{4}|[—\-－]|[^\u4e00-\u9fff]")
_TITLE_SPLIT = re.compile(r"[市省县区]|规划|方案|行动|计划|纲要|意见")


def _title_words(title: str) -> list[str]:
    """The topic words of a plan's title (衢州市数字政府建设“十四五”规划 → 数字政府建设, 数字政府 …)."""
    words: set[str] = set()
    for piece in _TITLE_SPLIT.split(_TITLE_NOISE.sub(" ", title)):
        piece = piece.strip()
        for end in range(4, len(piece) + 1):
            words.add(piece[:end])
    return sorted(words, key=len, reverse=True)


def strip_about(question: str, titles: tuple[str, ...] = ()) -> str:
    """The question without words about the document, the asker or the task list's count.

    ``titles``: the plan's title(s), whose topic words before 规划/方案 name the document too
    ("数字政府规划里…" of 衢州市数字政府建设“十四五”规划).

    >>> strip_about("我们村想了解附件中农产品网络零售额的目标")
    '想了解农产品网络零售额的目标'
    >>> strip_about("数字政府规划里平均办理时间", ("衢州市数字政府建设“十四五”规划",))
    '平均办理时间'
    """
    for title in titles:
        words = "|".join(re.escape(w) for w in _title_words(title))
        if words:
            question = re.sub(
                rf"({words})(“十四五”|十四五)?(规划|方案|行动方案|计划)(的|里面|里|中|上)?", "", question
            )
    return _ABOUT.sub("", question)


@lru_cache(maxsize=4096)
def _pinyin(text: str) -> tuple[str, ...]:
    from pypinyin import lazy_pinyin

    return tuple(lazy_pinyin(text))


@dataclass(frozen=True)
class NameMatch:
    """An indicator read from a misspelt phrase, and why (``typo`` or ``homophone``)."""

    indicator: Indicator
    phrase: str
    written: str  # the name or alias the phrase was compared with
    kind: str


def _key(text: str) -> str:
    """Lower case without spaces or quotes (“浙里办”注册用户数 → 浙里办注册用户数)."""
    return re.sub(r"[\s“”‘’'\"「」『』]", "", text).lower()


def clean(text: str) -> str:
    """The text :func:`closest_indicator` reads (and its ``phrase`` is a piece of)."""
    return _key(text)


def _one_typo(phrase: str, name: str) -> str | None:
    """``homophone`` when every character sounds the same, ``typo`` when one (not the last) differs."""
    if len(phrase) != len(name) or phrase == name or len(phrase) < MIN_TYPO_LENGTH:
        return None
    same = sum(a == b for a, b in zip(phrase, name, strict=True))
    if 2 * same < len(name):
        return None  # a misspelling keeps at least half its characters; skip the costly pinyin otherwise
    latin_changed = any(a != b and (a + b).isascii() for a, b in zip(phrase, name, strict=True))
    if _pinyin(phrase) == _pinyin(name) and not latin_changed:
        return "homophone"
    differ = [i for i, (a, b) in enumerate(zip(phrase, name, strict=True)) if a != b]
    # Otherwise only a Chinese numeral for its digit (五G → 5G): a character that sounds different
    # names another thing (进口额 is not 出口额), as does a changed digit or Latin letter (4G, IPv4).
    if len(differ) == 1 and _NUMERAL_DIGIT.get(phrase[differ[0]]) == name[differ[0]]:
        return "typo"
    return None


def closest_indicator(text: str, table: IndicatorTable) -> NameMatch | None:
    """The row one of whose names ``text`` misspells (one character, or the same sound), if exactly one.

    Every stretch of ``text`` as long as a name, label or alias is compared with it, so the rest of
    the question does not matter; ``phrase`` is the stretch as found in :func:`clean` ``(text)``.

    >>> from indicators.catalog import load_default_table
    >>> closest_indicator("5G机站数量目标是多少", load_default_table()).indicator.name
    '5G基站数量'
    >>> closest_indicator("5G用户数目标是多少", load_default_table()) is None
    True
    """
    text = _key(text)
    low = text
    written_all = {_key(w) for ind in table.indicators for w in (ind.name, ind.label, *ind.aliases)}
    # Stretches that already spell a name exactly are that name, not a typo of another spelling.
    exact = [k for k in written_all if len(k) >= 3 and k in low]
    found: dict[str, NameMatch] = {}
    for ind in table.indicators:
        label = re.sub(r"[（(][^）)]*[）)]$", "", ind.label)
        for written in dict.fromkeys((ind.name, label, *ind.aliases)):
            key = _key(written)
            if len(key) < MIN_TYPO_LENGTH or key in low:
                continue
            for start in range(0, len(low) - len(key) + 1):
                window = low[start : start + len(key)]
                if any(window in e for e in exact):
                    continue
                kind = _one_typo(window, key)
                known = found.get(ind.name)
                if kind is not None and (known is None or len(known.written) < len(written)):
                    found[ind.name] = NameMatch(ind, text[start : start + len(key)], written, kind)
    # The longest misspelt name wins; two rows as close as each other: the phrase is not clearly either.
    ranked = sorted(found.values(), key=lambda m: -len(m.phrase))
    if not ranked or (len(ranked) > 1 and len(ranked[1].phrase) == len(ranked[0].phrase)):
        return None
    return ranked[0]
