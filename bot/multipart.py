"""Questions with several parts: "A和B分别定了多少", "目标和年均增速各是多少".

Each part becomes its own question (one row, one quantity), answered on its own; the plan answerer
puts the answers into one reply. A question that combines rows into one number ("A和B加起来",
"A比B多多少", "A占B的比例") or compares them ("哪个增长快") is not split: see `bot.compound`.

>>> from indicators.catalog import load_default_table
>>> split_question("5G基站和数据中心机架分别定了多少？", load_default_table())
['5G基站数量定了多少?', '数据中心总机架数定了多少?']
"""

from __future__ import annotations

import re

from bot.normalize import normalize
from bot.resolver import _matcher, match_key
from indicators.catalog import IndicatorTable
from indicators.model import Indicator

# Words that join rows into one answer (a sum, a difference, a ratio) or compare them.
_NOT_SEPARATE = re.compile(
    r"哪个|哪一个|哪项|谁|更|相比|比较|对比|加起来|合计|合起来|总共|一共|之和|相加|总和|相差|差多少|差距|之差|"
    r"减去|高出|多出|多多少|少多少|占|比例|比值|是.{0,12}的.{0,4}(几倍|多少倍|百分之)|which|compare"
)
_CONNECTOR = r"(?:和|与|及|以及|、|还有|跟|,|，)"
# Quantities of one row that a question may ask together; each becomes "<row><words>是多少".
_QUANTITIES: tuple[tuple[str, str], ...] = (
    (r"年均增速|年均增长率|年均增长|年均增幅|增速|增长率", "年均增速是多少"),
    (r"增加量|增量|增加多少|增长多少|新增多少", "需要增加多少"),
    (r"倍数|几倍|多少倍", "目标是基期的几倍"),
    (r"目标值|目标", "目标是多少"),
    (r"基期值|基期|基数|现状|起点", "基期值是多少"),
)
_ANY_QUANTITY = "|".join(p for p, _ in _QUANTITIES)
_JOINED_QUANTITIES = re.compile(rf"({_ANY_QUANTITY})(?:{_CONNECTOR}({_ANY_QUANTITY}))+")


_EACH = re.compile(r"分别|各自|各")


def named_rows(question: str, table: IndicatorTable) -> list[tuple[int, int, Indicator]]:
    """Rows named by a phrase of exactly one row, as (start, end, row) in the matching key, in order."""
    key = match_key(normalize(question))
    out: list[tuple[int, int, Indicator]] = []
    for start, end, phrase in _matcher(table).hits(key):
        if len(phrase.indicators) == 1:
            row = table.indicators[phrase.indicators[0]]
            if all(row.name != r.name for _, _, r in out):
                out.append((start, end, row))
    return out


def _quantity_questions(key: str) -> list[str]:
    """The quantities a question asks together ("目标和年均增速"), each as question words."""
    joined = _JOINED_QUANTITIES.search(key)
    if joined is None:
        return []
    words: list[str] = []
    for piece in re.split(_CONNECTOR, joined.group(0)):
        for pattern, asked in _QUANTITIES:
            if re.fullmatch(pattern, piece) and asked not in words:
                words.append(asked)
    if len(words) < 2 or set(words) == {"目标是多少", "基期值是多少"}:
        return []  # "基期和目标" is one answer (lookup_both)
    return words


def _elliptic_row(
    key: str, first: tuple[int, int, Indicator], table: IndicatorTable
) -> list[tuple[int, int, Indicator]]:
    """"公共数据开放率和共享率": the second row written without the words it shares with the first."""
    start, end, row = first
    m = re.match(rf"{_CONNECTOR}([\u4e00-\u9fff]{{2,8}}?)(的|各|分别|基期|目标|$)", key[end:])
    if m is None:
        return []
    fragment = m.group(1)
    names = {match_key(n): r for r in table.indicators for n in (r.name, *r.aliases)}
    head = key[start:end]
    for cut in range(len(head) - 1, 0, -1):
        other = names.get(head[:cut] + fragment)
        if other is not None and other.name != row.name:
            return [(end + m.start(1), end + m.end(1), other)]
    return []


def _sentences(key: str, table: IndicatorTable) -> list[str]:
    """"5G基站目标多少？机架数呢？": one part per sentence naming a row; a bare "X呢" asks what the first asked."""
    sentences = [x for x in re.split(r"[?？!！;；。]", key) if x.strip()]
    if len(sentences) < 2 or not all(named_rows(x, table) for x in sentences):
        return []
    asked_first = next((asked for pattern, asked in _QUANTITIES if re.search(pattern, sentences[0])), None)
    parts = []
    for sentence in sentences:
        row = named_rows(sentence, table)[0][2]
        if asked_first and not any(re.search(pattern, sentence) for pattern, _ in _QUANTITIES):
            sentence = f"{row.name}{asked_first}"
        parts.append(sentence)
    return parts


def split_question(question: str, table: IndicatorTable, previous: Indicator | None = None) -> list[str]:
    """The parts of a multi-part question as questions of their own ([] when it has one part).

    ``previous``: the session's indicator, for "那它的目标和增速各是多少".
    """
    key = match_key(normalize(question))
    if _NOT_SEPARATE.search(key):
        return []
    sentences = _sentences(key, table)
    if sentences:
        return sentences
    rows = named_rows(question, table)
    if len(rows) == 1:
        rows += _elliptic_row(key, rows[0], table)
    if len(rows) >= 2:
        parts = []
        for start, end, _row in rows:
            text = key
            for s, e, r in sorted(rows, key=lambda x: -x[0]):
                # This row by its full name (it may be written short: "开放率和共享率"), the others removed.
                text = text[:s] + (f"\x01{r.name}\x01" if (s, e) == (start, end) else "\x00" * (e - s)) + text[e:]
            text = re.sub(rf"{_CONNECTOR}?\x00+{_CONNECTOR}?", "", text).replace("\x01", "")
            text = _EACH.sub("", text)
            asked = _quantity_questions(text)
            parts += [f"{_row.name}{a}" for a in asked] if asked else [text]
        return parts
    row = rows[0][2] if rows else previous
    if row is None:
        return []
    return [f"{row.name}{asked}" for asked in _quantity_questions(key)]
