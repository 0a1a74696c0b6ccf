"""Check an LLM answer against what this turn actually produced.

Rules (issue 8): every number in the answer equals a figure the engine returned this turn or a
number in a passage the answer cites (or in the question / trusted engine text); every ``[n]``
points to a returned citation. Formatting is tolerated: ``3万`` = 30000, ``1,400`` = 1400,
``27.0%`` matches 27.02 (the answer may round, never add precision), Chinese numerals
(``三万``, ``百分之二十七``, ``二〇二五``).

>>> verify_answer("5G基站2025年达到3万个[1]。", citations=["5G基站数量（个）9072 30000"],
...               figures=[], question="5G基站2025年目标？")
[]
>>> [v.kind for v in verify_answer("达到99999个[3]。", citations=["30000"], figures=[])]
['citation', 'number']
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import cn2an

from bot.schemas import FigureOut

_FULLWIDTH = str.maketrans("０１２３４５６７８９％．，【】", "0123456789%.,[]")

# Multipliers written after a number; the value is the absolute quantity.
_MULTIPLIERS: dict[str, float] = {
    "万亿": 1e12,
    "千万": 1e7,
    "百万": 1e6,
    "亿": 1e8,
    "万": 1e4,
    "千": 1e3,
}
_MULT_RE = "|".join(sorted(_MULTIPLIERS, key=len, reverse=True))

_ARABIC = re.compile(rf"(?<![0-9.])(\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.(\d+))?(?:\s*({_MULT_RE}))?")
_CN_DIGITS = "零〇一二两三四五六七八九"
_CN_PLACES = "十百千万亿"
_CHINESE = re.compile(rf"(百分之)?([{_CN_DIGITS}{_CN_PLACES}]+(?:点[{_CN_DIGITS}]+)?)")
_CN_DIGIT_VALUE = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}

# Proper names that contain numerals but are not quantities.
_NAMED_TERMS = ("十四五", "十三五", "十五五", "一号工程", "十四个五年")

# Structure, not content: citation markers, ordered-list markers, "（1）" enumerations.
_CITATION = re.compile(r"\[(\d+(?:\s*[,，、\-–~]\s*\d+)*)\]")
_LIST_MARKER = re.compile(r"(?m)^(\s*(?:[#>*\-]+\s*)?)\d{1,2}[.、)）]\s*(?!\d)")
_PAREN_ENUM = re.compile(r"[（(]\d{1,2}[)）]")


@dataclass(frozen=True)
class NumberMention:
    """A number as written (``text``) and the values it may stand for, each with a tolerance.

    ``3万`` stands for 30000 (±5000 as written) and for 3 in a 万-unit column (±0.5).
    """

    text: str
    candidates: tuple[tuple[float, float], ...]
    start: int = 0


@dataclass(frozen=True)
class Violation:
    """One reason the answer cannot be released as is."""

    kind: Literal["number", "citation"]
    token: str
    message: str


def normalise(text: str) -> str:
    """Full-width digits and brackets to ASCII, so one pattern sees every number.

    >>> normalise("３万【2】")
    '3万[2]'
    """
    return text.translate(_FULLWIDTH)


def _candidates(value: float, tol: float) -> tuple[tuple[float, float], ...]:
    # The same quantity may be written in 万 or 亿 units elsewhere (6500亿元 vs a 亿元 column).
    out = [(value, tol)]
    for div in (1e4, 1e8):
        if abs(value) >= div:
            out.append((value / div, tol / div))
    return tuple(out)


def _arabic_mentions(text: str) -> list[NumberMention]:
    found = []
    for m in _ARABIC.finditer(text):
        whole, frac, mult = m.group(1), m.group(2), m.group(3)
        number = float(whole.replace(",", "") + ("." + frac if frac else ""))
        decimals = len(frac) if frac else 0
        tol = 0.5 * 10.0**-decimals
        scale = _MULTIPLIERS.get(mult or "", 1.0)
        cands = _candidates(number * scale, tol * scale)
        if scale != 1.0:
            cands = ((number, tol), *cands)
        found.append(NumberMention(m.group(0), cands, m.start()))
    return found


def _chinese_value(run: str) -> tuple[float, int] | None:
    """Value and shown decimals of a Chinese numeral run, or None when it is not a number."""
    integer, _, frac = run.partition("点")
    if not any(c in _CN_DIGITS for c in integer) and not frac:
        return None  # 千亿级, 万物, 百强: place words without a digit are not quantities
    try:
        if not any(c in _CN_PLACES for c in integer) and len(integer) > 1:
            value = float("".join(str(_CN_DIGIT_VALUE[c]) for c in integer))  # 二〇二五
        else:
            value = float(cn2an.cn2an(integer, "smart"))
        if frac:
            value += float("0." + "".join(str(_CN_DIGIT_VALUE[c]) for c in frac))
    except (ValueError, KeyError):
        return None
    return value, len(frac)


def _chinese_mentions(text: str, *, strict: bool) -> list[NumberMention]:
    """Chinese numerals; with ``strict`` (the answer side), small single characters are prose.

    一是/两区/三大/五年 are everyday words; checking them would reject fluent answers for nothing.
    """
    if strict:
        for term in _NAMED_TERMS:
            text = text.replace(term, " ")
    found = []
    for m in _CHINESE.finditer(text):
        parsed = _chinese_value(m.group(2))
        if parsed is None:
            continue
        value, decimals = parsed
        if strict and not m.group(1) and len(m.group(2)) == 1 and value <= 10:
            continue
        found.append(NumberMention(m.group(0), _candidates(value, 0.5 * 10.0**-decimals), m.start()))
    return found


def extract_numbers(text: str, *, strict: bool = False) -> list[NumberMention]:
    """Every number written in ``text``, Arabic or Chinese.

    >>> [m.text for m in extract_numbers("到2025年达到3万个，增长百分之二十七")]
    ['2025', '3万', '百分之二十七']

    Args:
        text: answer or source text.
        strict: answer side: drop citation/list markers and everyday single-character numerals.
    """
    text = normalise(text)
    if strict:
        text = _CITATION.sub(" ", text)
        text = _LIST_MARKER.sub(lambda m: m.group(1), text)
        text = _PAREN_ENUM.sub(" ", text)
    return sorted(_arabic_mentions(text) + _chinese_mentions(text, strict=strict), key=lambda m: m.start)


def cited_indices(answer: str) -> list[int]:
    """The citation numbers used in ``answer``, in order, ranges expanded.

    >>> cited_indices("见[1]、[2,3]与【5】，以及[6-7]")
    [1, 2, 3, 5, 6, 7]
    """
    out: list[int] = []
    for m in _CITATION.finditer(normalise(answer)):
        for part in re.split(r"\s*[,，、]\s*", m.group(1)):
            bounds = [int(b) for b in re.split(r"\s*[\-–~]\s*", part)]
            if len(bounds) == 2 and 0 <= bounds[1] - bounds[0] < 50:
                out.extend(range(bounds[0], bounds[1] + 1))
            else:
                out.extend(bounds)
    return out


def _numeric_leaves(obj: Any) -> Iterable[float]:
    if isinstance(obj, bool):
        return
    if isinstance(obj, int | float) and math.isfinite(obj):
        yield float(obj)
    elif isinstance(obj, Mapping):
        for v in obj.values():
            yield from _numeric_leaves(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            yield from _numeric_leaves(v)


def _matches(mention: NumberMention, allowed: Sequence[float]) -> bool:
    for value, tol in mention.candidates:
        slack = tol + 1e-9 * max(1.0, abs(value))
        if any(abs(abs(value) - abs(a)) <= slack for a in allowed):
            return True
    return False


def verify_answer(
    answer: str,
    *,
    citations: Sequence[str],
    figures: Sequence[FigureOut | Mapping[str, Any]],
    question: str = "",
    trusted_texts: Sequence[str] = (),
) -> list[Violation]:
    """Every number and every ``[n]`` of ``answer`` checked; an empty list means release it.

    Args:
        answer: the LLM's text.
        citations: passage texts in reply order; ``[1]`` is ``citations[0]``.
        figures: engine figures of this turn (values, inputs, formula and note are allowed numbers).
        question: the user's question (its numbers may be repeated).
        trusted_texts: other engine output of this turn (tool results, the deterministic answer).

    Returns:
        Violations in the order found (citations first, then numbers).
    """
    violations: list[Violation] = []
    used = cited_indices(answer)
    valid = [n for n in used if 1 <= n <= len(citations)]
    for n in dict.fromkeys(used):
        if not 1 <= n <= len(citations):
            violations.append(
                Violation(
                    "citation",
                    f"[{n}]",
                    f"引用[{n}]不存在（本轮只有{len(citations)}条引用） / citation [{n}] does not exist",
                )
            )

    allowed: list[float] = []
    sources = [question, *trusted_texts, *(citations[n - 1] for n in dict.fromkeys(valid))]
    for fig in figures:
        data = fig.model_dump() if isinstance(fig, FigureOut) else dict(fig)
        allowed.extend(_numeric_leaves(data))
        # The formula and note are engine output too: "(30000/9072)^(1/5)-1", "规划原需年均27.02%".
        sources.extend(str(data.get(key) or "") for key in ("formula", "note"))
    for text in sources:
        for mention in extract_numbers(text):
            allowed.extend(v for v, _ in mention.candidates)

    seen: set[str] = set()
    for mention in extract_numbers(answer, strict=True):
        if mention.text in seen or _matches(mention, allowed):
            continue
        seen.add(mention.text)
        violations.append(
            Violation(
                "number",
                mention.text,
                f"数字“{mention.text}”既不是本轮引擎结果，也不在所引段落中 / "
                f"number {mention.text!r} is neither an engine figure of this turn nor in a cited passage",
            )
        )
    return violations


def describe(violations: Sequence[Violation]) -> str:
    """One line per violation, for the repair prompt and the logs."""
    return "\n".join(f"- {v.message}" for v in violations)


def figures_from_tool_result(result: Any) -> list[FigureOut]:
    """Figures in a tool result: a dict with a ``figures`` list, one figure dict, or a list of them.

    >>> figures_from_tool_result({"figures": [{"indicator": "x", "quantity": "cagr", "value": 1.5,
    ...     "unit": "%", "formula": "f"}]})[0].value
    1.5
    """
    if isinstance(result, str):
        try:
            result = json.loads(result)
        except ValueError:
            return []
    items: list[Any]
    if isinstance(result, Mapping) and isinstance(result.get("figures"), list):
        items = list(result["figures"])
    elif isinstance(result, Mapping):
        items = [result]
    elif isinstance(result, list):
        items = list(result)
    else:
        return []
    out = []
    for item in items:
        if isinstance(item, Mapping) and {"indicator", "value"} <= item.keys():
            try:
                out.append(
                    FigureOut.model_validate(
                        {
                            "quantity": "value",
                            "unit": "",
                            "formula": "",
                            **{k: v for k, v in item.items() if k in FigureOut.model_fields},
                        }
                    )
                )
            except ValueError:
                continue
    return out
