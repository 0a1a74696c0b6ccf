"""Question normaliser: one canonical form before any matching.

>>> normalize("數據中心總機架數二〇二五年要達到多少？")
'数据中心总机架数2025年要达到多少?'

Steps: NFKC (full-width → half-width), traditional → simplified (OpenCC ``t2s``, loaded lazily
once, thread-safe), Chinese years (二〇二五年 → 2025年), 百分之X → X%, Chinese numerals followed
by a measure word or containing 百/千/万/亿 (三万 → 30000, 四十家 → 40家) and Arabic numbers with
万 (1.2万 → 12000). Words that merely contain numeral characters survive: 一网通办, 十四五,
一号工程, 两区两中心, 第三极 (a numeral is only converted when a measure word follows it or it is
a multi-character number with a magnitude). "X万元" / "X万户" / "X亿元" keep their unit because
indicator units are stated that way (万元/人, 万户, 亿元).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from typing import Any

import cn2an

_converter: Any = None
_converter_lock = threading.Lock()


def _t2s(text: str) -> str:
    global _converter
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                import opencc

                _converter = opencc.OpenCC("t2s")
    return str(_converter.convert(text))


def warm_up() -> None:
    """Load the OpenCC converter now (service start-up) rather than on the first question."""
    _t2s("")


_DIGIT = "零〇一二两三四五六七八九"
_YEAR_RE = re.compile(rf"([{_DIGIT}]{{4}})年")
_YEAR_MAP = str.maketrans(
    {
        "零": "0",
        "〇": "0",
        "一": "1",
        "二": "2",
        "两": "2",
        "三": "3",
        "四": "4",
        "五": "5",
        "六": "6",
        "七": "7",
        "八": "8",
        "九": "9",
    }
)
_CN_NUM = rf"[{_DIGIT}十][{_DIGIT}十百千万亿]*(?:点[{_DIGIT}]+)?"
_PERCENT_RE = re.compile(rf"百分之\s*(\d+(?:\.\d+)?|{_CN_NUM})")
# Measure words after which a Chinese numeral is a quantity (not part of a word such as 一网通办).
_MEASURE = "个台家件项户人次倍年元亿万%座套条所"
_CN_RE = re.compile(
    rf"(?<![第{_DIGIT}十百千万亿])({_CN_NUM})(?=(个百分点|[{_MEASURE}]))|"
    rf"(?<![第{_DIGIT}十百千万亿])([{_DIGIT}十][{_DIGIT}十]*[百千万亿][{_DIGIT}十百千万亿]*"
    rf"(?:点[{_DIGIT}]+)?)"
)
_WAN_RE = re.compile(r"(\d+(?:\.\d+)?)万(?![元户亿])")
_SPACE_RE = re.compile(r"\s+")


def _num_text(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def cn_to_number(text: str) -> float | None:
    """Parse a Chinese numeral ("三万", "一万四千", "十二点五", "两千") or None when it is not one.

    >>> cn_to_number("两千"), cn_to_number("十四五")
    (2000.0, None)
    """
    try:
        return float(cn2an.cn2an(text.replace("两", "二").replace("〇", "零"), "strict"))
    except (ValueError, KeyError, IndexError):
        return None


def _replace_cn(match: re.Match[str]) -> str:
    token = match.group(1) or match.group(3)
    if match.group(1) and token[-1] in "万亿" and match.group(2) in ("元", "户"):
        # "十二亿元" → "12亿元": indicator units are 亿元 / 万户, keep the magnitude word.
        head = cn_to_number(token[:-1])
        return match.group(0) if head is None else _num_text(head) + token[-1]
    value = cn_to_number(token)
    return match.group(0) if value is None else _num_text(value)


def _replace_percent(match: re.Match[str]) -> str:
    token = match.group(1)
    value = float(token) if token[0].isdigit() else cn_to_number(token)
    return match.group(0) if value is None else f"{_num_text(value)}%"


def _replace_wan(match: re.Match[str]) -> str:
    return _num_text(round(float(match.group(1)) * 10000, 6))


def normalize(text: str) -> str:
    """Canonical form of a question (see module docstring).

    >>> normalize("百分之十五"), normalize("1.2万个"), normalize("一网通办率"), normalize("十四五")
    ('15%', '12000个', '一网通办率', '十四五')
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _t2s(text)
    text = _SPACE_RE.sub(" ", text).strip()
    # Numeral rewrites can enable each other ("三万" → "3万" → "30000", nested "百分之百分之5" one level
    # per pass); iterate to a fixpoint so that normalize(normalize(x)) == normalize(x). Real questions
    # need one or two passes; the bound only guards against a rewrite that never settles.
    for _ in range(len(text) + 1):
        new = _numerals(text)
        if new == text:
            break
        text = new
    return text


def _numerals(text: str) -> str:
    text = _YEAR_RE.sub(lambda m: m.group(1).translate(_YEAR_MAP) + "年", text)
    text = _PERCENT_RE.sub(_replace_percent, text)
    text = _WAN_RE.sub(_replace_wan, text)
    text = _CN_RE.sub(_replace_cn, text)
    return _WAN_RE.sub(_replace_wan, text)
