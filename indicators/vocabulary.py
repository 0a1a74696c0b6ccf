"""Aliases of a plan's indicators generated from their labels, and a fuzzy name lookup (pure).

>>> generate_aliases("工业互联网平台数量", "工业互联网平台数量（个）", "个")
('工业互联网平台数', '工业互联网平台', '互联网平台数量', '互联网平台数', '互联网平台')
>>> fuzzy_candidates("机加数", ["数据中心总机架数", "5G基站数量"], limit=1)[0][0]
'数据中心总机架数'

Rules of :func:`generate_aliases` (word lists in ``vocabulary_words.yaml``):

1. forms: the name with quotes removed (an alias when it had quotes); the label without its unit
   bracket; a bracket that names a measure itself (``FTTH/O宽带接入率（光纤宽带用户率）``) is an alias;
2. qualifiers: ``规上X`` → X and 规模以上X (and back);
3. shares: ``X占Y比重`` → X占Y的比重, X占比, X比重 (and without a trailing 增加值 of X);
   ``X比重`` ↔ X占比;
4. counts: ``X数量/个数/总数`` ↔ ``X数`` ↔ ``X``; a row counted in 个/家/台… without a count word gets
   X数量 and X数;
5. rates: ``…增长率`` ↔ 增速/增幅, ``…下降率`` ↔ 降幅/下降幅度 …;
6. compound heads: every tail of the jieba segmentation with two or more words that starts at a
   noun of two or more characters (规上数字经济核心产业主营业务收入 → 核心产业主营业务收入,
   主营业务收入 …), not after a one-character word that binds to it (高|价值; 总|机架 is fine), nor
   at a ``tail_bad_starts`` word (数字|经济), with the count variants of rule 4; a quoted term is
   one word;
7. dropped: the name itself, anything shorter than three characters, generic measure words
   (收入, 增长率 …).

An alias is generated for one row at a time; :func:`plan_aliases` then drops every alias that another
row of the same plan also has, or that lies inside another row's name (劳动生产率 of two rows), and
reports them: the resolver asks "which one?" when a phrase names several rows, so an alias must name
exactly one.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from indicators.model import Indicator

WORDS_PATH = Path(__file__).with_name("vocabulary_words.yaml")
_QUOTES = "“”‘’'\"「」『』《》 \u3000"
_BRACKET_RE = re.compile(r"[（(]([^（）()]*)[）)]")
_SHARE_RE = re.compile(r"^(.+?)占(.+?)的?(比重|比例)$")
_LATIN_RUN_RE = re.compile(r"[A-Za-z0-9&+/.]+")
_QUOTED_RE = re.compile("[“‘「『\"']([^”’」』\"']+)[”’」』\"']")
_NOUN_TAGS = ("n", "nz", "ng", "nr", "ns", "nt", "vn", "j", "l", "eng")
_MEASURE_RE = re.compile(r"(率|数|额|值|量|比重|占比|比例|收入)$")
MIN_ALIAS_CHARS = 3


@dataclass(frozen=True)
class VocabularyWords:
    """The word lists of ``vocabulary_words.yaml``."""

    qualifier_prefixes: tuple[str, ...]
    qualifier_synonyms: Mapping[str, str]
    count_suffixes: tuple[str, ...]
    not_count_endings: tuple[str, ...]
    count_units: frozenset[str]
    measure_endings: tuple[str, ...]
    rate_variants: Mapping[str, tuple[str, ...]]
    generic_aliases: frozenset[str]
    tail_bad_starts: frozenset[str] = frozenset()


@lru_cache(maxsize=4)
def load_vocabulary_words(path: Path = WORDS_PATH) -> VocabularyWords:
    """Read the word lists (cached)."""
    raw: Mapping[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}

    def words(key: str) -> tuple[str, ...]:
        return tuple(str(w) for w in raw.get(key) or ())

    return VocabularyWords(
        qualifier_prefixes=words("qualifier_prefixes"),
        qualifier_synonyms={str(k): str(v) for k, v in (raw.get("qualifier_synonyms") or {}).items()},
        count_suffixes=words("count_suffixes"),
        not_count_endings=words("not_count_endings"),
        count_units=frozenset(words("count_units")),
        measure_endings=words("measure_endings"),
        rate_variants={str(k): tuple(str(x) for x in v) for k, v in (raw.get("rate_variants") or {}).items()},
        generic_aliases=frozenset(words("generic_aliases")),
        tail_bad_starts=frozenset(words("tail_bad_starts")),
    )


def clean(text: str) -> str:
    """NFKC-free cleanup: quotes and spaces removed (full-width brackets kept).

    >>> clean("“浙政钉”用户日活跃率 ")
    '浙政钉用户日活跃率'
    """
    return "".join(ch for ch in text.strip() if ch not in _QUOTES)


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()  # private: other modules' custom words must not change ours
    tokenizer.initialize()
    return jieba.posseg.POSTokenizer(tokenizer)


def segment(text: str) -> list[tuple[str, str]]:
    """(word, part of speech) by jieba; Latin/number runs (5G, R&D) are one "eng" word, a quoted term one "nz".

    >>> segment("5G基站数量"), segment("依申请‘一网通办’率")[-2:]
    ([('5G', 'eng'), ('基站', 'n'), ('数量', 'n')], [('一网通办', 'nz'), ('率', 'v')])
    """
    out: list[tuple[str, str]] = []

    def cut(part: str) -> None:
        part = clean(part)
        if part:
            out.extend((p.word, p.flag) for p in _tokenizer().cut(part) if p.word.strip())

    def plain(part: str) -> None:
        pos = 0
        for m in _LATIN_RUN_RE.finditer(part):
            cut(part[pos : m.start()])
            out.append((m.group(), "eng"))
            pos = m.end()
        cut(part[pos:])

    pos = 0
    for m in _QUOTED_RE.finditer(text):
        plain(text[pos : m.start()])
        out.append((m.group(1), "nz"))
        pos = m.end()
    plain(text[pos:])
    return out


def _count_variants(form: str, unit: str, words: VocabularyWords) -> list[str]:
    if form.endswith(words.not_count_endings):
        return []
    for suffix in words.count_suffixes:
        if form.endswith(suffix):
            head = form[: -len(suffix)]
            return [head + "数", head + "数量", head]
    if form.endswith("数"):
        return [form[:-1] + "数量", form[:-1]]
    if unit in words.count_units and not form.endswith(words.measure_endings):
        return [form + "数量", form + "数"]
    return []


def _share_variants(form: str) -> list[str]:
    m = _SHARE_RE.match(form)
    if m is None:
        if form.endswith("比重"):
            return [form[:-2] + "占比"]
        if form.endswith("占比"):
            return [form[:-2] + "比重"]
        return []
    x, y = m.group(1), m.group(2)
    heads = [x] + ([x[:-3]] if x.endswith("增加值") and len(x) > 3 else [])
    out = []
    for head in heads:
        out += [f"{head}占{y}比重", f"{head}占{y}的比重", f"{head}占比", f"{head}比重"]
    return out


def _rate_variants(form: str, words: VocabularyWords) -> list[str]:
    for ending, others in words.rate_variants.items():
        if form.endswith(ending):
            return [form[: -len(ending)] + other for other in others]
    return []


def _qualifier_variants(form: str, words: VocabularyWords) -> list[str]:
    for prefix in words.qualifier_prefixes:
        if form.startswith(prefix) and len(form) > len(prefix):
            rest = form[len(prefix) :]
            synonym = words.qualifier_synonyms.get(prefix)
            return [rest] + ([synonym + rest] if synonym else [])
    return []


def _tails(form: str, words: VocabularyWords) -> list[str]:
    """Tails of the segmentation: two or more words, starting at a noun of two or more characters that
    does not follow a one-character word other than a modifier such as 总 (高|价值, 可|支配 bind)."""
    tokens = segment(form)
    out = []
    for i in range(1, len(tokens) - 1):
        word, tag = tokens[i]
        before, before_tag = tokens[i - 1]
        if len(word) < 2 or tag not in _NOUN_TAGS or word in words.tail_bad_starts:
            continue
        if len(before) == 1 and before_tag != "b":
            continue
        out.append("".join(w for w, _ in tokens[i:]))
    return out


def _stem(alias: str, words: VocabularyWords) -> str:
    for suffix in (*words.count_suffixes, "数"):
        if alias.endswith(suffix):
            return alias[: -len(suffix)]
    return alias


def generate_aliases(
    name: str, label: str = "", unit: str = "", words: VocabularyWords | None = None
) -> tuple[str, ...]:
    """Aliases of one indicator row, generated from its name, label and unit (see the module docstring).

    >>> generate_aliases("数据中心总机架数", "数据中心总机架数（个）", "个")[:2]
    ('数据中心总机架数量', '数据中心总机架')
    """
    words = words or load_vocabulary_words()
    core = clean(name)
    measures = [clean(c) for c in _BRACKET_RE.findall(label)]
    measures = [c for c in measures if c != unit and _MEASURE_RE.search(c) and len(c) >= MIN_ALIAS_CHARS]
    bare_label = _BRACKET_RE.sub("", label).strip()
    raw_forms = [name, bare_label, *measures]  # quotes kept here: a quoted term is one word for the tails
    forms = [core, clean(bare_label), *measures]
    share = _SHARE_RE.match(core) is not None
    tails = [] if share else [t for form in raw_forms if form for t in _tails(form, words)]
    expanded: list[str] = []
    for form in dict.fromkeys([*forms, *_qualifier_variants(core, words), *tails]):
        expanded.append(form)
        expanded += _share_variants(form) + _rate_variants(form, words) + _count_variants(form, unit, words)
    out = []
    for alias in dict.fromkeys(expanded):
        if alias in (name, label) or (alias == core == name) or len(alias) < MIN_ALIAS_CHARS:
            continue
        if alias in words.generic_aliases or _stem(alias, words) in words.generic_aliases:
            continue
        if alias.isascii() and not re.search(r"[A-Za-z]{2}", alias):
            continue
        out.append(alias)
    return tuple(out)


@dataclass(frozen=True)
class PlanAliases:
    """Generated aliases per row name, and the aliases dropped because they name several rows."""

    aliases: Mapping[str, tuple[str, ...]]
    collisions: Mapping[str, tuple[str, ...]]


def plan_aliases(rows: Iterable[tuple[str, str, str]], words: VocabularyWords | None = None) -> PlanAliases:
    """Aliases of every row of one plan, without those that could name another row.

    >>> rows = [("网络零售额", "", "亿元"), ("跨境网络零售出口额", "", "亿元"), ("农产品网络零售额", "", "亿元")]
    >>> report = plan_aliases(rows)
    >>> report.aliases["跨境网络零售出口额"], report.collisions
    (('网络零售出口额', '零售出口额'), {'网络零售额': ('农产品网络零售额', '网络零售额')})

    Args:
        rows: (name, label, unit) per indicator row.
    """
    rows = list(rows)
    generated = {name: generate_aliases(name, label, unit, words) for name, label, unit in rows}
    names = {name: clean(name) for name, _, _ in rows}
    owners: dict[str, list[str]] = {}
    for name, aliases in generated.items():
        for alias in (names[name], *aliases):
            owners.setdefault(alias, []).append(name)
    kept: dict[str, tuple[str, ...]] = {}
    collisions: dict[str, list[str]] = {}
    for name, aliases in generated.items():
        keep = []
        for alias in aliases:
            inside = [other for other, core in names.items() if other != name and alias in core]
            shared = [other for other in owners[alias] if other != name]
            if inside or shared:
                collisions.setdefault(alias, [name])
                for other in (*inside, *shared):
                    if other not in collisions[alias]:
                        collisions[alias].append(other)
                continue
            keep.append(alias)
        kept[name] = tuple(keep)
    return PlanAliases(aliases=kept, collisions={a: tuple(sorted(n)) for a, n in collisions.items()})


def apply_generated_aliases(indicators: Sequence[Indicator], words: VocabularyWords | None = None) -> list[Indicator]:
    """The rows with their generated aliases added after any they already have.

    >>> from indicators.catalog import load_table, DEFAULT_DOCUMENT
    >>> rows = apply_generated_aliases(load_table(DEFAULT_DOCUMENT).indicators)
    >>> rows[28].name, rows[28].aliases[:2]
    ('数据中心总机架数', ('数据中心总机架数量', '数据中心总机架'))
    """
    report = plan_aliases(((i.name, i.label, i.unit) for i in indicators), words)
    return [
        dataclasses.replace(i, aliases=tuple(dict.fromkeys([*i.aliases, *report.aliases[i.name]])))
        for i in indicators
    ]


def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text))


def fuzzy_candidates(
    phrase: str, names: Sequence[str], limit: int = 5, cutoff: float = 60.0
) -> list[tuple[str, float]]:
    """Names closest to `phrase` by spelling or sound, best first, as (name, score 0–100).

    >>> fuzzy_candidates("工业互连网平台", ["工业互联网平台", "网络零售额"])
    [('工业互联网平台', 95.0)]

    The score is the larger of rapidfuzz's WRatio on the characters and 0.95 × WRatio on the
    tone-less pinyin (机加数 sounds like 机架数); a partial match inside a longer name counts as in
    WRatio. Names scoring below `cutoff` are left out; ties keep the order of `names`.

    Raises:
        ValueError: `limit` below 1.
    """
    if limit < 1:
        raise ValueError(f"limit 必须大于 0 / limit must be greater than 0. Currently, limit is {limit}")
    from rapidfuzz import fuzz

    key = unicodedata.normalize("NFKC", clean(phrase)).lower()
    if len(key) < 2:
        return []
    key_py = _pinyin(key)
    scored = []
    for index, name in enumerate(names):
        target = unicodedata.normalize("NFKC", clean(name)).lower()
        score = max(fuzz.WRatio(key, target), 0.95 * fuzz.WRatio(key_py, _pinyin(target)))
        if score >= cutoff:
            scored.append((round(float(score), 2), index, name))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [(name, score) for score, _, name in scored[:limit]]
