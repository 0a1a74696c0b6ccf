"""jieba + bm25s keyword retrieval for Chinese text.

The tokenizer is a private `jieba.Tokenizer` (the global jieba dictionary is left alone) with the
caller's domain terms added as user words, e.g. indicator names and aliases and task names. Texts are
normalised first (NFKC width folding, lower case, traditional → simplified), so ``５Ｇ基站`` and
``數據中心`` match ``5G基站`` and ``数据中心``.

>>> index = BM25Index(["5G基站数量（个）", "数据中心总机架数"], ["r1", "r2"], extra_terms=["5G基站数量"])
>>> index.warm_up()
>>> index.search("5G基站有多少", k=1)[0][0]
'r1'
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Container, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

# Question words, particles and the self-description of a user ("我们是一家…公司，想做…"): frequent in
# questions, absent from or meaningless in plan text.
_STOPWORD_TEXT = (
    "的 了 和 与 及 或 是 在 有 中 为 对 把 被 就 都 而 也 还 又 吗 呢 "
    "吧 啊 呀 么 哪 哪些 哪个 哪几个 什么 多少 几 怎么 怎样 如何 是否 要 会 "
    "能 可以 请问 请 一下 这个 那个 这些 那些 其 之 我 我们 你 你们 他们 它 "
    "给 让 从 到 向 等 个 项 方面 哪里 何时 什么时候 时候 谁 由 里 上 下 啥 "
    "一家 一个 公司 做 想 想要 负责 关于 相关 有关 哪位 哪一 哪天 哪一天 几个 "
    "哪几"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# A small thesaurus of the digital-economy domain: words users say → words plan documents use.
# Applied to questions only (never to documents), so a user's 快递 or 电信运营商 reaches 物流 or 5G/宽带.
# Callers may pass their own (e.g. from indicator aliases) to `ChineseTokenizer`/`BM25Index`.
DOMAIN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "通信": ("5g", "基站", "宽带", "光纤", "网络基础设施"),
    "电信": ("5g", "基站", "宽带"),
    "运营商": ("5g", "宽带"),
    "移动通信": ("5g", "基站"),
    "宽带": ("光纤", "ftth"),
    "光纤": ("宽带", "ftth"),
    "光网": ("宽带", "光纤"),
    "基站": ("5g",),
    "算力": ("数据中心", "机架"),
    "idc": ("数据中心", "机架"),
    "机房": ("数据中心", "机架"),
    "云计算": ("数据中心", "算力"),
    "电商": ("网络零售", "商务"),
    "电子商务": ("网络零售", "商务"),
    "网店": ("网络零售",),
    "网上": ("网络",),
    "线上": ("网络",),
    "跨境电商": ("跨境", "网络零售"),
    "外贸": ("跨境", "出口"),
    "快递": ("物流",),
    "仓储": ("物流",),
    "配送": ("物流",),
    "货运": ("物流",),
    "供应链": ("物流",),
    "医院": ("医疗",),
    "诊所": ("医疗",),
    "健康": ("医疗",),
    "学校": ("教育",),
    "培训": ("教育",),
    "旅游": ("文旅",),
    "景区": ("文旅",),
    "文化": ("文旅",),
    "银行": ("金融",),
    "保险": ("金融",),
    "金融科技": ("金融",),
    "支付": ("移动支付", "金融"),
    "研发": ("r&d",),
    "科研": ("r&d", "创新"),
    "人才": ("人才",),
    "招聘": ("人才",),
    "引才": ("人才",),
    "办事": ("政务服务", "一网通办"),
    "政务": ("政务服务", "浙政钉"),
    "农民": ("农业", "乡村"),
    "合作社": ("农业", "乡村"),
    "农村": ("乡村", "农业"),
    "工厂": ("制造", "工业"),
    "车间": ("制造", "工业"),
    "生产线": ("制造", "智能化"),
    "开发区": ("园区",),
    "管委会": ("园区",),
    "app": ("软件",),
    "上市公司": ("上市企业",),
    "高企": ("高新技术企业",),
    "智慧城市": ("城市大脑",),
    "招商": ("招商", "重大项目"),
}
_TOKEN_OK = re.compile(r"[0-9a-z\u4e00-\u9fff]")


@functools.lru_cache(maxsize=1)
def _t2s() -> Any:
    try:
        import opencc

        return opencc.OpenCC("t2s")
    except Exception:  # opencc missing or its data broken: fall back to no conversion
        return None


@functools.lru_cache(maxsize=1)
def _base_tokenizer() -> Any:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok


_BASE_LOCK = threading.Lock()
_SHARED: dict[str, Any] = {}
_SHARED_LOCK = threading.Lock()
_WORDS_LOCK = threading.Lock()


def _private_tokenizer() -> Any:
    """A jieba tokenizer with its own copy of the dictionary (loaded from disk once per process)."""
    import jieba

    with _BASE_LOCK:
        base = _base_tokenizer()
    tok = jieba.Tokenizer()
    tok.FREQ = dict(base.FREQ)
    tok.total = base.total
    tok.initialized = True
    return tok


def shared_tokenizer(name: str) -> Any:
    """The process's one jieba tokenizer called `name`, shared by every plan that asks for it.

    A private copy of the dictionary costs ≈ 15 MB (a full ``jieba.Tokenizer`` ≈ 75 MB); one per plan
    and purpose made 200 plans need ≈ 17 GB. Plans sharing one tokenizer add their user words to the
    same dictionary: a word of one plan may then be one token in another plan's text too. A question
    word that a plan's index never saw backs off to its sub-words (`ChineseTokenizer.tokenize_query`),
    so the plans still match each other's words. With one plan loaded, a shared tokenizer is the
    private one.

    >>> shared_tokenizer("doc-a") is shared_tokenizer("doc-a") is not shared_tokenizer("doc-b")
    True
    """
    with _SHARED_LOCK:
        if name not in _SHARED:
            _SHARED[name] = _private_tokenizer()
        return _SHARED[name]


def add_words(tokenizer: Any, terms: Iterable[str], freq: int | None = None, min_chars: int = 2) -> None:
    """Add user words to a jieba tokenizer: with frequency `freq`, or at least 50 (jieba's suggestion).

    Serialised: plans warming up in parallel may add to the same shared tokenizer.
    """
    with _WORDS_LOCK:
        for term in terms:
            if len(term) >= min_chars:
                tokenizer.add_word(term, freq=freq if freq is not None else max(tokenizer.suggest_freq(term), 50))


def normalise(text: str) -> str:
    """NFKC (full-width → half-width), lower case, traditional → simplified Chinese.

    >>> normalise("５Ｇ基站數量")
    '5g基站数量'
    """
    text = unicodedata.normalize("NFKC", text).lower()
    converter = _t2s()
    return converter.convert(text) if converter is not None else text


def to_simplified(text: str) -> str:
    """Traditional → simplified only (keeps width and case), for dense query embedding."""
    converter = _t2s()
    return converter.convert(text) if converter is not None else text


class ChineseTokenizer:
    """jieba search-mode tokens plus the caller's terms as whole tokens.

    A long user term (``数字经济核心产业有效发明专利``) is emitted whole *and* as its jieba sub-words, so a
    question naming only part of it (``有效发明专利``) still matches.
    """

    def __init__(self, extra_terms: Iterable[str] = (),
                 synonyms: Mapping[str, Sequence[str]] | None = None, shared: str | None = None) -> None:
        self.shared = shared
        self.synonyms = {normalise(k): tuple(normalise(v) for v in vs)
                         for k, vs in (DOMAIN_SYNONYMS if synonyms is None else synonyms).items()}
        # Thesaurus words on both sides are dictionary words too, so 文旅 is one token in questions and text.
        thesaurus = set(self.synonyms) | {w for ws in self.synonyms.values() for w in ws}
        self.extra_terms = sorted({normalise(t).strip() for t in extra_terms if t and t.strip()} | thesaurus)
        self._jieba: Any = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Copy jieba's dictionary into a private tokenizer and add the user terms.

        The dictionary is read from disk once per process (≈ 1 s); each tokenizer copies it (≈ 50 ms),
        so user terms of one index never leak into another or into the global ``jieba``.
        """
        with self._lock:
            if self._jieba is not None:
                return
            tok = shared_tokenizer(self.shared) if self.shared else _private_tokenizer()
            add_words(tok, self.extra_terms)
            self._jieba = tok

    def tokenize(self, text: str, search_mode: bool = True) -> list[str]:
        """Normalised tokens without stopwords; `search_mode` adds the sub-words of long words."""
        if self._jieba is None:
            self.warm_up()
        text = normalise(text)
        tokens: list[str] = []
        words = self._jieba.cut_for_search(text, HMM=True) if search_mode else self._jieba.cut(text, HMM=True)
        for tok in words:
            tok = tok.strip()
            if not tok or tok in STOPWORDS or not _TOKEN_OK.search(tok):
                continue
            tokens.append(tok)
            if len(tok) >= 4 and tok in self.extra_terms:
                tokens.extend(
                    w for w in self._jieba.lcut(tok, HMM=False) if w != tok and w not in STOPWORDS
                    and _TOKEN_OK.search(w)
                )
        return tokens

    def tokenize_query(self, text: str, vocabulary: Container[str] | None = None) -> list[str]:
        """Question tokens plus thesaurus expansions (each added once).

        Documents are indexed in search mode (words and their sub-words) but a question is cut in
        precise mode, so one question word is one piece of evidence (信息化 does not also count as
        信息). Only a word the corpus never uses backs off to its sub-words (智慧物流园 → 智慧, 物流).
        """
        tokens = self.tokenize(text, search_mode=False)
        if vocabulary is not None:
            backed: list[str] = []
            for tok in tokens:
                backed.append(tok)
                if tok not in vocabulary and len(tok) >= 3:
                    backed.extend(w for w in self.tokenize(tok) if w != tok)
            tokens = backed
        seen = set(tokens)
        for tok in list(tokens):
            for extra in self.synonyms.get(tok, ()):
                for word in self.tokenize(extra):
                    if word not in seen:
                        seen.add(word)
                        tokens.append(word)
        return tokens


class BM25Index:
    """BM25 (bm25s, Lucene variant) over chunk texts, returning (id, score) best first.

    Args:
        texts / ids: the documents and their ids (same length).
        extra_terms: domain terms for the jieba dictionary.
        k1, b: BM25 parameters (b = 0.5: chunks are short and of similar length; measured).
        synonyms: question-side thesaurus; None → `DOMAIN_SYNONYMS`, {} → none.
        shared: name of a process-wide tokenizer to add the terms to (`shared_tokenizer`); None: a
            private copy of the dictionary.
    """

    def __init__(self, texts: Sequence[str], ids: Sequence[str], extra_terms: Iterable[str] = (),
                 k1: float = 1.2, b: float = 0.5, synonyms: Mapping[str, Sequence[str]] | None = None,
                 shared: str | None = None) -> None:
        if len(texts) != len(ids):
            raise ValueError(f"{len(texts)} texts but {len(ids)} ids")
        self.texts = list(texts)
        self.ids = list(ids)
        self.tokenizer = ChineseTokenizer(extra_terms, synonyms, shared=shared)
        self.k1, self.b = k1, b
        self._bm25: Any = None

    def warm_up(self) -> None:
        """Tokenize the corpus and build the index."""
        if self._bm25 is not None:
            return
        import bm25s

        self.tokenizer.warm_up()
        bm25 = bm25s.BM25(k1=self.k1, b=self.b)
        corpus_tokens = [self.tokenizer.tokenize(t) or ["\u2205"] for t in self.texts]
        if corpus_tokens:
            bm25.index(corpus_tokens, show_progress=False)
        self._bm25 = bm25

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for `query`."""
        self.warm_up()
        tokens = self.tokenizer.tokenize_query(query, self._bm25.vocab_dict)
        if not tokens or not self.ids:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Top `k` (id, score) with a positive score, best first."""
        if k <= 0:
            return []
        scores = self.scores(query)
        if not scores.size:
            return []
        k = min(k, scores.size)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]
