"""Matching keywords of sub-tasks derived from their names and text with jieba (no hand-written lists).

>>> derive_keywords([("培育集成电路产业", "支持芯片设计和封装测试企业。"), ("建设智慧物流枢纽", "发展冷链仓储。")],
...                 generic=frozenset({"培育", "建设", "产业", "企业", "支持", "发展"}))
[('集成电路', '集成电路产业', '芯片', '设计', '测试'), ('智慧', '物流', '枢纽', '智慧物流', '物流枢纽', '冷链', '仓储')]

Rules (per sub-task, in this order, duplicates dropped):

* name terms: every jieba word of the name with a content part of speech (nouns, verbal nouns,
  verbs, idioms, abbreviations, Latin words), two characters or more, not a generic planning word
  (``generic_words`` of ``structure_words.yaml``), plus each pair of adjacent two-character-or-longer
  nouns joined when at most one of them is generic (智慧 + 物流 → 智慧物流, 智能 + 工厂 → 智能工厂);
* text terms: nouns, verbal nouns and Latin words of the sub-task's own text, most frequent first
  (ties in text order), at most `max_text_terms`;
* Latin/number words (5G, IPv6, CAD) are found by pattern, lower-cased (the matcher lower-cases
  profiles);
* a term found in more than max(2, `share_limit` × number of sub-tasks) sub-tasks is dropped: it cannot
  tell them apart.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

_NAME_POS = ("n", "vn", "v", "l", "j", "i", "eng", "b")
_TEXT_POS = ("n", "vn", "l", "j", "eng")
_LATIN_RE = re.compile(r"(?<![a-z0-9])[a-z0-9][a-z0-9+&.-]*[a-z0-9+]|(?<![a-z0-9])[a-z][a-z0-9]?(?![a-z0-9])")
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def _pos_tokenizer() -> Any:
    """A private jieba POS tokenizer (other modules' custom words must not change ours)."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return jieba.posseg.POSTokenizer(tokenizer)


def _allowed(flag: str, prefixes: Sequence[str]) -> bool:
    return any(flag == p or (p == "n" and flag.startswith("n")) for p in prefixes)


def _latin(text: str) -> list[str]:
    found = (m.group() for m in _LATIN_RE.finditer(text.lower()))
    return [w for w in found if re.search(r"[a-z]", w) and len(w) >= 2]


def _cjk_words(text: str) -> list[tuple[str, str]]:
    """(word, part of speech) of `text` by the private jieba tokenizer."""
    return [(pair.word, pair.flag) for pair in _pos_tokenizer().cut(text)]


def _keep(word: str, flag: str, pos: Sequence[str], generic: frozenset[str]) -> bool:
    return len(word) >= 2 and bool(_CJK_RE.search(word)) and _allowed(flag, pos) and word not in generic


def name_terms(name: str, generic: frozenset[str]) -> list[str]:
    """Terms of a sub-task name: content words, adjacent noun pairs, Latin words.

    >>> name_terms("全面建设5G等新一代网络基础设施", frozenset({"全面", "建设"}))
    ['网络', '基础设施', '网络基础设施', '5g']
    >>> name_terms("建设智能工厂", frozenset({"建设", "智能"}))
    ['工厂', '智能工厂']
    """
    words = _cjk_words(name)
    terms = [w for w, f in words if _keep(w, f, _NAME_POS, generic)]
    for (a, a_pos), (b, b_pos) in itertools.pairwise(words):
        # A generic word may be half of a specific pair (智能 + 工厂), never both halves.
        pair = a + b
        nouns = _allowed(a_pos, ("n",)) and _allowed(b_pos, ("n",)) and len(a) >= 2 and len(b) >= 2
        if nouns and len(pair) <= 8 and pair not in generic and not (a in generic and b in generic):
            terms.append(pair)
    return list(dict.fromkeys([*terms, *_latin(name)]))


def text_terms(text: str, generic: frozenset[str], limit: int) -> list[str]:
    """The `limit` most frequent nouns and Latin words of `text` (ties in text order).

    >>> text_terms("建设冷链仓储，发展冷链物流。", frozenset({"建设", "发展"}), 2)
    ['冷链', '仓储']
    """
    words = [w for w, f in _cjk_words(text) if _keep(w, f, _TEXT_POS, generic)] + _latin(text)
    counts = Counter(words)
    first = {w: i for i, w in reversed(list(enumerate(words)))}
    return sorted(counts, key=lambda w: (-counts[w], first[w]))[:limit]


def derive_keywords(
    items: Sequence[tuple[str, str]],
    generic: frozenset[str],
    share_limit: float | None = 0.2,
    max_text_terms: int = 12,
) -> list[tuple[str, ...]]:
    """Keywords for each (name, text) pair, in the same order (see the module docstring).

    Args:
        items: one (name, own text) pair per sub-task of a plan.
        generic: words never used as keywords.
        share_limit: drop a term found in more than this share of the items (None: keep all).
        max_text_terms: how many terms of the text to keep per item.
    """
    per_item = [
        list(dict.fromkeys([*name_terms(name, generic), *text_terms(text, generic, max_text_terms)]))
        for name, text in items
    ]
    if share_limit is None:
        return [tuple(terms) for terms in per_item]
    spread = Counter(term for terms in per_item for term in set(terms))
    limit = max(2.0, share_limit * len(items))
    return [tuple(t for t in terms if spread[t] <= limit) for terms in per_item]
